// What reaches the origin and what comes back: header hygiene, identity
// headers, FORWARD_TOKEN, ORIGIN_SECRET, SSE streaming without buffering,
// GET/DELETE session traffic, and origin failures (502, 504).
//
//   node --test --test-concurrency=1 tests/gateway/proxy.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { decodeJwt } from 'jose';
import { freePort, gatewayFor, startStack, messages } from './harness.mjs';
import { ACCEPT, initializeBody, mcpHeaders, openSession, post, toolCall } from './mcp.mjs';

/** The result message for request `id`, asserting it is a successful tool result. */
async function toolResult(response, id) {
  assert.equal(response.status, 200);
  const message = (await messages(response)).find((m) => m.id === id);
  assert.ok(message?.result, `result for ${id}: ${JSON.stringify(message)}`);
  assert.notEqual(message.result.isError, true, JSON.stringify(message.result));
  return message.result;
}

const lastRequest = (origin) => origin.requests.at(-1);
/** The origin's own id inside a session id the gateway bound to its principal. */
const originSessionId = (bound) => Buffer.from(bound.split('.')[0], 'base64url').toString();
const scopeSet = (value) => new Set(String(value).split(' ').filter(Boolean));

// ------------------------------------------------------------------ tests

describe('proxy (default stack)', () => {
  let stack;
  let token;
  let session;

  before(async () => {
    stack = await startStack();
    token = await stack.token();
    session = await openSession(stack.resource, token);
  });
  after(async () => {
    await stack?.close();
  });

  test('initialize: request headers reach the origin, mcp-session-id comes back', async () => {
    const response = await post(stack.resource, { token, body: initializeBody(9) });
    assert.equal(response.status, 200);
    const sessionId = response.headers.get('mcp-session-id');
    // Bound to the principal (SESSION_SECRET): the origin's id plus a MAC, both base64url.
    assert.match(sessionId ?? '', /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.match(originSessionId(sessionId), /^[0-9a-f-]{36}$/);
    await response.body?.cancel();
    const seen = lastRequest(stack.origin);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(seen.headers.accept, ACCEPT);
  });

  test('identity headers are the gateway\'s; client copies, cookies and credentials are dropped', async () => {
    const before = stack.origin.requests.length;
    const response = await post(stack.resource, {
      token,
      session,
      body: toolCall(2, 'list_todos'),
      headers: {
        'x-auth-subject': 'mallory',
        'x-auth-scopes': 'admin',
        'x-auth-client-id': 'evil',
        cookie: 'a=b',
        'x-gateway-secret': 'guess',
      },
    });
    await toolResult(response, 2);
    assert.equal(stack.origin.requests.length, before + 1);
    const { headers } = lastRequest(stack.origin);

    // Exactly one value each (arrays would mean the client's copy slipped through).
    assert.equal(headers['x-auth-subject'], 'demo-m2m');
    assert.equal(headers['x-auth-client-id'], 'demo-m2m');
    assert.equal(typeof headers['x-auth-scopes'], 'string');
    assert.deepEqual(scopeSet(headers['x-auth-scopes']), scopeSet(decodeJwt(token).scope));
    assert.ok(!scopeSet(headers['x-auth-scopes']).has('admin'));

    assert.equal(headers.authorization, undefined, 'token not forwarded by default');
    assert.equal(headers.cookie, undefined, 'cookie dropped');
    assert.equal(headers['x-gateway-secret'], undefined, 'client-sent X-Gateway-Secret dropped');

    assert.equal(headers.accept, ACCEPT);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['mcp-session-id'], originSessionId(session.id), 'the origin sees its own id');
    assert.equal(headers['mcp-protocol-version'], session.protocolVersion);
  });

  test('SSE: progress events are streamed as they happen, not buffered', async () => {
    const started = Date.now();
    const response = await post(stack.resource, {
      token,
      session,
      body: toolCall(3, 'count_slowly', { n: 4, delayMs: 400 }, { progressToken: 't' }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);

    const events = []; // { at, message }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const at = Date.now() - started;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r?\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line.startsWith('data:')) events.push({ at, message: JSON.parse(line.slice(5)) });
      }
    }

    const progress = events.filter((e) => e.message.method === 'notifications/progress');
    const final = events.find((e) => e.message.id === 3);
    assert.equal(progress.length, 4, JSON.stringify(events));
    assert.deepEqual(progress.map((e) => e.message.params.progress), [1, 2, 3, 4]);
    assert.ok(progress.every((e) => e.message.params.progressToken === 't'));
    assert.ok(final?.message.result, 'final result arrived');
    assert.equal(final.message.result.content[0].text, 'counted to 4');
    assert.ok(
      final.at - progress[0].at >= 800,
      `first progress at ${progress[0].at} ms, result at ${final.at} ms: the stream was buffered`,
    );
  });

  test('GET /mcp with the session opens the origin\'s SSE stream', async () => {
    const controller = new AbortController();
    const response = await fetch(stack.resource, {
      method: 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        'mcp-session-id': session.id,
        'mcp-protocol-version': session.protocolVersion,
      },
      signal: controller.signal,
    });
    try {
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const seen = lastRequest(stack.origin);
      assert.equal(seen.method, 'GET');
      assert.equal(seen.headers['mcp-session-id'], originSessionId(session.id));
      assert.equal(seen.headers['x-auth-client-id'], 'demo-m2m');
    } finally {
      await response.body?.cancel().catch(() => {});
      controller.abort();
    }
  });

  test('DELETE /mcp ends the session at the origin', async () => {
    const own = await openSession(stack.resource, token);
    const response = await fetch(stack.resource, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'mcp-session-id': own.id, 'mcp-protocol-version': own.protocolVersion },
    });
    assert.ok([200, 204].includes(response.status), `DELETE status ${response.status}`);
    await response.body?.cancel();
    const seen = lastRequest(stack.origin);
    assert.equal(seen.method, 'DELETE');
    assert.equal(seen.headers['mcp-session-id'], originSessionId(own.id));

    // The origin's answer for the dead session is relayed as is.
    const after = await post(stack.resource, { token, session: own, body: toolCall(4, 'list_todos') });
    assert.equal(after.status, 404);
    await after.body?.cancel();
  });
});

describe('proxy with FORWARD_TOKEN=true and ORIGIN_SECRET', () => {
  let stack;
  let token;
  before(async () => {
    stack = await startStack({
      vars: { FORWARD_TOKEN: 'true', ORIGIN_SECRET: 's3cret' },
      origin: { originSecret: 's3cret' },
    });
    token = await stack.token();
  });
  after(async () => {
    await stack?.close();
  });

  test('tool call works; origin sees the secret (not the client\'s guess) and the same bearer token', async () => {
    const session = await openSession(stack.resource, token);
    const response = await post(stack.resource, {
      token,
      session,
      body: toolCall(2, 'create_todo', { title: 'through the gateway' }),
      headers: { 'x-gateway-secret': 'guess' },
    });
    const result = await toolResult(response, 2);
    assert.match(result.content[0].text, /for demo-m2m/);
    const { headers } = lastRequest(stack.origin);
    assert.equal(headers['x-gateway-secret'], 's3cret');
    assert.equal(headers.authorization, `Bearer ${token}`);
    assert.equal(stack.origin.todos.at(-1).title, 'through the gateway');
  });

  test('the origin refuses callers without the secret', async () => {
    const response = await fetch(stack.origin.url, {
      method: 'POST',
      headers: mcpHeaders(),
      body: JSON.stringify(initializeBody()),
    });
    assert.equal(response.status, 403);
    await response.body?.cancel();
  });
});

describe('origin failures', () => {
  let stack; // supplies the AS and a token
  let token;
  let downGateway;
  let slowGateway;
  let hanging;
  const hangingSockets = new Set();
  let hangingHits = 0;

  /** A lone gateway for `origin`, trusting the stack's AS and its audience. */
  before(async () => {
    stack = await startStack();
    token = await stack.token();
    // Accepts connections, reads requests, never answers.
    hanging = createServer(() => { hangingHits += 1; });
    hanging.on('connection', (socket) => {
      hangingSockets.add(socket);
      socket.on('close', () => hangingSockets.delete(socket));
    });
    await new Promise((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const closedPort = await freePort();
    [downGateway, slowGateway] = await Promise.all([
      gatewayFor(stack, `http://127.0.0.1:${closedPort}/mcp`),
      gatewayFor(stack, `http://127.0.0.1:${hanging.address().port}/mcp`, { vars: { ORIGIN_TIMEOUT_SECONDS: '1' } }),
    ]);
  });
  after(async () => {
    await downGateway?.close();
    await slowGateway?.close();
    for (const socket of hangingSockets) socket.destroy();
    await new Promise((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
    await stack?.close();
  });

  test('origin not listening → 502 origin_unreachable', async () => {
    const response = await post(`${downGateway.url}/mcp`, { token, body: initializeBody() });
    assert.equal(response.status, 502);
    const body = await response.json();
    assert.equal(body.error, 'origin_unreachable');
    // The origin's failure is the gateway's error, not the client's denial.
    const [decision] = await downGateway.events('mcp_edge_guard.decision');
    assert.equal(decision?.decision, 'error', JSON.stringify(downGateway.logs));
    assert.equal(decision.reason, 'origin_unreachable');
    assert.equal(decision.status, 502);
    assert.equal(decision.client_id, 'demo-m2m');
  });

  test('origin never answers → 504 origin_timeout after ORIGIN_TIMEOUT_SECONDS', async () => {
    const response = await post(`${slowGateway.url}/mcp`, { token, body: initializeBody() });
    assert.equal(response.status, 504);
    const body = await response.json();
    assert.equal(body.error, 'origin_timeout');
    assert.equal(hangingHits, 1, 'the request did reach the silent origin');
  });
});

describe('decision log', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('one line per decision by default; DECISION_LOG=denied keeps refusals and errors only', async () => {
    const token = await stack.token();
    const allowed = await post(stack.resource, { token, body: initializeBody() });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
    const [line] = await stack.gateway.events('mcp_edge_guard.decision');
    assert.equal(line?.decision, 'allow');
    assert.equal(line.client_id, 'demo-m2m');
    assert.ok(!JSON.stringify(line).includes(token.split('.')[2]), 'never the token');

    const quiet = await gatewayFor(stack, stack.origin.url, { vars: { DECISION_LOG: 'denied' } });
    try {
      const ok = await post(`${quiet.url}/mcp`, { token, body: initializeBody() });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      const refused = await post(`${quiet.url}/mcp`, { body: initializeBody() });
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
      const lines = await quiet.events('mcp_edge_guard.decision');
      assert.deepEqual(lines.map((entry) => entry.decision), ['deny'], 'the allowed request was not logged');
      assert.equal(lines[0].reason, 'missing_token');
    } finally {
      await quiet.close();
    }
  });
});

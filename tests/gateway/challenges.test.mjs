// What the gateway answers before (or instead of) forwarding: Protected Resource
// Metadata, RFC 6750 challenges, scope decisions, JSON-RPC body checks, Origin
// and CORS, misconfiguration, rate limiting. Real AS, real origin, real worker.
//
//   node --test --test-concurrency=1 tests/gateway/challenges.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import { freePort, startGateway, startStack, messages } from './harness.mjs';
import { rawRequest } from './mcp.mjs';

const ACCEPT = 'application/json, text/event-stream';
const PROTOCOL_VERSION = '2025-06-18';
const ALL_SCOPES = ['todo:admin', 'todo:read', 'todo:write'];
const APP_ORIGIN = 'http://app.example';

// ---------------------------------------------------------------- helpers

const rpc = (id, method, params) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const toolCall = (id, name, args = {}) => rpc(id, 'tools/call', { name, arguments: args });
const initializeBody = (id = 1) =>
  rpc(id, 'initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'challenges-test', version: '0.0.0' },
  });

/** POST to the MCP endpoint; `body` may be an object (JSON-encoded) or a raw string. */
function post(stack, { token, body, headers = {}, session, url = stack.resource, scheme = 'Bearer' }) {
  const h = { 'content-type': 'application/json', accept: ACCEPT, ...headers };
  if (token !== undefined) h.authorization = `${scheme} ${token}`;
  if (session) {
    h['mcp-session-id'] = session.id;
    h['mcp-protocol-version'] = session.protocolVersion;
  }
  return fetch(url, { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Opens an MCP session through the gateway: initialize + notifications/initialized. */
async function openSession(stack, token) {
  const response = await post(stack, { token, body: initializeBody() });
  assert.equal(response.status, 200, 'initialize through the gateway');
  const id = response.headers.get('mcp-session-id');
  assert.ok(id, 'initialize response carries mcp-session-id');
  const [init] = await messages(response);
  const session = { id, protocolVersion: init.result.protocolVersion };
  const note = await post(stack, { token, session, body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
  assert.equal(note.status, 202);
  await note.body?.cancel();
  return session;
}

/** Parses `Bearer k="v", k2="v2"` into { scheme, params }. */
function parseChallenge(value) {
  assert.ok(value, 'WWW-Authenticate present');
  assert.match(value, /^Bearer /);
  const params = {};
  for (const [, name, v] of value.slice('Bearer '.length).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    assert.equal(params[name], undefined, `parameter ${name} appears once`);
    params[name] = v;
  }
  return params;
}

/** A JWT signed by a key the gateway has never seen. */
async function foreignToken(claims) {
  const { privateKey } = await generateKeyPair('RS256');
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'not-a-key-the-gateway-knows' })
    .sign(privateKey);
  return { token };
}

/** One raw HTTP/1.1 request with headers given as a rawHeaders-style array (duplicates kept). */
async function assertJsonError(response, status, error) {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = await response.json();
  assert.equal(body.error, error);
  assert.equal(typeof body.error_description, 'string');
  assert.ok(body.error_description.length > 0);
  return body;
}

// ------------------------------------------------------------------ tests

describe('gateway challenges (default stack, ALLOWED_ORIGINS=http://app.example)', () => {
  let stack;
  let full; // demo-m2m, all scopes
  let readonly; // demo-readonly, todo:read
  let prmUrl;

  before(async () => {
    stack = await startStack({ vars: { ALLOWED_ORIGINS: APP_ORIGIN } });
    [full, readonly] = await Promise.all([stack.token(), stack.token('demo-readonly', 'todo:read')]);
    prmUrl = `${stack.base}/.well-known/oauth-protected-resource/mcp`;
  });
  after(async () => {
    await stack?.close();
  });

  describe('Protected Resource Metadata', () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      test(`GET ${path} is the RFC 9728 document`, async () => {
        const response = await fetch(`${stack.base}${path}`);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        assert.equal(response.headers.get('access-control-allow-origin'), '*');
        assert.ok(response.headers.get('cache-control'), 'Cache-Control set');
        const doc = await response.json();
        assert.equal(doc.resource, stack.resource);
        assert.deepEqual(doc.authorization_servers, [stack.auth.issuer]);
        assert.deepEqual([...doc.scopes_supported].sort(), ALL_SCOPES);
        assert.deepEqual(doc.bearer_methods_supported, ['header']);
        assert.equal(doc.resource_name, 'Demo todo MCP server');
        for (const [key, value] of Object.entries(doc)) {
          assert.ok(value !== null && value !== '' && !(Array.isArray(value) && value.length === 0), `${key} is not empty`);
        }
      });
    }

    test('OPTIONS preflight on the metadata is 204 without auth', async () => {
      const response = await fetch(prmUrl, {
        method: 'OPTIONS',
        headers: { origin: 'http://anywhere.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.equal(response.headers.get('www-authenticate'), null);
    });
  });

  describe('no bearer credentials → 401 without error code', () => {
    const expectBareChallenge = async (response) => {
      assert.equal(response.status, 401);
      const params = parseChallenge(response.headers.get('www-authenticate'));
      assert.equal(params.resource_metadata, `${stack.base}/.well-known/oauth-protected-resource/mcp`);
      assert.deepEqual(params.scope.split(' ').sort(), ALL_SCOPES);
      assert.equal(params.error, undefined, 'no error= when no credentials were sent');
      assert.doesNotMatch(response.headers.get('www-authenticate'), /error=/);
      const body = await response.json();
      assert.equal(typeof body.error, 'string');
      assert.equal(typeof body.error_description, 'string');
    };

    for (const method of ['POST', 'GET', 'DELETE']) {
      test(`${method} /mcp without Authorization`, async () => {
        const before = stack.origin.requests.length;
        const response = await fetch(stack.resource, {
          method,
          headers: { accept: ACCEPT, 'content-type': 'application/json' },
          body: method === 'POST' ? JSON.stringify(initializeBody()) : undefined,
        });
        await expectBareChallenge(response);
        assert.equal(stack.origin.requests.length, before, 'origin not contacted');
      });
    }

    test('Basic credentials count as no bearer token', async () => {
      const response = await post(stack, {
        scheme: 'Basic',
        token: Buffer.from('demo-m2m:demo-m2m-secret').toString('base64'),
        body: initializeBody(),
      });
      await expectBareChallenge(response);
    });
  });

  describe('malformed requests → 400 invalid_request', () => {
    const expectInvalidRequest = async (response) => {
      assert.equal(response.status, 400);
      const params = parseChallenge(response.headers.get('www-authenticate'));
      assert.equal(params.error, 'invalid_request');
      assert.ok(params.resource_metadata);
      await assertJsonError(response, 400, 'invalid_request');
    };

    test('`Bearer a b`', async () => {
      await expectInvalidRequest(
        await fetch(stack.resource, {
          method: 'POST',
          headers: { authorization: 'Bearer a b', 'content-type': 'application/json', accept: ACCEPT },
          body: JSON.stringify(initializeBody()),
        }),
      );
    });

    test('`Bearer` with no token', async () => {
      await expectInvalidRequest(
        await fetch(stack.resource, {
          method: 'POST',
          headers: { authorization: 'Bearer', 'content-type': 'application/json', accept: ACCEPT },
          body: JSON.stringify(initializeBody()),
        }),
      );
    });

    test('two Authorization headers (both valid tokens)', async () => {
      const before = stack.origin.requests.length;
      const other = await stack.token();
      const response = await rawRequest(
        stack.resource,
        'POST',
        [
          'Authorization', `Bearer ${full}`,
          'Authorization', `Bearer ${other}`,
          'Content-Type', 'application/json',
          'Accept', ACCEPT,
        ],
        JSON.stringify(initializeBody()),
      );
      assert.equal(response.status, 400, response.text);
      const params = parseChallenge(response.headers['www-authenticate']);
      assert.equal(params.error, 'invalid_request');
      assert.equal(JSON.parse(response.text).error, 'invalid_request');
      assert.equal(stack.origin.requests.length, before, 'origin not contacted');
    });

    test('access_token in the query is refused even with a valid header token', async () => {
      const before = stack.origin.requests.length;
      const response = await post(stack, {
        token: full,
        url: `${stack.resource}?access_token=${full}`,
        body: initializeBody(),
      });
      await expectInvalidRequest(response);
      assert.equal(stack.origin.requests.length, before, 'origin not contacted');
    });
  });

  describe('bad tokens → 401 invalid_token', () => {
    const expectInvalidToken = async (response) => {
      assert.equal(response.status, 401);
      const params = parseChallenge(response.headers.get('www-authenticate'));
      assert.equal(params.error, 'invalid_token');
      assert.equal(params.resource_metadata, `${stack.base}/.well-known/oauth-protected-resource/mcp`);
      await assertJsonError(response, 401, 'invalid_token');
    };

    test('garbage token', async () => {
      await expectInvalidToken(await post(stack, { token: 'not-a-jwt', body: initializeBody() }));
    });

    test('expired token signed with an unknown key', async () => {
      const now = Math.floor(Date.now() / 1000);
      const { token } = await foreignToken({
        iss: stack.auth.issuer, aud: stack.resource, sub: 'demo-m2m', client_id: 'demo-m2m',
        scope: 'todo:read', iat: now - 7200, exp: now - 3600,
      });
      await expectInvalidToken(await post(stack, { token, body: initializeBody() }));
    });

    test('token for another audience signed with an unknown key', async () => {
      const now = Math.floor(Date.now() / 1000);
      const { token } = await foreignToken({
        iss: stack.auth.issuer, aud: 'https://other.example/mcp', sub: 'demo-m2m', client_id: 'demo-m2m',
        scope: 'todo:read', iat: now, exp: now + 600,
      });
      await expectInvalidToken(await post(stack, { token, body: initializeBody() }));
    });

    test('real token with a tampered payload', async () => {
      const [header, payload, signature] = full.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      claims.scope = `${claims.scope} todo:superuser`;
      const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
      await expectInvalidToken(await post(stack, { token: forged, body: initializeBody() }));
    });

    test('real claims re-signed with alg none', async () => {
      const [, payload] = full.split('.');
      const { kid } = decodeProtectedHeader(full);
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid })).toString('base64url');
      await expectInvalidToken(await post(stack, { token: `${header}.${payload}.`, body: initializeBody() }));
    });

    test('lowercase `bearer` scheme with a valid token is accepted', async () => {
      const response = await post(stack, { scheme: 'bearer', token: full, body: initializeBody() });
      assert.equal(response.status, 200);
      assert.ok(response.headers.get('mcp-session-id'));
      await response.body?.cancel();
    });
  });

  describe('scopes', () => {
    let session;
    before(async () => {
      session = await openSession(stack, readonly);
    });

    test('read-only token may call list_todos', async () => {
      const response = await post(stack, { token: readonly, session, body: toolCall(2, 'list_todos') });
      assert.equal(response.status, 200);
      const [message] = await messages(response);
      assert.equal(message.id, 2);
      assert.ok(message.result, JSON.stringify(message));
      assert.notEqual(message.result.isError, true);
    });

    test('read-only token calling create_todo → 403 insufficient_scope asking for read+write', async () => {
      const before = stack.origin.requests.length;
      const response = await post(stack, {
        token: readonly,
        session,
        body: toolCall(3, 'create_todo', { title: 'should not exist' }),
      });
      assert.equal(response.status, 403);
      const params = parseChallenge(response.headers.get('www-authenticate'));
      assert.equal(params.error, 'insufficient_scope');
      const scopes = params.scope.split(' ');
      assert.ok(scopes.includes('todo:read') && scopes.includes('todo:write'), params.scope);
      assert.ok(params.resource_metadata);
      await assertJsonError(response, 403, 'insufficient_scope');
      assert.equal(stack.origin.requests.length, before, 'origin not contacted');
      assert.equal(stack.origin.todos.length, 0);
    });

    test('a tool missing from TOOL_SCOPES → 403 access_denied, no step-up offered', async () => {
      const before = stack.origin.requests.length;
      const response = await post(stack, { token: full, body: toolCall(4, 'rm_rf', { path: '/' }) });
      assert.equal(response.status, 403);
      assert.ok(!(response.headers.get('www-authenticate') ?? '').includes('scope='), 'no scope to ask for');
      await assertJsonError(response, 403, 'access_denied');
      assert.equal(stack.origin.requests.length, before, 'origin not contacted');
    });

    test('a batch with one forbidden call is refused whole', async () => {
      const before = stack.origin.requests.length;
      const response = await post(stack, {
        token: readonly,
        session,
        body: [toolCall(5, 'list_todos'), toolCall(6, 'create_todo', { title: 'smuggled' })],
      });
      assert.equal(response.status, 403);
      const params = parseChallenge(response.headers.get('www-authenticate'));
      assert.equal(params.error, 'insufficient_scope');
      assert.ok(params.scope.split(' ').includes('todo:write'), params.scope);
      await response.body?.cancel();
      assert.equal(stack.origin.requests.length, before, 'origin saw nothing of the batch');
      assert.equal(stack.origin.todos.length, 0);
    });
  });

  describe('JSON-RPC body checks (valid token)', () => {
    const expectRpcError = async (response, code) => {
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.equal(body.jsonrpc, '2.0');
      assert.equal(body.id, null);
      assert.equal(body.error.code, code);
      assert.equal(typeof body.error.message, 'string');
    };

    test('malformed JSON → 400 -32700', async () => {
      const before = stack.origin.requests.length;
      await expectRpcError(await post(stack, { token: full, body: '{"jsonrpc":"2.0",' }), -32700);
      assert.equal(stack.origin.requests.length, before);
    });

    test('empty batch `[]` → 400 -32600', async () => {
      const before = stack.origin.requests.length;
      await expectRpcError(await post(stack, { token: full, body: '[]' }), -32600);
      assert.equal(stack.origin.requests.length, before);
    });

    test('Mcp-Method header that disagrees with the body → 400', async () => {
      const before = stack.origin.requests.length;
      const response = await post(stack, {
        token: full,
        headers: { 'mcp-method': 'tools/list' },
        body: toolCall(7, 'delete_todo', { id: '1' }),
      });
      await expectRpcError(response, -32600);
      assert.equal(stack.origin.requests.length, before);
    });

    test('a body over 1 MB → 413, never read into the origin', async () => {
      const before = stack.origin.requests.length;
      const title = 'x'.repeat(1024 * 1024 + 1);
      const response = await post(stack, { token: full, body: toolCall(8, 'create_todo', { title }) });
      assert.equal(response.status, 413);
      assert.equal((await response.json()).error, 'request_too_large');
      assert.equal(stack.origin.requests.length, before);
    });

    test('a body over 1 MB sent without Content-Length (chunked) → 413', async () => {
      const before = stack.origin.requests.length;
      const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream({
        pull(controller) {
          if (sent >= 17) return controller.close();
          sent += 1;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(stack.resource, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${full}` },
        body,
        duplex: 'half',
      });
      assert.equal(response.status, 413);
      assert.equal(stack.origin.requests.length, before);
    });
  });

  describe('Origin and CORS', () => {
    test('POST from a disallowed Origin → 403 (with or without a token)', async () => {
      const before = stack.origin.requests.length;
      for (const token of [full, undefined]) {
        const response = await post(stack, { token, headers: { origin: 'http://evil.example' }, body: initializeBody() });
        assert.equal(response.status, 403);
        const body = await response.json();
        assert.equal(body.error, 'forbidden_origin');
        assert.notEqual(response.headers.get('access-control-allow-origin'), 'http://evil.example');
      }
      assert.equal(stack.origin.requests.length, before);
    });

    test('POST from the allowed Origin → 200 with CORS headers', async () => {
      const response = await post(stack, { token: full, headers: { origin: APP_ORIGIN }, body: initializeBody() });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN);
      const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      assert.ok(exposed.includes('www-authenticate'), exposed.join());
      assert.ok(exposed.includes('mcp-session-id'), exposed.join());
      assert.ok(response.headers.get('mcp-session-id'));
      await response.body?.cancel();
    });

    test('401 to the allowed Origin is readable by the browser', async () => {
      const response = await post(stack, { headers: { origin: APP_ORIGIN }, body: initializeBody() });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.match(response.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/i);
      await response.body?.cancel();
    });

    test('OPTIONS /mcp from the allowed Origin → 204 preflight, no auth needed', async () => {
      const response = await fetch(stack.resource, {
        method: 'OPTIONS',
        headers: {
          origin: APP_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, mcp-session-id',
        },
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN);
      const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      assert.ok(allowed.includes('authorization'), allowed.join());
      assert.ok(allowed.includes('mcp-session-id'), allowed.join());
      assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
    });
  });

  test('/health on a good stack → 200 healthy', async () => {
    const response = await fetch(`${stack.base}/health`);
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.status, 'healthy');
    assert.equal(body.config, 'ok');
  });
});

describe('misconfigured gateway (TOOL_SCOPES={broken)', () => {
  let gateway;
  before(async () => {
    const port = await freePort();
    gateway = await startGateway({
      port,
      vars: {
        RESOURCE: `http://127.0.0.1:${port}/mcp`,
        ORIGIN_URL: 'http://127.0.0.1:9/mcp',
        ISSUER: 'http://127.0.0.1:9',
        TOOL_SCOPES: '{broken',
      },
    });
  });
  after(async () => {
    await gateway?.close();
  });

  for (const method of ['POST', 'GET', 'DELETE', 'OPTIONS']) {
    test(`${method} /mcp → 500 server_misconfigured naming TOOL_SCOPES`, async () => {
      const response = await fetch(`${gateway.url}/mcp`, {
        method,
        headers: { authorization: 'Bearer abc', 'content-type': 'application/json', accept: ACCEPT },
        body: method === 'POST' ? JSON.stringify(initializeBody()) : undefined,
      });
      assert.equal(response.status, 500);
      const body = await response.json();
      assert.equal(body.error, 'server_misconfigured');
      assert.ok(Array.isArray(body.problems) && body.problems.length > 0);
      assert.ok(body.problems.some((p) => p.includes('TOOL_SCOPES')), JSON.stringify(body.problems));
    });
  }

  test('/health → 503 config invalid', async () => {
    const response = await fetch(`${gateway.url}/health`);
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.equal(body.config, 'invalid');
    assert.notEqual(body.status, 'healthy');
    assert.ok(body.problems.some((p) => p.includes('TOOL_SCOPES')));
  });
});

describe('rate limit (limit 2 per 60 s)', () => {
  let stack;
  let full;
  let readonly;
  before(async () => {
    stack = await startStack({ rateLimit: { limit: 2, period: 60 } });
    [full, readonly] = await Promise.all([stack.token(), stack.token('demo-readonly', 'todo:read')]);
  });
  after(async () => {
    await stack?.close();
  });

  test('third request from the same client → 429 with Retry-After; other clients unaffected', async () => {
    // Miniflare's limiter counts in fixed windows aligned to the minute: do not
    // straddle a window boundary (waits only in the last 3 s of a minute).
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 3_000) await new Promise((resolve) => setTimeout(resolve, left + 50));

    const statuses = [];
    for (let i = 0; i < 2; i++) {
      const response = await post(stack, { token: full, body: initializeBody() });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assert.deepEqual(statuses, [200, 200]);
    const seen = stack.origin.requests.length;

    const limited = await post(stack, { token: full, body: initializeBody() });
    assert.equal(limited.status, 429);
    const retryAfter = limited.headers.get('retry-after');
    assert.ok(retryAfter && /^\d+$/.test(retryAfter) && Number(retryAfter) > 0, `Retry-After: ${retryAfter}`);
    assert.deepEqual(await limited.json(), { error: 'rate_limit_exceeded' });
    assert.equal(stack.origin.requests.length, seen, 'limited request not forwarded');

    const other = await post(stack, { token: readonly, body: initializeBody() });
    assert.equal(other.status, 200, 'the limit is per client');
    await other.body?.cancel();
  });
});

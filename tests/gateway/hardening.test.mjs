// The origin acts on exactly what the gateway checked. Each test sends an
// attack as a client holding a valid low-scope token would, then looks at
// what reached the origin: the real MCP SDK origin of the stack, an Express
// `express.json()` origin, or a recording origin for header-level checks.
//
//   node --test --test-concurrency=1 tests/gateway/hardening.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Response as MiniflareResponse } from 'miniflare';
import { gatewayFor, listenLocal, messages, startStack } from './harness.mjs';
import { initializeBody, mcpHeaders, openSession, post, rawRequest, toolCall } from './mcp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` on 127.0.0.1 as an HTTP server; resolves to `{ url, close }`. */
async function serve(handler) {
  const server = createServer(handler);
  const { base, close } = await listenLocal(server);
  return { base, url: `${base}/mcp`, close };
}

/** An origin that records each request (method, URL, headers, body) and answers a JSON-RPC result. */
async function recordingOrigin(answer = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', vary: 'Accept-Encoding', 'mcp-session-id': 'origin-session-7' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }));
}) {
  const seen = [];
  const origin = await serve((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  return { ...origin, seen };
}

/** Text whose UTF-8 bytes are a harmless string body, and whose UTF-7 decoding is `hidden`. */
function utf7(hidden) {
  // UTF-7 (RFC 2152): "+" opens a run of base64 over UTF-16BE, "-" closes it.
  const utf16be = Buffer.from(hidden, 'utf16le').swap16();
  return `+${utf16be.toString('base64').replace(/=+$/, '')}-`;
}

/**
 * A `tools/call list_todos` (todo:read) that a UTF-7 reader sees as `create_todo`
 * (todo:write): the UTF-7 run closes the arguments and params and opens a second
 * `params`, which wins (last member wins in JSON.parse); the top level keeps
 * only jsonrpc/id/method/params, so strict JSON-RPC schemas accept it.
 */
const SMUGGLED = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_todos","arguments":{"note":"'
  + `${utf7('"}},"params":{"name":"create_todo","arguments":{"title":"smuggled","x":"')}"}}}`;

function withSignature(token, signature) {
  const [header, payload] = token.split('.');
  return `${header}.${payload}.${signature}`;
}

function withHeader(token, header) {
  const [, payload, signature] = token.split('.');
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
}

/** Miniflare's rate limiter counts in windows aligned to the minute: do not straddle one. */
async function awayFromMinuteBoundary() {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 4_000) await sleep(left + 50);
}

describe('hardening against the MCP SDK origin', () => {
  let stack;
  let full;
  let readonly;
  before(async () => {
    stack = await startStack();
    [full, readonly] = await Promise.all([stack.token(), stack.token('demo-readonly', 'todo:read')]);
  });
  after(async () => {
    await stack?.close();
  });

  test('1. a body declared as UTF-7 is refused (415) and never reaches the origin', async () => {
    // (This SDK version's Streamable HTTP transport decodes bodies as UTF-8 whatever
    // the charset; its older SSE transport and Express's express.json() honour it:
    // see the Express origin below for the attack itself.)
    const before = stack.origin.todos.length;
    // Through the gateway, with a read-only token: refused, nothing reaches the origin.
    const session = await openSession(stack.resource, readonly);
    const requests = stack.origin.requests.length;
    const response = await post(stack.resource, {
      token: readonly,
      session,
      body: undefined,
      headers: { 'content-type': 'application/json; charset=utf-7' },
      raw: SMUGGLED,
    });
    assert.equal(response.status, 415);
    assert.equal((await response.json()).error, 'unsupported_media_type');
    assert.equal(stack.origin.requests.length, requests, 'the origin saw nothing');
    assert.equal(stack.origin.todos.length, before, 'no smuggled todo');
  });

  test('2. member names that fold to method/params/name are refused (400)', async () => {
    const session = await openSession(stack.resource, readonly);
    const requests = stack.origin.requests.length;
    const bodies = [
      '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"list_todos","Name":"delete_todo"}}',
      '{"jsonrpc":"2.0","id":8,"method":"ping","METHOD":"tools/call","params":{"name":"delete_todo"}}',
      '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"list_todos"},"param\u017f":{"name":"delete_todo"}}',
    ];
    for (const raw of bodies) {
      const response = await post(stack.resource, { token: readonly, session, raw });
      assert.equal(response.status, 400, raw);
      const body = await response.json();
      assert.equal(body.error.code, -32600, raw);
    }
    assert.equal(stack.origin.requests.length, requests, 'the origin saw none of them');
  });

  test('4. a session is bound to the principal that opened it (404 for anyone else)', async () => {
    const session = await openSession(stack.resource, full);
    const own = await post(stack.resource, { token: full, session, body: toolCall(3, 'list_todos') });
    assert.equal(own.status, 200);
    await messages(own);
    const originId = stack.origin.requests.at(-1).headers['mcp-session-id'];
    assert.ok(originId && !session.id.includes(originId), 'the client holds a wrapped id, the origin its own');

    const requests = stack.origin.requests.length;
    for (const method of ['POST', 'DELETE', 'GET']) {
      const response = await fetch(stack.resource, {
        method,
        headers: mcpHeaders({ token: readonly, session }),
        body: method === 'POST' ? JSON.stringify(toolCall(4, 'list_todos')) : undefined,
      });
      assert.equal(response.status, 404, method);
      assert.equal((await response.json()).error, 'session_not_found');
    }
    // The raw origin id is no way in either, not even for the session's owner.
    const raw = await post(stack.resource, { token: full, session: { ...session, id: originId }, body: toolCall(5, 'list_todos') });
    assert.equal(raw.status, 404);
    await raw.body?.cancel();
    assert.equal(stack.origin.requests.length, requests, 'the origin saw none of them');

    const again = await post(stack.resource, { token: await stack.token(), session, body: toolCall(6, 'list_todos') });
    assert.equal(again.status, 200, 'a later token of the same client keeps its session');
    await messages(again);
  });

  test('6. an access_token in the query is refused however it is encoded', async () => {
    const requests = stack.origin.requests.length;
    for (const query of ['access%5Ftoken', '%61ccess_token', 'access_toke%6E', 'x=1;access_token']) {
      const response = await post(`${stack.resource}?${query}=${full}`, { token: full, body: initializeBody() });
      assert.equal(response.status, 400, query);
      assert.equal((await response.json()).error, 'invalid_request');
    }
    assert.equal(stack.origin.requests.length, requests);
  });

  test('8. methods other than POST, GET, DELETE: 405 with Allow once authenticated, 401 before', async () => {
    const requests = stack.origin.requests.length;
    for (const method of ['PROPFIND', 'PUT', 'PATCH', 'TRACE']) {
      const anonymous = await rawRequest(stack.resource, method);
      assert.equal(anonymous.status, 401, `${method} without a token`);
      const response = await rawRequest(stack.resource, method, { authorization: `Bearer ${full}` });
      assert.equal(response.status, 405, `${method}: ${response.text}`);
      assert.equal(response.headers.allow, 'GET, POST, DELETE, OPTIONS');
    }
    assert.equal(stack.origin.requests.length, requests, 'none forwarded (PROPFIND used to arrive as a GET)');
  });

  test('10. a misconfigured gateway tells callers problem codes, not values', async () => {
    const broken = await gatewayFor(stack, stack.origin.url, { vars: { TOOL_SCOPES: '{"secret-tool-name":' } });
    try {
      const response = await fetch(`${broken.url}/mcp`, { method: 'POST', headers: mcpHeaders({ token: full }), body: '{}' });
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.deepEqual(JSON.parse(text), { error: 'server_misconfigured', problems: ['TOOL_SCOPES:invalid'] });
      const health = await (await fetch(`${broken.url}/health`)).text();
      assert.ok(!health.includes('secret-tool-name') && !health.includes(stack.auth.issuer), health);
      const [logged] = await broken.events('mcp_edge_guard.config_error');
      assert.match(logged.problems[0], /TOOL_SCOPES/, 'the details are in the log');
    } finally {
      await broken.close();
    }
  });
});

describe('charset against an Express express.json() origin', () => {
  let stack;
  let readonly;
  let origin;
  let gateway;
  const seen = [];
  before(async () => {
    stack = await startStack();
    readonly = await stack.token('demo-readonly', 'todo:read');
    const app = express();
    app.use(express.json());
    app.post('/mcp', (req, res) => {
      seen.push({ body: req.body, contentType: req.headers['content-type'] });
      res.json({ jsonrpc: '2.0', id: req.body.id ?? null, result: {} });
    });
    const { base, close } = await listenLocal(createServer(app));
    origin = { url: `${base}/mcp`, close };
    gateway = await gatewayFor(stack, origin.url);
  });
  after(async () => {
    await gateway?.close();
    await origin?.close();
    await stack?.close();
  });

  test('1. Express decodes UTF-7 into another tool; through the gateway the body never arrives', async () => {
    const direct = await fetch(origin.url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-7' }, body: SMUGGLED });
    assert.equal(direct.status, 200);
    assert.equal(seen.at(-1).body.params.name, 'create_todo', 'the attack works against express.json()');

    const count = seen.length;
    for (const charset of ['utf-7', 'utf-16le', 'iso-8859-1']) {
      const response = await post(`${gateway.url}/mcp`, {
        token: readonly,
        raw: SMUGGLED,
        headers: { 'content-type': `application/json; charset=${charset}` },
      });
      assert.equal(response.status, 415, charset);
      await response.body?.cancel();
    }
    assert.equal(seen.length, count, 'nothing reached Express');
  });

  test('1. UTF-8 bodies arrive as application/json, without parameters', async () => {
    const response = await post(`${gateway.url}/mcp`, {
      token: readonly,
      body: toolCall(9, 'list_todos'),
      headers: { 'content-type': 'application/json; charset=UTF-8; boundary=x' },
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.equal(seen.at(-1).contentType, 'application/json');
    assert.equal(seen.at(-1).body.params.name, 'list_todos');
  });
});

describe('what reaches a recording origin', () => {
  let stack;
  let full;
  before(async () => {
    stack = await startStack();
    full = await stack.token();
  });
  after(async () => {
    await stack?.close();
  });

  test('3. an origin redirect is never followed (502); the other host sees nothing', async () => {
    const elsewhere = await recordingOrigin();
    const redirecting = await recordingOrigin((req, res) => {
      res.writeHead(307, { location: `${elsewhere.base}/steal` });
      res.end();
    });
    const gateway = await gatewayFor(stack, redirecting.url, { vars: { ORIGIN_SECRET: 'origin-secret', FORWARD_TOKEN: 'true' } });
    try {
      const response = await post(`${gateway.url}/mcp`, { token: full, body: initializeBody() });
      assert.equal(response.status, 502);
      assert.equal((await response.json()).error, 'origin_redirected');
      assert.equal(redirecting.seen.length, 1);
      assert.equal(elsewhere.seen.length, 0, 'no identity headers, secret, token or body went to the redirect target');
    } finally {
      await gateway.close();
      await redirecting.close();
      await elsewhere.close();
    }
  });

  test('null-body answers of the origin (204) pass through as they are', async () => {
    const origin = await recordingOrigin((req, res) => {
      res.writeHead(204, { 'mcp-session-id': 'origin-session-7' });
      res.end();
    });
    const gateway = await gatewayFor(stack, origin.url);
    try {
      const response = await fetch(`${gateway.url}/mcp`, { method: 'DELETE', headers: mcpHeaders({ token: full }) });
      assert.equal(response.status, 204);
      assert.equal(await response.text(), '');
      assert.equal(origin.seen.at(-1).method, 'DELETE');
    } finally {
      await gateway.close();
      await origin.close();
    }
  });

  test('hop-by-hop fields of the origin answer are not relayed: the fixed ones and those its Connection names (RFC 9110 §7.6.1)', async () => {
    const origin = await recordingOrigin((req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'keep-alive, X-Hop-Route',
        'x-hop-route': 'pool-7',
        'proxy-connection': 'keep-alive',
        'x-kept': 'yes',
      });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }));
    });
    const gateway = await gatewayFor(stack, origin.url);
    try {
      const response = await post(`${gateway.url}/mcp`, { token: full, body: initializeBody() });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 1, result: {} });
      assert.equal(response.headers.get('x-kept'), 'yes');
      assert.equal(response.headers.get('x-hop-route'), null, 'named by Connection');
      assert.equal(response.headers.get('proxy-connection'), null);
    } finally {
      await gateway.close();
      await origin.close();
    }
  });

  test('7. the configured origin query stays; client parameters follow it, and may not repeat it', async () => {
    const origin = await recordingOrigin();
    const gateway = await gatewayFor(stack, `${origin.url}?tenant=acme`);
    try {
      const refused = await post(`${gateway.url}/mcp?tenant=globex`, { token: full, body: initializeBody() });
      assert.equal(refused.status, 400);
      await refused.body?.cancel();
      const encoded = await post(`${gateway.url}/mcp?x=1&%74enant=globex`, { token: full, body: initializeBody() });
      assert.equal(encoded.status, 400);
      await encoded.body?.cancel();
      assert.equal(origin.seen.length, 0);

      const appended = await post(`${gateway.url}/mcp?debug=1`, { token: full, body: initializeBody() });
      assert.equal(appended.status, 200);
      await appended.body?.cancel();
      assert.equal(origin.seen.at(-1).url, '/mcp?tenant=acme&debug=1');
    } finally {
      await gateway.close();
      await origin.close();
    }
  });

  test('12. Vary is merged; Mcp-Param-* never forwarded; Mcp-Method/Mcp-Name only with the body they describe', async () => {
    const origin = await recordingOrigin();
    const app = 'http://app.example';
    const gateway = await gatewayFor(stack, origin.url, { vars: { ALLOWED_ORIGINS: app } });
    try {
      const response = await post(`${gateway.url}/mcp`, {
        token: full,
        body: toolCall(1, 'list_todos'),
        headers: { origin: app, 'mcp-method': 'tools/call', 'mcp-name': 'list_todos', 'mcp-param-name': 'delete_todo' },
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
      const vary = response.headers.get('vary').split(',').map((name) => name.trim().toLowerCase());
      assert.deepEqual(vary.sort(), ['accept-encoding', 'origin']);
      const posted = origin.seen.at(-1).headers;
      assert.equal(posted['mcp-param-name'], undefined, 'unchecked Mcp-Param-* dropped');
      assert.equal(posted['mcp-method'], 'tools/call', 'checked against the body, so forwarded');

      const get = await fetch(`${gateway.url}/mcp`, {
        headers: { ...mcpHeaders({ token: full }), accept: 'text/event-stream', 'mcp-method': 'tools/call', 'mcp-name': 'delete_todo' },
      });
      await get.body?.cancel();
      const got = origin.seen.at(-1);
      assert.equal(got.method, 'GET');
      assert.equal(got.headers['mcp-method'], undefined, 'no body to check them against: dropped');
      assert.equal(got.headers['mcp-name'], undefined);
      assert.equal(got.headers['content-type'], undefined);
    } finally {
      await gateway.close();
      await origin.close();
    }
  });
});

describe('key refresh and the shared key copy', () => {
  test('5. a refetch for a made-up kid, held by a slow AS, does not hold up valid requests', async () => {
    const stack = await startStack();
    let hold = null;
    let fetches = 0;
    const jwks = await serve(async (req, res) => {
      fetches += 1;
      if (hold) await hold.promise;
      const upstream = await fetch(stack.auth.jwksUri);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
      res.end(await upstream.text());
    });
    const gateway = await gatewayFor(stack, stack.origin.url, { vars: { JWKS_URI: `${jwks.base}/jwks`, JWKS_COOLDOWN_SECONDS: '1' } });
    try {
      const token = await stack.token();
      const first = await post(`${gateway.url}/mcp`, { token, body: initializeBody() });
      assert.equal(first.status, 200);
      await first.body?.cancel();
      await sleep(1_100); // the cooldown allows a kid-miss refetch now

      let release;
      hold = { promise: new Promise((resolve) => { release = resolve; }) };
      const forged = withHeader(token, { alg: 'RS256', kid: 'made-up', typ: 'at+jwt' });
      let forgedSettled = false;
      const forgedResponse = post(`${gateway.url}/mcp`, { token: forged, body: initializeBody() }).finally(() => {
        forgedSettled = true;
      });
      while (fetches < 2) await sleep(10); // the refetch is out, and held

      const valid = await post(`${gateway.url}/mcp`, { token, body: initializeBody() });
      assert.equal(valid.status, 200);
      // Ordering, not timing: the valid request was answered while the
      // refetch was still held (it ends only on release, or at the gateway's
      // 5 s fetch timeout, which a waiting request would have sat out).
      assert.equal(forgedSettled, false, 'served before the held refetch ended');
      await valid.body?.cancel();
      assert.equal(fetches, 2);

      release();
      assert.equal((await forgedResponse).status, 401);
    } finally {
      await gateway.close();
      await jwks.close();
      await stack.close();
    }
  });

  test('9. a forged key set planted in the cache is not trusted', async () => {
    const stack = await startStack();
    try {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'attacker', alg: 'ES256', use: 'sig' };
      const now = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({ scope: 'todo:read todo:write todo:admin', client_id: 'attacker' })
        .setProtectedHeader({ alg: 'ES256', kid: 'attacker', typ: 'at+jwt' })
        .setIssuer(stack.auth.issuer).setAudience(stack.resource).setSubject('attacker')
        .setIssuedAt(now).setExpirationTime(now + 600)
        .sign(privateKey);
      // Planted where the shared copy lives (today's cache and the zone's default), claiming a year of freshness.
      const key = `https://mcp-edge-guard.invalid/jwks?uri=${Buffer.from(stack.auth.jwksUri).toString('base64url')}`;
      const caches = await stack.gateway.mf.getCaches();
      for (const cache of [caches.default, await caches.open('mcp-edge-guard-jwks')]) {
        await cache.put(key, new MiniflareResponse(JSON.stringify({ keys: [jwk] }), {
          headers: {
            'content-type': 'application/json',
            'cache-control': 'max-age=31536000',
            'x-fetched-at': String(now),
            'x-fresh-until': String(now + 31_536_000),
          },
        }));
      }
      const response = await post(stack.resource, { token: forged, body: initializeBody() });
      assert.equal(response.status, 401, 'the planted key verified nothing');
      await response.body?.cancel();
      assert.equal(stack.auth.jwksRequests, 1, 'the keys came from the authorization server');
      const [rejected] = await stack.gateway.events('mcp_edge_guard.keys_shared_copy_failed');
      assert.equal(rejected?.reason, 'shared_copy_rejected');
      const valid = await post(stack.resource, { token: await stack.token(), body: initializeBody() });
      assert.equal(valid.status, 200);
      await valid.body?.cancel();
    } finally {
      await stack.close();
    }
  });
});

test('11. RATE_LIMITER_ANON: an address past its failed-authentication limit is refused before verification', async () => {
  const stack = await startStack({ anonRateLimit: { limit: 2, period: 60 } });
  try {
    const token = await stack.token();
    const forged = withSignature(token, 'A'.repeat(342));
    await awayFromMinuteBoundary();
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await post(stack.resource, { token: forged, body: initializeBody() });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assert.deepEqual(statuses, [401, 401, 401], 'verified, and counted');
    const requests = stack.origin.requests.length;
    const blocked = await post(stack.resource, { token, body: initializeBody() });
    assert.equal(blocked.status, 429, 'refused before verification, even with a valid token');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    await blocked.body?.cancel();
    assert.equal(stack.origin.requests.length, requests);
    const decisions = await stack.gateway.events('mcp_edge_guard.decision', { atLeast: 4 });
    const last = decisions.at(-1);
    assert.equal(last.reason, 'rate_limited');
    assert.equal(last.client_id, null, 'decided before any token was verified');
  } finally {
    await stack.close();
  }
});

// The gateway's JWKS handling against the real oidc-provider AS, in workerd:
// caching, rotation, cooldown against forged kids, stale keys through an AS
// outage, 503 (never 401/500) with no usable keys, and the shared Cache API copy.
//
//   node --test --test-concurrency=1 tests/gateway/jwks.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import { TOOL_SCOPES, freePort, startGateway, startStack } from './harness.mjs';
import { startAuthServer } from '../../stack/auth-server.mjs';
import { startMcpOrigin } from '../../stack/mcp-origin.mjs';


const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'jwks-test', version: '0.0.0' } },
};

/** POSTs an MCP initialize with the token; returns status, headers, body text and JSON (if any). */
async function mcpPost(url, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(INITIALIZE),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function health(base) {
  const response = await fetch(`${base}/health`);
  return { status: response.status, body: await response.json() };
}

const describe = (r) => `HTTP ${r.status} ${r.text?.slice(0, 300)}`;

/** What a request must get when the gateway has no usable keys: 503, retry later, no challenge. */
function assertKeysUnavailable(r) {
  assert.equal(r.status, 503, describe(r));
  const retryAfter = r.headers.get('retry-after');
  assert.ok(retryAfter, 'Retry-After header present');
  assert.match(retryAfter, /^[1-9]\d*$/, 'Retry-After is a positive number of seconds');
  assert.equal(r.json?.error, 'temporarily_unavailable', describe(r));
  assert.equal(r.headers.get('www-authenticate'), null, 'a 503 carries no WWW-Authenticate challenge');
}

/** A client-credentials token straight from the AS (for stacks built without startStack). */
const tokenFrom = (auth, resource, clientId = 'demo-m2m', scope = 'todo:read todo:write todo:admin') =>
  auth.clientCredentialsToken(clientId, scope, resource);

/** A gateway whose Cache API persists to `cachePersist` (shared by gateways started on it in turn). */
const startPersistentGateway = ({ port, vars, cachePersist }) => startGateway({ port, vars, cachePersist });

test('caching: many valid requests cost one JWKS fetch', async (t) => {
  const stack = await startStack();
  t.after(() => stack.close());
  const token = await stack.token();
  assert.equal(stack.auth.jwksRequests, 0, 'nothing fetched before the first request');

  for (let i = 0; i < 8; i++) {
    const r = await mcpPost(stack.resource, token);
    assert.equal(r.status, 200, describe(r));
  }
  const more = await Promise.all(Array.from({ length: 8 }, () => mcpPost(stack.resource, token)));
  for (const r of more) assert.equal(r.status, 200, describe(r));
  // Another token from the same key: still no refetch.
  const readOnly = await stack.token('demo-readonly', 'todo:read');
  assert.equal((await mcpPost(stack.resource, readOnly)).status, 200);

  assert.equal(stack.auth.jwksRequests, 1, 'one JWKS fetch for 17 requests');
  const h = await health(stack.base);
  assert.equal(h.status, 200, JSON.stringify(h.body));
  assert.equal(h.body.status, 'healthy');
  assert.equal(h.body.keys, 'fresh');
  assert.equal(h.body.last_key_error, null);
  // Anonymous callers learn states, not where the keys come from.
  assert.ok(!JSON.stringify(h.body).includes(stack.auth.issuer), JSON.stringify(h.body));
  assert.equal(stack.auth.jwksRequests, 1, '/health does not refetch fresh keys');
});

test('caching: 10 concurrent first requests share one JWKS fetch and all succeed', async (t) => {
  const stack = await startStack();
  t.after(() => stack.close());
  const token = await stack.token();

  const results = await Promise.all(Array.from({ length: 10 }, () => mcpPost(stack.resource, token)));
  assert.equal(stack.auth.jwksRequests, 1, 'one JWKS fetch for 10 concurrent cold requests');
  assert.deepEqual(
    results.map((r) => r.status),
    Array(10).fill(200),
    `every concurrent request should wait for the shared fetch; got ${results.map(describe).join(' | ')}`,
  );
});

test('rotation: a token with a new kid is accepted at once, with exactly one refetch', async (t) => {
  const stack = await startStack({ vars: { JWKS_COOLDOWN_SECONDS: '1' } });
  t.after(() => stack.close());
  const oldToken = await stack.token();
  assert.equal((await mcpPost(stack.resource, oldToken)).status, 200);
  assert.equal(stack.auth.jwksRequests, 1);

  await sleep(1100); // past the 1 s cooldown since the first fetch (1 s clock resolution)
  const newKid = await stack.auth.rotateKeys({ keepOld: true });
  const newToken = await stack.token();
  assert.equal(decodeProtectedHeader(newToken).kid, newKid, 'the AS signs with the rotated key');
  assert.notEqual(decodeProtectedHeader(oldToken).kid, newKid);

  const r = await mcpPost(stack.resource, newToken);
  assert.equal(r.status, 200, describe(r));
  assert.equal(stack.auth.jwksRequests, 2, 'the unknown kid caused exactly one refetch');

  // Both keys are now known: neither token causes another fetch.
  assert.equal((await mcpPost(stack.resource, newToken)).status, 200);
  assert.equal((await mcpPost(stack.resource, oldToken)).status, 200);
  assert.equal(stack.auth.jwksRequests, 2);
});

test('rotation: concurrent requests with the new kid share the refetch and are all accepted', async (t) => {
  const stack = await startStack({ vars: { JWKS_COOLDOWN_SECONDS: '1' } });
  t.after(() => stack.close());
  assert.equal((await mcpPost(stack.resource, await stack.token())).status, 200);
  await sleep(1100);
  await stack.auth.rotateKeys({ keepOld: true });
  const newToken = await stack.token();

  const results = await Promise.all(Array.from({ length: 5 }, () => mcpPost(stack.resource, newToken)));
  assert.equal(stack.auth.jwksRequests, 2, 'one refetch for 5 concurrent new-kid requests');
  assert.deepEqual(
    results.map((r) => r.status),
    Array(5).fill(200),
    `a valid new-kid token must not be refused while the refetch is in flight: ${results.map(describe).join(' | ')}`,
  );
});

test('cooldown: 20 tokens with forged kids are 401 and cause at most one refetch', async (t) => {
  const stack = await startStack(); // default 30 s cooldown
  t.after(() => stack.close());
  const token = await stack.token();
  assert.equal((await mcpPost(stack.resource, token)).status, 200);
  const before = stack.auth.jwksRequests;
  assert.equal(before, 1);

  const { privateKey } = await generateKeyPair('RS256');
  const forge = () =>
    new SignJWT({ scope: 'todo:read todo:write todo:admin', client_id: 'demo-m2m' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: randomUUID() })
      .setIssuer(stack.auth.issuer)
      .setAudience(stack.resource)
      .setSubject('mallory')
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  const forged = await Promise.all(Array.from({ length: 20 }, forge));

  const sequential = [];
  for (const f of forged.slice(0, 10)) sequential.push(await mcpPost(stack.resource, f));
  const parallel = await Promise.all(forged.slice(10).map((f) => mcpPost(stack.resource, f)));
  for (const r of [...sequential, ...parallel]) {
    assert.equal(r.status, 401, describe(r));
    assert.equal(r.json?.error, 'invalid_token', describe(r));
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
  }
  assert.ok(
    stack.auth.jwksRequests - before <= 1,
    `forged kids caused ${stack.auth.jwksRequests - before} JWKS fetches within the cooldown (max 1)`,
  );
  // The real token is unaffected.
  assert.equal((await mcpPost(stack.resource, token)).status, 200);
});

test('AS outage: stale keys keep serving; /health reports degraded', async (t) => {
  // Clocks here are whole seconds: with a 1 s cooldown, /health read just
  // after a second boundary would refresh (and log) again. 2 s leaves the
  // checks below at least one full second.
  const stack = await startStack({ vars: { JWKS_MAX_AGE_SECONDS: '1', JWKS_COOLDOWN_SECONDS: '2' } });
  t.after(() => stack.close());
  const token = await stack.token(); // minted before the outage
  assert.equal((await mcpPost(stack.resource, token)).status, 200);
  assert.equal(stack.auth.jwksRequests, 1);

  stack.auth.setJwksAvailable(false);
  await sleep(3200); // keys expire after 1 s; cooldown over
  const r = await mcpPost(stack.resource, token);
  assert.equal(r.status, 200, `stale keys should still verify: ${describe(r)}`);
  assert.equal(stack.auth.jwksRequests, 2, 'the gateway did try to refresh (and failed)');

  const h = await health(stack.base);
  assert.equal(h.status, 503, JSON.stringify(h.body));
  assert.equal(h.body.status, 'degraded');
  assert.equal(h.body.keys, 'stale', `stale keys still held: ${JSON.stringify(h.body)}`);
  assert.equal(h.body.last_key_error, 'bad_status', 'the failed refresh is shown, by reason only');
  const failures = await stack.gateway.events('mcp_edge_guard.keys_refresh_failed');
  assert.equal(failures.length, 1, 'one failed refresh, logged once');
  assert.equal(failures[0].issuer, stack.auth.issuer);
  assert.equal(failures[0].attempts[0].reason, 'bad_status');
  assert.ok(!JSON.stringify(failures).includes('"n"'), 'no key material in the log');

  const again = await mcpPost(stack.resource, token);
  assert.equal(again.status, 200, `still serving while degraded: ${describe(again)}`);
});

test('no keys at all: JWKS unavailable from the start → 503, never 401/500', async (t) => {
  const stack = await startStack();
  t.after(() => stack.close());
  stack.auth.setJwksAvailable(false); // before any gateway request
  const token = await stack.token();

  const r = await mcpPost(stack.resource, token);
  assertKeysUnavailable(r);
  assert.ok(stack.auth.jwksRequests >= 1, 'the gateway did try the JWKS');
  assert.equal(stack.origin.requests.length, 0, 'nothing reached the origin');

  const h = await health(stack.base);
  assert.equal(h.status, 503, JSON.stringify(h.body));
  assert.equal(h.body.status, 'degraded');
  assert.equal(h.body.keys, 'unavailable');
});

test('no keys at all: JWKS_URI on a closed port → 503 temporarily_unavailable', async (t) => {
  const closed = await freePort(); // nothing listens here
  const stack = await startStack({ vars: { JWKS_URI: `http://127.0.0.1:${closed}/jwks` } });
  t.after(() => stack.close());
  const token = await stack.token();

  const r = await mcpPost(stack.resource, token);
  assertKeysUnavailable(r);
  assert.equal(stack.auth.jwksRequests, 0, 'the configured JWKS_URI, not the AS, was used');
  assert.equal(stack.origin.requests.length, 0);
  const h = await health(stack.base);
  assert.equal(h.status, 503);
  assert.equal(h.body.last_key_error, 'unreachable', JSON.stringify(h.body));
  const [failure] = await stack.gateway.events('mcp_edge_guard.keys_refresh_failed');
  assert.equal(failure?.attempts[0].url, `http://127.0.0.1:${closed}/jwks`, 'the log names the URL tried');
});

test('max stale exceeded during an outage → 503', async (t) => {
  const stack = await startStack({
    vars: { JWKS_MAX_AGE_SECONDS: '1', JWKS_COOLDOWN_SECONDS: '1', JWKS_MAX_STALE_SECONDS: '1' },
  });
  t.after(() => stack.close());
  const token = await stack.token();
  assert.equal((await mcpPost(stack.resource, token)).status, 200);

  stack.auth.setJwksAvailable(false);
  await sleep(3100); // fresh 1 s + stale 1 s, with a second to spare for the 1 s clock
  const r = await mcpPost(stack.resource, token);
  assertKeysUnavailable(r);
  const h = await health(stack.base);
  assert.equal(h.status, 503);
  assert.equal(h.body.keys, 'unavailable', 'keys past max stale are not usable');

  // The AS recovers: the next fetch (after the cooldown) brings the keys back.
  stack.auth.setJwksAvailable(true);
  await sleep(1100);
  const back = await mcpPost(stack.resource, token);
  assert.equal(back.status, 200, `recovers once the AS is back: ${describe(back)}`);
});

test('shared edge cache: a second gateway reads the persisted JWKS copy during an outage', async (t) => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const resource = `${base}/mcp`;
  const auth = await startAuthServer({ resource });
  t.after(() => auth.close());
  const origin = await startMcpOrigin();
  t.after(() => origin.close());
  const cachePersist = await mkdtemp(join(tmpdir(), 'mcp-edge-guard-cache-'));
  t.after(() => rm(cachePersist, { recursive: true, force: true }));
  const vars = {
    RESOURCE: resource,
    ORIGIN_URL: origin.url,
    ISSUER: auth.issuer,
    TOOL_SCOPES: JSON.stringify(TOOL_SCOPES),
    RESOURCE_NAME: 'Demo todo MCP server',
  };
  const token = await tokenFrom(auth, resource);

  const first = await startPersistentGateway({ port, vars, cachePersist });
  try {
    const r = await mcpPost(`${first.url}/mcp`, token);
    assert.equal(r.status, 200, describe(r));
    assert.equal(auth.jwksRequests, 1);
  } finally {
    await first.close();
  }

  auth.setJwksAvailable(false);
  const second = await startPersistentGateway({ port, vars, cachePersist });
  try {
    const r = await mcpPost(`${second.url}/mcp`, token);
    assert.equal(r.status, 200, `second isolate should use the shared copy: ${describe(r)}`);
    assert.equal(auth.jwksRequests, 1, 'the second gateway did not fetch the JWKS');
    const h = await health(second.url);
    assert.equal(h.status, 200, `shared copy is still fresh: ${JSON.stringify(h.body)}`);
  } finally {
    await second.close();
  }

  // Control: a gateway without the persisted cache has nothing and must say 503.
  const control = await startPersistentGateway({ port: await freePort(), vars });
  try {
    assertKeysUnavailable(await mcpPost(`${control.url}/mcp`, token));
  } finally {
    await control.close();
  }
});

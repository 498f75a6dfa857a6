// Several authorization servers behind one gateway, in workerd: `ISSUER` as a
// list, one key set per issuer (discovered, or from an aligned `JWKS_URI`
// list), a token's `iss` picking its set, unconfigured issuers refused without
// any JWKS fetch, one shared set when a single `JWKS_URI` serves several
// issuers (a migration), and the protected-resource metadata naming them all.
// The issuers are small jose servers (we hold their private keys, so we can
// sign across issuers) and two real oidc-provider servers.
//
//   node --test --test-concurrency=1 tests/gateway/issuers.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT, calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { SESSION_SECRET, gatewayFor, listenLocal, messages, startStack } from './harness.mjs';
import { initializeBody, openSession, post, toolCall } from './mcp.mjs';
import { startAuthServer } from '../../stack/auth-server.mjs';

/**
 * A minimal authorization server that only publishes keys: RFC 8414 and OIDC
 * discovery documents naming `/jwks`, the same keys at `/direct-jwks` (not
 * advertised, for `JWKS_URI` lists), and a `sign` that mints RFC 9068 access
 * tokens. Counts every request by path.
 */
async function startJoseIssuer({ kid } = {}) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig' };
  jwk.kid = kid ?? (await calculateJwkThumbprint(jwk));
  const hits = { discovery: 0, jwks: 0, direct: 0 };
  let issuer;
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const json = (body, headers = {}) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration') {
      hits.discovery += 1;
      return json({ issuer, jwks_uri: `${issuer}/jwks` });
    }
    if (path === '/jwks' || path === '/direct-jwks') {
      hits[path === '/jwks' ? 'jwks' : 'direct'] += 1;
      return json({ keys: [jwk] }, { 'cache-control': 'public, max-age=300' });
    }
    res.writeHead(404).end();
  });
  const listening = await listenLocal(server);
  issuer = listening.base;
  return {
    issuer,
    kid: jwk.kid,
    privateKey,
    hits,
    /** Requests for keys of any kind (discovery included). */
    get fetches() { return hits.discovery + hits.jwks + hits.direct; },
    jwksUri: `${issuer}/jwks`,
    directJwksUri: `${issuer}/direct-jwks`,
    close: listening.close,
  };
}

/**
 * An access token signed with `signer`'s key (and kid), claiming `iss`
 * (by default the signer's own issuer).
 */
function mint(signer, { iss = signer.issuer, aud, sub = 'user-1', clientId = 'jose-client', scope = 'todo:read todo:write todo:admin' }) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope, client_id: clientId })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: signer.kid })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject(sub)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(signer.privateKey);
}

/** initialize + tools/call list_todos through `url` with `token`; the tools/call response's status. */
async function callTool(url, token) {
  const session = await openSession(url, token);
  const response = await post(url, { token, session, body: toolCall(2, 'list_todos') });
  const [reply] = await messages(response);
  return { status: response.status, reply };
}

/** An initialize that must be refused as invalid_token; nothing may reach the origin. */
async function assertInvalidToken(stack, url, token, label) {
  const requests = stack.origin.requests.length;
  const response = await post(url, { token, body: initializeBody() });
  const text = await response.text();
  assert.equal(response.status, 401, `${label}: HTTP ${response.status} ${text.slice(0, 200)}`);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/, label);
  assert.equal(stack.origin.requests.length, requests, `${label}: nothing reached the origin`);
}

async function metadata(url) {
  const response = await fetch(`${url}/.well-known/oauth-protected-resource/mcp`);
  assert.equal(response.status, 200);
  return response.json();
}

/** The headers of the last request the origin received (names lower-cased). */
const lastSeen = (stack) => stack.origin.requests.at(-1).headers;

describe('two issuers, each with its own discovered key set', () => {
  let stack;
  let a;
  let b;
  let c;
  let gateway;
  let url;
  before(async () => {
    stack = await startStack();
    [a, b, c] = await Promise.all([startJoseIssuer(), startJoseIssuer(), startJoseIssuer()]);
    gateway = await gatewayFor(stack, stack.origin.url, {
      vars: { ISSUER: `${a.issuer} ${b.issuer}`, SESSION_SECRET },
    });
    url = `${gateway.url}/mcp`;
  });
  after(async () => {
    await gateway?.close();
    await Promise.all([a, b, c].map((issuer) => issuer?.close()));
    await stack?.close();
  });

  test('the protected-resource metadata lists every issuer, in order', async () => {
    const doc = await metadata(gateway.url);
    assert.deepEqual(doc.authorization_servers, [a.issuer, b.issuer]);
  });

  test('a token from an issuer not configured → 401 invalid_token, and no JWKS is fetched at all', async () => {
    // First requests of a cold gateway: whatever key set it would try, it has none yet.
    const ownKey = await mint(c, { aud: stack.resource });
    const aKey = await mint(a, { iss: c.issuer, aud: stack.resource });
    const oidc = await mint(a, { iss: stack.auth.issuer, aud: stack.resource });
    await assertInvalidToken(stack, url, ownKey, 'iss=C, signed by C');
    await assertInvalidToken(stack, url, aKey, 'iss=C, signed by A');
    await assertInvalidToken(stack, url, oidc, 'iss=an AS this gateway does not trust, signed by A');
    assert.deepEqual(
      { a: a.fetches, b: b.fetches, c: c.fetches, oidc: stack.auth.jwksRequests },
      { a: 0, b: 0, c: 0, oidc: 0 },
      'the unconfigured iss was refused before any key set was looked up',
    );
  });

  test('tokens of A and of B, each signed with its own key, are both accepted', async () => {
    const fromA = await callTool(url, await mint(a, { aud: stack.resource, sub: 'alice' }));
    assert.equal(fromA.status, 200);
    assert.ok(fromA.reply?.result, JSON.stringify(fromA.reply));
    assert.equal(lastSeen(stack)['x-auth-subject'], 'alice');
    const fromB = await callTool(url, await mint(b, { aud: stack.resource, sub: 'bob' }));
    assert.equal(fromB.status, 200);
    assert.ok(fromB.reply?.result, JSON.stringify(fromB.reply));
    assert.equal(lastSeen(stack)['x-auth-subject'], 'bob');
    assert.ok(a.hits.jwks >= 1, 'A\'s keys came from A\'s discovered jwks_uri');
    assert.ok(b.hits.jwks >= 1, 'B\'s keys came from B\'s discovered jwks_uri');
    assert.equal(c.fetches, 0);
  });

  test('a token claiming B but signed with A\'s key (A\'s kid) → 401 invalid_token', async () => {
    await assertInvalidToken(stack, url, await mint(a, { iss: b.issuer, aud: stack.resource }), 'iss=B, signed by A');
    await assertInvalidToken(stack, url, await mint(b, { iss: a.issuer, aud: stack.resource }), 'iss=A, signed by B');
    // Both key sets are loaded by now (previous test): the refusals are not for want of keys.
    const again = await callTool(url, await mint(a, { aud: stack.resource }));
    assert.equal(again.status, 200, 'A\'s own tokens still pass');
  });
});

describe('two issuers whose keys share one kid', () => {
  let stack;
  let a;
  let b;
  let gateway;
  before(async () => {
    stack = await startStack();
    [a, b] = await Promise.all([startJoseIssuer({ kid: 'key-1' }), startJoseIssuer({ kid: 'key-1' })]);
    gateway = await gatewayFor(stack, stack.origin.url, { vars: { ISSUER: `${a.issuer} ${b.issuer}`, SESSION_SECRET } });
  });
  after(async () => {
    await gateway?.close();
    await Promise.all([a, b].map((issuer) => issuer?.close()));
    await stack?.close();
  });

  test('each issuer\'s token verifies against its own key, not the other\'s same-kid key', async () => {
    const url = `${gateway.url}/mcp`;
    for (const [name, issuer] of [['A', a], ['B', b], ['A again', a], ['B again', b]]) {
      const { status } = await callTool(url, await mint(issuer, { aud: stack.resource }));
      assert.equal(status, 200, `token of ${name}`);
    }
    await assertInvalidToken(stack, url, await mint(a, { iss: b.issuer, aud: stack.resource }), 'iss=B, A\'s key with the shared kid');
  });
});

describe('JWKS_URI as a list aligned with ISSUER', () => {
  let stack;
  let a;
  let b;
  let gateway;
  let url;
  before(async () => {
    stack = await startStack();
    [a, b] = await Promise.all([startJoseIssuer(), startJoseIssuer()]);
    gateway = await gatewayFor(stack, stack.origin.url, {
      vars: { ISSUER: `${a.issuer} ${b.issuer}`, JWKS_URI: `${a.directJwksUri} ${b.directJwksUri}`, SESSION_SECRET },
    });
    url = `${gateway.url}/mcp`;
  });
  after(async () => {
    await gateway?.close();
    await Promise.all([a, b].map((issuer) => issuer?.close()));
    await stack?.close();
  });

  test('each issuer\'s keys come from its own listed JWKS_URI, without discovery', async () => {
    assert.equal((await callTool(url, await mint(a, { aud: stack.resource }))).status, 200, 'token of A');
    assert.equal((await callTool(url, await mint(b, { aud: stack.resource }))).status, 200, 'token of B');
    assert.ok(a.hits.direct >= 1 && b.hits.direct >= 1, JSON.stringify({ a: a.hits, b: b.hits }));
    assert.deepEqual([a.hits.discovery, a.hits.jwks, b.hits.discovery, b.hits.jwks], [0, 0, 0, 0], 'no discovery, no advertised jwks_uri');
  });

  test('the sets stay separate: iss=B signed with A\'s key → 401', async () => {
    await assertInvalidToken(stack, url, await mint(a, { iss: b.issuer, aud: stack.resource }), 'iss=B, signed by A');
    await assertInvalidToken(stack, url, await mint(b, { iss: a.issuer, aud: stack.resource }), 'iss=A, signed by B');
  });

  test('the metadata still lists both issuers in order', async () => {
    assert.deepEqual((await metadata(gateway.url)).authorization_servers, [a.issuer, b.issuer]);
  });
});

describe('one JWKS_URI for several issuers: one shared key set (issuer migration)', () => {
  let stack;
  let a;
  let b;
  let gateway;
  let url;
  before(async () => {
    stack = await startStack();
    [a, b] = await Promise.all([startJoseIssuer(), startJoseIssuer()]);
    gateway = await gatewayFor(stack, stack.origin.url, {
      vars: { ISSUER: `${a.issuer} ${b.issuer}`, JWKS_URI: a.directJwksUri, SESSION_SECRET },
    });
    url = `${gateway.url}/mcp`;
  });
  after(async () => {
    await gateway?.close();
    await Promise.all([a, b].map((issuer) => issuer?.close()));
    await stack?.close();
  });

  test('a token claiming B, signed with the shared (A\'s) key, is accepted; so is A\'s', async () => {
    const asB = await callTool(url, await mint(a, { iss: b.issuer, aud: stack.resource, sub: 'migrated' }));
    assert.equal(asB.status, 200, 'iss=B verified with the one shared set');
    assert.equal(lastSeen(stack)['x-auth-subject'], 'migrated');
    assert.equal((await callTool(url, await mint(a, { aud: stack.resource }))).status, 200, 'iss=A');
    assert.ok(a.hits.direct >= 1);
    assert.equal(b.fetches, 0, 'B\'s own keys are never looked up');
  });

  test('B\'s own key is not in the shared set → 401; an unconfigured iss → 401', async () => {
    await assertInvalidToken(stack, url, await mint(b, { aud: stack.resource }), 'iss=B, signed by B');
    await assertInvalidToken(stack, url, await mint(a, { iss: 'http://127.0.0.1:9/other', aud: stack.resource }), 'iss not configured');
    assert.equal(b.fetches, 0);
  });

  test('the metadata lists both issuers in order', async () => {
    assert.deepEqual((await metadata(gateway.url)).authorization_servers, [a.issuer, b.issuer]);
  });
});

describe('two real oidc-provider authorization servers', () => {
  let stack;
  let second;
  let gateways = [];
  before(async () => {
    stack = await startStack();
    second = await startAuthServer({ resource: stack.resource });
  });
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await second?.close();
    await stack?.close();
  });

  test('discovered: tokens from AS1 and AS2 are both accepted, each AS serving its own keys', async () => {
    const gateway = await gatewayFor(stack, stack.origin.url, {
      vars: { ISSUER: `${stack.auth.issuer} ${second.issuer}`, SESSION_SECRET },
    });
    gateways.push(gateway);
    const url = `${gateway.url}/mcp`;
    const [first, other] = await Promise.all([stack.token(), second.clientCredentialsToken()]);
    assert.equal(decodeJwt(other).iss, second.issuer);

    assert.equal((await callTool(url, first)).status, 200, 'token of AS1');
    assert.equal(stack.auth.jwksRequests, 1);
    assert.equal(second.jwksRequests, 0, 'AS2 not asked for AS1\'s token');
    assert.equal((await callTool(url, other)).status, 200, 'token of AS2');
    assert.equal(second.jwksRequests, 1);
    assert.equal(stack.auth.jwksRequests, 1, 'AS1 not asked again for AS2\'s token');
    assert.equal((await callTool(url, first)).status, 200, 'AS1 again, from the cached set');
    assert.deepEqual((await metadata(gateway.url)).authorization_servers, [stack.auth.issuer, second.issuer]);
  });

  test('JWKS_URI listed: tokens from AS1 and AS2 are both accepted', async () => {
    const before1 = stack.auth.jwksRequests;
    const before2 = second.jwksRequests;
    const gateway = await gatewayFor(stack, stack.origin.url, {
      vars: {
        ISSUER: `${stack.auth.issuer} ${second.issuer}`,
        JWKS_URI: `${stack.auth.jwksUri} ${second.jwksUri}`,
        SESSION_SECRET,
      },
    });
    gateways.push(gateway);
    const url = `${gateway.url}/mcp`;
    assert.equal((await callTool(url, await second.clientCredentialsToken())).status, 200, 'token of AS2');
    assert.equal((await callTool(url, await stack.token('demo-readonly', 'todo:read'))).status, 200, 'token of AS1');
    assert.equal(stack.auth.jwksRequests - before1, 1);
    assert.equal(second.jwksRequests - before2, 1);
  });

  test('a third AS, not configured: its token → 401 and it is never asked for keys', async () => {
    const third = await startAuthServer({ resource: stack.resource });
    try {
      const gateway = await gatewayFor(stack, stack.origin.url, {
        vars: { ISSUER: `${stack.auth.issuer} ${second.issuer}`, SESSION_SECRET },
      });
      gateways.push(gateway);
      await assertInvalidToken(stack, `${gateway.url}/mcp`, await third.clientCredentialsToken(), 'token of AS3');
      assert.equal(third.jwksRequests, 0);
    } finally {
      await third.close();
    }
  });
});

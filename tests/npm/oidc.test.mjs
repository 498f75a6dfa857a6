// Tokens from the real oidc-provider authorization server (stack/auth-server.mjs),
// verified by the npm package with keys fetched from its jwksUri: caching,
// single-flight fetches, key rotation, forged kids within the cooldown, outage.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';

import { Verifier } from '../../pkg/node/mcp_edge_guard.js';
import { startAuthServer } from '../../stack/auth-server.mjs';
import { jwtHeader, nowSeconds, sleep } from './util.mjs';

const RESOURCE = 'http://127.0.0.1:8787/mcp';
let auth;

before(async () => {
  auth = await startAuthServer({ resource: RESOURCE });
});

after(async () => {
  await auth?.close();
});

/** A client-credentials access token for demo-m2m. */
const clientCredentialsToken = (scope = 'todo:read todo:write') => auth.clientCredentialsToken('demo-m2m', scope, RESOURCE);

const newVerifier = (extra = {}) =>
  new Verifier({ issuer: auth.issuer, audience: RESOURCE, jwksUri: auth.jwksUri, cooldownSeconds: 1, ...extra });

test('a client-credentials token verifies; the keys are fetched once and cached', async () => {
  const token = await clientCredentialsToken();
  assert.equal(jwtHeader(token).typ, 'at+jwt');
  const verifier = newVerifier();
  const before = auth.jwksRequests;
  const principal = await verifier.verify(token);
  assert.equal(principal.iss, auth.issuer);
  assert.equal(principal.sub, 'demo-m2m');
  assert.equal(principal.clientId, 'demo-m2m');
  assert.deepEqual([...principal.scopes].sort(), ['todo:read', 'todo:write']);
  assert.equal(principal.claims.client_id, 'demo-m2m');
  assert.ok(Number.isInteger(principal.exp) && principal.exp > nowSeconds());
  for (let i = 0; i < 4; i += 1) {
    assert.equal((await verifier.verify(token)).sub, 'demo-m2m');
  }
  // Well past the 1 s cooldown: the keys are still fresh (max-age 300), so no refetch.
  await verifier.verify(token, nowSeconds() + 5);
  assert.equal(auth.jwksRequests - before, 1, 'JWKS fetched more than once');
});

test('a read-only scope request yields a principal without todo:write', async () => {
  const token = await clientCredentialsToken('todo:read');
  const principal = await newVerifier().verify(token);
  assert.deepEqual(principal.scopes, ['todo:read']);
});

test('5 concurrent verify() calls on a fresh Verifier share one JWKS fetch', async () => {
  const token = await clientCredentialsToken();
  const verifier = newVerifier();
  const before = auth.jwksRequests;
  const principals = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(token)));
  assert.equal(auth.jwksRequests - before, 1);
  for (const principal of principals) assert.equal(principal.clientId, 'demo-m2m');
});

test('key rotation: a new kid triggers exactly one refetch after the cooldown; forged kids within it none', async () => {
  const oldToken = await clientCredentialsToken();
  const verifier = newVerifier();
  const start = auth.jwksRequests;
  const t0 = nowSeconds();
  await verifier.verify(oldToken, t0);
  assert.equal(auth.jwksRequests - start, 1);

  const rotatedKid = await auth.rotateKeys(); // keeps the old key published too
  const newToken = await clientCredentialsToken();
  const newKid = jwtHeader(newToken).kid;
  assert.equal(newKid, rotatedKid);
  assert.notEqual(newKid, jwtHeader(oldToken).kid);

  await sleep(1100); // the 1 s cooldown since the first fetch passes
  const t1 = Math.max(nowSeconds(), t0 + 1);
  const principal = await verifier.verify(newToken, t1);
  assert.equal(principal.clientId, 'demo-m2m');
  assert.equal(auth.jwksRequests - start, 2, 'the unknown kid should cause exactly one refetch');
  // Both keys are now known: no more fetches for either token.
  await verifier.verify(newToken, t1);
  await verifier.verify(oldToken, t1);
  assert.equal(auth.jwksRequests - start, 2);

  // A token signed by an attacker's key under a random kid, with the right iss/aud.
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ scope: 'todo:admin', client_id: 'demo-m2m' })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: randomUUID() })
    .setIssuer(auth.issuer)
    .setAudience(RESOURCE)
    .setSubject('demo-m2m')
    .setIssuedAt(t1)
    .setExpirationTime(t1 + 300)
    .sign(privateKey);
  for (let i = 0; i < 3; i += 1) {
    await assert.rejects(verifier.verify(forged, t1), {
      name: 'VerifyError',
      code: 'invalid_token',
      status: 401,
      reason: 'unknown_kid',
    });
  }
  assert.equal(auth.jwksRequests - start, 2, 'forged kids within the cooldown must not fetch');

  // Once the cooldown has passed, an unknown kid may refetch once more (and is still refused).
  await assert.rejects(verifier.verify(forged, t1 + 1), { code: 'invalid_token', reason: 'unknown_kid' });
  await assert.rejects(verifier.verify(forged, t1 + 1), { code: 'invalid_token', reason: 'unknown_kid' });
  assert.equal(auth.jwksRequests - start, 3);

  // Replacing every key (old one dropped): the old token's kid becomes unknown after a refetch.
  await auth.rotateKeys({ keepOld: false });
  const latest = await clientCredentialsToken();
  assert.equal((await verifier.verify(latest, t1 + 2)).sub, 'demo-m2m');
  assert.equal(auth.jwksRequests - start, 4);
  await assert.rejects(verifier.verify(oldToken, t1 + 2), { code: 'invalid_token', reason: 'unknown_kid' });
  assert.equal(auth.jwksRequests - start, 4);
});

test('authorization server outage: a Verifier without keys answers temporarily_unavailable 503', async () => {
  const token = await clientCredentialsToken();
  const warm = newVerifier();
  await warm.verify(token);
  auth.setJwksAvailable(false);
  try {
    const before = auth.jwksRequests;
    const verifier = newVerifier();
    await assert.rejects(verifier.verify(token), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'VerifyError');
      assert.equal(err.code, 'temporarily_unavailable');
      assert.equal(err.status, 503);
      assert.equal(err.reason, 'keys_unavailable');
      return true;
    });
    assert.equal(auth.jwksRequests - before, 1, 'one attempt');
    // Within the cooldown the failing server is not asked again.
    await assert.rejects(verifier.verify(token), { code: 'temporarily_unavailable', status: 503 });
    assert.equal(auth.jwksRequests - before, 1);
    // A Verifier that already has keys keeps serving through the outage.
    assert.equal((await warm.verify(token)).clientId, 'demo-m2m');
    // Stale keys past their freshness (max-age 300) are still used within maxStaleSeconds.
    // (the token lives 600 s, so at +400 s it is still valid; only the keys are stale)
    assert.equal((await warm.verify(token, nowSeconds() + 400)).clientId, 'demo-m2m');
    assert.equal(auth.jwksRequests - before, 2, 'the stale verifier retried the server once');
  } finally {
    auth.setJwksAvailable(true);
  }
  // Back up: a fresh Verifier works again.
  assert.equal((await newVerifier().verify(token)).sub, 'demo-m2m');
});

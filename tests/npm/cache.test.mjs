// The package's verified-token cache from the outside: a repeated token is
// served from it, as the same deeply frozen principal, and still refused once
// it expires or under another verifier's policy.
//
//   node --test tests/npm/cache.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { PKG, vectorsDir, verifierOptions } from './util.mjs';

const require = createRequire(import.meta.url);
const { Verifier } = require(join(PKG, 'node/mcp_edge_guard.js'));
const vector = JSON.parse(readFileSync(join(vectorsDir(), 'accept-eddsa.json'), 'utf8'));

test('a repeated token returns the same frozen principal', async () => {
  const verifier = new Verifier(verifierOptions(vector));
  const first = await verifier.verify(vector.token, vector.now);
  const again = await verifier.verify(vector.token, vector.now + 10);
  assert.equal(again, first, 'served from the cache');
  assert.equal(first.sub, vector.expect.subject);
  for (const part of [first, first.scopes, first.claims]) assert.ok(Object.isFrozen(part));
  assert.throws(() => { 'use strict'; first.claims.sub = 'mallory'; }, TypeError);
  assert.equal(first.claims.sub, vector.expect.subject);
});

test('a cached token is still refused once it expires', async () => {
  const verifier = new Verifier(verifierOptions(vector));
  const principal = await verifier.verify(vector.token, vector.now);
  const leeway = vector.policy.leeway_seconds ?? 60;
  await assert.rejects(verifier.verify(vector.token, principal.exp + leeway), (err) => err.reason === 'expired');
});

test('the cache belongs to one verifier and its policy', async () => {
  await new Verifier(verifierOptions(vector)).verify(vector.token, vector.now);
  const elsewhere = new Verifier({ ...verifierOptions(vector), audience: 'https://other.example/mcp' });
  await assert.rejects(elsewhere.verify(vector.token, vector.now), (err) => err.reason === 'wrong_audience');
});

// ---- the principal object: the token's payload as JSON.parse reads it ----

test('claims keep every name as an own property: a __proto__ claim is not the prototype', async () => {
  const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
  const [issuer, audience, kid] = ['https://auth.example.test', 'https://mcp.example.test/mcp', 'proto'];
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] };
  const exp = Math.floor(Date.now() / 1000) + 300;
  // JSON.parse makes `__proto__` an own member, so jose signs it as a claim.
  const claims = JSON.parse(
    `{"__proto__":{"admin":true,"scope":"todo:admin"},"scope":"todo:read","exp":${exp}.75,"iat":${exp - 300}.5,"org":{"__proto__":{"role":"owner"},"id":"o1"}}`,
  );
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(issuer).setAudience(audience).sign(privateKey);

  const principal = await new Verifier({ issuer, audience, jwks }).verify(token);
  assert.equal(Object.getPrototypeOf(principal.claims), Object.prototype);
  assert.equal(principal.claims.admin, undefined, 'nothing inherited from a claim');
  assert.equal(principal.claims.org.role, undefined, 'nor in a nested object');
  assert.deepEqual(Object.getOwnPropertyDescriptor(principal.claims, '__proto__').value, { admin: true, scope: 'todo:admin' });
  assert.deepEqual(principal.scopes, ['todo:read']);
  // Time claims in whole seconds, as the core reads them (RFC 7519 §2).
  assert.equal(principal.claims.exp, exp);
  assert.equal(principal.exp, exp);
  assert.equal(principal.claims.iat, exp - 300);
  assert.equal(principal.claims.scope, 'todo:read');
  for (const part of [principal, principal.claims, principal.claims.org, principal.claims.__proto__, principal.scopes]) {
    assert.ok(Object.isFrozen(part));
  }
  assert.deepEqual([principal.sub, principal.clientId], [null, null]);
});

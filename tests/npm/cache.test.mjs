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

#!/usr/bin/env node
// Verifications per second of the npm package (wasm) in Node, next to jose
// (WebCrypto, native) on the same tokens and keys from the shared vectors.
// A measurement, not a test:
//
//     make npm && node bench/npm.mjs
//
// Record the figures in docs/BENCHMARKS.md.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Verifier } from '../pkg/node/mcp_edge_guard.js';

const CASES = ['accept-rs256', 'accept-ps256', 'accept-es256', 'accept-eddsa'];

async function rate(run) {
  for (let i = 0; i < 50; i++) await run();
  let rounds = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    await run();
    rounds += 1;
  }
  return Math.round(rounds / ((performance.now() - start) / 1000));
}

console.log('case'.padEnd(16), 'mcp-edge-guard (wasm)/s'.padStart(24), 'jose (WebCrypto)/s'.padStart(20));
for (const name of CASES) {
  const vector = JSON.parse(readFileSync(new URL(`../tests/vectors/${name}.json`, import.meta.url), 'utf8'));
  const { issuers, audiences, leeway_seconds: leeway } = vector.policy;
  const verifier = new Verifier({ issuer: issuers, audience: audiences, leeway, jwks: vector.jwks });
  const ours = await rate(() => verifier.verify(vector.token, vector.now));
  const keys = createLocalJWKSet(vector.jwks);
  const currentDate = new Date(vector.now * 1000);
  const theirs = await rate(() => jwtVerify(vector.token, keys, { issuer: issuers, audience: audiences, currentDate, clockTolerance: leeway }));
  console.log(name.padEnd(16), String(ours).padStart(24), String(theirs).padStart(20));
}

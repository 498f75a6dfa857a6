#!/usr/bin/env node
// Verifications per second of the npm package (pkg/node, `Verifier`) next to
// jose (`jwtVerify` + `createLocalJWKSet`), in the same Node process, on the
// same keys and tokens (generated here with jose), for RS256, ES256 and EdDSA.
// A measurement, not a test:
//
//     node bench/npm.mjs [--seconds 2] [--tokens 20000] [--concurrency 64] [--algs RS256,ES256,EdDSA]
//
// Modes, per algorithm:
//   cold  distinct tokens, each verified once (a fresh Verifier per case, so
//         our verified-token cache never hits; jose has no cache)
//   warm  the same token again and again (a cache hit for us: hash + claim
//         checks; jose verifies the signature every time)
// each run two ways: sequential (one `await` after another) and concurrent
// (`--concurrency` verifications in flight, Promise.all batches).
//
// Prints a markdown table for docs/BENCHMARKS.md and writes out/bench/npm.json.

import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, writeResults } from './e2e.mjs';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';

const ROOT = resolve(import.meta.dirname, '..');
const PKG = join(ROOT, 'pkg/node/mcp_edge_guard.js');
const ALGS = { RS256: 'rs', ES256: 'es', EdDSA: 'ed' };
const ISSUER = 'https://as.bench.invalid';
const AUDIENCE = 'https://mcp.bench.invalid/mcp';
const WARMUP_TOKENS = 500;

const options = parseArgs(process.argv.slice(2), { seconds: 2, tokens: 20_000, concurrency: 64, algs: 'RS256,ES256,EdDSA' });
const algs = options.algs.split(',').map((a) => a.trim()).filter(Boolean);
for (const alg of algs) if (!(alg in ALGS)) throw new Error(`unknown alg ${alg} (known: ${Object.keys(ALGS).join(', ')})`);
if (!existsSync(PKG)) {
  console.error(`pkg/ is missing (${PKG}): build the npm package first (make npm). Stopping.`);
  process.exit(2);
}
const { Verifier } = await import(PKG);
const log = (text) => console.error(text);

// Keys: one per algorithm, all in one static JWKS given to both libraries.
const keys = {};
const jwks = { keys: [] };
for (const alg of Object.keys(ALGS)) {
  const kid = ALGS[alg];
  const pair = alg === 'RS256' ? await generateKeyPair('RS256', { modulusLength: 2048 }) : alg === 'EdDSA' ? await generateKeyPair('EdDSA', { crv: 'Ed25519' }) : await generateKeyPair(alg);
  jwks.keys.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
  keys[alg] = { kid, privateKey: pair.privateKey };
}

async function mint(alg, count, prefix) {
  const now = Math.floor(Date.now() / 1000);
  const one = (i) =>
    new SignJWT({ scope: 'todo:read', client_id: 'bench-client' })
      .setProtectedHeader({ alg, kid: keys[alg].kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('bench-user')
      .setJti(`${prefix}-${i}`)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(keys[alg].privateKey);
  const tokens = [];
  for (let start = 0; start < count; start += 512) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 512); i++) batch.push(one(i));
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/** Verifications per second of `verify` over `list` (cycled only for warm, where the list is one token);
 *  with checkpoints (verifications done, ms) every ~500, to see the rate change along the list. */
async function measure(verify, list, { concurrent, cycle }) {
  const deadline = performance.now() + options.seconds * 1000;
  const start = performance.now();
  let done = 0;
  const n = list.length;
  const checkpoints = [[0, 0]];
  const mark = () => {
    if (done - checkpoints[checkpoints.length - 1][0] >= 500) checkpoints.push([done, performance.now() - start]);
  };
  if (!concurrent) {
    while ((cycle || done < n) && (done % 16 !== 0 || performance.now() < deadline)) {
      await verify(list[done % n]);
      done += 1;
      if (done % 500 === 0) mark();
    }
  } else {
    const width = options.concurrency;
    while ((cycle || done < n) && performance.now() < deadline) {
      const batch = [];
      for (let k = 0; k < width && (cycle || done < n); k++, done++) batch.push(verify(list[done % n]));
      await Promise.all(batch);
      mark();
    }
  }
  const elapsed = performance.now() - start;
  checkpoints.push([done, elapsed]);
  const seconds = elapsed / 1000;
  return { rate: Math.round(done / seconds), count: done, seconds: Math.round(seconds * 1000) / 1000, exhausted: !cycle && done >= n, checkpoints: checkpoints.map(([d, t]) => [d, Math.round(t * 10) / 10]) };
}

/** The rate between the checkpoints nearest `from` and `to` verifications (null when the run did not get there). */
function rateBetween(checkpoints, from, to = Infinity) {
  const a = checkpoints.filter(([d]) => d <= from).at(-1) ?? checkpoints[0];
  const b = checkpoints.filter(([d]) => d <= to).at(-1);
  if (!b || b[0] - a[0] < 500 || b[1] <= a[1]) return null;
  return Math.round((b[0] - a[0]) / ((b[1] - a[1]) / 1000));
}

// Our Verifier keeps up to 4,096 verified tokens (src/verify/cache.rs MAX_ENTRIES); the cold
// run shows the rate before that cache is full and after (warm-up tokens count too).
const CACHE_ENTRIES = 4096;

const rows = [];
const minting = {};
const started = performance.now();
for (const alg of algs) {
  const t0 = performance.now();
  const [same] = await mint(alg, 1, 'same');
  const warmupTokens = await mint(alg, WARMUP_TOKENS, 'warmup');
  const cold = await mint(alg, options.tokens, 'cold');
  minting[alg] = { tokens: 1 + WARMUP_TOKENS + options.tokens, ms: Math.round(performance.now() - t0) };
  log(`minted ${minting[alg].tokens} ${alg} tokens in ${(minting[alg].ms / 1000).toFixed(1)} s`);

  const now = Math.floor(Date.now() / 1000);
  const joseKeys = createLocalJWKSet(jwks);
  const joseOptions = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] };
  const theirs = (token) => jwtVerify(token, joseKeys, joseOptions);
  const newOurs = () => {
    const verifier = new Verifier({ issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], jwks });
    return (token) => verifier.verify(token, now);
  };

  // Both must accept the tokens before anything is timed.
  const check = newOurs();
  const principal = await check(same);
  if (principal.sub !== 'bench-user') throw new Error(`${alg}: unexpected principal ${JSON.stringify(principal)}`);
  await theirs(same);

  for (const concurrent of [false, true]) {
    for (const mode of ['cold', 'warm']) {
      const result = { alg, mode, style: concurrent ? `concurrent (${options.concurrency} in flight)` : 'sequential await' };
      for (const [name, make] of [
        ['ours', newOurs],
        ['jose', () => theirs],
      ]) {
        const verify = make(); // a new Verifier per case: an empty token cache
        const list = mode === 'cold' ? cold : [same];
        // Warm-up: JIT, key import; cold warms on tokens it will not measure.
        const warm = mode === 'cold' ? warmupTokens : [same];
        for (let i = 0; i < WARMUP_TOKENS; i++) await verify(warm[i % warm.length]);
        result[name] = await measure(verify, list, { concurrent, cycle: mode === 'warm' });
      }
      result.ratio = result.ours.rate / result.jose.rate;
      if (mode === 'cold') {
        const fullAt = CACHE_ENTRIES - WARMUP_TOKENS; // measured tokens after which our cache is full
        result.ours_phases = {
          cache_filling: rateBetween(result.ours.checkpoints, 0, fullAt - 100),
          cache_full: rateBetween(result.ours.checkpoints, fullAt + 500),
          jose_same_ranges: { first: rateBetween(result.jose.checkpoints, 0, fullAt - 100), after: rateBetween(result.jose.checkpoints, fullAt + 500) },
        };
      }
      rows.push(result);
      const note = result.ours.exhausted || result.jose.exhausted ? `  (token list exhausted: ${result.ours.count}/${result.jose.count} in ${result.ours.seconds}/${result.jose.seconds} s)` : '';
      log(`${alg.padEnd(6)} ${mode} ${result.style.padEnd(28)} ours ${String(result.ours.rate).padStart(8)}/s  jose ${String(result.jose.rate).padStart(8)}/s  ${result.ratio.toFixed(2)}×${note}`);
    }
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const lines = [];
lines.push('| alg | mode | style | mcp-edge-guard verify/s | jose verify/s | ours / jose |');
lines.push('|---|---|---|---:|---:|---:|');
for (const r of rows) {
  const mode = r.mode === 'cold' ? 'cold (distinct tokens)' : 'warm (same token; our cache hit)';
  lines.push(`| ${r.alg} | ${mode} | ${r.style} | ${fmt(r.ours.rate)} | ${fmt(r.jose.rate)} | ${r.ratio.toFixed(2)}× |`);
}
const seconds = Math.round((performance.now() - started) / 1000);
console.log('');
console.log(
  `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim()}); ~${options.seconds} s per case after ${WARMUP_TOKENS} warm-up verifications; ` +
    `cold: ${options.tokens.toLocaleString('en-US')} distinct tokens per alg, each verified once per library; run ${seconds} s.`,
);
console.log('');
console.log(lines.join('\n'));
console.log('');
const phased = rows.filter((r) => r.ours_phases);
if (phased.length) {
  console.log(`Cold, ours, by phase: verify/s while the verified-token cache fills (first ${(CACHE_ENTRIES - WARMUP_TOKENS - 100).toLocaleString('en-US')} measured tokens) → once it is full (${CACHE_ENTRIES.toLocaleString('en-US')} entries incl. warm-up); jose over the same ranges:`);
  console.log('');
  console.log('| alg | style | ours, cache filling | ours, cache full | jose, same ranges |');
  console.log('|---|---|---:|---:|---:|');
  const f = (n) => (n == null ? '—' : fmt(n));
  for (const r of phased) {
    const p = r.ours_phases;
    console.log(`| ${r.alg} | ${r.style} | ${f(p.cache_filling)} | ${f(p.cache_full)} | ${f(p.jose_same_ranges.first)} → ${f(p.jose_same_ranges.after)} |`);
  }
  console.log('');
}
const exhausted = rows.filter((r) => r.ours.exhausted || r.jose.exhausted);
if (exhausted.length) console.log(`note: the cold token list ran out before ${options.seconds} s in ${exhausted.length} case(s) (rate measured over the whole list; raise --tokens for longer runs)`);

await writeResults('npm', { config: { ...options, algs, warmup: WARMUP_TOKENS }, environment: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model?.trim() }, minting, rows, run_seconds: seconds });

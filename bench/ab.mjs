#!/usr/bin/env node
// Two builds of the gateway against each other, for a change to the request
// path whose effect is smaller than the run-to-run noise of bench/e2e.mjs
// (about ±5 %): both builds run side by side beside a proxy-only Worker, and
// the rows alternate A, B, proxy-only, A, B, proxy-only… so that drift of the
// machine falls on all of them alike. A measurement, not a test:
//
//     cp -r build /tmp/build-a   # the build before the change
//     make worker                # the build with it, in build/
//     node bench/ab.mjs --a /tmp/build-a [--b build] [--alg EdDSA] [--mode same|fresh]
//                       [--rounds 4] [--duration 5] [--connections 16]
//
// Prints req/s per round and the medians, and B / A and each / proxy-only.

import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALGS, BUILD, load, mintTokens, parseArgs, startGatewayWorker, startPeers, startProxyWorker, startRun, summarize, tokenCursor, freePort } from './e2e.mjs';

const options = parseArgs(process.argv.slice(2), { a: '', b: BUILD, alg: 'EdDSA', mode: 'same', rounds: 4, duration: 5, connections: 16, warmup: 1 });
if (!options.a) {
  console.error('ab: --a <build dir> is required (the build to compare build/ against)');
  process.exit(2);
}
if (!(options.alg in ALGS)) {
  console.error(`ab: unknown --alg ${options.alg}`);
  process.exit(2);
}
const [rounds, duration, connections, warmup] = [options.rounds, options.duration, options.connections, options.warmup].map(Number);
const builds = { A: resolve(options.a), B: resolve(options.b) };

const { cleanups, cleanup, finish, log } = startRun((rounds * 3 * (duration + warmup + 10) + 300) * 1000);
try {
  const { origin, keys, auth, audience } = await startPeers(cleanups);
  const count = options.mode === 'fresh' ? Math.ceil(4_000 * (duration + warmup) * rounds) : 1;
  const tokens = await mintTokens({ alg: options.alg, key: keys[options.alg], issuer: auth.issuer, audience, count, prefix: 'ab' });
  const proxy = await startProxyWorker({ originUrl: origin.url });
  cleanups.push(proxy.close);
  const urls = { proxy: `${proxy.url}/mcp` };
  for (const [name, build] of Object.entries(builds)) {
    const gateway = await startGatewayWorker({ port: await freePort(), originUrl: origin.url, issuer: auth.issuer, audience, jwksUri: auth.jwksUri(name), build });
    cleanups.push(gateway.close);
    urls[name] = `${gateway.url}/mcp`;
    log(`${name}: ${build} at ${urls[name]}`);
  }
  const cursor = options.mode === 'fresh' ? tokenCursor(tokens) : undefined;
  const token = cursor ? undefined : tokens[0];
  const rps = { A: [], B: [], proxy: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const name of ['A', 'B', 'proxy']) {
      const args = { url: urls[name], token: name === 'proxy' ? undefined : token, cursor: name === 'proxy' ? undefined : cursor, connections };
      if (warmup > 0) await load({ ...args, duration: warmup });
      const t0 = performance.now();
      const row = summarize(await load({ ...args, duration }));
      if (row.non2xx > 0 || row.errors > 0) throw new Error(`${name}: ${row.non2xx} non-2xx, ${row.errors} errors`);
      rps[name].push(row.rps);
      log(`round ${round} ${name}: ${row.rps} req/s (${Math.round(performance.now() - t0)} ms)`);
    }
  }
  const median = (list) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
  const [a, b, p] = [median(rps.A), median(rps.B), median(rps.proxy)];
  console.log(`\n${options.alg}, ${options.mode} token, ${rounds} rounds of ${duration} s, ${connections} connections`);
  console.log('| build | req/s per round | median | / proxy-only |');
  console.log('|---|---|---:|---:|');
  for (const [name, list, m] of [['A', rps.A, a], ['B', rps.B, b], ['proxy-only', rps.proxy, p]]) {
    console.log(`| ${name} | ${list.join(', ')} | ${m} | ${(m / p).toFixed(2)}× |`);
  }
  console.log(`\nB / A: ${(b / a).toFixed(3)}× (median of rounds)`);
} catch (error) {
  console.error(`ab: ${error.stack ?? error.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  finish();
}

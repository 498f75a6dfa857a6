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
//                       [--rounds 4] [--duration 5] [--connections 16] [--floor]
//
// Prints req/s per round and the medians, and B / A and each / proxy-only.
// --floor adds a row for FLOOR_WORKER: the platform calls the gateway makes
// for a forwarded POST, in plain JS, with no check at all (what the gateway
// could reach if its own work cost nothing). --a alone, without build/: only
// that build.

import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALGS, BUILD, load, median, mintTokens, parseArgs, startGatewayWorker, startMiniflare, startPeers, startProxyWorker, startRun, summarize, tokenCursor, freePort } from './e2e.mjs';

/** The gateway's platform calls for a forwarded POST, and nothing else: the
 *  headers it reads, the body read whole, a decoded copy of it, the origin
 *  request's headers (the forwarded and identity ones), fetch with its
 *  deadline timer, the response headers copied without the hop-by-hop ones,
 *  a new Response, and one JSON log line. */
const FLOOR_WORKER = `
const READ = ['authorization', 'origin', 'content-type', 'content-length', 'mcp-session-id', 'mcp-method', 'mcp-name',
  'accept', 'mcp-protocol-version', 'last-event-id', 'user-agent', 'cf-connecting-ip'];
const HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];
export default {
  async fetch(request, env) {
    const started = Date.now();
    const values = READ.map((name) => request.headers.get(name));
    const url = request.url;
    const buffer = await request.arrayBuffer();
    const text = new TextDecoder().decode(buffer);
    const headers = new Headers();
    for (const [name, value] of [['Accept', values[7]], ['User-Agent', values[10]], ['Content-Type', 'application/json'],
      ['X-Auth-Subject', 'bench-user'], ['X-Auth-Client-Id', 'bench-client'], ['X-Auth-Scopes', 'todo:read']]) {
      if (value !== null) headers.set(name, value);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30000);
    const response = await fetch(env.ORIGIN_URL, { method: 'POST', headers, body: buffer, redirect: 'manual', signal: controller.signal });
    clearTimeout(timer);
    const out = new Headers(response.headers);
    for (const name of HOP) out.delete(name);
    console.log(JSON.stringify({ event: 'decision', method: request.method, path: new URL(url).pathname, status: response.status,
      verdict: 'allow', bytes: text.length, latency_ms: Date.now() - started }));
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers: out });
  },
};
`;

const options = parseArgs(process.argv.slice(2), { a: '', b: BUILD, alg: 'EdDSA', mode: 'same', rounds: 4, duration: 5, connections: 16, warmup: 1, floor: false });
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
  if (options.floor) {
    const floor = await startMiniflare({ script: FLOOR_WORKER, bindings: { ORIGIN_URL: origin.url } });
    cleanups.push(floor.close);
    urls.floor = `${floor.url}/mcp`;
  }
  for (const [name, build] of Object.entries(builds)) {
    const gateway = await startGatewayWorker({ port: await freePort(), originUrl: origin.url, issuer: auth.issuer, audience, jwksUri: auth.jwksUri(name), build });
    cleanups.push(gateway.close);
    urls[name] = `${gateway.url}/mcp`;
    log(`${name}: ${build} at ${urls[name]}`);
  }
  const cursor = options.mode === 'fresh' ? tokenCursor(tokens) : undefined;
  const token = cursor ? undefined : tokens[0];
  const names = Object.keys(urls).filter((name) => name !== 'proxy').concat('proxy');
  const rps = Object.fromEntries(names.map((name) => [name, []]));
  const gateway = (name) => name === 'A' || name === 'B';
  for (let round = 1; round <= rounds; round++) {
    for (const name of names) {
      const args = { url: urls[name], token: gateway(name) ? token : undefined, cursor: gateway(name) ? cursor : undefined, connections };
      if (warmup > 0) await load({ ...args, duration: warmup });
      const t0 = performance.now();
      const row = summarize(await load({ ...args, duration }));
      if (row.non2xx > 0 || row.errors > 0) throw new Error(`${name}: ${row.non2xx} non-2xx, ${row.errors} errors`);
      rps[name].push(row.rps);
      log(`round ${round} ${name}: ${row.rps} req/s (${Math.round(performance.now() - t0)} ms)`);
    }
  }
  const [a, b, p] = [median(rps.A), median(rps.B), median(rps.proxy)];
  const labels = { A: `A (${options.a})`, B: `B (${options.b})`, floor: 'JS floor (the platform calls, no checks)', proxy: 'proxy-only' };
  console.log(`\n${options.alg}, ${options.mode} token, ${rounds} rounds of ${duration} s, ${connections} connections`);
  console.log('| row | req/s per round | median | / proxy-only |');
  console.log('|---|---|---:|---:|');
  for (const name of names) {
    const m = median(rps[name]);
    console.log(`| ${labels[name]} | ${rps[name].join(', ')} | ${m} | ${(m / p).toFixed(2)}× |`);
  }
  console.log(`\nB / A: ${(b / a).toFixed(3)}× (median of rounds)`);
} catch (error) {
  console.error(`ab: ${error.stack ?? error.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  finish();
}

#!/usr/bin/env node
// A sampling CPU profile of the gateway's isolate in workerd under load:
// the gateway (build/) in Miniflare with its V8 inspector open, autocannon
// POSTing `tools/call` with a token of one algorithm (the same token every
// time, or a fresh one per request), the V8 profiler running during the load.
// Prints self time by function (top 30), the idle share and the sample count;
// saves the raw .cpuprofile (open it in Chrome DevTools or speedscope).
//
//     node bench/profile.mjs [--alg EdDSA] [--mode same|fresh] [--duration 5]
//                            [--connections 16] [--interval 200] [--target user|entry] [--top 30]
//
// --interval is the sampling interval in µs; --target entry profiles
// Miniflare's entry Worker instead (it sits in front of every request).
// Needs build/; contacts nothing but 127.0.0.1.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ALGS, OUT, load, mintTokens, parseArgs, startGatewayWorker, startPeers, tokenCursor } from './e2e.mjs';

const options = parseArgs(process.argv.slice(2), { alg: 'EdDSA', mode: 'same', duration: 5, connections: 16, interval: 200, target: 'user', top: 30, warmup: 1 });
if (!(options.alg in ALGS)) fail(`unknown --alg ${options.alg} (known: ${Object.keys(ALGS).join(', ')})`);
if (!['same', 'fresh'].includes(options.mode)) fail(`--mode must be same or fresh, not ${options.mode}`);
if (!['user', 'entry'].includes(options.target)) fail(`--target must be user or entry, not ${options.target}`);
const TARGET_ID = options.target === 'user' ? 'core:user:' : 'core:entry';

function fail(message, code = 2) {
  console.error(`profile: ${message}`);
  process.exit(code);
}

class InspectorError extends Error {}

/** The inspector's target for the isolate, over its HTTP listing; then a CDP session over WebSocket. */
async function connectInspector(mf) {
  let base;
  try {
    base = await mf.getInspectorURL();
  } catch (error) {
    throw new InspectorError(`Miniflare has no inspector URL: ${error.message}`);
  }
  const listUrl = new URL('/json/list', base.href.replace(/^ws/, 'http'));
  let targets;
  try {
    const response = await fetch(listUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    targets = await response.json();
  } catch (error) {
    throw new InspectorError(`cannot list inspector targets at ${listUrl}: ${error.cause?.message ?? error.message}`);
  }
  const target = targets.find((t) => t.id === TARGET_ID);
  if (!target?.webSocketDebuggerUrl) {
    throw new InspectorError(`no inspector target ${TARGET_ID} at ${listUrl}; targets: ${targets.map((t) => t.id).join(', ') || '(none)'}`);
  }
  const socket = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((done, reject) => {
    const timer = setTimeout(() => reject(new InspectorError(`WebSocket to ${target.webSocketDebuggerUrl}: no connection within 5 s`)), 5000);
    socket.once('open', () => {
      clearTimeout(timer);
      done();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new InspectorError(`WebSocket to ${target.webSocketDebuggerUrl}: ${error.message}`));
    });
  });
  let nextId = 0;
  const pending = new Map();
  socket.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    const waiter = message.id !== undefined && pending.get(message.id);
    if (!waiter) return; // events
    pending.delete(message.id);
    if (message.error) waiter.reject(new InspectorError(`${waiter.method}: ${message.error.message} (${message.error.code})`));
    else waiter.resolve(message.result);
  });
  socket.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new InspectorError(`${waiter.method}: inspector connection closed`));
    pending.clear();
  });
  const send = (method, params = {}, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new InspectorError(`${method}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      pending.set(id, {
        method,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, url: target.webSocketDebuggerUrl, close: () => socket.close() };
}

/** Self samples by (function name, url); special V8 nodes kept as they are. */
function aggregate(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  const entries = new Map();
  let total = 0;
  let idle = 0;
  const categories = { wasm: 0, 'worker JS': 0, 'runtime APIs and builtins (no script)': 0, '(program)': 0, '(garbage collector)': 0 };
  for (const [id, count] of self) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || '(anonymous)';
    total += count;
    if (name === '(idle)') {
      idle += count;
      continue;
    }
    const url = callFrame.url ?? '';
    // Unnamed functions are told apart by position; named ones are merged per script.
    const key = callFrame.functionName ? `${name}\u0000${url}` : `${name}\u0000${url}\u0000${callFrame.lineNumber}:${callFrame.columnNumber}`;
    const entry = entries.get(key) ?? { name, url, line: callFrame.lineNumber, column: callFrame.columnNumber, samples: 0 };
    entry.samples += count;
    entries.set(key, entry);
    if (name === '(program)') categories['(program)'] += count;
    else if (name === '(garbage collector)') categories['(garbage collector)'] += count;
    else if (url.startsWith('wasm://')) categories.wasm += count;
    else if (url && !url.startsWith('node:') && !url.startsWith('internal')) categories['worker JS'] += count;
    else categories['runtime APIs and builtins (no script)'] += count;
  }
  return { entries: [...entries.values()].sort((a, b) => b.samples - a.samples), total, idle, busy: total - idle, categories };
}

async function main() {
  const started = performance.now();
  const log = (text) => console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);
  const cleanups = [];
  const cleanup = async () => {
    for (const close of cleanups.reverse()) {
      try {
        await close();
      } catch (error) {
        console.error(`cleanup: ${error.message}`);
      }
    }
    cleanups.length = 0;
  };
  const watchdog = setTimeout(
    async () => {
      console.error('profile: run exceeded its time budget; stopping');
      await cleanup();
      process.exit(3);
    },
    (options.duration + options.warmup + 180) * 1000,
  );
  watchdog.unref();
  try {
    const { origin, keys, auth, port, audience } = await startPeers(cleanups);
    const { alg, mode } = options;
    const count = mode === 'fresh' ? Math.ceil(4000 * (options.duration + options.warmup)) : 1;
    const t0 = performance.now();
    const tokens = await mintTokens({ alg, key: keys[alg], issuer: auth.issuer, audience, count, prefix: mode });
    log(`minted ${count} ${alg} token(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const gateway = await startGatewayWorker({ port, originUrl: origin.url, issuer: auth.issuer, audience, jwksUri: auth.jwksUri('gateway'), extra: { inspectorPort: 0 } });
    cleanups.push(gateway.close);
    const url = `${gateway.url}/mcp`;
    const cursor = mode === 'fresh' ? tokenCursor(tokens) : undefined;
    const token = mode === 'same' ? tokens[0] : undefined;

    let inspector;
    try {
      inspector = await connectInspector(gateway.mf);
    } catch (error) {
      console.error(`profile: the inspector cannot be reached: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    cleanups.push(async () => inspector.close());
    log(`inspector ${inspector.url}`);

    if (options.warmup > 0) await load({ url, token, cursor, connections: options.connections, duration: options.warmup });
    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.setSamplingInterval', { interval: options.interval });
    await inspector.send('Profiler.start');
    const { result } = await load({ url, token, cursor, connections: options.connections, duration: options.duration });
    const { profile } = await inspector.send('Profiler.stop', {}, 120_000);
    await inspector.send('Profiler.disable').catch(() => {});
    log(`load: ${Math.round(result.requests.average)} req/s, ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors (under the profiler)`);
    if (result.non2xx || result.errors) console.error(`\n!!!!!!!! ${result.non2xx} non-2xx and ${result.errors} errors under load: the profile is not of the success path !!!!!!!!\n`);
    if (cursor?.wrapped) console.error('!!! ran out of distinct tokens; some were re-used (cache hits)');

    await mkdir(OUT, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(OUT, `profile-${options.target}-${alg}-${mode}-${stamp}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));

    const { entries, total, idle, busy, categories } = aggregate(profile);
    const wall = (profile.endTime - profile.startTime) / 1e6;
    const pct = (n, of) => (of ? `${((100 * n) / of).toFixed(1)}%` : '—');
    console.log('');
    console.log(
      `workerd isolate ${TARGET_ID}: ${alg}, ${mode === 'same' ? 'same token' : 'fresh token per request'}, ${options.connections} connections, ` +
        `${options.duration} s, sampling every ${options.interval} µs; ${Math.round(result.requests.average)} req/s under the profiler`,
    );
    console.log(`samples: ${total} over ${wall.toFixed(2)} s; idle ${idle} (${pct(idle, total)}); busy ${busy} (${pct(busy, total)})`);
    console.log('');
    console.log('| share | % of busy |');
    console.log('|---|---:|');
    for (const [name, n] of Object.entries(categories)) console.log(`| ${name} | ${pct(n, busy)} |`);
    console.log('');
    console.log(`| # | self, % of busy | samples | function | script |`);
    console.log('|---:|---:|---:|---|---|');
    entries.slice(0, options.top).forEach((e, i) => {
      const where = e.url ? `${e.url.replace(/^file:\/\/.*\/build\//, 'build/')}:${e.line + 1}:${e.column + 1}` : '';
      console.log(`| ${i + 1} | ${pct(e.samples, busy)} | ${e.samples} | \`${e.name}\` | ${where} |`);
    });
    console.log('');
    console.log(`raw profile: ${file}`);
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  process.exitCode = 1;
});

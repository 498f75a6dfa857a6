#!/usr/bin/env node
// The gateway end to end next to its peers, in one process and one run, all on
// 127.0.0.1: a fast JSON-RPC origin, a JWKS server, and four ways to reach
// the origin under autocannon load:
//
//   origin direct          no Worker at all (reference)
//   proxy-only             a JS Worker that forwards, no auth (the Worker floor)
//   jose                   the 20-line JS Worker a user would write instead:
//                          createRemoteJWKSet + jwtVerify, then forward
//   gateway                build/ (this project), loaded as the tests load it
//
// Per algorithm (RS256, ES256, EdDSA) the Workers are loaded with the same
// token on every request and with a fresh, pre-minted token per request.
// A measurement, not a test:
//
//     node bench/e2e.mjs [--duration 10] [--connections 16] [--algs RS256,ES256,EdDSA]
//                        [--warmup 1] [--tokens N] [--decision-log all|denied] [--rounds 1]
//
// --rounds N runs every row N times, the rows of a round in turn, and reports
// the median req/s of each row and the median of each round's ratios: the
// ratios of one round move by about ±5 % from run to run.
//
// Prints a markdown table for docs/BENCHMARKS.md and writes out/bench/e2e.json.
// Needs build/ (the Worker bundle); contacts nothing but 127.0.0.1.

import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Miniflare } from 'miniflare';
import autocannon from 'autocannon';

export const ROOT = resolve(import.meta.dirname, '..');
export const BUILD = resolve(ROOT, 'build');
export const OUT = resolve(ROOT, 'out/bench');
export const SESSION_SECRET = 'bench-session-secret-of-32-bytes-or-more';
export const ALGS = { RS256: 'rs', ES256: 'es', EdDSA: 'ed' };
export const SCOPE = 'todo:read';
export const TOOL_SCOPES = { echo: SCOPE };
export const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } });
export const BASE_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const COMPATIBILITY_DATE = '2026-04-01';

// ---------------------------------------------------------------- arguments

export function parseArgs(argv, defaults) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match || !(match[1] in defaults)) throw new Error(`unknown argument ${argv[i]} (known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')})`);
    // A boolean option is a flag: `--floor`, or `--floor=false`.
    if (typeof defaults[match[1]] === 'boolean') {
      options[match[1]] = match[2] !== 'false';
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    options[match[1]] = typeof defaults[match[1]] === 'number' ? Number(value) : value;
    if (typeof defaults[match[1]] === 'number' && !Number.isFinite(options[match[1]])) throw new Error(`--${match[1]}: not a number: ${value}`);
  }
  return options;
}

export function parseAlgs(text) {
  const algs = text.split(',').map((a) => a.trim()).filter(Boolean);
  for (const alg of algs) if (!(alg in ALGS)) throw new Error(`unknown alg ${alg} (known: ${Object.keys(ALGS).join(', ')})`);
  return algs;
}

// ---------------------------------------------------------------- peers

/** A free TCP port on 127.0.0.1 (the gateway's URL must be known before it starts). */
export async function freePort() {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function listen(server) {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done(server.address().port));
  });
}

function closeServer(server) {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections?.();
  });
}

/** A small fast JSON-RPC origin: any POST gets `result.content = [{text: "ok"}]`. */
export async function startOrigin() {
  let requests = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-length': '0' });
      res.end();
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      let id = null;
      try {
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (message && (typeof message.id === 'number' || typeof message.id === 'string')) id = message.id;
      } catch {
        // Not JSON: answer with id null; the gateway never forwards such a body.
      }
      const body = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/mcp`, port, requests: () => requests, close: () => closeServer(server) };
}

/** Three signing keys (RS256 2048-bit `rs`, ES256 `es`, Ed25519 `ed`), public JWKS. */
export async function makeKeys(algs = Object.keys(ALGS)) {
  const keys = {};
  const jwks = { keys: [] };
  for (const alg of Object.keys(ALGS)) {
    const kid = ALGS[alg];
    const { publicKey, privateKey } =
      alg === 'RS256'
        ? await generateKeyPair('RS256', { modulusLength: 2048 })
        : alg === 'EdDSA'
          ? await generateKeyPair('EdDSA', { crv: 'Ed25519' })
          : await generateKeyPair(alg);
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    jwks.keys.push(jwk);
    keys[alg] = { kid, privateKey, jwk };
  }
  return { keys, jwks, algs };
}

/** The JWKS at /jwks/<peer>, counted per peer, `Cache-Control: max-age=600`. */
export async function startAuthServer(jwks) {
  const counts = new Map();
  const body = JSON.stringify(jwks);
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const match = /^\/jwks(?:\/([A-Za-z0-9_-]+))?$/.exec(new URL(req.url, 'http://x').pathname);
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'content-length': '0' });
      res.end();
      return;
    }
    const name = match[1] ?? '';
    counts.set(name, (counts.get(name) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=600', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUri: (name) => `${issuer}/jwks/${name}`,
    fetches: (name) => counts.get(name) ?? 0,
    close: () => closeServer(server),
  };
}

/** Mints `count` access tokens (distinct `jti`) in parallel batches. */
export async function mintTokens({ alg, key, issuer, audience, count, prefix = 't' }) {
  const now = Math.floor(Date.now() / 1000);
  const one = (i) =>
    new SignJWT({ scope: SCOPE, client_id: 'bench-client' })
      .setProtectedHeader({ alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('bench-user')
      .setJti(`${prefix}-${alg}-${i}`)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key.privateKey);
  const tokens = new Array(count);
  const BATCH = 512;
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH);
    const batch = [];
    for (let i = start; i < end; i++) batch.push(one(i));
    const minted = await Promise.all(batch);
    for (let i = start; i < end; i++) tokens[i] = minted[i - start];
  }
  return tokens;
}

/** workerd's stdout/stderr: drained (the gateway logs a JSON line per request); the tail of stderr kept for errors. */
function drainStdio(tail) {
  return (stdout, stderr) => {
    stdout.resume();
    stderr.on('data', (chunk) => {
      tail.text = (tail.text + chunk.toString()).slice(-4000);
    });
  };
}

export async function startMiniflare(options) {
  const tail = { text: '' };
  const mf = new Miniflare({
    modules: true,
    compatibilityDate: COMPATIBILITY_DATE,
    cf: false,
    host: '127.0.0.1',
    handleRuntimeStdio: drainStdio(tail),
    ...options,
  });
  let url;
  try {
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw new Error(`${error.message}${tail.text ? `\nworkerd stderr:\n${tail.text}` : ''}`);
  }
  return { mf, url: url.href.replace(/\/$/, ''), stderrTail: () => tail.text, close: () => mf.dispose() };
}

export const PROXY_WORKER = `
export default {
  async fetch(request, env) {
    const headers = new Headers();
    for (const name of ['content-type', 'accept']) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body;
    return fetch(env.ORIGIN_URL, { method: request.method, headers, body });
  },
};
`;

/** The JS Worker with jose, as a user would write it (the scope check reads the token only, not the body). */
export const JOSE_WORKER = `
import { createRemoteJWKSet, jwtVerify } from 'jose';

let jwks;

export default {
  async fetch(request, env) {
    jwks ??= createRemoteJWKSet(new URL(env.JWKS_URI));
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(request.headers.get('authorization') ?? '');
    if (!match) return new Response('{"error":"unauthorized"}', { status: 401, headers: { 'www-authenticate': 'Bearer' } });
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], jwks, { issuer: env.ISSUER, audience: env.AUDIENCE, algorithms: env.ALGORITHMS.split(' ') }));
    } catch {
      return new Response('{"error":"invalid_token"}', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    }
    if (!String(payload.scope ?? '').split(' ').includes(env.SCOPE)) {
      return new Response('{"error":"insufficient_scope"}', { status: 403 });
    }
    const headers = new Headers();
    for (const name of ['content-type', 'accept']) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    return fetch(env.ORIGIN_URL, { method: request.method, headers, body: request.body });
  },
};
`;

export async function startProxyWorker({ originUrl }) {
  return startMiniflare({ script: PROXY_WORKER, bindings: { ORIGIN_URL: originUrl } });
}

/** Bundles JOSE_WORKER with esbuild (jose's browser/WebCrypto build) into a temp dir. */
export async function bundleJoseWorker() {
  const { build } = await import('esbuild');
  const dir = await mkdtemp(join(tmpdir(), 'bench-jose-worker-'));
  const entry = join(dir, 'entry.mjs');
  const outfile = join(dir, 'worker.mjs');
  await writeFile(entry, JOSE_WORKER);
  const started = performance.now();
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    nodePaths: [join(ROOT, 'node_modules')],
    absWorkingDir: ROOT,
    minify: false,
    logLevel: 'silent',
    metafile: true,
  });
  const joseInput = Object.keys(result.metafile.inputs).filter((p) => p.includes('jose'));
  return {
    dir,
    outfile,
    ms: performance.now() - started,
    bytes: readFileSync(outfile).length,
    joseFiles: joseInput.length,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function startJoseWorker({ scriptPath, originUrl, issuer, audience, jwksUri, algorithms }) {
  return startMiniflare({
    scriptPath,
    modulesRoot: dirname(scriptPath),
    bindings: { ORIGIN_URL: originUrl, ISSUER: issuer, AUDIENCE: audience, JWKS_URI: jwksUri, ALGORITHMS: algorithms.join(' '), SCOPE },
  });
}

/** The built gateway (build/, or another build's directory), loaded exactly as
 *  tests/gateway/harness.mjs startGateway() does. */
export async function startGatewayWorker({ port, originUrl, issuer, audience, jwksUri, vars = {}, extra = {}, build = BUILD }) {
  if (!existsSync(join(build, 'index.js')) || !existsSync(join(build, 'index_bg.wasm'))) {
    throw new Error(`the Worker bundle is missing (${build}/index.js, index_bg.wasm): build it with make worker`);
  }
  return startMiniflare({
    scriptPath: resolve(build, 'index.js'),
    modulesRoot: build,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    bindings: {
      RESOURCE: `http://127.0.0.1:${port}/mcp`,
      AUDIENCE: audience,
      ORIGIN_URL: originUrl,
      ISSUER: issuer,
      JWKS_URI: jwksUri,
      TOOL_SCOPES: JSON.stringify(TOOL_SCOPES),
      SESSION_SECRET,
      ...vars,
    },
    port,
    ...extra,
  });
}

/**
 * What every bench run needs first: the origin, the keys and their server,
 * and the gateway's port and audience (tokens name it before it starts).
 * Each started server's close goes into `cleanups`.
 */
/**
 * A bounded benchmark run: what to close at the end (`cleanups`, closed in
 * reverse by `cleanup`, also on SIGINT/SIGTERM and when the run outlives
 * `budgetMs`), and a log with the run's clock.
 */
export function startRun(budgetMs) {
  const cleanups = [];
  let cleaning;
  const cleanup = () => {
    cleaning ??= (async () => {
      for (const close of cleanups.reverse()) {
        try {
          await close();
        } catch (error) {
          console.error(`cleanup: ${error.message}`);
        }
      }
    })();
    return cleaning;
  };
  const watchdog = setTimeout(async () => {
    console.error(`\n!!! run exceeded its budget of ${Math.round(budgetMs / 1000)} s; stopping`);
    await cleanup();
    process.exit(3);
  }, budgetMs);
  watchdog.unref();
  const onSignal = async (signal) => {
    console.error(`\n${signal}: stopping`);
    await cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  /** The run ended: no watchdog, no signal handlers any more. */
  const finish = () => {
    clearTimeout(watchdog);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  const started = performance.now();
  const log = (text) => console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${text}`);
  return { cleanups, cleanup, finish, log, started };
}

export async function startPeers(cleanups) {
  const origin = await startOrigin();
  cleanups.push(origin.close);
  const { keys, jwks } = await makeKeys();
  const auth = await startAuthServer(jwks);
  cleanups.push(auth.close);
  const port = await freePort();
  return { origin, keys, auth, port, audience: `http://127.0.0.1:${port}/mcp` };
}

// ---------------------------------------------------------------- load

/** An endless source of distinct tokens; counts how many were taken and whether it wrapped. */
export function tokenCursor(tokens) {
  let next = 0;
  return {
    take() {
      const token = tokens[next % tokens.length];
      next += 1;
      return token;
    },
    get used() {
      return next;
    },
    get wrapped() {
      return next > tokens.length;
    },
  };
}

/** One autocannon run; `cursor` given: a fresh token per request. */
export function load({ url, token, cursor, connections, duration, body = BODY }) {
  const headers = { ...BASE_HEADERS };
  if (token) headers.authorization = `Bearer ${token}`;
  const options = {
    url,
    method: 'POST',
    headers,
    body,
    connections,
    duration,
    pipelining: 1,
    timeout: 10,
  };
  if (cursor) {
    options.requests = [
      {
        setupRequest(request) {
          request.headers.authorization = `Bearer ${cursor.take()}`;
          return request;
        },
      },
    ];
  }
  const instance = autocannon(options);
  // autocannon's own histogram keeps whole milliseconds; record the exact times too.
  const latencies = { values: new Float64Array(1 << 16), count: 0 };
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    if (latencies.count === latencies.values.length) {
      const bigger = new Float64Array(latencies.values.length * 2);
      bigger.set(latencies.values);
      latencies.values = bigger;
    }
    latencies.values[latencies.count++] = responseTime;
  });
  return instance.then((result) => ({ result, latencies: latencies.values.subarray(0, latencies.count).sort() }));
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const round3 = (x) => Math.round(x * 1000) / 1000;

export function summarize({ result, latencies }) {
  let sum = 0;
  for (const value of latencies) sum += value;
  return {
    rps: Math.round(result.requests.average),
    rps_stddev: Math.round(result.requests.stddev),
    total: result.requests.total,
    bytes_per_response: result.requests.total ? Math.round(result.throughput.total / result.requests.total) : NaN,
    responses_timed: latencies.length,
    p50_ms: round3(percentile(latencies, 50)),
    p90_ms: round3(percentile(latencies, 90)),
    p99_ms: round3(percentile(latencies, 99)),
    mean_ms: round3(sum / latencies.length),
    max_ms: round3(latencies[latencies.length - 1]),
    autocannon_latency_ms: { p50: result.latency.p50, p99: result.latency.p99, note: 'whole milliseconds (autocannon histogram)' },
    '2xx': result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status_codes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)])),
    duration_s: result.duration,
  };
}

/** Checks one request by hand: the expected status (and the origin's answer on 200). */
async function probe(url, token, expect = 200) {
  const headers = { ...BASE_HEADERS };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: BODY, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`probe ${url}: expected ${expect}, got ${response.status} ${text.slice(0, 300)}`);
  if (expect === 200 && !text.includes('"ok"')) throw new Error(`probe ${url}: unexpected body ${text.slice(0, 300)}`);
}

// ---------------------------------------------------------------- report

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fmtMs = (n) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const ratio = (a, b) => (a && b ? a / b : NaN);
export const median = (values) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((x, y) => x - y);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
};

/** One row per label: the median req/s, p50 and p99 over the rounds; the
 *  counts (non-2xx, errors, JWKS fetches) summed. */
function medianRows(rows) {
  const byLabel = new Map();
  for (const row of rows) byLabel.set(row.label, [...(byLabel.get(row.label) ?? []), row]);
  return [...byLabel.values()].map((same) => {
    const last = same[same.length - 1];
    const sum = (key) => same.reduce((total, row) => total + (row[key] ?? 0), 0);
    return {
      ...last,
      rps: median(same.map((row) => row.rps)),
      p50_ms: median(same.map((row) => row.p50_ms)),
      p99_ms: median(same.map((row) => row.p99_ms)),
      non2xx: sum('non2xx'),
      errors: sum('errors'),
      timeouts: sum('timeouts'),
      jwks_fetches_warmup: sum('jwks_fetches_warmup'),
      jwks_fetches_measured: sum('jwks_fetches_measured'),
    };
  });
}
const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');

function markdown(rows, ratios) {
  const lines = [];
  lines.push('| row | req/s | p50 ms | p99 ms | non-2xx | errors | JWKS fetches, warm-up + row (peer total) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const bad = row.non2xx || row.errors || row.timeouts ? ' ⚠' : '';
    const jwks = row.peer === 'jose' || row.peer === 'gateway' ? `${row.jwks_fetches_warmup + row.jwks_fetches_measured} (${row.jwks_fetches_total})` : '—';
    lines.push(`| ${row.label}${bad} | ${fmt(row.rps)} | ${fmtMs(row.p50_ms)} | ${fmtMs(row.p99_ms)} | ${row.non2xx} | ${row.errors + row.timeouts} | ${jwks} |`);
  }
  lines.push('');
  lines.push('| alg | gateway / proxy-only, same token | gateway / jose, same token | gateway / jose, fresh tokens |');
  lines.push('|---|---:|---:|---:|');
  for (const r of ratios) lines.push(`| ${r.alg} | ${fmtRatio(r.gateway_vs_proxy_same)} | ${fmtRatio(r.gateway_vs_jose_same)} | ${fmtRatio(r.gateway_vs_jose_fresh)} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const options = parseArgs(process.argv.slice(2), { duration: 10, connections: 16, algs: 'RS256,ES256,EdDSA', warmup: 1, tokens: 0, 'decision-log': 'all', rounds: 1 });
  const algs = parseAlgs(options.algs);
  const { duration, connections, warmup, rounds } = options;
  if (!(duration > 0 && connections > 0 && warmup >= 0)) throw new Error('--duration and --connections must be positive, --warmup non-negative');
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds must be a whole number ≥ 1');
  // Enough distinct tokens for ~4,000 req/s over warm-up + row in every round, so none repeats.
  const tokenCount = options.tokens > 0 ? Math.floor(options.tokens) : Math.max(8_000, Math.ceil(4_000 * (duration + warmup) * rounds));
  if (!existsSync(join(BUILD, 'index.js')) || !existsSync(join(BUILD, 'index_bg.wasm'))) {
    console.error(`build/ is missing (${BUILD}/index.js, index_bg.wasm): build the Worker first (make worker). Stopping.`);
    process.exitCode = 2;
    return;
  }

  // Bounded run time: every row is bounded by autocannon's duration; this is the backstop.
  const rowsCount = (2 + algs.length * 4) * rounds;
  const budgetMs = (rowsCount * (duration + warmup + 15) + 300) * 1000;
  const { cleanups, cleanup, finish, log, started } = startRun(budgetMs);
  try {
    const { origin, keys, auth, port: gatewayPort, audience } = await startPeers(cleanups);
    log(`origin ${origin.url}, issuer ${auth.issuer}, audience ${audience}`);

    // Tokens, before any load.
    const tokens = {};
    const minting = {};
    for (const alg of algs) {
      const t0 = performance.now();
      const [same] = await mintTokens({ alg, key: keys[alg], issuer: auth.issuer, audience, count: 1, prefix: 'same' });
      const fresh = await mintTokens({ alg, key: keys[alg], issuer: auth.issuer, audience, count: tokenCount, prefix: 'fresh' });
      minting[alg] = { tokens: tokenCount + 1, ms: Math.round(performance.now() - t0) };
      tokens[alg] = { same, fresh };
      log(`minted ${tokenCount + 1} ${alg} tokens in ${(minting[alg].ms / 1000).toFixed(1)} s`);
    }

    // The peers.
    const bundle = await bundleJoseWorker();
    cleanups.push(bundle.cleanup);
    log(`jose Worker bundled with esbuild (${bundle.bytes} B, ${bundle.joseFiles} jose modules) in ${Math.round(bundle.ms)} ms`);
    const proxy = await startProxyWorker({ originUrl: origin.url });
    cleanups.push(proxy.close);
    const jose = await startJoseWorker({ scriptPath: bundle.outfile, originUrl: origin.url, issuer: auth.issuer, audience, jwksUri: auth.jwksUri('jose'), algorithms: Object.keys(ALGS) });
    cleanups.push(jose.close);
    const gateway = await startGatewayWorker({ port: gatewayPort, originUrl: origin.url, issuer: auth.issuer, audience, jwksUri: auth.jwksUri('gateway'), vars: { DECISION_LOG: options['decision-log'] } });
    cleanups.push(gateway.close);
    const peers = {
      origin: { url: origin.url, label: 'origin direct' },
      proxy: { url: `${proxy.url}/mcp`, label: 'proxy-only Worker' },
      jose: { url: `${jose.url}/mcp`, label: 'jose Worker', jwks: 'jose', instance: jose },
      gateway: { url: `${gateway.url}/mcp`, label: 'gateway', jwks: 'gateway', instance: gateway },
    };
    log(`proxy-only ${peers.proxy.url}, jose ${peers.jose.url}, gateway ${peers.gateway.url}`);

    // Sanity: every peer answers 200 with the origin's body; the two with auth refuse a missing or forged token.
    await probe(peers.origin.url, null);
    await probe(peers.proxy.url, null);
    for (const name of ['jose', 'gateway']) {
      try {
        await probe(peers[name].url, null, 401);
        for (const alg of algs) {
          const forged = tokens[alg].same.replace(/\.([^.]+)$/, (_, signature) => `.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
          await probe(peers[name].url, forged, 401);
          await probe(peers[name].url, tokens[alg].same);
        }
      } catch (error) {
        const tail = peers[name].instance.stderrTail();
        throw new Error(`${error.message}${tail ? `\nworkerd stderr:\n${tail}` : ''}`);
      }
    }

    const rows = [];
    let round = 1;
    const runRow = async ({ peer, label, alg = null, mode = null, token, cursor }) => {
      const { url } = peers[peer];
      const fetches0 = peers[peer].jwks ? auth.fetches(peers[peer].jwks) : 0;
      if (warmup > 0) await load({ url, token, cursor, connections, duration: warmup });
      const fetches1 = peers[peer].jwks ? auth.fetches(peers[peer].jwks) : 0;
      const usedBefore = cursor?.used ?? 0;
      const result = await load({ url, token, cursor, connections, duration });
      const fetches2 = peers[peer].jwks ? auth.fetches(peers[peer].jwks) : 0;
      const row = {
        label,
        peer,
        alg,
        mode,
        round,
        ...summarize(result),
        jwks_fetches_warmup: fetches1 - fetches0,
        jwks_fetches_measured: fetches2 - fetches1,
        jwks_fetches_total: fetches2,
        ...(cursor ? { tokens_used: cursor.used - usedBefore, tokens_wrapped: cursor.wrapped } : {}),
      };
      rows.push(row);
      const problems = [];
      if (row.non2xx) problems.push(`${row.non2xx} non-2xx (${JSON.stringify(row.status_codes)})`);
      if (row.errors) problems.push(`${row.errors} errors`);
      if (row.timeouts) problems.push(`${row.timeouts} timeouts`);
      if (row.tokens_wrapped) problems.push(`ran out of distinct tokens (${tokenCount}); some were re-used: raise --tokens`);
      log(`${rounds > 1 ? `round ${round}: ` : ''}${label.padEnd(34)} ${String(row.rps).padStart(6)} req/s  p50 ${fmtMs(row.p50_ms)} ms  p99 ${fmtMs(row.p99_ms)} ms${problems.length ? '' : '  ok'}`);
      if (problems.length) {
        row.invalid = problems;
        console.error(`\n!!!!!!!! INVALID ROW: ${label}: ${problems.join('; ')} !!!!!!!!\n`);
      }
    };

    // One cursor per Worker and alg for the whole run: no token is sent to a Worker twice.
    const cursors = {};
    const freshCursor = (peer, alg) => (cursors[`${peer} ${alg}`] ??= tokenCursor(tokens[alg].fresh));
    for (; round <= rounds; round++) {
      await runRow({ peer: 'origin', label: 'origin direct' });
      await runRow({ peer: 'proxy', label: 'proxy-only Worker' });
      for (const alg of algs) {
        const { same } = tokens[alg];
        await runRow({ peer: 'jose', alg, mode: 'same', label: `jose Worker, ${alg}, same token`, token: same });
        await runRow({ peer: 'jose', alg, mode: 'fresh', label: `jose Worker, ${alg}, fresh tokens`, cursor: freshCursor('jose', alg) });
        await runRow({ peer: 'gateway', alg, mode: 'same', label: `gateway, ${alg}, same token`, token: same });
        await runRow({ peer: 'gateway', alg, mode: 'fresh', label: `gateway, ${alg}, fresh tokens`, cursor: freshCursor('gateway', alg) });
      }
    }

    // Per round, then the median over the rounds.
    const find = (peer, alg, mode, r) => rows.find((row) => row.peer === peer && row.alg === alg && row.mode === mode && row.round === r);
    const perRound = (pick) => median(Array.from({ length: rounds }, (_, i) => pick(i + 1)));
    const ratios = algs.map((alg) => ({
      alg,
      gateway_vs_proxy_same: perRound((r) => ratio(find('gateway', alg, 'same', r)?.rps, find('proxy', null, null, r)?.rps)),
      gateway_vs_jose_same: perRound((r) => ratio(find('gateway', alg, 'same', r)?.rps, find('jose', alg, 'same', r)?.rps)),
      gateway_vs_jose_fresh: perRound((r) => ratio(find('gateway', alg, 'fresh', r)?.rps, find('jose', alg, 'fresh', r)?.rps)),
    }));

    const invalid = rows.filter((r) => r.invalid);
    const table = markdown(medianRows(rows), ratios);
    const seconds = Math.round((performance.now() - started) / 1000);
    console.log('');
    console.log(
      `autocannon ${connections} connections, pipelining 1, ${duration} s per row after ${warmup} s warm-up; ` +
        `POST /mcp tools/call echo; Node ${process.version}, Miniflare ${miniflareVersion()}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim()}); ` +
        `${tokenCount.toLocaleString('en-US')} distinct tokens per alg; ${rounds > 1 ? `${rounds} rounds, medians; ` : ''}run ${seconds} s.`,
    );
    console.log('');
    console.log(table);
    console.log('');
    if (invalid.length) console.log(`!!! ${invalid.length} INVALID ROW(S) (non-2xx, errors or re-used tokens): ${invalid.map((r) => r.label).join('; ')}`);

    await writeResults('e2e', {
      config: { duration, connections, warmup, rounds, algs, tokens_per_alg: tokenCount, body: JSON.parse(BODY), compatibilityDate: COMPATIBILITY_DATE },
      environment: environment(),
      minting,
      jose_bundle: { bytes: bundle.bytes, ms: Math.round(bundle.ms), jose_modules: bundle.joseFiles },
      jwks_fetches: { jose: auth.fetches('jose'), gateway: auth.fetches('gateway') },
      origin_requests: origin.requests(),
      rows,
      ratios,
      invalid_rows: invalid.map((r) => r.label),
      run_seconds: seconds,
    });
    if (invalid.length) process.exitCode = 1;
  } finally {
    await cleanup();
    finish();
  }
}

export function miniflareVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules/miniflare/package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Where a run ran, for its JSON record. */
/** Writes `results` (stamped with the date) to out/bench/<name>.json; says where. */
export async function writeResults(name, results) {
  await mkdir(OUT, { recursive: true });
  const file = join(OUT, `${name}.json`);
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
  console.log(`raw results: ${file}`);
}

export function environment() {
  return { node: process.version, miniflare: miniflareVersion(), cpus: cpus().length, cpu_model: cpus()[0]?.model?.trim() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error?.stack ?? error);
    process.exitCode = 1;
  });
}

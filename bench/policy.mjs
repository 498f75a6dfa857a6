#!/usr/bin/env node
// What the authorization policy (POLICY) and list filtering (FILTER_LISTS)
// cost per request, beside peers in the same run, all on 127.0.0.1: a JSON-RPC
// origin that also answers tools/list (30 tools of ~300 B each, as JSON or, with
// `?sse=1`, as one SSE event), a JWKS server, a proxy-only JS Worker and four
// gateways (build/), each in its own workerd (Miniflare):
//
//   shorthand   TOOL_SCOPES {"echo":"todo:read"} (the old form)
//   policy      POLICY (below: all four sections, 25 patterns), FILTER_LISTS=true
//   unfiltered  the same POLICY, FILTER_LISTS=false
//
// Rows (autocannon, one EdDSA token on every request):
//
//   1 proxy-only Worker, tools/call
//   2 gateway, TOOL_SCOPES shorthand, tools/call echo
//   3 gateway, POLICY, tools/call todo_search (matched by the prefix todo_*)
//   4 gateway, POLICY, FILTER_LISTS=false, tools/list JSON (30 tools pass)
//   5 gateway, POLICY, FILTER_LISTS=true, tools/list JSON (14 of 30 kept)
//   6 as 5, the origin answering SSE
//   7 proxy-only Worker, tools/list JSON
//   8 as 4, the origin answering SSE (the peer of 6)
//
// A measurement, not a test:
//
//     node bench/policy.mjs [--duration 10] [--connections 16] [--warmup 1]
//
// Prints a markdown table for docs/BENCHMARKS.md and writes out/bench/policy.json.
// The npm side (Policy.check / filterList in µs a call): bench/policy-npm.mjs.
// Needs build/; contacts nothing but 127.0.0.1.

import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { BASE_HEADERS, BUILD, environment, freePort, load, miniflareVersion, parseArgs, startGatewayWorker, startPeers, startProxyWorker, startRun, summarize, writeResults } from './e2e.mjs';

// ---------------------------------------------------------------- the policy and the tools

/** Scopes and claims of the one token (grants rows 2 and 3, and half the list). */
export const TOKEN_SCOPE = 'todo:read notes:read';
export const TOKEN_CLAIMS = { tenant: 'acme', groups: ['dev'] };

/**
 * All four sections, 25 patterns: exact names, prefixes of several lengths
 * (todo_*, todo_write_*, todo_admin_*; notes_*, notes_read_*; report_*,
 * report_billing_*), "*", `false`, a claims rule on `tenant` (which the token
 * carries) and one on `groups` (which it fails), and a methods section.
 */
export const POLICY = {
  tools: {
    echo: [],
    whoami: [],
    health_check: 'todo:read',
    nuke: false,
    shell_exec: false,
    'todo_*': 'todo:read',
    'todo_write_*': ['todo:write'],
    'todo_admin_*': ['todo:admin', 'todo:write'],
    'notes_*': 'notes:write',
    'notes_read_*': 'notes:read',
    'report_*': { scopes: ['todo:read'], claims: { tenant: ['acme', 'globex'] } },
    'report_billing_*': { claims: { groups: 'finance' } },
    '*': 'admin:all',
  },
  resources: { 'todo://*': 'todo:read', 'notes://*': 'notes:read', 'admin://*': { claims: { groups: ['ops', 'sre'] } } },
  prompts: { summarize: [], 'draft_*': 'todo:write', '*': 'todo:read' },
  methods: { initialize: [], ping: [], 'notifications/*': [], 'tools/*': [], 'prompts/*': [], 'resources/*': [] },
};
export const SHORTHAND = { echo: 'todo:read' };
export const PATTERN_COUNT = Object.values(POLICY).reduce((n, section) => n + Object.keys(section).length, 0);

/** 30 tool names, in the origin's order, and the 14 the token may use under POLICY. */
export const TOOL_NAMES = [
  'echo', 'todo_list', 'todo_write_create', 'todo_get', 'notes_read_list', 'todo_write_update',
  'report_daily', 'nuke', 'todo_search', 'notes_create', 'todo_admin_purge', 'whoami',
  'report_billing_invoice', 'notes_read_get', 'todo_write_delete', 'calendar_sync', 'todo_count',
  'notes_update', 'report_weekly', 'shell_exec', 'todo_admin_reindex', 'health_check', 'mail_send',
  'notes_read_search', 'todo_write_archive', 'report_monthly', 'notes_delete', 'report_billing_usage',
  'todo_export', 'file_upload',
];
export const KEPT = [
  'echo', 'todo_list', 'todo_get', 'notes_read_list', 'report_daily', 'todo_search', 'whoami',
  'notes_read_get', 'todo_count', 'report_weekly', 'health_check', 'notes_read_search', 'report_monthly',
  'todo_export',
];

/** A tool entry of realistic size (~300 B of JSON). */
function tool(name) {
  const words = name.replace(/_/g, ' ');
  return {
    name,
    description: `Runs ${words} against the current workspace and returns the matching items as text; results are paged, newest first.`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: `What to ${words.split(' ').pop()}` },
        limit: { type: 'integer', minimum: 1, maximum: 100 },
      },
      required: ['query'],
    },
  };
}
export const LIST_RESULT = { tools: TOOL_NAMES.map(tool) };
const LIST_JSON = JSON.stringify(LIST_RESULT);

export const CALL_ECHO = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } });
export const CALL_PREFIX = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'todo_search', arguments: { query: 'milk' } } });
export const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

// ---------------------------------------------------------------- the origin

/** tools/list → the 30 tools, anything else → a small result; SSE when the URL has `sse=1` or `x-bench-sse: 1`. */
async function startListOrigin() {
  let requests = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-length': '0' });
      res.end();
      return;
    }
    const sse = /[?&]sse=1(?:&|$)/.test(req.url) || req.headers['x-bench-sse'] === '1';
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      let id = null;
      let method = null;
      try {
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (message && (typeof message.id === 'number' || typeof message.id === 'string')) id = message.id;
        method = message?.method ?? null;
      } catch {
        // Not JSON: answer with id null.
      }
      const result = method === 'tools/list' ? LIST_JSON : '{"content":[{"type":"text","text":"ok"}]}';
      const json = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}}`;
      if (sse) {
        // As the MCP SDK answers: one event, chunked, no content-length.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end(`event: message\ndata: ${json}\n\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      }
    });
  });
  const port = await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done(server.address().port));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests: () => requests,
    close: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections?.();
    }),
  };
}

/** The JSON-RPC messages of a response body (JSON, or the `data:` of SSE events). */
function messagesOf(contentType, text) {
  if (contentType.startsWith('text/event-stream')) {
    return text
      .split(/\n\n/)
      .map((event) => event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n'))
      .filter(Boolean)
      .map((data) => JSON.parse(data));
  }
  return [JSON.parse(text)];
}

/** One request by hand: 200, the expected content type, and the expected answer (an "ok" result or exactly these tools). */
async function probe({ url, token, body, sse = false, tools = null }) {
  const headers = { ...BASE_HEADERS };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const where = `probe ${url} ${JSON.parse(body).method}`;
  if (response.status !== 200) throw new Error(`${where}: expected 200, got ${response.status} ${text.slice(0, 300)}`);
  const contentType = response.headers.get('content-type') ?? '';
  if (sse !== contentType.startsWith('text/event-stream')) throw new Error(`${where}: content-type ${contentType}`);
  const [message] = messagesOf(contentType, text);
  if (!tools) {
    if (message?.result?.content?.[0]?.text !== 'ok') throw new Error(`${where}: unexpected body ${text.slice(0, 300)}`);
    return { bytes: text.length };
  }
  const names = message?.result?.tools?.map((t) => t.name);
  if (JSON.stringify(names) !== JSON.stringify(tools)) throw new Error(`${where}: expected ${tools.length} tools, got ${JSON.stringify(names)}`);
  return { bytes: text.length, tools: names.length };
}

// ---------------------------------------------------------------- report

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fmtMs = (n) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');
/** Time per request at saturation: 1/req/s; the difference of two rows is what one costs more than the other. */
const usPer = (rps) => (rps ? 1e6 / rps : NaN);
const fmtUs = (n) => (Number.isFinite(n) ? `${n >= 0 ? '+' : '−'}${Math.abs(Math.round(n))}` : '—');

function markdown(rows, ratios) {
  const lines = [];
  lines.push('| # | row | req/s | p50 ms | p99 ms | bytes/response |');
  lines.push('|---:|---|---:|---:|---:|---:|');
  for (const row of rows) {
    const bad = row.invalid ? ' ⚠' : '';
    lines.push(`| ${row.n} | ${row.label}${bad} | ${fmt(row.rps)} | ${fmtMs(row.p50_ms)} | ${fmtMs(row.p99_ms)} | ${fmt(row.bytes_per_response)} |`);
  }
  lines.push('');
  lines.push('| ratio | req/s | Δ µs/request (1/req/s) |');
  lines.push('|---|---:|---:|');
  for (const r of ratios) lines.push(`| ${r.label} | ${fmtRatio(r.ratio)} | ${fmtUs(r.delta_us)} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function mintToken({ key, issuer, audience }) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: TOKEN_SCOPE, client_id: 'bench-client', ...TOKEN_CLAIMS })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject('bench-user')
    .setJti('policy-bench')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key.privateKey);
}

async function main() {
  const options = parseArgs(process.argv.slice(2), { duration: 10, connections: 16, warmup: 1 });
  const { duration, connections, warmup } = options;
  if (!(duration > 0 && connections > 0 && warmup >= 0)) throw new Error('--duration and --connections must be positive, --warmup non-negative');
  if (!existsSync(join(BUILD, 'index.js')) || !existsSync(join(BUILD, 'index_bg.wasm'))) {
    console.error(`build/ is missing (${BUILD}/index.js, index_bg.wasm): build the Worker first (make worker). Stopping.`);
    process.exitCode = 2;
    return;
  }
  const ROWS = 8;
  const budgetMs = (ROWS * (duration + warmup + 15) + 300) * 1000;
  const { cleanups, cleanup, finish, log, started } = startRun(budgetMs);
  try {
    // startPeers' own origin answers only tools/call; ours answers tools/list too.
    const { keys, auth, port: firstPort, audience } = await startPeers(cleanups);
    const origin = await startListOrigin();
    cleanups.push(origin.close);
    const token = await mintToken({ key: keys.EdDSA, issuer: auth.issuer, audience });
    log(`origin ${origin.url}, issuer ${auth.issuer}, audience ${audience}; tools/list result ${LIST_JSON.length} B (${TOOL_NAMES.length} tools), POLICY ${JSON.stringify(POLICY).length} B, ${PATTERN_COUNT} patterns`);

    const proxy = await startProxyWorker({ originUrl: origin.url });
    cleanups.push(proxy.close);
    const gateways = {};
    const configs = {
      shorthand: { port: firstPort, vars: {} }, // TOOL_SCOPES by default in startGatewayWorker
      policy: { vars: { TOOL_SCOPES: '', POLICY: JSON.stringify(POLICY), FILTER_LISTS: 'true' } },
      unfiltered: { vars: { TOOL_SCOPES: '', POLICY: JSON.stringify(POLICY), FILTER_LISTS: 'false' } },
    };
    for (const [name, config] of Object.entries(configs)) {
      const port = config.port ?? (await freePort());
      // One token for all: every gateway accepts the first one's audience.
      const vars = { TOOL_SCOPES: JSON.stringify(SHORTHAND), ...config.vars };
      const gateway = await startGatewayWorker({ port, originUrl: origin.url, issuer: auth.issuer, audience, jwksUri: auth.jwksUri(name), vars });
      cleanups.push(gateway.close);
      gateways[name] = { url: `${gateway.url}/mcp`, instance: gateway };
    }
    log(`proxy-only ${proxy.url}/mcp; gateways ${Object.entries(gateways).map(([n, g]) => `${n} ${g.url}`).join(', ')}`);

    const rowDefs = [
      { n: 1, label: 'proxy-only Worker, tools/call', url: `${proxy.url}/mcp`, body: CALL_ECHO },
      { n: 2, label: 'gateway, TOOL_SCOPES shorthand, tools/call echo', gw: 'shorthand', body: CALL_ECHO },
      { n: 3, label: `gateway, POLICY (${PATTERN_COUNT} patterns), tools/call todo_search (prefix)`, gw: 'policy', body: CALL_PREFIX },
      { n: 4, label: `gateway, POLICY, FILTER_LISTS=false, tools/list JSON (${TOOL_NAMES.length} tools)`, gw: 'unfiltered', body: LIST, tools: TOOL_NAMES },
      { n: 5, label: `gateway, POLICY, FILTER_LISTS=true, tools/list JSON (${KEPT.length} of ${TOOL_NAMES.length} kept)`, gw: 'policy', body: LIST, tools: KEPT },
      { n: 6, label: `gateway, POLICY, FILTER_LISTS=true, tools/list SSE (${KEPT.length} of ${TOOL_NAMES.length} kept)`, gw: 'policy', body: LIST, tools: KEPT, sse: true },
      { n: 7, label: `proxy-only Worker, tools/list JSON (${TOOL_NAMES.length} tools)`, url: `${proxy.url}/mcp`, body: LIST, tools: TOOL_NAMES },
      { n: 8, label: `gateway, POLICY, FILTER_LISTS=false, tools/list SSE (${TOOL_NAMES.length} tools)`, gw: 'unfiltered', body: LIST, tools: TOOL_NAMES, sse: true },
    ];
    for (const def of rowDefs) {
      def.url ??= gateways[def.gw].url;
      if (def.sse) def.url += '?sse=1';
      def.token = def.gw ? token : null;
    }

    // Every row answers 200 with what it should (a filtered list really is shorter) before any load.
    for (const def of rowDefs) {
      try {
        def.probe = await probe(def);
      } catch (error) {
        const tail = def.gw ? gateways[def.gw].instance.stderrTail() : '';
        throw new Error(`row ${def.n} (${def.label}): ${error.message}${tail ? `\nworkerd stderr:\n${tail}` : ''}`);
      }
    }
    log(`probes ok: ${rowDefs.map((d) => `#${d.n} ${d.probe.bytes} B${d.probe.tools ? ` ${d.probe.tools} tools` : ''}`).join(', ')}`);

    const rows = [];
    for (const def of rowDefs) {
      const { n, label, url, token: rowToken, body } = def;
      if (warmup > 0) await load({ url, token: rowToken, body, connections, duration: warmup });
      const row = { n, label, gateway: def.gw ?? null, sse: !!def.sse, probe: def.probe, ...summarize(await load({ url, token: rowToken, body, connections, duration })) };
      rows.push(row);
      const problems = [];
      if (row.non2xx) problems.push(`${row.non2xx} non-2xx (${JSON.stringify(row.status_codes)})`);
      if (row.errors) problems.push(`${row.errors} errors`);
      if (row.timeouts) problems.push(`${row.timeouts} timeouts`);
      log(`#${n} ${label.padEnd(72)} ${String(row.rps).padStart(6)} req/s  p50 ${fmtMs(row.p50_ms)} ms  p99 ${fmtMs(row.p99_ms)} ms${problems.length ? '' : '  ok'}`);
      if (problems.length) {
        row.invalid = problems;
        console.error(`\n!!!!!!!! INVALID ROW: ${label}: ${problems.join('; ')} !!!!!!!!\n`);
      }
    }

    const rps = (n) => rows.find((r) => r.n === n)?.rps;
    const pair = (a, b, what) => ({ label: `${a} / ${b}: ${what}`, a, b, ratio: rps(a) && rps(b) ? rps(a) / rps(b) : NaN, delta_us: usPer(rps(a)) - usPer(rps(b)) });
    const ratios = [
      pair(3, 2, 'full POLICY vs TOOL_SCOPES shorthand, tools/call'),
      pair(5, 4, 'filtering a 30-tool JSON list vs passing it'),
      pair(6, 4, 'filtering the list from SSE vs passing JSON'),
      pair(6, 8, 'filtering the list from SSE vs passing SSE'),
      pair(4, 7, 'gateway vs proxy-only, tools/list JSON unfiltered'),
      pair(5, 7, 'gateway vs proxy-only, tools/list JSON filtered'),
      pair(2, 1, 'gateway vs proxy-only, tools/call'),
    ];

    const invalid = rows.filter((r) => r.invalid);
    const seconds = Math.round((performance.now() - started) / 1000);
    console.log('');
    console.log(
      `autocannon ${connections} connections, pipelining 1, ${duration} s per row after ${warmup} s warm-up; one EdDSA token (scope "${TOKEN_SCOPE}", tenant "acme"); ` +
        `tools/list result ${LIST_JSON.length} B (${TOOL_NAMES.length} tools); POLICY ${PATTERN_COUNT} patterns; DECISION_LOG all; ` +
        `Node ${process.version}, Miniflare ${miniflareVersion()}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim()}); run ${seconds} s.`,
    );
    console.log('');
    console.log(markdown(rows, ratios));
    console.log('');
    if (invalid.length) console.log(`!!! ${invalid.length} INVALID ROW(S): ${invalid.map((r) => r.label).join('; ')}`);

    await writeResults('policy', {
      config: { duration, connections, warmup, token: { alg: 'EdDSA', scope: TOKEN_SCOPE, claims: TOKEN_CLAIMS }, policy: POLICY, tool_scopes: SHORTHAND, list_bytes: LIST_JSON.length, tools: TOOL_NAMES.length, kept: KEPT.length },
      environment: environment(),
      jwks_fetches: Object.fromEntries(Object.keys(gateways).map((name) => [name, auth.fetches(name)])),
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

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error?.stack ?? error);
    process.exitCode = 1;
  });
}

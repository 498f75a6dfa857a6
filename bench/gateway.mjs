#!/usr/bin/env node
// What the gateway adds per request, measured end to end on 127.0.0.1: the
// same MCP `tools/list` POST sent N times straight to the origin and N times
// through the gateway (workerd via Miniflare, release build in build/), plus
// the cost of rejections. A measurement, not a test:
//
//     make worker && node bench/gateway.mjs [requests=400]
//
// Record the figures in docs/BENCHMARKS.md.

import { performance } from 'node:perf_hooks';
import { startStack } from '../tests/gateway/harness.mjs';

const N = Number(process.argv[2] ?? 400);
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function series(label, send) {
  for (let i = 0; i < 20; i++) await send(); // warm-up: JIT, keys, connections
  const times = [];
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await send();
    times.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  const row = { label, requests: N, 'req/s': Math.round(N / seconds), p50_ms: percentile(times, 50).toFixed(2), p90_ms: percentile(times, 90).toFixed(2), p99_ms: percentile(times, 99).toFixed(2) };
  console.log(JSON.stringify(row));
  return row;
}

async function initialize(url, headers) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
  });
  await response.text();
  if (!response.ok) throw new Error(`initialize: ${response.status}`);
  return response.headers.get('mcp-session-id');
}

const stack = await startStack();
try {
  const token = await stack.token('demo-m2m', 'todo:read todo:write');
  const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const post = (url, headers) => async () => {
    const response = await fetch(url, { method: 'POST', headers: { ...HEADERS, ...headers }, body: list });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  };
  const direct = await initialize(stack.origin.url, {});
  const viaGateway = await initialize(stack.resource, { authorization: `Bearer ${token}` });
  const common = { 'mcp-protocol-version': '2025-06-18' };
  await series('origin direct (tools/list)', post(stack.origin.url, { ...common, 'mcp-session-id': direct }));
  await series('through gateway, RS256 token (tools/list)', post(stack.resource, { ...common, 'mcp-session-id': viaGateway, authorization: `Bearer ${token}` }));
  const reject = (headers) => async () => {
    const response = await fetch(stack.resource, { method: 'POST', headers: { ...HEADERS, ...headers }, body: list });
    await response.arrayBuffer();
  };
  await series('gateway rejects: no token (401)', reject({}));
  await series('gateway rejects: bad signature (401)', reject({ authorization: `Bearer ${token.slice(0, -4)}AAAA` }));
} finally {
  await stack.close();
}

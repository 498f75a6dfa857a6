#!/usr/bin/env node
// The npm package's Policy (pkg/node) in µs a call, on the same policy, token
// claims and 30-tool list as bench/policy.mjs: `new Policy(doc)`,
// `policy.check(principal, message)` for a tools/call, and
// `policy.filterList(principal, 'tools/list', result)`, beside the JS floors
// (a JSON round trip of the list, a hand-written filter of it), and what the
// filter's cost follows (a one-pattern policy; lists of other sizes).
// A measurement, not a test:
//
//     node bench/policy-npm.mjs [--seconds 0.5] [--rounds 7]
//
// Each case: a warm-up round, then `--rounds` timed rounds of `--seconds`;
// the median round is reported. Prints a markdown table for docs/BENCHMARKS.md
// and writes out/bench/policy-npm.json.

import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, writeResults } from './e2e.mjs';
import { KEPT, LIST_RESULT, PATTERN_COUNT, POLICY, SHORTHAND, TOKEN_CLAIMS, TOKEN_SCOPE, TOOL_NAMES } from './policy.mjs';

const PKG = join(resolve(import.meta.dirname, '..'), 'pkg/node/mcp_edge_guard.js');
const options = parseArgs(process.argv.slice(2), { seconds: 0.5, rounds: 7 });
if (!(options.seconds > 0 && options.rounds >= 1)) throw new Error('--seconds must be positive, --rounds at least 1');
if (!existsSync(PKG)) {
  console.error(`pkg/ is missing (${PKG}): build the npm package first (make npm). Stopping.`);
  process.exit(2);
}
const { Policy } = await import(PKG);

const principal = { scopes: TOKEN_SCOPE, claims: TOKEN_CLAIMS };
const callEcho = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } };
const callPrefix = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'todo_search', arguments: { query: 'milk' } } };
const callPrefixText = JSON.stringify(callPrefix);
const shorthand = new Policy({ tools: SHORTHAND });
const full = new Policy(POLICY);
const fullOff = new Policy(POLICY, { filterLists: false });
const onePattern = new Policy({ tools: { '*': 'todo:read' } });
// What the filter's cost follows: entries, not bytes or patterns.
const namesOnly = { tools: LIST_RESULT.tools.map((t) => ({ name: t.name })) };
const longer = { tools: LIST_RESULT.tools.map((t) => ({ ...t, description: t.description.repeat(4) })) };
const fourTimes = { tools: [...LIST_RESULT.tools, ...LIST_RESULT.tools, ...LIST_RESULT.tools, ...LIST_RESULT.tools] };
const bytes = (result) => `${(JSON.stringify(result).length / 1024).toFixed(1)} KiB`;

// Sanity before timing: the decisions and the filtered list are what bench/policy.mjs expects.
for (const [policy, message] of [[shorthand, callEcho], [full, callPrefix], [full, callPrefixText]]) {
  const decision = policy.check(principal, message);
  if (decision.decision !== 'allowed') throw new Error(`check: ${JSON.stringify(decision)}`);
}
const filtered = full.filterList(principal, 'tools/list', LIST_RESULT);
if (JSON.stringify(filtered.tools.map((t) => t.name)) !== JSON.stringify(KEPT)) throw new Error(`filterList kept ${filtered.tools.map((t) => t.name)}`);
if (fullOff.filterList(principal, 'tools/list', LIST_RESULT) !== LIST_RESULT) throw new Error('filterLists: false should hand back the result itself');

/** JS floor: what a hand-written filter costs when it already knows the kept names. */
const keptSet = new Set(KEPT);
const jsFilter = (result) => ({ ...result, tools: result.tools.filter((t) => keptSet.has(t.name)) });

let sink = 0;
const cases = [
  { name: 'new Policy(doc), 25 patterns (+ free)', fn: () => { const p = new Policy(POLICY); sink += 1; p.free(); } },
  { name: 'new Policy({tools: TOOL_SCOPES}) (+ free)', fn: () => { const p = new Policy({ tools: SHORTHAND }); sink += 1; p.free(); } },
  { name: 'check, TOOL_SCOPES shorthand, tools/call echo (object)', fn: () => { sink += shorthand.check(principal, callEcho).decision.length; } },
  { name: 'check, POLICY, tools/call todo_search (object)', fn: () => { sink += full.check(principal, callPrefix).decision.length; } },
  { name: 'check, POLICY, tools/call todo_search (JSON text)', fn: () => { sink += full.check(principal, callPrefixText).decision.length; } },
  { name: `filterList, POLICY, tools/list ${TOOL_NAMES.length} → ${KEPT.length} tools (${bytes(LIST_RESULT)})`, fn: () => { sink += full.filterList(principal, 'tools/list', LIST_RESULT).tools.length; } },
  { name: `filterList, {"tools":{"*":"todo:read"}}, ${TOOL_NAMES.length} tools (all kept)`, fn: () => { sink += onePattern.filterList(principal, 'tools/list', LIST_RESULT).tools.length; } },
  { name: `filterList, POLICY, ${TOOL_NAMES.length} tools of name only (${bytes(namesOnly)})`, fn: () => { sink += full.filterList(principal, 'tools/list', namesOnly).tools.length; } },
  { name: `filterList, POLICY, ${TOOL_NAMES.length} tools, 4× descriptions (${bytes(longer)})`, fn: () => { sink += full.filterList(principal, 'tools/list', longer).tools.length; } },
  { name: `filterList, POLICY, ${fourTimes.tools.length} tools (${bytes(fourTimes)})`, fn: () => { sink += full.filterList(principal, 'tools/list', fourTimes).tools.length; } },
  { name: 'filterList, POLICY, filterLists: false (hands the result back)', fn: () => { sink += fullOff.filterList(principal, 'tools/list', LIST_RESULT).tools.length; } },
  { name: `JS floor: JSON.parse(JSON.stringify(list of ${TOOL_NAMES.length}))`, fn: () => { sink += JSON.parse(JSON.stringify(LIST_RESULT)).tools.length; } },
  { name: 'JS floor: Array.filter by a Set of kept names', fn: () => { sink += jsFilter(LIST_RESULT).tools.length; } },
];

/** Calls per second over about `seconds` (batches of 64 between clock reads). */
function round(fn, seconds) {
  const end = performance.now() + seconds * 1000;
  let calls = 0;
  const t0 = performance.now();
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 64; i++) fn();
    calls += 64;
    now = performance.now();
  }
  return calls / ((now - t0) / 1000);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
for (const c of cases) {
  round(c.fn, options.seconds); // warm-up
  const rates = [];
  for (let i = 0; i < options.rounds; i++) rates.push(round(c.fn, options.seconds));
  const perSecond = median(rates);
  results.push({ case: c.name, per_second: Math.round(perSecond), us_per_call: 1e6 / perSecond, rounds: rates.map(Math.round) });
  console.error(`${c.name.padEnd(66)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)}/s  ${(1e6 / perSecond).toFixed(2).padStart(8)} µs`);
}

console.log('');
console.log(`Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim()}); median of ${options.rounds} rounds of ${options.seconds} s; principal {scopes: "${TOKEN_SCOPE}", claims: ${JSON.stringify(TOKEN_CLAIMS)}}; POLICY ${PATTERN_COUNT} patterns; list ${JSON.stringify(LIST_RESULT).length} B.`);
console.log('');
console.log('| case | calls/s | µs/call |');
console.log('|---|---:|---:|');
for (const r of results) console.log(`| ${r.case} | ${r.per_second.toLocaleString('en-US')} | ${r.us_per_call.toFixed(2)} |`);
console.log('');
await writeResults('policy-npm', { config: options, environment: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model?.trim() }, results, sink });

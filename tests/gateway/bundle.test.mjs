// The Worker bundle as built (build/, by make worker): its wasm stays within
// the size budget of docs/BENCHMARKS.md (250 KB as gzip -9 measures it; the
// upload limit of the Workers free plan is 3 MB, and a smaller module starts
// a cold isolate sooner).
//
//   node --test tests/gateway/bundle.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const WASM = join(resolve(import.meta.dirname, '../..'), 'build/index_bg.wasm');

test('the Worker wasm stays within its size budget: 250,000 B gzip -9', async () => {
  const { stdout } = await run('sh', ['-c', 'gzip -9 -c < "$1" | wc -c', 'size', WASM]);
  const size = Number(stdout.trim());
  assert.ok(size > 10_000, `gzip measured ${stdout.trim()} bytes: not the Worker wasm?`);
  assert.ok(size <= 250_000, `build/index_bg.wasm is ${size} B gzip, over the 250,000 B budget`);
});

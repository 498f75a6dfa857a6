// `npm pack` of pkg/ gives a package a fresh Node project can install (offline:
// it has no dependencies) and use as npm/README.md says, in JavaScript and in
// TypeScript (strict, module nodenext). pkg/ is used as built; never rebuilt here.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { PKG, ROOT } from './util.mjs';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const VECTOR = join(ROOT, 'tests/vectors/accept-rs256.json');

let tmp;
let project;
let pack; // npm pack --json's entry for the tarball
let tarball;
let installError;

/** Runs a command; resolves to { code, stdout, stderr } whatever the exit code. */
async function sh(file, args, cwd) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, encoding: 'utf8', maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'meg-pack-'));
  const packed = await sh('npm', ['pack', '--pack-destination', tmp, '--json'], PKG);
  assert.equal(packed.code, 0, `npm pack failed: ${packed.stderr}`);
  [pack] = JSON.parse(packed.stdout);
  tarball = join(tmp, pack.filename);

  project = join(tmp, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  copyFileSync(VECTOR, join(project, 'vector.json'));
  const installed = await sh('npm', ['install', tarball, '--no-audit', '--no-fund', '--offline'], project);
  if (installed.code !== 0) installError = `npm install --offline failed (${installed.code}): ${installed.stderr}`;
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const installedOk = () => assert.equal(installError, undefined, installError);

test('the tarball holds node/, web/, bundler/, README.md and nothing from the Rust tree', (t) => {
  const files = pack.files.map((f) => f.path).sort();
  t.diagnostic(`${pack.filename}: ${pack.size} bytes packed, ${pack.unpackedSize} unpacked, ${files.length} files`);
  for (const dir of ['node', 'web', 'bundler']) {
    for (const name of ['mcp_edge_guard.js', 'mcp_edge_guard.d.ts']) {
      assert.ok(files.includes(`${dir}/${name}`), `missing ${dir}/${name}`);
    }
  }
  // One wasm fewer: the Node build reads the web build's (they are byte for byte the same).
  assert.ok(files.includes('web/mcp_edge_guard_bg.wasm') && files.includes('bundler/mcp_edge_guard_bg.wasm'));
  assert.ok(!files.includes('node/mcp_edge_guard_bg.wasm'), 'no third copy of the wasm');
  assert.ok(files.includes('bundler/mcp_edge_guard_bg.js'));
  assert.ok(files.includes('README.md') && files.includes('package.json'));
  const rust = files.filter((f) => /\.rs$|(^|\/)Cargo\.(toml|lock)$|^src\/|^target\/|^tests?\/|(^|\/)\.gitignore$/.test(f));
  assert.deepEqual(rust, [], 'unexpected files in the tarball');
  assert.ok(files.every((f) => /^(node|web|bundler)\/|^(README\.md|package\.json|LICENSE.*)$/.test(f)), files.join(', '));
  assert.equal(pack.name, 'mcp-edge-guard');
  assert.ok(pack.size > 0 && pack.size < 2_000_000, `tarball is ${pack.size} bytes`);
});

test('package.json: no dependencies, and every main/types/exports target is in the tarball', () => {
  const files = new Set(pack.files.map((f) => f.path));
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  assert.equal(manifest.dependencies, undefined);
  const targets = [manifest.main, manifest.types];
  const walk = (value) => (typeof value === 'string' ? targets.push(value) : Object.values(value).forEach(walk));
  walk(manifest.exports);
  for (const target of targets) assert.ok(files.has(target.replace(/^\.\//, '')), `${target} not packed`);
});

test('npm install --offline of the tarball works in a fresh project', () => {
  installedOk();
  const installed = JSON.parse(readFileSync(join(project, 'node_modules/mcp-edge-guard/package.json'), 'utf8'));
  assert.equal(installed.version, pack.version);
  assert.ok(existsSync(join(project, 'node_modules/mcp-edge-guard/web/mcp_edge_guard_bg.wasm')));
});

test('index.mjs uses the package as the README says and verifies a vector token', async () => {
  installedOk();
  writeFileSync(join(project, 'index.mjs'), `
import { Policy, Verifier, extractBearer, grants } from 'mcp-edge-guard';
import { readFileSync } from 'node:fs';

const vector = JSON.parse(readFileSync(new URL('./vector.json', import.meta.url), 'utf8'));
const verifier = new Verifier({ issuer: vector.policy.issuers, audience: vector.policy.audiences, jwks: vector.jwks });
const principal = await verifier.verify(extractBearer('Bearer ' + vector.token), vector.now);
let rejected = null;
try {
  await verifier.verify(vector.token, vector.now + 86400);
} catch (err) {
  rejected = { name: err.name, code: err.code, status: err.status, reason: err.reason };
}
console.log(JSON.stringify({
  resolved: import.meta.resolve('mcp-edge-guard'),
  sub: principal.sub,
  clientId: principal.clientId,
  scopes: principal.scopes,
  exp: principal.exp,
  canWrite: grants(principal.scopes, 'todo:write'),
  canAdmin: grants(principal.scopes, 'todo:admin'),
  rejected,
  policy: new Policy({ tools: { add: 'todo:write', purge: 'todo:admin' } })
    .check(principal, [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'purge' } }]),
}));
`);
  const result = await sh(process.execPath, ['index.mjs'], project);
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout.trim());
  const vector = JSON.parse(readFileSync(VECTOR, 'utf8'));
  assert.ok(
    out.resolved.endsWith('/consumer/node_modules/mcp-edge-guard/node/mcp_edge_guard.js'),
    `resolved to ${out.resolved}`,
  );
  assert.deepEqual(out, {
    resolved: out.resolved,
    sub: vector.expect.subject,
    clientId: vector.expect.client_id,
    scopes: vector.expect.scopes,
    exp: vector.expect.expires_at,
    canWrite: true,
    canAdmin: false,
    rejected: { name: 'VerifyError', code: 'invalid_token', status: 401, reason: 'expired' },
    policy: { decision: 'insufficient_scope', status: 403, requiredScopes: ['todo:admin'] },
  });
});

test('CommonJS require() and the web/ build (init with the wasm bytes) work from the installed package', async () => {
  installedOk();
  writeFileSync(join(project, 'cjs.cjs'), `
const { Policy, grants, createState } = require('mcp-edge-guard');
console.log(JSON.stringify([grants('mcp:tools:*', 'mcp:tools:x:y'), createState().length, new Policy('{"tools":{"a":"b"}}').scopes()]));
`);
  const cjs = await sh(process.execPath, ['cjs.cjs'], project);
  assert.equal(cjs.code, 0, cjs.stderr);
  assert.deepEqual(JSON.parse(cjs.stdout), [true, 22, ['b']]);

  writeFileSync(join(project, 'web.mjs'), `
import init, { Policy, grants, codeChallengeS256 } from 'mcp-edge-guard/web';
import { readFileSync } from 'node:fs';
await init({ module_or_path: readFileSync(new URL('./node_modules/mcp-edge-guard/web/mcp_edge_guard_bg.wasm', import.meta.url)) });
const policy = new Policy({ tools: { a: false } });
console.log(JSON.stringify([grants(['a:*'], 'a:b'), codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
  policy.check({ scopes: [] }, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } }).reason]));
`);
  const web = await sh(process.execPath, ['web.mjs'], project);
  assert.equal(web.code, 0, web.stderr);
  assert.deepEqual(JSON.parse(web.stdout), [true, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'rule_false']);
});

const GOOD_TS = `
import {
  Policy, Verifier, extractBearer, grants, challenge, protectedResourceMetadata,
  requiredScopesForTool, createCodeVerifier, codeChallengeS256, createState,
} from 'mcp-edge-guard';
import type {
  VerifierOptions, Principal, VerifyError, ProtectedResourceMetadata, ChallengeOptions,
  PolicyDocument, PolicyOptions, PolicyPrincipal, PolicyDecision, PolicyRule,
} from 'mcp-edge-guard';

const options: VerifierOptions = {
  issuer: 'https://auth.example.com',
  audience: ['https://mcp.example.com/mcp'],
  jwksUri: 'https://auth.example.com/jwks',
  algorithms: ['RS256', 'ES256'],
  leeway: 30,
  requireAtJwt: true,
  cooldownSeconds: 10,
};
const verifier: Verifier = new Verifier(options);

export async function handle(header: string | undefined): Promise<{ status: number; body: string }> {
  try {
    const principal: Principal = await verifier.verify(extractBearer(header));
    const who: string = principal.sub ?? principal.clientId ?? 'anonymous';
    const exp: number = principal.exp;
    const scopes: string[] = principal.scopes;
    const tenant: unknown = principal.claims['tenant'];
    const needed: string[] | null = requiredScopesForTool({ list_todos: 'todo:read', '*': ['todo:admin'] }, 'list_todos');
    const ok: boolean = needed !== null && needed.every((scope) => grants(scopes, scope));
    return { status: ok ? 200 : 403, body: who + exp + String(tenant) };
  } catch (caught) {
    const err = caught as VerifyError;
    const code: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'unauthorized' | 'temporarily_unavailable' = err.code;
    const name: 'VerifyError' = err.name;
    const reason: string = err.reason;
    const opts: ChallengeOptions = { resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', error: err };
    const value: string | null = challenge(opts);
    return { status: err.status, body: code + name + reason + (value ?? '') };
  }
}

const metadata: ProtectedResourceMetadata = protectedResourceMetadata({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://auth.example.com'],
});
export const bearer: 'header' = metadata.bearer_methods_supported[0];
const codeVerifier: string = createCodeVerifier();
export const pkce: string = codeChallengeS256(codeVerifier) + createState();
verifier.free();

const adminOnly: PolicyRule = { scopes: ['todo:admin'], claims: { tenant: ['acme', 'globex'], level: 3, staff: true } };
const document: PolicyDocument = {
  tools: { list_todos: 'todo:read', 'todo_*': ['todo:write'], purge: adminOnly, debug: false, '*': [] },
  resources: { 'todo://*': 'todo:read' },
  prompts: {},
  methods: { '*': [] },
};
const policyOptions: PolicyOptions = { filterLists: 'step-up' };
const policy: Policy = new Policy(document, policyOptions);
export function authorize(principal: Principal, body: object | object[] | string): { status: number; header?: string } {
  const caller: PolicyPrincipal = principal;
  const decision: PolicyDecision = policy.check(caller, body);
  switch (decision.decision) {
    case 'allowed':
      return { status: 200 };
    case 'insufficient_scope': {
      const required: string[] = decision.requiredScopes;
      const header = challenge({ resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', required, granted: principal.scopes });
      return { status: decision.status, header: header ?? undefined };
    }
    case 'denied': {
      const reason: 'rule_false' | 'claims_mismatch' | 'no_matching_rule' = decision.reason;
      return { status: decision.status, header: reason };
    }
  }
}
export const visible: { tools: { name: string }[] } = policy.filterList({ scopes: 'todo:read', claims: { tenant: 'acme' } }, 'tools/list', { tools: [{ name: 'list_todos' }] });
export const supported: string[] = new Policy(JSON.stringify(document), { filterLists: false }).scopes();
policy.free();
`;

const BAD_TS = `
import { Verifier } from 'mcp-edge-guard';
export const verifier = new Verifier({ issuer: 42, audience: 'https://mcp.example.com/mcp', jwksUri: 'https://auth.example.com/jwks' });
`;

const tsc = (file, extra = []) => sh(TSC, ['--noEmit', '--module', 'nodenext', '--strict', ...extra, file], project);

test('TypeScript: typed usage type-checks (strict, module nodenext)', async () => {
  installedOk();
  writeFileSync(join(project, 'index.ts'), GOOD_TS);
  const result = await tsc('index.ts');
  assert.equal(result.code, 0, `tsc failed on index.ts:\n${result.stdout}${result.stderr}`);
});

test('TypeScript: a number as issuer is a type error', async () => {
  installedOk();
  writeFileSync(join(project, 'bad.ts'), BAD_TS);
  const result = await tsc('bad.ts');
  assert.notEqual(result.code, 0, 'tsc accepted bad.ts');
  assert.match(result.stdout, /bad\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string \| string\[\]'/);
  assert.equal(result.stdout.trim().split('\n').filter((line) => /error TS/.test(line)).length, 1, result.stdout);
});

test('TypeScript: the types also check for a consumer targeting ES2022', async () => {
  installedOk();
  writeFileSync(join(project, 'index.ts'), GOOD_TS);
  const result = await tsc('index.ts', ['--target', 'es2022']);
  assert.equal(result.code, 0, result.stdout);
});

// new Policy(document) without options works in JavaScript; its declaration must let TypeScript omit them too.
test('TypeScript: new Policy(document) without options type-checks', async () => {
  installedOk();
  writeFileSync(join(project, 'policy.ts'), `
import { Policy } from 'mcp-edge-guard';
export const policy = new Policy({ tools: { a: 'x' } });
`);
  const result = await tsc('policy.ts');
  assert.equal(result.code, 0, result.stdout);
});

test("TypeScript: `import init from 'mcp-edge-guard/web'` is callable under module nodenext", async () => {
  installedOk();
  writeFileSync(join(project, 'web.ts'), `
import init, { grants } from 'mcp-edge-guard/web';
await init();
export const ok: boolean = grants('a', 'a');
`);
  const result = await tsc('web.ts');
  assert.equal(result.code, 0, result.stdout);
});

test('the package wasm stays within its size budget: 120,000 B as gzip -9 measures it (docs/BENCHMARKS.md)', async () => {
  const wasm = join(PKG, 'web/mcp_edge_guard_bg.wasm');
  const { stdout } = await run('sh', ['-c', 'gzip -9 -c < "$1" | wc -c', 'size', wasm]);
  const size = Number(stdout.trim());
  assert.ok(size > 10_000, `gzip measured ${stdout.trim()} bytes: not the package wasm?`);
  assert.ok(size <= 120_000, `pkg/web wasm is ${size} B gzip, over the 120,000 B budget`);
});

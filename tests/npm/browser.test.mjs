// The npm package's `web` build (pkg/web/) in headless Chromium: init() loads the
// wasm over HTTP, Verifier checks the shared test vectors, the PKCE helpers agree
// with node:crypto, and jwksUri mode fetches keys cross-origin from the real demo
// authorization server (stack/auth-server.mjs) to verify a real token.
//
//   node --test --test-concurrency=1 tests/npm/browser.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { startAuthServer } from '../../stack/auth-server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WEB = join(ROOT, 'pkg/web');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_WAIT_MS = 180_000;

const vector = (name) => JSON.parse(readFileSync(join(ROOT, 'tests/vectors', `${name}.json`), 'utf8'));
const optionsOf = (v) => ({ issuer: v.policy.issuers, audience: v.policy.audiences, leeway: v.policy.leeway_seconds, jwks: v.jwks });

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
};

// The page imports the web build and exposes it on window once init() resolved.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcp-edge-guard web build</title></head>
<body>
<script type="module">
  import init, * as guard from '/pkg/mcp_edge_guard.js';
  try {
    await init();
    window.guard = guard;
    window.guardReady = 'ok';
  } catch (err) {
    window.guardReady = 'init failed: ' + (err && err.stack || err);
  }
</script>
</body></html>`;

/** Static server: / → the test page, /pkg/* → pkg/web/*. */
function startStaticServer() {
  const served = [];
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/' || path === '/index.html') {
      served.push({ path, type: TYPES['.html'] });
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
      return res.end(PAGE);
    }
    if (path.startsWith('/pkg/')) {
      const file = resolve(WEB, `.${decodeURIComponent(path.slice('/pkg'.length))}`);
      const type = TYPES[extname(file)];
      if (file.startsWith(WEB + sep) && type) {
        try {
          const body = await readFile(file);
          served.push({ path, type });
          res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
          return res.end(body);
        } catch {
          // fall through to 404
        }
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      done({
        url: `http://127.0.0.1:${server.address().port}`,
        served,
        close: () => new Promise((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        }),
      });
    });
  });
}

async function waitForChromium() {
  const deadline = Date.now() + CHROMIUM_WAIT_MS;
  while (!existsSync(CHROMIUM)) {
    if (Date.now() > deadline) {
      throw new Error(`${CHROMIUM} did not appear within ${CHROMIUM_WAIT_MS / 1000} s: install Debian's chromium package (apt-get install chromium)`);
    }
    await sleep(2000);
  }
  await sleep(1000); // the launcher script can land before the rest of the package
}

/** A client-credentials access token from the demo authorization server. */
const clientCredentialsToken = (auth, clientId, scope) => auth.clientCredentialsToken(clientId, scope);

// Runs in the page: verify and return the principal, or the error's fields.
async function verifyInPage({ options, token, now }) {
  const { Verifier } = window.guard;
  const verifier = new Verifier(options);
  try {
    const p = await verifier.verify(token, now);
    return { ok: true, principal: { iss: p.iss, sub: p.sub, clientId: p.clientId, scopes: p.scopes, exp: p.exp, claims: p.claims } };
  } catch (err) {
    return {
      ok: false,
      error: { name: err.name, code: err.code, status: err.status, reason: err.reason, message: err.message, isError: err instanceof Error },
    };
  } finally {
    verifier.free();
  }
}

let browser;
let page;
let site;
let auth;
const consoleMessages = [];
const pageErrors = [];

/** A page of the test site in `context`, once init() has settled. */
async function openPage(context) {
  const p = await context.newPage();
  p.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  await p.goto(`${site.url}/`);
  await p.waitForFunction(() => window.guardReady !== undefined, null, { timeout: 15_000 });
  return p;
}

before(async () => {
  await waitForChromium();
  site = await startStaticServer();
  auth = await startAuthServer({ resource: 'https://mcp.example.test/mcp' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await openPage(await browser.newContext());
});

after(async () => {
  await browser?.close();
  await site?.close();
  await auth?.close();
});

test('init() loads the wasm next to the module, streamed as application/wasm', async () => {
  assert.equal(await page.evaluate(() => window.guardReady), 'ok', `console: ${consoleMessages.join('\n')}`);
  assert.deepEqual(pageErrors, []);
  const wasm = site.served.find((r) => r.path === '/pkg/mcp_edge_guard_bg.wasm');
  assert.ok(wasm, `the page fetched the wasm; served ${JSON.stringify(site.served)}`);
  assert.equal(wasm.type, 'application/wasm');
  // wasm-bindgen warns and falls back to a slower path when streaming compile fails.
  assert.equal(consoleMessages.filter((m) => /instantiateStreaming|MIME/i.test(m)).length, 0, consoleMessages.join('\n'));
  const exported = await page.evaluate(() => Object.keys(window.guard).sort());
  for (const name of ['Policy', 'Verifier', 'challenge', 'codeChallengeS256', 'createCodeVerifier', 'createState',
    'extractBearer', 'grants', 'protectedResourceMetadata', 'requiredScopesForTool']) {
    assert.ok(exported.includes(name), `export ${name}`);
  }
});

test('Policy works in the browser: check, filterList, scopes', async () => {
  const result = await page.evaluate(() => {
    const { Policy } = window.guard;
    const policy = new Policy({ tools: { read: 'todo:read', write: 'todo:write', gone: false } }, { filterLists: true });
    const call = (name) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } });
    const reader = { scopes: ['todo:read'] };
    let typeError = null;
    try {
      policy.check(reader, { id: 1 });
    } catch (err) {
      typeError = err instanceof TypeError;
    }
    const out = {
      read: policy.check(reader, call('read')),
      write: policy.check(reader, call('write')),
      gone: policy.check(reader, call('gone')),
      list: policy.filterList(reader, 'tools/list', { tools: [{ name: 'read' }, { name: 'write' }, { name: 'gone' }] }),
      scopes: policy.scopes(),
      typeError,
    };
    policy.free();
    return out;
  });
  assert.deepEqual(result, {
    read: { decision: 'allowed' },
    write: { decision: 'insufficient_scope', status: 403, requiredScopes: ['todo:write'] },
    gone: { decision: 'denied', status: 403, reason: 'rule_false' },
    list: { tools: [{ name: 'read' }] },
    scopes: ['todo:read', 'todo:write'],
    typeError: true,
  });
});

test('accept-es256 vector: the browser verifies and returns the expected principal', async () => {
  const v = vector('accept-es256');
  assert.equal(v.expect.valid, true);
  const result = await page.evaluate(verifyInPage, { options: optionsOf(v), token: v.token, now: v.now });
  assert.equal(result.ok, true, JSON.stringify(result.error));
  const p = result.principal;
  assert.equal(p.iss, v.policy.issuers[0]);
  assert.equal(p.sub, v.expect.subject);
  assert.equal(p.clientId, v.expect.client_id);
  assert.deepEqual(p.scopes, v.expect.scopes);
  assert.equal(p.exp, v.expect.expires_at);
  assert.equal(p.claims.jti, 'vector');
  assert.equal(p.claims.aud, v.policy.audiences[0]);
});

test('other accept vectors (RS256, PS256, EdDSA) verify in the browser too', async () => {
  for (const name of ['accept-rs256', 'accept-ps256', 'accept-eddsa', 'accept-ed25519']) {
    const v = vector(name);
    const result = await page.evaluate(verifyInPage, { options: optionsOf(v), token: v.token, now: v.now });
    assert.equal(result.ok, true, `${name}: ${JSON.stringify(result.error)}`);
    assert.equal(result.principal.sub, v.expect.subject, name);
    assert.deepEqual(result.principal.scopes, v.expect.scopes, name);
  }
});

test('reject-expired vector: rejects with a VerifyError invalid_token / expired', async () => {
  const v = vector('reject-expired');
  assert.equal(v.expect.valid, false);
  const result = await page.evaluate(verifyInPage, { options: optionsOf(v), token: v.token, now: v.now });
  assert.equal(result.ok, false, 'an expired token must not verify');
  assert.equal(result.error.name, 'VerifyError');
  assert.equal(result.error.isError, true);
  assert.equal(result.error.code, v.expect.error);
  assert.equal(result.error.code, 'invalid_token');
  assert.equal(result.error.reason, v.expect.reason);
  assert.equal(result.error.reason, 'expired');
  assert.equal(result.error.status, 401);
  assert.match(result.error.message, /expired/i);
});

test('bad options throw a TypeError in the browser', async () => {
  const result = await page.evaluate(() => {
    try {
      new window.guard.Verifier({ audience: 'https://mcp.example.com/mcp', jwks: { keys: [] } });
      return 'no error';
    } catch (err) {
      return `${err.constructor.name}: ${err.message}`;
    }
  });
  assert.match(result, /^TypeError: .*issuer/i);
});

test('PKCE helpers: createCodeVerifier / codeChallengeS256 agree with node:crypto', async () => {
  const out = await page.evaluate(() => {
    const { createCodeVerifier, codeChallengeS256, createState } = window.guard;
    const verifiers = Array.from({ length: 5 }, () => createCodeVerifier());
    return {
      pairs: verifiers.map((v) => [v, codeChallengeS256(v)]),
      states: [createState(), createState()],
      rfc: codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    };
  });
  assert.equal(new Set(out.pairs.map(([v]) => v)).size, 5, 'verifiers are random');
  for (const [verifier, challenge] of out.pairs) {
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(challenge, createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  }
  // RFC 7636 Appendix B.
  assert.equal(out.rfc, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  assert.notEqual(out.states[0], out.states[1]);
  for (const s of out.states) assert.match(s, /^[A-Za-z0-9_-]{22}$/);
});

test('jwksUri mode: the browser fetches the real AS JWKS (CORS) and verifies a real client-credentials token', async () => {
  const token = await clientCredentialsToken(auth, 'demo-m2m', 'todo:read todo:write');
  const before = auth.jwksRequests;
  const options = { issuer: auth.issuer, audience: auth.resource, jwksUri: auth.jwksUri };
  const result = await page.evaluate(verifyInPage, { options, token, now: null });
  assert.equal(result.ok, true, `${JSON.stringify(result.error)}\nconsole: ${consoleMessages.join('\n')}`);
  assert.ok(auth.jwksRequests > before, 'the browser fetched the JWKS from the auth server');
  const p = result.principal;
  assert.equal(p.iss, auth.issuer);
  assert.equal(p.clientId, 'demo-m2m');
  assert.deepEqual([...p.scopes].sort(), ['todo:read', 'todo:write']);
  assert.ok(p.exp > Date.now() / 1000, 'not expired');
  assert.ok(p.exp <= Date.now() / 1000 + 700, 'the AS issues 600 s tokens');

  // Wrong audience with the same real token: rejected.
  const wrongAud = await page.evaluate(verifyInPage, { options: { ...options, audience: 'https://other.example/mcp' }, token, now: null });
  assert.equal(wrongAud.ok, false);
  assert.equal(wrongAud.error.code, 'invalid_token');

  // A readonly client's token carries only todo:read.
  const readonly = await clientCredentialsToken(auth, 'demo-readonly', 'todo:read');
  const ro = await page.evaluate(verifyInPage, { options, token: readonly, now: null });
  assert.equal(ro.ok, true, JSON.stringify(ro.error));
  assert.equal(ro.principal.clientId, 'demo-readonly');
  assert.deepEqual(ro.principal.scopes, ['todo:read']);
});

test('jwksUri mode: no keys (JWKS answering 503) gives temporarily_unavailable / 503', async () => {
  const token = await clientCredentialsToken(auth, 'demo-m2m', 'todo:read');
  // A fresh context: its own (empty) HTTP cache, so the earlier JWKS response can't be reused.
  const context = await browser.newContext();
  auth.setJwksAvailable(false);
  try {
    const fresh = await openPage(context);
    const before = auth.jwksRequests;
    const options = { issuer: auth.issuer, audience: auth.resource, jwksUri: auth.jwksUri };
    const result = await fresh.evaluate(verifyInPage, { options, token, now: null });
    assert.ok(auth.jwksRequests > before, 'the browser asked the auth server for keys');
    assert.equal(result.ok, false);
    assert.equal(result.error.name, 'VerifyError');
    assert.equal(result.error.code, 'temporarily_unavailable');
    assert.equal(result.error.status, 503);
  } finally {
    auth.setJwksAvailable(true);
    await context.close();
  }
});

// The JWKS fetch bypasses the browser's HTTP cache (`cache: 'no-store'`), or the
// unknown-kid refetch after a rotation would be answered with the old set (the AS
// sends max-age=300) and the new kid would stay unknown.
test('jwksUri mode: a key rotation at the AS is picked up on unknown kid', async () => {
  const context = await browser.newContext();
  try {
    const p = await openPage(context);
    const options = { issuer: auth.issuer, audience: auth.resource, jwksUri: auth.jwksUri, cooldownSeconds: 0 };
    const verifyWithKept = (token) => p.evaluate(async ({ options, token }) => {
      window.kept ??= new window.guard.Verifier(options);
      try {
        return { ok: true, clientId: (await window.kept.verify(token)).clientId };
      } catch (err) {
        return { ok: false, code: err.code, reason: err.reason };
      }
    }, { options, token });

    const first = await verifyWithKept(await clientCredentialsToken(auth, 'demo-m2m', 'todo:read'));
    assert.deepEqual(first, { ok: true, clientId: 'demo-m2m' });
    const fetches = auth.jwksRequests;
    await auth.rotateKeys({ keepOld: true });
    const rotated = await verifyWithKept(await clientCredentialsToken(auth, 'demo-m2m', 'todo:read'));
    assert.ok(auth.jwksRequests > fetches, 'the unknown kid made the browser refetch the JWKS from the AS');
    assert.deepEqual(rotated, { ok: true, clientId: 'demo-m2m' });
  } finally {
    await context.close();
  }
});

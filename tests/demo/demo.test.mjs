// The browser demo (www/) end to end in headless Chromium: the gateway in
// workerd serving www/ as static assets next to /mcp, the oidc-provider demo
// authorization server and the MCP todo origin. The page walks the whole MCP
// OAuth flow (401 → discovery → registration → PKCE sign-in → code exchange →
// in-browser verification → tool calls → 403 insufficient_scope → step-up) and
// the client-credentials panel; a full-page screenshot lands in out/demo/.
// The gateway runs with the local stack's POLICY, FILTER_LISTS (step-up),
// RATE_LIMIT_TIERS and rate-limit bindings, read from wrangler.toml.
//
//   node --test tests/demo/demo.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { unstable_readConfig as readWranglerConfig } from 'wrangler';
import { freePort, startStack, TOOL_SCOPES } from '../gateway/harness.mjs';
import { openSession, post, rpc } from '../gateway/mcp.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const WWW = resolve(ROOT, 'www');
const OUT = resolve(ROOT, 'out/demo');
const CHROMIUM = '/usr/bin/chromium';
const STORE_KEY = 'mcp-edge-guard-demo';

// `make dev`'s configuration, parsed by wrangler itself.
const WRANGLER = readWranglerConfig({ config: resolve(ROOT, 'wrangler.toml') }, {});
const { POLICY, FILTER_LISTS, RATE_LIMIT_TIERS } = WRANGLER.vars;
const RATELIMITS = Object.fromEntries(WRANGLER.ratelimits.map(({ name, simple }) => [name, { simple }]));

let base;
let auth;
let origin;
let stack;
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];

before(async () => {
  // The page's origin must be in ALLOWED_ORIGINS (browsers send Origin on
  // same-origin POSTs), so the port is picked before the gateway starts.
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  stack = await startStack({
    port,
    assetsDirectory: WWW,
    ratelimits: RATELIMITS,
    // POLICY replaces the harness's TOOL_SCOPES (setting both is a configuration error).
    vars: { ALLOWED_ORIGINS: base, TOOL_SCOPES: '', POLICY, FILTER_LISTS, RATE_LIMIT_TIERS },
  });
  ({ auth, origin } = stack);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await newPage();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const p = await context.newPage();
  p.setDefaultTimeout(15_000);
  p.on('pageerror', (err) => pageErrors.push(String(err)));
  p.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await p.goto(`${base}/`);
  return p;
}

const step = (p, n) => p.locator(`[data-step="${n}"]`);

/** Waits until step n has run (not idle, not busy) and checks its status. */
async function settled(p, n, expected) {
  await p.waitForFunction((k) => {
    const el = document.querySelector(`[data-step="${k}"]`);
    return el && el.dataset.status !== 'idle' && !el.hasAttribute('aria-busy');
  }, n);
  const status = await step(p, n).getAttribute('data-status');
  const text = await step(p, n).innerText();
  assert.equal(status, expected, `step ${n} is ${status}:\n${text}`);
  return text;
}

const button = (p, name) => p.getByRole('button', { name, exact: true });

/** The names step n shows as listed by the gateway for `method` (its latest run, not archived ones). */
function listed(p, n, method) {
  return step(p, n).locator('[data-results] > figure.kv', { hasText: 'Listed by the gateway' })
    .locator('.kv-row').filter({ has: p.locator('dt', { hasText: new RegExp(`^${method}$`) }) })
    .locator('.chip').allInnerTexts();
}

const ALL_TOOLS = ['list_todos', 'create_todo', 'delete_todo', 'count_slowly'];
// admin_report is `false` in POLICY: no scope unlocks it, so no list shows it.
const LISTED_PROMPTS = ['summarize_todos', 'draft_todo'];

/** On the authorization server's login page: check it, then sign in. */
async function signInAtAuthServer(p, { scopes, notScopes = [] }) {
  await p.waitForURL((url) => url.href.startsWith(`${auth.issuer}/interaction/`));
  const text = await p.locator('body').innerText();
  for (const scope of scopes) assert.ok(text.includes(scope), `the login page asks for ${scope}:\n${text}`);
  for (const scope of notScopes) assert.ok(!text.includes(scope), `the login page does not ask for ${scope}:\n${text}`);
  assert.equal(await p.getByLabel('Username').inputValue(), 'demo-user');
  await button(p, 'Sign in and allow').click();
  await p.waitForURL((url) => url.origin === base);
}

test('wrangler.toml: POLICY has TOOL_SCOPES\'s tool rules and hides admin_report; lists in step-up mode', async () => {
  const policy = JSON.parse(POLICY);
  assert.deepEqual(policy.tools, TOOL_SCOPES, 'the same tool rules as the test stacks\' TOOL_SCOPES');
  assert.equal(policy.prompts.admin_report, false);
  assert.equal(FILTER_LISTS, 'step-up');
  assert.equal(WRANGLER.vars.TOOL_SCOPES, undefined, 'POLICY and TOOL_SCOPES are never both set');
  for (const name of ['RATE_LIMITER', 'RATE_LIMITER_ANON', ...JSON.parse(RATE_LIMIT_TIERS).map(([, binding]) => binding)]) {
    assert.ok(RATELIMITS[name], `a [[ratelimits]] binding named ${name}`);
  }
  // No token gets admin_report, not even one with every scope: 403 access_denied, no scope to ask for.
  const token = await stack.token();
  const url = `${base}/mcp`;
  const session = await openSession(url, token);
  const response = await post(url, { token, session, body: rpc(2, 'prompts/get', { name: 'admin_report' }) });
  assert.equal(response.status, 403);
  assert.equal((await response.json()).error, 'access_denied');
  assert.ok(!/scope=/.test(response.headers.get('www-authenticate') ?? ''), 'no scope in a challenge');
});

test('the page loads: eight idle steps, landmarks, the MCP URL prefilled', async () => {
  assert.equal(await page.title(), 'mcp-edge-guard · OAuth for MCP, step by step');
  for (let n = 1; n <= 8; n += 1) {
    assert.equal(await step(page, n).getAttribute('data-status'), 'idle', `step ${n}`);
    assert.equal(await step(page, n).locator('[aria-live="polite"]').count(), 1, `step ${n} has a live result line`);
  }
  assert.equal(await page.locator('main').count(), 1);
  assert.equal(await page.getByRole('navigation', { name: 'Steps' }).count(), 1);
  assert.equal(await page.getByLabel('MCP server URL').inputValue(), `${base}/mcp`);
  // Keyboard: the first Tab lands on the skip link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the steps');
});

test('1. without a token: 401 and its WWW-Authenticate, parsed', async () => {
  await page.getByLabel('MCP server URL').fill(`${base}/mcp`);
  await button(page, 'Call without a token').click();
  const text = await settled(page, 1, 'ok');
  assert.match(text, /401 Unauthorized/);
  assert.match(text, /WWW-Authenticate, parsed/i);
  assert.ok(text.includes(`${base}/.well-known/oauth-protected-resource/mcp`), text);
});

test('2. discovery: Protected Resource Metadata, then the AS metadata', async () => {
  await button(page, 'Discover').click();
  const text = await settled(page, 2, 'ok');
  assert.match(text, /Protected Resource Metadata/i);
  assert.ok(text.includes(`${auth.issuer}/.well-known/oauth-authorization-server`), text);
  assert.ok(text.includes(`${auth.issuer}/token`), text);
  assert.match(text, /S256/);
  // The scope chooser: todo:read only by default.
  assert.equal(await page.getByRole('checkbox', { name: 'todo:read' }).isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: 'todo:write' }).isChecked(), false);
  assert.equal(await page.getByRole('checkbox', { name: 'todo:admin' }).isChecked(), false);
});

test('3. dynamic client registration with this page as redirect URI', async () => {
  await button(page, 'Register client').click();
  const text = await settled(page, 3, 'ok');
  assert.match(text, /Registered the public client \S+/);
  assert.ok(text.includes(`${base}/`), text);
  const saved = await page.evaluate((key) => JSON.parse(sessionStorage.getItem(key)).client, STORE_KEY);
  assert.ok(saved.client_id, 'client saved in sessionStorage');
});

test('4–5. PKCE sign-in at the authorization server, state check, code exchange', async () => {
  await button(page, 'Sign in with PKCE').click();
  await signInAtAuthServer(page, { scopes: ['todo:read'], notScopes: ['todo:write'] });
  const text = await settled(page, 5, 'ok');
  assert.match(text, /state matches/);
  assert.match(text, /Got a Bearer access token for "todo:read"/);
  assert.equal(page.url(), `${base}/`, 'the code is gone from the address bar');
  assert.equal(await step(page, 4).getAttribute('data-status'), 'ok');
  assert.match(await step(page, 4).innerText(), /code_challenge_method\s+S256/);
  // The access token is masked on screen.
  const token = await page.evaluate((key) => JSON.parse(sessionStorage.getItem(key)).token.access_token, STORE_KEY);
  assert.ok(token.split('.').length === 3, 'a JWT');
  assert.ok(!(await page.locator('body').innerText()).includes(token), 'the full access token is not displayed');
});

test('6. the token is decoded and verified in the browser by the npm package', async () => {
  await button(page, 'Verify token').click();
  const text = await settled(page, 6, 'ok');
  assert.match(text, /Token verified by mcp-edge-guard \(wasm\)/);
  assert.match(text, /demo-user/);
  assert.match(text, /at\+jwt|RS256/);
  assert.match(text, /Valid token for demo-user: scopes todo:read, expires .+\(in \d+ min/);
});

test('7. tool calls: list_todos works, create_todo gets 403 insufficient_scope', async () => {
  await button(page, 'Call tools').click();
  const text = await settled(page, 7, 'ok');
  // Step-up mode: the read-only token sees the tools it may not call yet, not admin_report.
  assert.deepEqual(await listed(page, 7, 'tools/list'), ALL_TOOLS);
  assert.deepEqual(await listed(page, 7, 'prompts/list'), LISTED_PROMPTS);
  assert.match(text, /list_todos succeeded/);
  assert.match(text, /403 Forbidden/);
  assert.match(text, /create_todo refused: 403 insufficient_scope/i);
  assert.match(text, /the gateway refused create_todo with 403 insufficient_scope: it needs todo:write/);
  assert.equal(origin.todos.length, 0, 'nothing reached the origin');
  assert.ok(await button(page, 'Step up').isVisible(), 'a step-up is offered');
  assert.match(await page.locator('[data-stepup]').innerText(), /todo:read todo:write/);
});

test('step-up: re-authorize with granted + required scopes, create_todo now succeeds', async () => {
  await button(page, 'Step up').click();
  await signInAtAuthServer(page, { scopes: ['todo:read', 'todo:write'], notScopes: ['todo:admin'] });
  const tokenText = await settled(page, 5, 'ok');
  assert.match(tokenText, /Got a Bearer access token for "todo:read todo:write"/);
  await settled(page, 6, 'ok');
  const text = await settled(page, 7, 'ok');
  assert.match(text, /After step-up:/);
  assert.deepEqual(await listed(page, 7, 'prompts/list'), LISTED_PROMPTS);
  assert.match(text, /create_todo succeeded/);
  assert.match(text, /Created todo 1 "Try mcp-edge-guard/);
  // The next tool up needs todo:admin, which this token still lacks.
  assert.match(text, /the gateway refused delete_todo with 403 insufficient_scope: it needs todo:admin/);
  assert.equal(origin.todos.length, 1);
  assert.equal(origin.todos[0].createdBy, 'demo-user', 'the gateway forwarded the verified subject');
});

test('8. client credentials: token, verification, every tool call allowed', async () => {
  assert.match(await step(page, 8).innerText(), /Local demo only/i);
  assert.equal(await page.getByLabel('Client ID', { exact: true }).inputValue(), 'demo-m2m');
  assert.equal(await page.getByLabel('Client secret').inputValue(), 'demo-m2m-secret');
  await button(page, 'Get token (client credentials)').click();
  const text = await settled(page, 8, 'ok');
  assert.match(text, /Token request \(client_credentials\)/i);
  assert.match(text, /Basic base64\("demo-m2m:/);
  assert.ok(!text.includes('demo-m2m-secret'), 'the secret is masked in the exchange');
  assert.match(text, /Token verified by mcp-edge-guard/);
  assert.match(text, /create_todo succeeded/);
  assert.match(text, /delete_todo succeeded/);
  assert.match(text, /Every call succeeded: list_todos, create_todo, delete_todo/);
  // Every scope, and still no admin_report.
  assert.deepEqual(await listed(page, 8, 'tools/list'), ALL_TOOLS);
  assert.deepEqual(await listed(page, 8, 'prompts/list'), LISTED_PROMPTS);
});

test('the finished page: no script errors, no horizontal scroll, screenshots', async () => {
  assert.deepEqual(pageErrors, []);
  // The 401/403 answers are logged by Chromium as failed loads; nothing else may be.
  const unexpected = consoleErrors.filter((text) => !/status of (401|403)/.test(text));
  assert.deepEqual(unexpected, [], 'no CSP violations or other console errors');
  for (let n = 1; n <= 8; n += 1) {
    assert.equal(await step(page, n).getAttribute('data-status'), 'ok', `step ${n}`);
  }
  await mkdir(OUT, { recursive: true });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(await overflow(), 0, 'no horizontal scroll at 1200 px');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: resolve(OUT, 'demo.png'), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  assert.equal(await overflow(), 0, 'no horizontal scroll on a phone (375 px)');
  await page.screenshot({ path: resolve(OUT, 'demo-phone.png'), fullPage: true });
});

test('a response whose state does not match is refused before any token request', async () => {
  const p = await newPage();
  try {
    await button(p, 'Call without a token').click();
    await settled(p, 1, 'ok');
    await button(p, 'Discover').click();
    await settled(p, 2, 'ok');
    await button(p, 'Register client').click();
    await settled(p, 3, 'ok');
    await button(p, 'Sign in with PKCE').click();
    await p.waitForURL((url) => url.href.startsWith(`${auth.issuer}/interaction/`));
    // Instead of signing in: a forged redirect back to the page.
    await p.goto(`${base}/?code=forged-code&state=forged-state`);
    const text = await settled(p, 5, 'error');
    assert.match(text, /State mismatch/);
    assert.match(text, /forged-state/);
    assert.ok(!/Token request/i.test(text), 'no token request was made');
  } finally {
    await p.context().close();
  }
});

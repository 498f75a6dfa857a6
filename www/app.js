// The browser demo of mcp-edge-guard: an MCP client's OAuth 2.1 flow, one
// card per step. Each step's results are plain data saved in sessionStorage,
// so they survive the round trips to the authorization server.

import { h, renderItems } from './ui.js';
import { decodeJwt, describeTime, failureOf, formatDuration, maskSecret, parseChallenges, scopesOf, send } from './http.js';
import { McpClient, PROTOCOL_VERSION, toolText } from './mcp.js';

const STORE_KEY = 'mcp-edge-guard-demo';
const STEP_NUMBERS = [1, 2, 3, 4, 5, 6, 7, 8];
const REDIRECT_URI = `${location.origin}/`;
const BADGES = { idle: 'Not started', busy: 'Working…', ok: 'Done', error: 'Failed' };

/** A failure to show as the step's result (the exchange above it shows the body). */
class StepError extends Error {}

// ---------------------------------------------------------------- state

function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null');
    if (saved && typeof saved === 'object') return { steps: {}, ...saved };
  } catch {
    // a broken entry: start clean
  }
  return { steps: {} };
}

let state = load();
const busy = new Set();

function save() {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
  } catch (err) {
    console.warn('mcp-edge-guard demo: could not save to sessionStorage', err);
  }
}

function stepState(n) {
  state.steps[n] ??= { status: 'idle', summary: '', items: [] };
  return state.steps[n];
}

/** Folds a step's current results into a collapsed group (kept for comparison). */
function archive(n, label) {
  const s = stepState(n);
  if (s.items.length) s.items = [{ type: 'group', label, items: s.items }];
  s.status = 'idle';
  s.summary = '';
}

// ---------------------------------------------------------------- DOM

const $ = (selector, root = document) => root.querySelector(selector);
const section = (n) => $(`[data-step="${n}"]`);

function render(n) {
  const s = stepState(n);
  const root = section(n);
  const isBusy = busy.has(n);
  root.dataset.status = s.status;
  if (isBusy) root.setAttribute('aria-busy', 'true');
  else root.removeAttribute('aria-busy');
  $('[data-badge]', root).textContent = BADGES[isBusy ? 'busy' : s.status];
  const summary = $('[data-summary]', root);
  const text = isBusy && !s.summary ? 'Working…' : s.summary;
  if (summary.textContent !== text) summary.textContent = text;
  $('[data-results]', root).replaceChildren(...renderItems(s.items));
  for (const button of root.querySelectorAll('button')) button.disabled = isBusy;
  const nav = $(`[data-nav="${n}"]`);
  nav.dataset.status = isBusy ? 'busy' : s.status;
  if (n === 7) renderStepUp();
}

function renderAll() {
  STEP_NUMBERS.forEach(render);
  renderScopes();
}

function focusStep(n) {
  const heading = $(`#step-${n}-title`);
  heading.focus({ preventScroll: true });
  section(n).scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
}

/**
 * Runs one step: resets its results (or folds them into a group), shows it
 * busy, and ends in data-status ok or error. Errors are shown, never swallowed.
 */
async function run(n, task, { archiveAs, keep = false } = {}) {
  if (busy.has(n)) return false;
  const s = stepState(n);
  if (archiveAs) archive(n, archiveAs);
  else if (!keep) s.items = [];
  s.status = 'idle';
  s.summary = '';
  busy.add(n);
  render(n);
  const ctx = {
    add(item) {
      s.items.push(item);
      render(n);
      save();
      return item;
    },
  };
  try {
    s.summary = (await task(ctx)) ?? 'Done.';
    s.status = 'ok';
  } catch (err) {
    s.status = 'error';
    if (err instanceof StepError) {
      s.summary = err.message;
    } else {
      s.summary = `Unexpected error: ${err?.message ?? err}`;
      console.error(err);
    }
  } finally {
    busy.delete(n);
    save();
    render(n);
  }
  return s.status === 'ok';
}

// ---------------------------------------------------------------- helpers

let guardModule;
/** The npm package's web build; init() loads its wasm (once). */
function loadGuard() {
  guardModule ??= (async () => {
    const guard = await import('./pkg/mcp_edge_guard.js');
    await guard.default();
    return guard;
  })();
  return guardModule.catch((err) => {
    guardModule = undefined;
    throw new StepError(`Could not load the mcp-edge-guard package from /pkg/mcp_edge_guard.js (build it with \`make npm\`): ${err?.message ?? err}`);
  });
}

function mcpUrlFromInput() {
  const raw = $('#mcp-url').value.trim();
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new StepError(`"${raw}" is not an absolute URL.`);
  }
  if (!/^https?:$/.test(url.protocol)) throw new StepError('The MCP server URL must be http(s).');
  return url.href;
}

function currentMcpUrl() {
  return state.mcpUrl ?? mcpUrlFromInput();
}

/** RFC 9728 §3.1: /.well-known/oauth-protected-resource + the resource's path. */
function wellKnownPrm(resource) {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/** RFC 8414 §3.1, then the OpenID Connect discovery locations. */
function asMetadataUrls(issuer) {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return [...new Set([
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ])];
}

function claimRows(claims) {
  return Object.entries(claims).map(([name, v]) => {
    if (['exp', 'iat', 'nbf', 'auth_time'].includes(name) && typeof v === 'number') {
      return [name, String(v), { hint: describeTime(v) }];
    }
    return [name, typeof v === 'string' ? v : JSON.stringify(v)];
  });
}

function expectJsonRpc(result, what) {
  if (!result.ok) throw new StepError(`${what} failed: ${failureOf(result)}.`);
  if (!result.message) throw new StepError(`${what}: the response holds no JSON-RPC answer.`);
  if (result.message.error) {
    const { code, message } = result.message.error;
    throw new StepError(`${what} failed with JSON-RPC error ${code}: ${message}`);
  }
  return result.message.result;
}

// ---------------------------------------------------------------- step 1

async function callWithoutToken(ctx) {
  const url = mcpUrlFromInput();
  state.mcpUrl = url;
  state.challenge = null;
  const client = new McpClient(url, null);
  const result = await client.initialize('initialize, no token');
  ctx.add(result.record);
  if (!result.status) throw new StepError(`Could not reach ${url}.`);
  if (result.status === 403 && result.json?.error === 'forbidden_origin') {
    throw new StepError(`The gateway refuses this page's Origin (403 forbidden_origin): add ${location.origin} to its ALLOWED_ORIGINS.`);
  }
  if (result.status !== 401) {
    throw new StepError(`Expected 401 Unauthorized from a protected MCP server, got ${failureOf(result)}.`);
  }
  const header = result.headers.get('www-authenticate');
  if (!header) throw new StepError('The 401 carries no WWW-Authenticate header (or CORS does not expose it).');
  const bearer = parseChallenges(header).find((c) => c.scheme.toLowerCase() === 'bearer');
  if (!bearer) throw new StepError(`The challenge is not a Bearer challenge: ${header}`);
  ctx.add({
    type: 'kv',
    title: 'WWW-Authenticate, parsed',
    rows: [['scheme', bearer.scheme], ...Object.entries(bearer.params).map(([k, v]) => [k, v])],
  });
  state.challenge = bearer.params;
  if (!bearer.params.resource_metadata) {
    ctx.add({ type: 'note', tone: 'warn', text: 'No resource_metadata parameter: step 2 will try the RFC 9728 well-known URL instead.' });
  }
  const scope = bearer.params.scope ? ` for scope "${bearer.params.scope}"` : '';
  return `401 Unauthorized: the gateway wants a Bearer token${scope} and points to its resource metadata.`;
}

// ---------------------------------------------------------------- step 2

async function discover(ctx) {
  const mcpUrl = currentMcpUrl();
  let prmUrl = state.challenge?.resource_metadata;
  if (!prmUrl) {
    prmUrl = wellKnownPrm(mcpUrl);
    ctx.add({ type: 'note', tone: 'info', text: `No resource_metadata from step 1, so using the well-known location ${prmUrl}.` });
  }
  const prmResult = await send('GET', prmUrl, { headers: { accept: 'application/json' }, label: 'Protected Resource Metadata (RFC 9728)' });
  ctx.add(prmResult.record);
  if (!prmResult.ok || !prmResult.json) throw new StepError(`Fetching the Protected Resource Metadata failed: ${failureOf(prmResult)}.`);
  const prm = prmResult.json;
  if (prm.resource !== mcpUrl) {
    let hint = '';
    try {
      const expected = new URL(prm.resource);
      if (expected.origin !== location.origin) hint = ` Open this demo at ${expected.origin}/ instead.`;
    } catch {
      // not a URL: no hint
    }
    throw new StepError(`The metadata describes "${prm.resource}", not ${mcpUrl}; RFC 9728 §3.3 says not to use it.${hint}`);
  }
  const issuer = prm.authorization_servers?.[0];
  if (!issuer) throw new StepError('The metadata lists no authorization_servers.');

  let meta;
  for (const url of asMetadataUrls(issuer)) {
    const label = url.includes('openid-configuration') ? 'OpenID Provider metadata (fallback)' : 'Authorization server metadata (RFC 8414)';
    const result = await send('GET', url, { headers: { accept: 'application/json' }, label });
    ctx.add(result.record);
    if (result.ok && result.json) {
      meta = result.json;
      break;
    }
  }
  if (!meta) throw new StepError(`No metadata found for the authorization server ${issuer}.`);
  if (meta.issuer !== issuer) throw new StepError(`The metadata's issuer "${meta.issuer}" is not "${issuer}" (RFC 8414 §3.3).`);
  for (const field of ['authorization_endpoint', 'token_endpoint']) {
    if (!meta[field]) throw new StepError(`The authorization server metadata has no ${field}.`);
  }
  ctx.add({
    type: 'kv',
    title: 'What the client now knows',
    rows: [
      ['resource', prm.resource],
      ['resource_name', prm.resource_name ?? '(none)'],
      ['scopes_supported', prm.scopes_supported ?? []],
      ['issuer', meta.issuer],
      ['authorization_endpoint', meta.authorization_endpoint],
      ['token_endpoint', meta.token_endpoint],
      ['registration_endpoint', meta.registration_endpoint ?? '(none: give a client id in step 3)'],
      ['jwks_uri', meta.jwks_uri ?? '(none)'],
      ['code_challenge_methods_supported', meta.code_challenge_methods_supported ?? []],
    ],
  });
  if (!meta.code_challenge_methods_supported?.includes('S256')) {
    throw new StepError('The authorization server does not advertise PKCE with S256; an MCP client must not go on.');
  }
  state.prm = prm;
  state.asMeta = meta;
  renderScopes();
  return `Found ${meta.issuer}: it supports PKCE (S256)${meta.registration_endpoint ? ' and dynamic client registration' : ''}.`;
}

// ---------------------------------------------------------------- step 3

async function registerClient(ctx) {
  const given = $('#client-id').value.trim();
  if (given) {
    state.client = { client_id: given, redirect_uri: REDIRECT_URI, provided: true };
    ctx.add({ type: 'kv', title: 'Client', rows: [['client_id', given], ['redirect_uri', REDIRECT_URI], ['registration', 'skipped (client id given)', { plain: true }]] });
    return `Using the client id ${given}; no registration.`;
  }
  const meta = state.asMeta;
  if (!meta) throw new StepError('Run step 2 first: the registration endpoint comes from the authorization server metadata.');
  if (!meta.registration_endpoint) {
    throw new StepError('This authorization server has no registration_endpoint: enter a client id registered with it instead.');
  }
  const metadata = {
    client_name: 'mcp-edge-guard browser demo',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  if (state.prm?.scopes_supported?.length) metadata.scope = state.prm.scopes_supported.join(' ');
  const result = await send('POST', meta.registration_endpoint, {
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(metadata),
    label: 'Dynamic client registration (RFC 7591)',
  });
  ctx.add(result.record);
  if (!result.ok || !result.json?.client_id) throw new StepError(`Registration failed: ${failureOf(result)}.`);
  const client = result.json;
  state.client = {
    client_id: client.client_id,
    client_name: client.client_name,
    redirect_uri: REDIRECT_URI,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    issuer: meta.issuer,
  };
  ctx.add({
    type: 'kv',
    title: 'Saved in sessionStorage',
    rows: [
      ['client_id', client.client_id],
      ['redirect_uris', client.redirect_uris ?? [REDIRECT_URI]],
      ['token_endpoint_auth_method', client.token_endpoint_auth_method ?? 'none'],
    ],
  });
  return `Registered the public client ${client.client_id} (no secret: PKCE protects the code).`;
}

// ---------------------------------------------------------------- step 4

function selectedScopes() {
  return [...document.querySelectorAll('[data-scope-list] input:checked')].map((input) => input.value);
}

function renderScopes() {
  const list = $('[data-scope-list]');
  const supported = state.prm?.scopes_supported ?? [];
  $('[data-scopes-empty]').hidden = supported.length > 0;
  $('[data-scopes-hint]').hidden = supported.length === 0;
  const chosen = new Set(state.scopeSelection ?? supported.filter((s) => /(^|:)read$/.test(s)));
  list.replaceChildren(...supported.map((scope, i) => h('div', { class: 'check' },
    h('input', { type: 'checkbox', id: `scope-${i}`, value: scope, checked: chosen.has(scope) }),
    h('label', { for: `scope-${i}` }, h('code', { text: scope })))));
}

async function authorize(ctx, { scope, purpose }) {
  const meta = state.asMeta;
  if (!meta) throw new StepError('Run step 2 first: the authorization endpoint comes from the metadata.');
  if (!state.client) throw new StepError('Run step 3 first: there is no client id yet.');
  if (!scope) throw new StepError('Choose at least one scope.');
  const mcpUrl = currentMcpUrl();
  const guard = await loadGuard();
  const verifier = guard.createCodeVerifier();
  const challenge = guard.codeChallengeS256(verifier);
  const stateValue = guard.createState();
  const params = {
    response_type: 'code',
    client_id: state.client.client_id,
    redirect_uri: state.client.redirect_uri ?? REDIRECT_URI,
    scope,
    resource: mcpUrl,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: stateValue,
  };
  const url = new URL(meta.authorization_endpoint);
  for (const [key, v] of Object.entries(params)) url.searchParams.set(key, v);
  state.pending = {
    purpose,
    state: stateValue,
    verifier,
    scope,
    redirectUri: params.redirect_uri,
    clientId: params.client_id,
    resource: mcpUrl,
    issuer: meta.issuer,
    tokenEndpoint: meta.token_endpoint,
    url: url.href,
  };
  ctx.add({
    type: 'kv',
    title: purpose === 'step-up' ? 'Step-up: new PKCE pair and state' : 'PKCE (RFC 7636) and state, made in the browser by mcp-edge-guard',
    rows: [
      ['code_verifier', verifier, { hint: '— kept in sessionStorage, sent only to the token endpoint' }],
      ['code_challenge', challenge, { hint: '— BASE64URL(SHA-256(code_verifier))' }],
      ['code_challenge_method', 'S256'],
      ['state', stateValue, { hint: '— must come back unchanged' }],
    ],
  });
  ctx.add({ type: 'kv', title: 'Authorization request parameters', rows: Object.entries(params) });
  ctx.add({ type: 'code', title: 'The browser goes to', text: url.href });
  return `Authorization request for "${scope}" sent: the browser went to the authorization server${purpose === 'step-up' ? ' to step up' : ''}.`;
}

async function startAuthorization({ scope, purpose, archiveAs }) {
  const ok = await run(4, (ctx) => authorize(ctx, { scope, purpose }), { archiveAs });
  if (ok) {
    save();
    for (const button of document.querySelectorAll('button')) button.disabled = true;
    location.assign(state.pending.url);
  } else {
    focusStep(4);
  }
}

// ---------------------------------------------------------------- step 5

async function exchangeCode(ctx, params, pending) {
  ctx.add({ type: 'kv', title: 'The authorization server redirected back with', rows: [...params] });
  if (!pending) {
    throw new StepError('No authorization request is pending in this tab, so the response cannot be checked; start again at step 4.');
  }
  if (params.get('state') !== pending.state) {
    throw new StepError(`State mismatch: this page sent state "${pending.state}" but the response carries "${params.get('state') ?? '(none)'}". It is not the answer to this page's request (possible CSRF), so the code was not exchanged.`);
  }
  if (params.has('error')) {
    state.pending = null;
    const description = params.get('error_description');
    throw new StepError(`The authorization server refused: ${params.get('error')}${description ? ` — ${description}` : ''}.`);
  }
  const iss = params.get('iss');
  if (iss && iss !== pending.issuer) {
    throw new StepError(`The response's iss "${iss}" is not the issuer this page asked (${pending.issuer}): mix-up protection (RFC 9207) stops here.`);
  }
  const code = params.get('code');
  if (!code) throw new StepError('The response has neither a code nor an error.');
  ctx.add({ type: 'note', tone: 'ok', text: `state matches the value stored before the redirect${iss ? ', and iss is the expected issuer (RFC 9207)' : ''}.` });

  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: pending.redirectUri,
    client_id: pending.clientId,
    code_verifier: pending.verifier,
    resource: pending.resource,
  });
  state.pending = null; // a verifier is good for one exchange
  save();
  const result = await send('POST', pending.tokenEndpoint, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
    label: 'Token request (authorization_code + code_verifier)',
  });
  ctx.add(result.record);
  if (!result.ok) throw new StepError(`The token request failed: ${failureOf(result)}.`);
  if (!result.json?.access_token) throw new StepError('The token response has no access_token.');
  const token = result.json;
  state.token = { ...token, obtainedAt: Date.now() };
  state.stepUp = null;
  ctx.add({
    type: 'kv',
    title: 'Token',
    rows: [
      ['token_type', token.token_type],
      ['access_token', maskSecret(token.access_token)],
      ['expires_in', `${token.expires_in} s`, { hint: `(${formatDuration(token.expires_in)})` }],
      ['scope', token.scope ?? pending.scope],
    ],
  });
  return `Got a ${token.token_type} access token for "${token.scope ?? pending.scope}", valid ${formatDuration(token.expires_in ?? 0)}.`;
}

// ---------------------------------------------------------------- step 6

/** Decodes and verifies a token with the npm package; returns the principal. */
async function inspectAndVerify(ctx, token, { full }) {
  const meta = state.asMeta;
  if (!meta?.jwks_uri) throw new StepError('Run step 2 first: verification needs the issuer and its jwks_uri.');
  let decoded;
  try {
    decoded = decodeJwt(token);
  } catch (err) {
    throw new StepError(`The access token is not a readable JWT: ${err.message}`);
  }
  const { header, claims } = decoded;
  const scopes = scopesOf(claims);
  if (full) {
    ctx.add({ type: 'json', title: 'Header', value: header });
    ctx.add({ type: 'kv', title: 'Claims', rows: claimRows(claims) });
    const keys = await send('GET', meta.jwks_uri, { headers: { accept: 'application/json' }, label: 'The issuer\'s key set (the verifier fetches it too, and caches it)' });
    ctx.add({ ...keys.record, collapsed: true });
    const key = keys.json?.keys?.find((k) => k.kid === header.kid);
    ctx.add({
      type: 'note',
      tone: key ? 'info' : 'warn',
      text: key ? `The token's kid ${header.kid} is a ${key.kty} key${key.alg ? ` (${key.alg})` : ''} in this set.` : `No key with kid ${header.kid} in the set.`,
    });
  }
  if (!full) {
    ctx.add({
      type: 'kv',
      title: 'Token claims',
      rows: [
        ['sub', claims.sub ?? '(none)'],
        ['client_id', claims.client_id ?? '(none)'],
        ['aud', claims.aud],
        ['scopes', scopes],
        ['expires', describeTime(claims.exp), { plain: true }],
      ],
    });
  }

  const guard = await loadGuard();
  const options = { issuer: meta.issuer, audience: currentMcpUrl(), jwksUri: meta.jwks_uri };
  if (full) ctx.add({ type: 'code', title: 'Verifier options', text: `new Verifier(${JSON.stringify(options, null, 2)})` });
  let verifier;
  try {
    verifier = new guard.Verifier(options);
    return await verifier.verify(token);
  } catch (err) {
    const code = err?.code ? `${err.code}${err.reason ? ` (${err.reason})` : ''}` : err?.name ?? 'Error';
    ctx.add({ type: 'note', tone: 'error', title: 'Verification failed', text: `${code}: ${err?.message ?? err}` });
    throw new StepError(`The token did not verify: ${code}: ${err?.message ?? err}`);
  } finally {
    verifier?.free();
  }
}

async function verifyToken(ctx) {
  const token = state.token?.access_token;
  if (!token) throw new StepError('No access token yet: sign in first (steps 4 and 5).');
  const principal = await inspectAndVerify(ctx, token, { full: true });
  ctx.add({
    type: 'note',
    tone: 'ok',
    title: 'Token verified by mcp-edge-guard (wasm)',
    text: `Signature (${decodeJwt(token).header.alg}), issuer, audience and lifetime pass the same checks the gateway makes.`,
  });
  ctx.add({
    type: 'kv',
    title: 'Principal',
    rows: [
      ['iss', principal.iss],
      ['sub', principal.sub ?? '(none)'],
      ['clientId', principal.clientId ?? '(none)'],
      ['scopes', principal.scopes],
      ['exp', describeTime(principal.exp), { plain: true }],
    ],
  });
  return `Valid token for ${principal.sub ?? principal.clientId}: scopes ${principal.scopes.join(' ') || '(none)'}, expires ${describeTime(principal.exp)}.`;
}

// ---------------------------------------------------------------- step 7 and 8

/**
 * initialize → notifications/initialized → tools/list → list_todos →
 * create_todo → delete_todo (of the todo just created), stopping at the first
 * call the gateway refuses for scope. Returns { summary, denied }.
 */
async function callTools(ctx, token, { compact = false } = {}) {
  const granted = scopesOf(decodeJwt(token).claims);
  const client = new McpClient(currentMcpUrl(), token);

  const init = await client.initialize();
  ctx.add({ ...init.record, collapsed: compact });
  const info = expectJsonRpc(init, 'initialize');
  ctx.add({
    type: 'kv',
    title: 'Session',
    rows: [
      ['server', `${info.serverInfo?.name ?? '?'} ${info.serverInfo?.version ?? ''}`.trim()],
      ['protocolVersion', info.protocolVersion ?? PROTOCOL_VERSION],
      ['Mcp-Session-Id', client.sessionId ?? '(none: stateless server)'],
    ],
  });
  const initialized = await client.notify('notifications/initialized');
  ctx.add({ ...initialized.record, collapsed: true });
  if (!initialized.ok) throw new StepError(`notifications/initialized failed: ${failureOf(initialized)}.`);

  const list = await client.request('tools/list', {});
  ctx.add({ ...list.record, collapsed: true });
  const tools = expectJsonRpc(list, 'tools/list').tools ?? [];
  ctx.add({ type: 'table', title: 'Tools', columns: ['name', 'description'], rows: tools.map((t) => [t.name, t.description ?? '']) });
  const names = new Set(tools.map((t) => t.name));

  const done = [];
  const plan = [
    ['list_todos', () => ({})],
    ['create_todo', () => ({ title: `Try mcp-edge-guard (${new Date().toLocaleTimeString()})` })],
    ['delete_todo', (created) => (created ? { id: created } : null)],
  ];
  let created = null;
  for (const [name, argsFor] of plan) {
    const args = argsFor(created);
    if (!names.has(name) || !args) continue;
    const result = await client.callTool(name, args);
    ctx.add(result.record);
    if (result.status === 403) {
      const bearer = parseChallenges(result.headers.get('www-authenticate')).find((c) => c.scheme.toLowerCase() === 'bearer');
      if (bearer?.params.error === 'insufficient_scope') {
        const wanted = (bearer.params.scope ?? '').split(' ').filter(Boolean);
        const missing = wanted.filter((s) => !granted.includes(s));
        ctx.add({
          type: 'kv',
          tone: 'warn',
          title: `${name} refused: 403 insufficient_scope`,
          rows: [
            ['error_description', bearer.params.error_description ?? '', { plain: true }],
            ['scope (granted + required)', wanted],
            ['missing', missing],
            ['resource_metadata', bearer.params.resource_metadata ?? ''],
          ],
        });
        const before = done.length ? `${done.join(', ')} succeeded; ` : '';
        return {
          summary: `${before}the gateway refused ${name} with 403 insufficient_scope: it needs ${missing.join(' ') || bearer.params.scope}.`,
          denied: { tool: name, scope: wanted.join(' '), missing },
        };
      }
    }
    const outcome = expectJsonRpc(result, `tools/call ${name}`);
    const text = toolText(outcome);
    if (outcome.isError) throw new StepError(`${name} returned a tool error: ${text}`);
    ctx.add({ type: 'note', tone: 'ok', title: `${name} succeeded`, code: text });
    done.push(name);
    if (name === 'create_todo') created = /Created todo (\S+)/.exec(text)?.[1] ?? null;
  }
  return { summary: `Every call succeeded: ${done.join(', ')}.`, denied: null };
}

async function toolsStep(ctx) {
  const token = state.token?.access_token;
  if (!token) throw new StepError('No access token yet: sign in first (steps 4 and 5).');
  state.stepUp = null;
  renderStepUp();
  const { summary, denied } = await callTools(ctx, token);
  if (denied) state.stepUp = denied;
  return summary;
}

function renderStepUp() {
  const panel = $('[data-stepup]');
  const pendingStepUp = state.stepUp;
  panel.hidden = !pendingStepUp;
  if (pendingStepUp) $('[data-stepup-scope]').textContent = pendingStepUp.scope;
}

async function clientCredentials(ctx) {
  const form = $('[data-form="8"]');
  const clientId = form.elements.client_id.value.trim();
  const secret = form.elements.client_secret.value;
  const scope = form.elements.scope.value.trim().split(/\s+/).filter(Boolean).join(' ');
  if (!clientId || !secret) throw new StepError('Enter a client id and a client secret.');
  const mcpUrl = mcpUrlFromInput();
  state.mcpUrl ??= mcpUrl;
  if (!state.asMeta) {
    ctx.add({ type: 'note', tone: 'info', text: 'The token endpoint is not known yet, so first the discovery of step 2:' });
    await discover(ctx);
  }
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource: mcpUrl });
  if (scope) body.set('scope', scope);
  // RFC 6749 §2.3.1: client_secret_basic, both parts form-encoded.
  const basic = btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`);
  const result = await send('POST', state.asMeta.token_endpoint, {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: `Basic ${basic}`,
    },
    body,
    label: 'Token request (client_credentials)',
  });
  ctx.add(result.record);
  if (!result.ok) throw new StepError(`The token request failed: ${failureOf(result)}.`);
  if (!result.json?.access_token) throw new StepError('The token response has no access_token.');
  const token = result.json.access_token;
  const principal = await inspectAndVerify(ctx, token, { full: false });
  ctx.add({ type: 'note', tone: 'ok', title: 'Token verified by mcp-edge-guard (wasm)', text: `Client ${principal.clientId ?? principal.sub}, scopes ${principal.scopes.join(' ')}.` });
  const { summary, denied } = await callTools(ctx, token, { compact: true });
  if (denied) {
    ctx.add({ type: 'note', tone: 'info', text: `A client-credentials client "steps up" by asking the token endpoint for ${denied.scope}, if the authorization server lets it have that scope.` });
  }
  return `Token for ${principal.clientId ?? principal.sub} (${principal.scopes.join(' ')}). ${summary}`;
}

// ---------------------------------------------------------------- return from the authorization server

async function handleRedirectBack(params) {
  history.replaceState(null, '', location.pathname); // the code does not stay in the address bar
  const pending = state.pending ?? null;
  const stepUp = pending?.purpose === 'step-up' && params.get('state') === pending.state;
  if (stepUp) {
    const before = state.token?.scope ? ` (token scope: ${state.token.scope})` : '';
    archive(5, `First sign-in${before}`);
    archive(6, `Token before step-up${before}`);
    archive(7, `Calls before step-up${before}`);
    state.stepUp = null;
  } else if (stepState(5).items.length) {
    archive(5, 'Earlier sign-in');
  }
  renderAll();
  focusStep(5);
  const ok = await run(5, (ctx) => exchangeCode(ctx, params, pending), { keep: true });
  if (!ok || !stepUp) return;
  if (await run(6, verifyToken, { keep: true })) {
    await run(7, async (ctx) => {
      const summary = await toolsStep(ctx);
      return `After step-up: ${summary}`;
    }, { keep: true });
    focusStep(7);
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('#mcp-url').value = state.mcpUrl ?? `${location.origin}/mcp`;
  if (state.client?.provided) $('#client-id').value = state.client.client_id;
  $('[data-redirect-uri]').textContent = REDIRECT_URI;

  $('[data-form="1"]').addEventListener('submit', (event) => {
    event.preventDefault();
    run(1, callWithoutToken);
  });
  $('[data-action="discover"]').addEventListener('click', () => run(2, discover));
  $('[data-form="3"]').addEventListener('submit', (event) => {
    event.preventDefault();
    run(3, registerClient);
  });
  $('[data-scope-list]').addEventListener('change', () => {
    state.scopeSelection = selectedScopes();
    save();
  });
  $('[data-form="4"]').addEventListener('submit', (event) => {
    event.preventDefault();
    const scope = selectedScopes().join(' ');
    startAuthorization({ scope, purpose: 'sign-in', archiveAs: stepState(4).items.length ? 'Earlier authorization request' : undefined });
  });
  $('[data-action="verify"]').addEventListener('click', () => run(6, verifyToken));
  $('[data-action="tools"]').addEventListener('click', () => run(7, toolsStep));
  $('[data-action="step-up"]').addEventListener('click', () => {
    const { scope } = state.stepUp ?? {};
    if (!scope) return;
    state.scopeSelection = scope.split(' ');
    renderScopes();
    const earlier = state.pending?.scope ?? state.token?.scope;
    startAuthorization({ scope, purpose: 'step-up', archiveAs: `Earlier authorization request${earlier ? ` (scope: ${earlier})` : ''}` });
    focusStep(4);
  });
  $('[data-form="8"]').addEventListener('submit', (event) => {
    event.preventDefault();
    run(8, clientCredentials);
  });
  $('#reset').addEventListener('click', () => {
    sessionStorage.removeItem(STORE_KEY);
    location.assign(location.pathname);
  });
}

wire();
const params = new URLSearchParams(location.search);
if (params.has('code') || params.has('error')) {
  handleRedirectBack(params);
} else {
  renderAll();
}

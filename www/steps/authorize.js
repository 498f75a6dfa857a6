// Steps 3 to 5: register a client, send the browser to the authorization
// endpoint with PKCE, and exchange the code it brings back for a token.

import { h } from '../ui.js';
import { failureOf, formatDuration, maskSecret, send } from '../http.js';
import { loadGuard } from '../guard.js';
import { currentMcpUrl } from '../mcp-url.js';
import { save, state } from '../state.js';
import { $, focusStep, run, StepError } from '../step-card.js';

export const REDIRECT_URI = `${location.origin}/`;

// ---------------------------------------------------------------- step 3

export async function registerClient(ctx) {
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

export function selectedScopes() {
  return [...document.querySelectorAll('[data-scope-list] input:checked')].map((input) => input.value);
}

export function renderScopes() {
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

export async function startAuthorization({ scope, purpose, archiveAs }) {
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

export async function exchangeCode(ctx, params, pending) {
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

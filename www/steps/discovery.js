// Steps 1 and 2: call the MCP server without a token, read its 401 challenge,
// then discover the protected resource's and the authorization server's metadata.

import { failureOf, parseChallenges, send } from '../http.js';
import { McpClient } from '../mcp.js';
import { currentMcpUrl, mcpUrlFromInput } from '../mcp-url.js';
import { state } from '../state.js';
import { StepError } from '../step-card.js';
import { renderScopes } from './authorize.js';

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

// ---------------------------------------------------------------- step 1

export async function callWithoutToken(ctx) {
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

export async function discover(ctx) {
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

// Step 8: machine to machine. A confidential client gets a token with the
// client_credentials grant, then makes the same tool calls as step 7.

import { failureOf, send } from '../http.js';
import { mcpUrlFromInput } from '../mcp-url.js';
import { state } from '../state.js';
import { $, StepError } from '../step-card.js';
import { discover } from './discovery.js';
import { callTools } from './tools.js';
import { inspectAndVerify } from './verify.js';

export async function clientCredentials(ctx) {
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

// Step 6: decode the access token and verify it with the npm package (the
// gateway's own rules, compiled to WebAssembly).

import { decodeJwt, describeTime, scopesOf, send } from '../http.js';
import { loadGuard } from '../guard.js';
import { currentMcpUrl } from '../mcp-url.js';
import { state } from '../state.js';
import { StepError } from '../step-card.js';

function claimRows(claims) {
  return Object.entries(claims).map(([name, v]) => {
    if (['exp', 'iat', 'nbf', 'auth_time'].includes(name) && typeof v === 'number') {
      return [name, String(v), { hint: describeTime(v) }];
    }
    return [name, typeof v === 'string' ? v : JSON.stringify(v)];
  });
}

/** Decodes and verifies a token with the npm package; returns the principal. */
export async function inspectAndVerify(ctx, token, { full }) {
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

export async function verifyToken(ctx) {
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

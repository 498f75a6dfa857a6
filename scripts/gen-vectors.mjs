#!/usr/bin/env node
// Generates the shared verification vectors in tests/vectors/ with `jose`, an
// independent JOSE implementation, so the Rust core (and later the npm
// package) are checked against tokens they did not make themselves.
//
// Usage: node scripts/gen-vectors.mjs [out-dir]   (default: tests/vectors)
//
// Each vector is one JSON file:
//   { name, description, jwks, token, now, policy, required_scopes?, expect }
// where expect is { valid: true, subject, client_id, scopes, expires_at }
// or { valid: false, error: <RFC 6750 code>, reason: <TokenError reason>, claim? }
// (`claim` names the absent claim for reason missing_claim).
// Keys are generated afresh on every run: the vectors' meaning is fixed, their
// bytes are not, and `make test` regenerates them into a scratch folder and
// runs the Rust suite on that copy too.

import { generateKeyPairSync, KeyObject, sign as nodeSign } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactSign, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, compactVerify } from 'jose';

const outDir = process.argv[2] ?? 'tests/vectors';
const NOW = 1_800_000_000;
const ISSUER = 'https://auth.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';
const POLICY = { issuers: [ISSUER], audiences: [RESOURCE], leeway_seconds: 60 };
const enc = new TextEncoder();
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const b64json = (value) => b64u(enc.encode(typeof value === 'string' ? value : JSON.stringify(value)));

// ---- keys ------------------------------------------------------------------

// WebCrypto binds a key to one algorithm, so each pair keeps its private JWK
// and `signer(alg)` imports it for whichever algorithm a vector signs with.
async function keyPair(alg, options = {}) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const privateJwk = await exportJWK(privateKey);
  const signers = new Map();
  const signer = (signAlg) => {
    if (!signers.has(signAlg)) signers.set(signAlg, importJWK(privateJwk, signAlg));
    return signers.get(signAlg);
  };
  return { publicKey, privateKey, signer, jwk: await exportJWK(publicKey) };
}

const rsa = await keyPair('RS256', { modulusLength: 2048 });
const rsa2 = await keyPair('RS256', { modulusLength: 2048 });
const rsa4096 = await keyPair('RS256', { modulusLength: 4096 });
const ec = await keyPair('ES256');
const ed = await keyPair('Ed25519');
const attacker = await keyPair('RS256', { modulusLength: 2048 });
const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }); // jose refuses to make these

const pub = (key, kid, extra = {}) => ({ ...key.jwk, kid, ...extra });
const STANDARD_JWKS = {
  keys: [
    pub(rsa, 'rsa-1', { use: 'sig' }),
    pub(ec, 'ec-1', { use: 'sig' }),
    pub(ed, 'ed-1'),
    pub(rsa4096, 'rsa-4096'),
    pub(rsa2, 'rsa-ps256', { alg: 'PS256' }),
  ],
};

// ---- token helpers -----------------------------------------------------------

const baseClaims = (extra = {}) => ({
  iss: ISSUER,
  aud: RESOURCE,
  sub: 'user-123',
  client_id: 'agent-7',
  scope: 'todo:read todo:write',
  iat: NOW - 10,
  exp: NOW + 3600,
  jti: 'vector',
  ...extra,
});

function withoutKeys(object, keys) {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

/** `key` is a pair from keyPair(), or raw bytes for the HMAC vector. */
const signingKey = async (key, alg) => (key instanceof Uint8Array ? key : key.signer(alg));

async function jwt(header, claims, key) {
  return new SignJWT(claims).setProtectedHeader(header).sign(await signingKey(key, header.alg));
}

/** Signs arbitrary header and payload bytes (payloads jose's SignJWT would refuse). */
async function compact(header, payloadText, key, options) {
  return new CompactSign(enc.encode(payloadText)).setProtectedHeader(header).sign(await signingKey(key, header.alg), options);
}

/** Signs with node:crypto, for what jose will not produce (1024-bit RSA, DER ECDSA). */
function nodeCompact(header, claims, key, { hash, dsaEncoding }) {
  const input = `${b64json(header)}.${b64json(claims)}`;
  const signature = nodeSign(hash, Buffer.from(input), { key, dsaEncoding });
  return `${input}.${b64u(signature)}`;
}

const ok = (claims) => ({
  valid: true,
  subject: claims.sub ?? null,
  client_id: claims.client_id ?? claims.azp ?? null,
  scopes: claims.scope ? claims.scope.split(' ') : (claims.scp ?? claims.scopes ?? claims.permissions ?? []),
  expires_at: claims.exp,
});
const invalid = (reason, claim) => ({ valid: false, error: 'invalid_token', reason, ...(claim ? { claim } : {}) });

// ---- the vectors -------------------------------------------------------------

const vectors = [];
const add = (name, description, fields) =>
  vectors.push({ name, description, jwks: STANDARD_JWKS, now: NOW, policy: POLICY, ...fields });

// Every algorithm, accepted.
for (const [alg, key, kid] of [
  ['RS256', rsa, 'rsa-1'],
  ['RS384', rsa, 'rsa-1'],
  ['RS512', rsa, 'rsa-1'],
  ['PS256', rsa, 'rsa-1'],
  ['PS384', rsa, 'rsa-1'],
  ['PS512', rsa, 'rsa-1'],
  ['ES256', ec, 'ec-1'],
  ['EdDSA', ed, 'ed-1'],
  ['Ed25519', ed, 'ed-1'],
]) {
  const claims = baseClaims();
  add(`accept-${alg.toLowerCase()}`, `${alg} signed by jose with kid ${kid}`, {
    token: await jwt({ alg, kid, typ: 'at+jwt' }, claims, key),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims();
  add('accept-rs256-4096', 'RS256 with a 4096-bit key', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-4096' }, claims, rsa4096),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims({ exp: NOW - 30 });
  add('accept-expired-within-leeway', 'exp 30 s ago, leeway 60 s', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims({ nbf: NOW + 30 });
  add('accept-nbf-within-leeway', 'nbf 30 s ahead, leeway 60 s', {
    token: await jwt({ alg: 'ES256', kid: 'ec-1' }, claims, ec),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims({ aud: ['https://other.example.com', RESOURCE] });
  add('accept-aud-array', 'aud is an array that contains the resource', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims({ aud: `${RESOURCE}/` });
  add('accept-aud-trailing-slash', 'aud differs from the resource by a trailing slash', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims();
  add('accept-no-kid-single-key', 'no kid; the JWKS has exactly one P-256 key', {
    token: await jwt({ alg: 'ES256' }, claims, ec),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims();
  add('accept-no-kid-second-rsa-key', 'no kid; the signing key is the second RSA key that fits RS256', {
    jwks: { keys: [pub(rsa, 'rsa-1'), pub(rsa2, 'rsa-2')] },
    token: await jwt({ alg: 'RS256' }, claims, rsa2),
    expect: ok(claims),
  });
}
for (const [suffix, typ] of [['at-jwt', 'at+jwt'], ['application-at-jwt', 'application/at+jwt'], ['upper-case', 'AT+JWT']]) {
  const claims = baseClaims();
  add(`accept-strict-typ-${suffix}`, `strict mode, typ ${typ}`, {
    policy: { ...POLICY, require_at_jwt: true },
    token: await jwt({ alg: 'EdDSA', kid: 'ed-1', typ }, claims, ed),
    expect: ok(claims),
  });
}
{
  const claims = withoutKeys(baseClaims({ scp: ['todo:read', 'todo:admin'], azp: 'agent-9' }), ['scope', 'client_id']);
  add('accept-scp-array-and-azp', 'scopes from an scp array, client from azp', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims({ scope: 'mcp:tools:*' });
  add('accept-wildcard-scope', 'mcp:tools:* grants mcp:tools:calendar:read', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    required_scopes: ['mcp:tools:calendar:read'],
    expect: ok(claims),
  });
}
{
  const claims = baseClaims({ scope: 'todo:read' });
  add('reject-insufficient-scope', 'a read-only token asking for todo:write', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    required_scopes: ['todo:write'],
    expect: { valid: false, error: 'insufficient_scope', reason: 'insufficient_scope' },
  });
}

{
  const claims = baseClaims({ exp: NOW - 30 });
  add('accept-default-leeway', 'no leeway in the policy: the 60 s default applies', {
    policy: withoutKeys(POLICY, ['leeway_seconds']),
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    expect: ok(claims),
  });
  add('reject-default-leeway-exceeded', 'no leeway in the policy; exp 61 s ago', {
    policy: withoutKeys(POLICY, ['leeway_seconds']),
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ exp: NOW - 61 }), rsa),
    expect: invalid('expired'),
  });
}
{
  const claims = baseClaims({ iss: 'https://auth-next.example.com' });
  add('accept-second-issuer', 'issuer migration: the second configured issuer', {
    policy: { ...POLICY, issuers: [ISSUER, 'https://auth-next.example.com'] },
    token: await jwt({ alg: 'ES256', kid: 'ec-1' }, claims, ec),
    expect: ok(claims),
  });
}
{
  const claims = baseClaims({ tenant: 'acme' });
  add('accept-required-claims-present', 'policy requires tenant and iat; both present', {
    policy: { ...POLICY, required_claims: ['tenant', 'iat'] },
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa),
    expect: ok(claims),
  });
}

// Rejections.
{
  const token = `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(baseClaims())}.`;
  add('reject-alg-none', 'unsecured JWS (alg none, empty signature)', { token, expect: invalid('alg_not_allowed') });
}
{
  const secret = enc.encode(await exportSPKI(rsa.publicKey));
  add('reject-hs256-with-rsa-public-key', 'HS256 keyed with the RSA public key PEM (algorithm confusion)', {
    token: await jwt({ alg: 'HS256', kid: 'rsa-1' }, baseClaims(), secret),
    expect: invalid('alg_not_allowed'),
  });
}
{
  add('reject-kid-ec-with-rs256', 'kid names the EC key but alg is RS256', {
    token: await jwt({ alg: 'RS256', kid: 'ec-1' }, baseClaims(), rsa),
    expect: invalid('no_key_for_alg'),
  });
}
{
  add('reject-jwk-alg-mismatch', 'the JWK says PS256, the token says RS256', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-ps256' }, baseClaims(), rsa2),
    expect: invalid('no_key_for_alg'),
  });
}
{
  add('reject-unknown-kid', 'kid not in the JWKS', {
    token: await jwt({ alg: 'RS256', kid: 'rotated-away' }, baseClaims(), rsa),
    expect: invalid('unknown_kid'),
  });
}
{
  const header = { alg: 'RS256', kid: 'rsa-1', jwk: attacker.jwk, jku: 'https://evil.example/jwks', x5u: 'https://evil.example/c' };
  add('reject-embedded-jwk-header', 'signed by an attacker key embedded in the header (jwk/jku/x5u ignored)', {
    token: await jwt(header, baseClaims(), attacker),
    expect: invalid('bad_signature'),
  });
}
{
  const [h, , s] = (await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims(), rsa)).split('.');
  add('reject-tampered-payload', 'payload changed after signing (scope escalated)', {
    token: `${h}.${b64json(baseClaims({ scope: 'todo:admin' }))}.${s}`,
    expect: invalid('bad_signature'),
  });
}
{
  const [h, p, s] = (await jwt({ alg: 'ES256', kid: 'ec-1' }, baseClaims(), ec)).split('.');
  const bytes = Buffer.from(s, 'base64url');
  bytes[10] ^= 0x01;
  add('reject-tampered-signature', 'one signature bit flipped', { token: `${h}.${p}.${b64u(bytes)}`, expect: invalid('bad_signature') });
}
{
  const key = KeyObject.from(ec.privateKey);
  add('reject-es256-der-signature', 'ES256 signature in DER instead of raw R||S (RFC 7518 §3.4)', {
    token: nodeCompact({ alg: 'ES256', kid: 'ec-1' }, baseClaims(), key, { hash: 'sha256', dsaEncoding: 'der' }),
    expect: invalid('bad_signature'),
  });
}
{
  add('reject-rsa-1024-key', 'signed by a 1024-bit RSA key that the JWKS publishes (key refused, so kid unknown)', {
    jwks: { keys: [...STANDARD_JWKS.keys, { ...weak.publicKey.export({ format: 'jwk' }), kid: 'rsa-1024' }] },
    token: nodeCompact({ alg: 'RS256', kid: 'rsa-1024' }, baseClaims(), weak.privateKey, { hash: 'sha256' }),
    expect: invalid('unknown_kid'),
  });
  add('reject-rsa-1024-only-jwks', 'the JWKS holds only a 1024-bit key: no usable keys at all', {
    jwks: { keys: [{ ...weak.publicKey.export({ format: 'jwk' }), kid: 'rsa-1024' }] },
    token: nodeCompact({ alg: 'RS256', kid: 'rsa-1024' }, baseClaims(), weak.privateKey, { hash: 'sha256' }),
    expect: { valid: false, error: 'temporarily_unavailable', reason: 'keys_unavailable' },
  });
}
{
  add('reject-expired', 'exp 120 s ago, beyond the 60 s leeway', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ exp: NOW - 120 }), rsa),
    expect: invalid('expired'),
  });
  add('reject-expired-zero-leeway', 'exp 1 s ago with no leeway', {
    policy: { ...POLICY, leeway_seconds: 0 },
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ exp: NOW - 1 }), rsa),
    expect: invalid('expired'),
  });
  add('reject-nbf-future', 'nbf 300 s ahead', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ nbf: NOW + 300 }), rsa),
    expect: invalid('not_yet_valid'),
  });
  add('reject-iat-future', 'iat 300 s ahead', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ iat: NOW + 300 }), rsa),
    expect: invalid('issued_in_future'),
  });
  add('reject-missing-exp', 'no exp claim (RFC 9068 requires it)', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, withoutKeys(baseClaims(), ['exp']), rsa),
    expect: invalid('missing_claim', 'exp'),
  });
  add('reject-missing-iss', 'no iss claim', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, withoutKeys(baseClaims(), ['iss']), rsa),
    expect: invalid('missing_claim', 'iss'),
  });
  add('reject-missing-aud', 'no aud claim', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, withoutKeys(baseClaims(), ['aud']), rsa),
    expect: invalid('missing_claim', 'aud'),
  });
  add('reject-missing-required-claim', 'policy requires a tenant claim the token lacks', {
    policy: { ...POLICY, required_claims: ['tenant', 'iat'] },
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims(), rsa),
    expect: invalid('missing_claim', 'tenant'),
  });
  add('reject-typ-dpop-lax', 'lax mode still refuses a JWT typed for another purpose (dpop+jwt)', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1', typ: 'dpop+jwt' }, baseClaims(), rsa),
    expect: invalid('wrong_typ'),
  });
  add('reject-scope-array', 'scope claim as an array (RFC 9068 says space-separated string)', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ scope: ['todo:read'] }), rsa),
    expect: invalid('malformed_claims'),
  });
  add('reject-wrong-iss', 'iss of another authorization server', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ iss: 'https://evil.example.com' }), rsa),
    expect: invalid('wrong_issuer'),
  });
  add('reject-wrong-aud', 'aud of another resource', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ aud: 'https://other.example.com/mcp' }), rsa),
    expect: invalid('wrong_audience'),
  });
  add('reject-typ-jwt-strict', 'strict mode and typ JWT', {
    policy: { ...POLICY, require_at_jwt: true },
    token: await jwt({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' }, baseClaims(), rsa),
    expect: invalid('wrong_typ'),
  });
  add('reject-alg-not-in-allow-list', 'RS256 when only ES256 is allowed', {
    policy: { ...POLICY, algorithms: ['ES256'] },
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims(), rsa),
    expect: invalid('alg_not_allowed'),
  });
  add('reject-unknown-crit', 'crit names an extension we do not implement', {
    token: await compact({ alg: 'RS256', kid: 'rsa-1', crit: ['urn:example:ext'], 'urn:example:ext': true },
      JSON.stringify(baseClaims()), rsa, { crit: { 'urn:example:ext': true } }),
    expect: invalid('unsupported_crit'),
  });
  add('reject-scope-wrong-type', 'scope claim is a number', {
    token: await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims({ scope: 42 }), rsa),
    expect: invalid('malformed_claims'),
  });
}
{
  const good = await jwt({ alg: 'RS256', kid: 'rsa-1' }, baseClaims(), rsa);
  const [h, p, s] = good.split('.');
  add('reject-malformed-base64', 'a character outside base64url in the payload', { token: `${h}.${p.slice(0, 8)}!${p.slice(9)}.${s}`, expect: invalid('malformed_token') });
  add('reject-base64-padding', 'base64 padding on the signature', { token: `${h}.${p}.${s}==`, expect: invalid('malformed_token') });
  add('reject-invalid-json-header', 'header is not JSON', { token: `${b64json('{"alg":"RS256",')}.${p}.${s}`, expect: invalid('malformed_token') });
  add('reject-two-parts', 'two segments', { token: `${h}.${p}`, expect: invalid('malformed_token') });
  add('reject-four-parts', 'four segments', { token: `${h}.${p}.${s}.${s}`, expect: invalid('malformed_token') });
  add('reject-empty-token', 'empty string', { token: '', expect: invalid('malformed_token') });
  add('reject-over-size-limit', 'a 20 KB token, over the 16 KB bound', { token: `${h}.${'A'.repeat(20_000)}.${s}`, expect: invalid('token_too_long') });
  add('reject-invalid-json-payload', 'signed payload that is not JSON', {
    token: await compact({ alg: 'RS256', kid: 'rsa-1' }, '{"iss": "x",', rsa),
    expect: invalid('malformed_claims'),
  });
  add('reject-payload-array', 'signed payload that is a JSON array', {
    token: await compact({ alg: 'RS256', kid: 'rsa-1' }, JSON.stringify([baseClaims()]), rsa),
    expect: invalid('malformed_claims'),
  });
  // The same payloads under a forged signature: nothing in a payload is read
  // before the signature holds, so these are bad signatures, not bad claims.
  add('reject-forged-invalid-json-payload', 'payload that is not JSON, signature forged', {
    token: `${h}.${b64json('{"iss": "x",')}.${s}`,
    expect: invalid('bad_signature'),
  });
  add('reject-forged-payload-array', 'payload that is a JSON array, signature forged', {
    token: `${h}.${b64json([baseClaims()])}.${s}`,
    expect: invalid('bad_signature'),
  });
}

// RFC 7515 appendix A.2 (RS256) and A.3 (ES256): published tokens and keys.
// Their payload has no `aud`, so the best outcome for an access-token verifier
// is "signature accepted, then refused for the missing audience"; a flipped
// signature must fail earlier, as bad_signature.
{
  const payload = 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';
  const rfc = [
    ['a2-rs256', 'RFC 7515 A.2', { kty: 'RSA', e: 'AQAB',
      n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ' },
      `eyJhbGciOiJSUzI1NiJ9.${payload}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw`],
    ['a3-es256', 'RFC 7515 A.3', { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
      `eyJhbGciOiJFUzI1NiJ9.${payload}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q`],
  ];
  for (const [id, source, jwk, token] of rfc) {
    // jose must agree that the published signature holds, or the vector is wrong.
    const alg = id.endsWith('rs256') ? 'RS256' : 'ES256';
    await compactVerify(token, await importJWK(jwk, alg));
    const jwks = { keys: [jwk] };
    const policy = { ...POLICY, issuers: ['joe'] };
    add(`rfc7515-${id}`, `${source}: signature verifies; refused only for lacking aud`, {
      jwks, policy, now: 1_300_819_300, token, expect: invalid('missing_claim', 'aud'),
    });
    // Change a character mid-signature: the last one carries padding bits,
    // and a non-canonical ending would be a base64 error instead.
    const at = token.length - 10;
    const flipped = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    add(`rfc7515-${id}-tampered`, `${source} with the signature's last character changed`, {
      jwks, policy, now: 1_300_819_300, token: flipped, expect: invalid('bad_signature'),
    });
  }
}

// ---- write -----------------------------------------------------------------

mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(outDir)) {
  if (file.endsWith('.json')) rmSync(join(outDir, file));
}
const names = new Set(vectors.map((vector) => vector.name));
if (names.size !== vectors.length) throw new Error('two vectors share a name');
for (const vector of vectors) {
  writeFileSync(join(outDir, `${vector.name}.json`), `${JSON.stringify(vector, null, 2)}\n`);
}
console.log(`wrote ${vectors.length} vectors to ${outDir}`);

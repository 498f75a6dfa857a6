// The shared vectors (tests/vectors/*.json, or VECTORS_DIR) through the npm
// package in Node, with exactly the outcomes tests/vectors.rs gets from the
// Rust core; plus unit tests of the package's helpers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  Verifier,
  challenge,
  codeChallengeS256,
  createCodeVerifier,
  createState,
  extractBearer,
  grants,
  protectedResourceMetadata,
  requiredScopesForTool,
} from '../../pkg/node/mcp_edge_guard.js';
import { ROOT, loadVectors, verifierOptions } from './util.mjs';

const vectors = loadVectors();

const STATUS = { invalid_request: 400, invalid_token: 401, insufficient_scope: 403, unauthorized: 401, temporarily_unavailable: 503 };

/** An outcome in the vector's terms, every field present (`claim` is Rust-only). */
function normalized({ valid, subject = null, client_id = null, scopes = [], expires_at = null, error = null, reason = null }) {
  return { valid, subject, client_id, scopes, expires_at, error, reason };
}

const failure = (error, reason) => normalized({ valid: false, error, reason });

/** What the package says about one vector (mirrors `outcome` in tests/vectors.rs). */
async function outcome(vector) {
  let verifier;
  try {
    verifier = new Verifier(verifierOptions(vector));
  } catch (err) {
    // JwkSet::parse failing is KeysUnavailable on the Rust side; here the constructor refuses the jwks.
    assert.ok(err instanceof TypeError, `${vector.name}: constructor threw ${err}`);
    assert.match(err.message, /^jwks: /, `${vector.name}: constructor refused something other than the JWKS`);
    return failure('temporarily_unavailable', 'keys_unavailable');
  }
  try {
    const principal = await verifier.verify(vector.token, vector.now);
    assert.ok(vector.policy.issuers.includes(principal.iss), `${vector.name}: iss ${principal.iss}`);
    assert.equal(principal.claims.exp, principal.exp, `${vector.name}: claims.exp`);
    const missing = (vector.required_scopes ?? []).filter((scope) => !grants(principal.scopes, scope));
    if (missing.length > 0) return failure('insufficient_scope', 'insufficient_scope');
    return normalized({
      valid: true,
      subject: principal.sub,
      client_id: principal.clientId,
      scopes: principal.scopes,
      expires_at: principal.exp,
    });
  } catch (err) {
    if (err?.code === undefined) throw err; // not a VerifyError: a bug, let it show
    assert.ok(err instanceof Error, `${vector.name}: rejection is not an Error`);
    assert.equal(err.name, 'VerifyError', `${vector.name}: name`);
    assert.equal(err.status, STATUS[err.code], `${vector.name}: status for ${err.code}`);
    assert.equal(typeof err.reason, 'string');
    assert.ok(err.message.length > 0, `${vector.name}: empty message`);
    // As in the Rust test: the error text must not echo token material.
    for (const segment of vector.token.split('.').filter((s) => s.length >= 8)) {
      assert.ok(!err.message.includes(segment), `${vector.name}: error message echoes the token`);
    }
    return failure(err.code, err.reason);
  } finally {
    verifier.free();
  }
}

test('there are at least 68 vectors, with unique names', () => {
  assert.ok(vectors.length >= 68, `only ${vectors.length} vectors`);
  assert.equal(new Set(vectors.map((v) => v.name)).size, vectors.length);
  assert.ok(vectors.some((v) => v.expect.valid) && vectors.some((v) => !v.expect.valid));
});

for (const vector of vectors) {
  test(vector.name, async () => {
    const actual = await outcome(vector);
    assert.deepEqual(actual, normalized(vector.expect), `${vector.name} (${vector.description})`);
  });
}

test('jwks may be given as JSON text, and an invalid-token error is a VerifyError with status 401', async () => {
  const vector = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/accept-rs256.json'), 'utf8'));
  const verifier = new Verifier({ ...verifierOptions(vector), jwks: JSON.stringify(vector.jwks) });
  const principal = await verifier.verify(vector.token, vector.now);
  assert.equal(principal.sub, vector.expect.subject);
  await assert.rejects(verifier.verify(vector.token, vector.expect.expires_at + 3600), {
    name: 'VerifyError',
    code: 'invalid_token',
    status: 401,
    reason: 'expired',
  });
});

// ---- helpers ----

test('grants: hierarchy, array and string input', () => {
  assert.equal(grants(['mcp:tools:*'], 'mcp:tools:calendar:read'), true);
  assert.equal(grants(['mcp:tools:*'], 'mcp:tools:calendar'), true);
  assert.equal(grants(['mcp:tools:*'], 'mcp:toolsx'), false);
  assert.equal(grants(['mcp:tools:*'], 'mcp:toolsx:read'), false);
  assert.equal(grants(['mcp:tools:calendar:read'], 'mcp:tools:calendar:write'), false);
  assert.equal(grants(['todo:read'], 'todo:write'), false);
  assert.equal(grants([], 'todo:read'), false);
  assert.equal(grants('todo:read todo:write', 'todo:write'), true);
  assert.equal(grants('mcp:tools:* other', 'mcp:tools:x:y'), true);
  assert.equal(grants('todo:read', 'todo:write'), false);
  assert.equal(grants('', 'todo:read'), false);
  assert.throws(() => grants({ scope: 'a' }, 'a'), TypeError);
});

test('requiredScopesForTool: object and JSON policies, "*" default, null when denied, TypeError on a bad policy', () => {
  const policy = { list_todos: 'todo:read', delete_todo: ['todo:write', 'todo:admin'] };
  assert.deepEqual(requiredScopesForTool(policy, 'list_todos'), ['todo:read']);
  assert.deepEqual(requiredScopesForTool(policy, 'delete_todo'), ['todo:write', 'todo:admin']);
  assert.equal(requiredScopesForTool(policy, 'unknown'), null);
  assert.deepEqual(requiredScopesForTool(JSON.stringify(policy), 'delete_todo'), ['todo:write', 'todo:admin']);
  assert.equal(requiredScopesForTool(JSON.stringify(policy), 'unknown'), null);
  const withDefault = { ...policy, '*': 'todo:read' };
  assert.deepEqual(requiredScopesForTool(withDefault, 'anything'), ['todo:read']);
  assert.deepEqual(requiredScopesForTool(JSON.stringify(withDefault), 'list_todos'), ['todo:read']);
  assert.throws(() => requiredScopesForTool({ list_todos: 5 }, 'list_todos'), TypeError);
  assert.throws(() => requiredScopesForTool({ list_todos: 'two scopes' }, 'list_todos'), TypeError);
  assert.throws(() => requiredScopesForTool('not json', 'x'), TypeError);
  assert.throws(() => requiredScopesForTool('["list_todos"]', 'x'), TypeError);
});

const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

test('challenge: no token, invalid token, insufficient scope, keys unavailable', () => {
  const none = challenge({ resourceMetadata: PRM });
  assert.equal(none, `Bearer resource_metadata="${PRM}"`);
  assert.doesNotMatch(none, /error=/);
  const suggested = challenge({ resourceMetadata: PRM, scopesSupported: ['todo:read', 'todo:write'] });
  assert.equal(suggested, `Bearer scope="todo:read todo:write", resource_metadata="${PRM}"`);

  const expired = challenge({ resourceMetadata: PRM, error: { reason: 'expired' } });
  assert.match(expired, /^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="/);
  assert.ok(expired.endsWith(`resource_metadata="${PRM}"`));

  const scope = challenge({ resourceMetadata: PRM, required: ['todo:write'], granted: ['todo:read'] });
  assert.match(scope, /^Bearer error="insufficient_scope", /);
  assert.match(scope, /, scope="todo:read todo:write", /);
  assert.equal(scope.match(/ scope="/g).length, 1); // each scope listed once, granted first

  assert.equal(challenge({ resourceMetadata: PRM, error: { reason: 'keys_unavailable' } }), null);
  assert.throws(() => challenge({ resourceMetadata: PRM, error: { reason: 'no-such-reason' } }), TypeError);
  assert.throws(() => challenge({}), TypeError);
});

test('challenge accepts a real VerifyError as `error`', async () => {
  let error;
  try {
    extractBearer('Bearer a b');
  } catch (err) {
    error = err;
  }
  assert.equal(error?.code, 'invalid_request');
  assert.match(challenge({ resourceMetadata: PRM, error }), /^Bearer error="invalid_request", /);
});

test('protectedResourceMetadata: RFC 9728 shape, no empty fields, TypeError on a bad resource', () => {
  const full = protectedResourceMetadata({
    resource: 'https://mcp.example.com/mcp',
    authorizationServers: ['https://auth.example.com'],
    scopesSupported: ['todo:read', 'todo:write'],
    resourceName: 'Todo',
  });
  assert.deepEqual(full, {
    resource: 'https://mcp.example.com/mcp',
    authorization_servers: ['https://auth.example.com'],
    scopes_supported: ['todo:read', 'todo:write'],
    bearer_methods_supported: ['header'],
    resource_name: 'Todo',
  });
  const bare = protectedResourceMetadata({
    resource: 'https://mcp.example.com/mcp',
    authorizationServers: ['https://auth.example.com'],
    scopesSupported: [],
    resourceName: '',
  });
  assert.deepEqual(bare, {
    resource: 'https://mcp.example.com/mcp',
    authorization_servers: ['https://auth.example.com'],
    bearer_methods_supported: ['header'],
  });
  assert.ok(!('scopes_supported' in bare) && !('resource_name' in bare));
  assert.throws(() => protectedResourceMetadata({ resource: 'not a url', authorizationServers: [] }), TypeError);
  assert.throws(() => protectedResourceMetadata({ resource: 'ftp://x.example/mcp', authorizationServers: [] }), TypeError);
  assert.throws(
    () => protectedResourceMetadata({ resource: 'https://mcp.example.com/mcp', authorizationServers: [], extra: 1 }),
    TypeError,
  );
});

test('extractBearer: scheme case-insensitive, missing → unauthorized 401, malformed → invalid_request 400', () => {
  assert.equal(extractBearer('Bearer abc.def.ghi'), 'abc.def.ghi');
  assert.equal(extractBearer('bearer abc'), 'abc');
  assert.equal(extractBearer('BEARER abc'), 'abc');
  for (const absent of [undefined, null, '']) {
    assert.throws(() => extractBearer(absent), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'VerifyError');
      assert.equal(err.code, 'unauthorized');
      assert.equal(err.status, 401);
      assert.equal(typeof err.reason, 'string');
      return true;
    });
  }
  assert.throws(() => extractBearer('Bearer a b'), { name: 'VerifyError', code: 'invalid_request', status: 400 });
});

test('PKCE: code verifier, RFC 7636 appendix B challenge, state', () => {
  const verifier = createCodeVerifier();
  assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(createCodeVerifier(), verifier);
  assert.equal(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  assert.equal(codeChallengeS256(verifier), createHash('sha256').update(verifier).digest('base64url'));
  assert.throws(() => codeChallengeS256('too-short'), TypeError);
  const state = createState();
  assert.match(state, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(createState(), state);
});

test('Verifier constructor: TypeError on bad options', () => {
  const base = { issuer: 'https://auth.example.com', audience: 'https://mcp.example.com/mcp' };
  const jwks = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/accept-rs256.json'), 'utf8')).jwks;
  assert.ok(new Verifier({ ...base, jwks }) instanceof Verifier);
  assert.ok(new Verifier({ ...base, jwksUri: 'https://auth.example.com/jwks' }) instanceof Verifier);
  const refused = (options, message) => assert.throws(() => new Verifier(options), (err) => {
    assert.ok(err instanceof TypeError, `not a TypeError: ${err}`);
    assert.match(err.message, message);
    return true;
  });
  refused({ ...base, jwks, jwksUri: 'https://auth.example.com/jwks' }, /exactly one of jwks and jwksUri/);
  refused(base, /exactly one of jwks and jwksUri/);
  refused({ ...base, jwks, algorithms: ['HS256'] }, /HS256/);
  refused({ ...base, jwks, algorithms: ['none'] }, /./);
  refused({ ...base, jwks, audiance: 'typo' }, /unknown option audiance/);
  refused({ audience: base.audience, jwks }, /issuer/);
  refused({ ...base, jwks, leeway: -1 }, /./);
  refused({ ...base, jwksUri: 'ftp://auth.example.com/jwks' }, /jwksUri/);
  refused({ ...base, jwks: { keys: [] } }, /^jwks: /);
});

test('verify() with a non-string token rejects cleanly instead of trapping in wasm', async () => {
  const jwks = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/accept-rs256.json'), 'utf8')).jwks;
  const verifier = new Verifier({ issuer: 'https://auth.example.com', audience: 'https://mcp.example.com/mcp', jwks });
  let result;
  try {
    result = verifier.verify(123);
  } catch (err) {
    assert.fail(`threw synchronously: ${err.constructor.name}: ${err.message}`);
  }
  await assert.rejects(result, (err) => err instanceof TypeError || err.name === 'VerifyError');
});

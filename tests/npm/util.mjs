// Shared helpers for the npm package tests (tests/npm/*.test.mjs).

import { readdirSync, readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PKG = join(ROOT, 'pkg');

/** The vector directory: env VECTORS_DIR (relative to the cwd, as in tests/vectors.rs) or tests/vectors. */
export function vectorsDir() {
  return process.env.VECTORS_DIR ? resolve(process.env.VECTORS_DIR) : join(ROOT, 'tests/vectors');
}

/** Every vector, sorted by file name (as tests/vectors.rs loads them). */
export function loadVectors(dir = vectorsDir()) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: join(dir, name), ...JSON.parse(readFileSync(join(dir, name), 'utf8')) }));
}

/** Verifier options from a vector's policy (snake_case → the package's camelCase), undefined ones left out. */
export function verifierOptions(vector) {
  const { policy } = vector;
  const options = {
    issuer: policy.issuers,
    audience: policy.audiences,
    algorithms: policy.algorithms,
    leeway: policy.leeway_seconds,
    requireAtJwt: policy.require_at_jwt,
    requiredClaims: policy.required_claims,
    jwks: vector.jwks,
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** Unix seconds now. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** The decoded protected header of a compact JWS. */
export function jwtHeader(token) {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}

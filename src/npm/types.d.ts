/** Options of `new Verifier(...)`. Give `jwks` or `jwksUri`. */
export interface VerifierOptions {
  /** Trusted issuer(s); `iss` must equal one exactly. */
  issuer: string | string[];
  /** This resource's identifier(s); `aud` must contain one. */
  audience: string | string[];
  /** Allow-list; default RS256 RS384 RS512 PS256 PS384 PS512 ES256 EdDSA. */
  algorithms?: string[];
  /** Clock leeway in seconds (default 60). */
  leeway?: number;
  /** Require `typ: at+jwt` (RFC 9068). Default false. */
  requireAtJwt?: boolean;
  /** Claims read for scopes; the first present wins. Default scope, scp, scopes, permissions. */
  scopeClaims?: string[];
  /** Extra claims that must be present. */
  requiredClaims?: string[];
  /** The key set, as an object or JSON text. */
  jwks?: object | string;
  /** Where to fetch the key set (cached; refetched on unknown kid at most once per cooldown). */
  jwksUri?: string;
  /** Key freshness bounds and outage tolerance, in seconds (600, 30, 86400). */
  maxAgeSeconds?: number;
  cooldownSeconds?: number;
  maxStaleSeconds?: number;
}

/** What a valid token says. Deeply frozen; a repeated token may give the same object. */
export interface Principal {
  iss: string;
  sub: string | null;
  clientId: string | null;
  scopes: string[];
  /** Expiry, Unix seconds. */
  exp: number;
  /** Every claim of the token, as JSON.parse reads its payload (every name an
   *  own property, `__proto__` included); `exp`, `nbf`, `iat` in whole seconds. */
  claims: Record<string, unknown>;
}

/** The rejection of `verify()` and `extractBearer()`. */
export interface VerifyError extends Error {
  name: "VerifyError";
  /** RFC 6750 code, or "unauthorized" (no token) / "temporarily_unavailable" (no keys). */
  code: "invalid_request" | "invalid_token" | "insufficient_scope" | "unauthorized" | "temporarily_unavailable";
  /** The HTTP status to answer with: 400, 401, 403 or 503. */
  status: number;
  /** Stable detailed reason for logs, e.g. "expired", "unknown_kid". */
  reason: string;
}

/** Options of `challenge(...)`. */
export interface ChallengeOptions {
  /** Absolute URL of the Protected Resource Metadata (RFC 9728). */
  resourceMetadata: string;
  /** The failure: a VerifyError (or `{reason}`); omit when no token was sent. */
  error?: { reason: string } | null;
  /** For insufficient scope: the scopes the request needs. */
  required?: string[];
  /** The scopes the token has (listed first in an insufficient_scope challenge). */
  granted?: string[];
  /** Scopes suggested to a client that sent no token. */
  scopesSupported?: string[];
}

/** Options of `protectedResourceMetadata(...)`. */
export interface MetadataOptions {
  resource: string;
  authorizationServers: string[];
  scopesSupported?: string[];
  resourceName?: string;
}

/** The RFC 9728 document. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ["header"];
  resource_name?: string;
}

/** A rule: a scope, all of several scopes ([] = any valid token), false (nobody), or scopes and claim conditions. */
export type PolicyRule = string | string[] | false | { scopes?: string | string[]; claims?: Record<string, string | number | boolean | Array<string | number | boolean>> };

/** The `POLICY` document: each section maps a pattern (exact, prefix ending in `*`, or `*`) to a rule. */
export interface PolicyDocument {
  tools?: Record<string, PolicyRule>;
  resources?: Record<string, PolicyRule>;
  prompts?: Record<string, PolicyRule>;
  methods?: Record<string, PolicyRule>;
}

/** Options of `new Policy(...)`. */
export interface PolicyOptions {
  /** What `filterList` keeps: only usable entries (true, default), also those a step-up unlocks ("step-up"), or all (false). */
  filterLists?: boolean | "step-up";
}

/** Who asks: a verified `Principal`, or its scopes and claims. Claims are
 *  compared as JavaScript values: integers beyond 2^53 lose precision, and
 *  `1` and `1.0` are the same number here (the gateway compares JSON). */
export interface PolicyPrincipal {
  scopes: string[] | string;
  claims?: Record<string, unknown>;
}

/** `policy.check(...)`: allowed; 403 insufficient_scope with the scopes to ask for; or 403 access_denied (no scope helps). */
export type PolicyDecision =
  | { decision: "allowed" }
  | { decision: "insufficient_scope"; status: 403; requiredScopes: string[] }
  | { decision: "denied"; status: 403; reason: "rule_false" | "claims_mismatch" | "no_matching_rule" };

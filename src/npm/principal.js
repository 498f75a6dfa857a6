// The principal object of the npm package, built in one call from wasm: the
// claims are the token's own payload text, parsed here by JSON.parse, which
// is both faster than building the object member by member across the wasm
// boundary and safe for any claim name (a `__proto__` claim stays an own
// property instead of becoming the object's prototype, as assignment would
// make it).

const TIMES = ['exp', 'nbf', 'iat'];

/** The deeply frozen principal. `claims` is the payload the core verified
 *  (valid JSON, UTF-8, time claims numbers in range), `scopes` its granted
 *  scopes joined by spaces (scope tokens hold none, RFC 6749 §3.3). */
export function principalObject(iss, sub, clientId, scopes, exp, claims) {
  const parsed = JSON.parse(claims);
  // As the core reads them: whole seconds, the fraction dropped (RFC 7519 §2).
  for (const name of TIMES) {
    if (Object.hasOwn(parsed, name)) parsed[name] = Math.trunc(parsed[name]) + 0;
  }
  return Object.freeze({
    iss,
    sub: sub ?? null,
    clientId: clientId ?? null,
    scopes: Object.freeze(scopes === '' ? [] : scopes.split(' ')),
    exp,
    claims: frozen(parsed),
  });
}

/** A verified identity is not for editing, and the same object is handed
 *  out again for the same token. */
function frozen(value) {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) frozen(item);
    Object.freeze(value);
  }
  return value;
}

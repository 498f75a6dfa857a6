//! Verification of a bearer JWT access token: the one seam every adapter calls.
//!
//! decode (header rules) → select key → check signature → validate claims →
//! principal. Each step lives in its own module; this file only composes them,
//! in the order RFC 8725 §3 implies: nothing in the payload is trusted before
//! the signature holds.

use crate::claims::validate_claims;
use crate::error::TokenError;
use crate::jwks::JwkSet;
use crate::key_selection::select_keys;
use crate::policy::Policy;
use crate::principal::Principal;
use crate::signature::verify_signature;
use crate::token::UntrustedJwt;

/// Verifies `token` against `keys` and `policy` at time `now` (Unix seconds).
///
/// `keys` is the key set of the issuers in `policy.issuers`: every key in it
/// is trusted to sign for each of them (RFC 8725 §3.8). That is exact for one
/// issuer, and for an issuer renamed during a migration with the same keys.
/// Authorization servers with keys of their own need a policy and key set each.
///
/// [`TokenError::UnknownKeyId`] means the token names a key this set lacks:
/// the caller may refresh the key set (rate-limited) and try once more.
pub fn verify(token: &str, keys: &JwkSet, policy: &Policy, now: i64) -> Result<Principal, TokenError> {
    let jwt = UntrustedJwt::decode(token, policy)?;
    let candidates = select_keys(keys, jwt.kid(), jwt.alg())?;
    if !candidates.iter().any(|key| verify_signature(&jwt, key).is_ok()) {
        return Err(TokenError::BadSignature);
    }
    let claims = jwt.claims_after_signature_check()?;
    validate_claims(jwt.typ(), &claims, policy, now)?;
    Principal::from_claims(claims, policy)
}

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
/// [`TokenError::UnknownKeyId`] means the token names a key this set lacks:
/// the caller may refresh the key set (rate-limited) and try once more.
pub fn verify(token: &str, keys: &JwkSet, policy: &Policy, now: i64) -> Result<Principal, TokenError> {
    let jwt = UntrustedJwt::decode(token, policy)?;
    let candidates = select_keys(keys, jwt.kid(), jwt.alg())?;
    let mut outcome = Err(TokenError::BadSignature);
    for key in candidates {
        outcome = verify_signature(&jwt, key);
        // Only a bad signature is worth trying the next key for.
        if outcome != Err(TokenError::BadSignature) {
            break;
        }
    }
    let claims = outcome?;
    validate_claims(jwt.typ(), &claims, policy, now)?;
    Principal::from_claims(claims, policy)
}

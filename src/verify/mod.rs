//! Verification of a bearer JWT access token (RFC 9068, RFC 8725): the one
//! seam every adapter calls.
//!
//! decode (header rules) → select key → check signature → validate claims →
//! principal. Each step has its own file; this one only composes them, in the
//! order RFC 8725 §3 implies: the payload is read only from a [`SignedJwt`],
//! which only the signature step can make.

pub(crate) mod algorithm;
mod claims;
pub(crate) mod error;
pub(crate) mod policy;
pub(crate) mod principal;
pub(crate) mod scope;
mod signature;
pub(crate) mod token;

use crate::keys::jwks::JwkSet;
use crate::keys::selection::select_keys;
use claims::validate_claims;
use error::TokenError;
use policy::Policy;
use principal::Principal;
use signature::check_signature;
use token::{SignedJwt, UntrustedJwt};

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
    let signed = check_signature(jwt, &candidates)?;
    accept(&signed, policy, now)
}

/// The steps after the signature: claims validated, principal built.
fn accept(signed: &SignedJwt<'_>, policy: &Policy, now: i64) -> Result<Principal, TokenError> {
    let claims = signed.claims()?;
    validate_claims(signed.typ(), &claims, policy, now)?;
    Principal::from_claims(claims, policy)
}

//! Verification of a bearer JWT access token (RFC 9068, RFC 8725): the one
//! seam every adapter calls.
//!
//! decode (header rules) → select key → check signature → validate claims →
//! principal. Each step has its own file; this one only composes them, in the
//! order RFC 8725 §3 implies: the payload is read only from a [`SignedJwt`],
//! which only the signature step can make.

pub(crate) mod algorithm;
pub(crate) mod cache;
pub(crate) mod claims;
pub(crate) mod error;
pub(crate) mod policy;
pub(crate) mod principal;
pub(crate) mod scope;
pub(crate) mod signature;
pub(crate) mod token;

use crate::keys::jwks::{Jwk, JwkSet};
use crate::keys::selection::select_keys;
use claims::validate_claims;
use error::TokenError;
use policy::Policy;
use principal::Principal;
use signature::{SignatureVerifier, check_signature_with};
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
///
/// With the pure-Rust signature code (feature `portable-crypto`, on by
/// default); the adapters verify through Web Crypto with [`verify_with`].
#[cfg(feature = "portable-crypto")]
pub fn verify(token: &str, keys: &JwkSet, policy: &Policy, now: i64) -> Result<Principal, TokenError> {
    let jwt = UntrustedJwt::decode(token, policy)?;
    let candidates = select_keys(keys, jwt.kid(), jwt.alg())?;
    let (signed, key) = signature::check_signature(jwt, &candidates)?;
    accept(&signed, key, policy, now).map(|verified| verified.principal)
}

/// A verified token: who it speaks for, and what a cache needs to re-check it.
pub(crate) struct Verified {
    pub principal: Principal,
    pub times: token::Times,
    pub typ: Option<String>,
    pub alg: algorithm::Algorithm,
    /// Which key verified it.
    pub key: [u8; 32],
}

/// [`verify`] with any signature primitive (Web Crypto in the adapters).
pub(crate) async fn verify_with<V: SignatureVerifier>(
    token: &str,
    keys: &JwkSet,
    policy: &Policy,
    now: i64,
    verifier: &V,
) -> Result<Verified, TokenError> {
    let jwt = UntrustedJwt::decode(token, policy)?;
    let candidates = select_keys(keys, jwt.kid(), jwt.alg())?;
    let (signed, key) = check_signature_with(jwt, &candidates, verifier).await?;
    accept(&signed, key, policy, now)
}

/// The steps after the signature: claims validated, principal built.
fn accept(signed: &SignedJwt<'_>, key: &Jwk, policy: &Policy, now: i64) -> Result<Verified, TokenError> {
    let claims = signed.claims()?;
    validate_claims(signed.typ(), &claims.map, claims.times, policy, now)?;
    Ok(Verified {
        times: claims.times,
        typ: signed.typ().map(str::to_owned),
        alg: signed.alg(),
        key: key.fingerprint,
        principal: Principal::from_claims(claims, policy)?,
    })
}

/// [`verify_with`] behind the verified-token cache: a token verified before
/// (and still passing, see [`cache`]) costs a hash instead of a signature.
pub(crate) async fn verify_cached<V: SignatureVerifier>(
    token: &str,
    keys: &JwkSet,
    policy: &Policy,
    now: i64,
    verifier: &V,
    tokens: &cache::TokenCache,
) -> Result<std::sync::Arc<Principal>, TokenError> {
    let key = cache::TokenKey::of(token);
    if let Some(principal) = tokens.get(&key, keys, policy, now) {
        return Ok(principal);
    }
    let verified = verify_with(token, keys, policy, now, verifier).await?;
    Ok(tokens.put(&key, verified))
}

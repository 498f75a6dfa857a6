//! Signature verification with jwt-compact (RFC 7518 §3.3–3.5, RFC 8037 §3.1).
//!
//! The algorithm object is built from the *verifier's* decision (the allowed
//! [`Algorithm`] and the selected key), so a token can never pick its own
//! verification routine. Only the signing input and the signature bytes are
//! looked at here: the payload is decoded after the signature holds
//! (RFC 8725 §3), so a forged token is always reported as `bad_signature`.
//! ES256 signatures must be the raw 64-byte R‖S of RFC 7518 §3.4; a
//! DER-encoded one has the wrong length and fails.

use jwt_compact::AlgorithmSignature;
use jwt_compact::alg::{Ed25519, Es256, Rsa};

use crate::keys::jwks::{Jwk, PublicKey};
use crate::verify::algorithm::Algorithm;
use crate::verify::error::TokenError;
use crate::verify::token::{SignedJwt, UntrustedJwt};

/// Evidence that a signature was checked; minted only in this file, so a
/// [`SignedJwt`] cannot be made any other way.
pub(crate) struct SignatureProof(());

/// Turns `jwt` into a [`SignedJwt`] when one of `candidates` verifies its
/// signature; `bad_signature` otherwise.
pub(crate) fn check_signature<'t>(
    jwt: UntrustedJwt<'t>,
    candidates: &[&Jwk],
) -> Result<SignedJwt<'t>, TokenError> {
    if candidates.iter().any(|key| holds_for(&jwt, key)) {
        Ok(jwt.into_signed(SignatureProof(())))
    } else {
        Err(TokenError::BadSignature)
    }
}

/// Whether `jwk` verifies the signature of `jwt` under the token's (allowed) algorithm.
fn holds_for(jwt: &UntrustedJwt<'_>, jwk: &Jwk) -> bool {
    match (jwt.alg(), &jwk.key) {
        (Algorithm::Rs256, PublicKey::Rsa(key)) => holds(&Rsa::rs256(), key, jwt),
        (Algorithm::Rs384, PublicKey::Rsa(key)) => holds(&Rsa::rs384(), key, jwt),
        (Algorithm::Rs512, PublicKey::Rsa(key)) => holds(&Rsa::rs512(), key, jwt),
        (Algorithm::Ps256, PublicKey::Rsa(key)) => holds(&Rsa::ps256(), key, jwt),
        (Algorithm::Ps384, PublicKey::Rsa(key)) => holds(&Rsa::ps384(), key, jwt),
        (Algorithm::Ps512, PublicKey::Rsa(key)) => holds(&Rsa::ps512(), key, jwt),
        (Algorithm::Es256, PublicKey::P256(key)) => holds(&Es256, key, jwt),
        // `EdDSA` over an Ed25519 key and `Ed25519` are one scheme (RFC 9864 §2).
        (Algorithm::EdDsa | Algorithm::Ed25519, PublicKey::Ed25519(key)) => holds(&Ed25519, key, jwt),
        // Key selection yields only fitting keys; a key of another family
        // cannot have made this signature.
        _ => false,
    }
}

fn holds<A: jwt_compact::Algorithm>(alg: &A, key: &A::VerifyingKey, jwt: &UntrustedJwt<'_>) -> bool {
    let bytes = jwt.signature();
    if A::Signature::LENGTH.is_some_and(|expected| bytes.len() != expected.get()) {
        return false;
    }
    A::Signature::try_from_slice(bytes)
        .is_ok_and(|signature| alg.verify_signature(&signature, key, jwt.signing_input().as_bytes()))
}

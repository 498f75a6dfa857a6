//! Signature verification with jwt-compact (RFC 7518 §3.3–3.5, RFC 8037 §3.1).
//!
//! The algorithm object is built from the *verifier's* decision (the allowed
//! [`Algorithm`] and the selected key), so a token can never pick its own
//! verification routine. ES256 signatures must be the raw 64-byte R‖S of
//! RFC 7518 §3.4; a DER-encoded signature has the wrong length and fails.

use jwt_compact::alg::{Ed25519, Es256, Rsa};
use jwt_compact::{AlgorithmExt, Renamed, ValidationError};

use crate::algorithm::Algorithm;
use crate::error::TokenError;
use crate::jwks::{Jwk, PublicKey};
use crate::token::{TokenClaims, UntrustedJwt};

/// Checks the signature of `jwt` against `jwk` and, if it holds, returns the
/// decoded claims.
pub(crate) fn verify_signature(jwt: &UntrustedJwt<'_>, jwk: &Jwk) -> Result<TokenClaims, TokenError> {
    let token = &jwt.inner;
    let result = match (jwt.alg(), &jwk.key) {
        (Algorithm::Rs256, PublicKey::Rsa(key)) => Rsa::rs256().validator(key).validate(token),
        (Algorithm::Rs384, PublicKey::Rsa(key)) => Rsa::rs384().validator(key).validate(token),
        (Algorithm::Rs512, PublicKey::Rsa(key)) => Rsa::rs512().validator(key).validate(token),
        (Algorithm::Ps256, PublicKey::Rsa(key)) => Rsa::ps256().validator(key).validate(token),
        (Algorithm::Ps384, PublicKey::Rsa(key)) => Rsa::ps384().validator(key).validate(token),
        (Algorithm::Ps512, PublicKey::Rsa(key)) => Rsa::ps512().validator(key).validate(token),
        (Algorithm::Es256, PublicKey::P256(key)) => Es256.validator(key).validate(token),
        (Algorithm::EdDsa, PublicKey::Ed25519(key)) => Ed25519.validator(key).validate(token),
        (Algorithm::Ed25519, PublicKey::Ed25519(key)) => {
            // jwt-compact names its Ed25519 algorithm `EdDSA`; RFC 9864's name needs the alias.
            Renamed::new(Ed25519, "Ed25519").validator(key).validate(token)
        }
        // Key selection only yields fitting keys; a mismatch here is still just a failure.
        _ => return Err(TokenError::NoKeyForAlgorithm),
    };
    result.map(|token| token.into_parts().1).map_err(classify)
}

fn classify(err: ValidationError) -> TokenError {
    match err {
        ValidationError::MalformedClaims(_) => TokenError::MalformedClaims,
        ValidationError::AlgorithmMismatch { .. } => TokenError::AlgorithmNotAllowed,
        // InvalidSignature, InvalidSignatureLen, MalformedSignature, and any
        // variant added later: the signature was not shown to be good.
        _ => TokenError::BadSignature,
    }
}

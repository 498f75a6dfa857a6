//! The signature step (RFC 7515 §5.2, RFC 7518 §3.3–3.5, RFC 8037 §3.1): the
//! only place that turns an [`UntrustedJwt`] into a [`SignedJwt`].
//!
//! The algorithm is the *verifier's* decision (the allowed [`Algorithm`] and
//! a selected key that fits it), so a token can never pick its own routine.
//! Only the signing input and the signature bytes are looked at: the payload
//! is parsed after the signature holds (RFC 8725 §3), so a forged token is
//! always `bad_signature`. ES256 signatures are the raw 64-byte R‖S of RFC
//! 7518 §3.4, which is also what Web Crypto verifies.
//!
//! Two primitives verify: the platform's Web Crypto (`crypto.subtle.verify`,
//! in the Worker and the npm package, through [`SignatureVerifier`]) and
//! jwt-compact's pure-Rust code (feature `portable-crypto`: host builds,
//! tests, fuzzing), which every shared vector runs through as well.

use crate::keys::jwks::Jwk;
use crate::verify::algorithm::Algorithm;
use crate::verify::error::TokenError;
use crate::verify::token::{SignedJwt, UntrustedJwt};

/// Evidence that a signature was checked; minted only in this file, so a
/// [`SignedJwt`] cannot be made any other way.
pub(crate) struct SignatureProof(());

/// A signature primitive: does `key` verify `signature` over `signing_input`
/// under `alg`? (`key` already fits `alg`: key selection saw to that.)
pub(crate) trait SignatureVerifier {
    async fn verify(&self, alg: Algorithm, key: &Jwk, signing_input: &[u8], signature: &[u8]) -> bool;
}

/// Turns `jwt` into a [`SignedJwt`] when one of `candidates` verifies its
/// signature, returning that key too; `bad_signature` otherwise.
pub(crate) async fn check_signature_with<'t, 'k, V: SignatureVerifier>(
    jwt: UntrustedJwt<'t>,
    candidates: &[&'k Jwk],
    verifier: &V,
) -> Result<(SignedJwt<'t>, &'k Jwk), TokenError> {
    for key in candidates {
        if verifier.verify(jwt.alg(), key, jwt.signing_input().as_bytes(), jwt.signature()).await {
            return Ok((jwt.into_signed(SignatureProof(())), key));
        }
    }
    Err(TokenError::BadSignature)
}

#[cfg(all(test, feature = "portable-crypto"))]
pub(crate) use portable::Portable;
#[cfg(feature = "portable-crypto")]
pub(crate) use portable::{PortableKey, check_signature, portable_key};

#[cfg(feature = "portable-crypto")]
mod portable {
    use jwt_compact::AlgorithmSignature;
    use jwt_compact::alg::{Ed25519, Es256, Rsa, RsaPublicKey};
    use jwt_compact::jwk::JsonWebKey;

    use super::SignatureProof;
    #[cfg(test)]
    use super::SignatureVerifier;
    use crate::keys::jwks::{Jwk, PublicKey};
    use crate::verify::algorithm::Algorithm;
    use crate::verify::error::TokenError;
    use crate::verify::token::{SignedJwt, UntrustedJwt};

    type P256Key = <Es256 as jwt_compact::Algorithm>::VerifyingKey;
    type Ed25519Key = <Ed25519 as jwt_compact::Algorithm>::VerifyingKey;

    /// A key in jwt-compact's form, built once per key set.
    #[derive(Clone)]
    pub(crate) enum PortableKey {
        Rsa(RsaPublicKey),
        P256(P256Key),
        Ed25519(Ed25519Key),
    }

    impl std::fmt::Debug for PortableKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("PortableKey")
        }
    }

    /// jwt-compact's form of `key`; `None` when it refuses it (a point off
    /// the curve, an exponent out of bounds).
    pub(crate) fn portable_key(key: &PublicKey) -> Option<PortableKey> {
        use std::borrow::Cow;
        Some(match key {
            PublicKey::Rsa { n, e } => {
                let jwk = JsonWebKey::Rsa {
                    modulus: Cow::Borrowed(n),
                    public_exponent: Cow::Borrowed(e),
                    private_parts: None,
                };
                PortableKey::Rsa(RsaPublicKey::try_from(&jwk).ok()?)
            }
            PublicKey::P256 { x, y } => {
                let jwk = JsonWebKey::EllipticCurve {
                    curve: Cow::Borrowed("P-256"),
                    x: Cow::Borrowed(x),
                    y: Cow::Borrowed(y),
                    secret: None,
                };
                PortableKey::P256(P256Key::try_from(&jwk).ok()?)
            }
            PublicKey::Ed25519 { x } => {
                let jwk = JsonWebKey::KeyPair {
                    curve: Cow::Borrowed("Ed25519"),
                    x: Cow::Borrowed(x),
                    secret: None,
                };
                PortableKey::Ed25519(Ed25519Key::try_from(&jwk).ok()?)
            }
        })
    }

    /// The pure-Rust primitive behind the async interface (it answers at once).
    #[cfg(test)]
    pub(crate) struct Portable;

    #[cfg(test)]
    impl SignatureVerifier for Portable {
        async fn verify(&self, alg: Algorithm, key: &Jwk, signing_input: &[u8], signature: &[u8]) -> bool {
            holds_for(alg, key, signing_input, signature)
        }
    }

    /// The synchronous form of [`check_signature_with`](super::check_signature_with)`(…, &Portable)`.
    pub(crate) fn check_signature<'t, 'k>(
        jwt: UntrustedJwt<'t>,
        candidates: &[&'k Jwk],
    ) -> Result<(SignedJwt<'t>, &'k Jwk), TokenError> {
        let input = jwt.signing_input().as_bytes();
        match candidates.iter().find(|key| holds_for(jwt.alg(), key, input, jwt.signature())) {
            Some(key) => Ok((jwt.into_signed(SignatureProof(())), key)),
            None => Err(TokenError::BadSignature),
        }
    }

    fn holds_for(alg: Algorithm, jwk: &Jwk, input: &[u8], signature: &[u8]) -> bool {
        match (alg, &jwk.portable) {
            (Algorithm::Rs256, PortableKey::Rsa(key)) => holds(&Rsa::rs256(), key, input, signature),
            (Algorithm::Rs384, PortableKey::Rsa(key)) => holds(&Rsa::rs384(), key, input, signature),
            (Algorithm::Rs512, PortableKey::Rsa(key)) => holds(&Rsa::rs512(), key, input, signature),
            (Algorithm::Ps256, PortableKey::Rsa(key)) => holds(&Rsa::ps256(), key, input, signature),
            (Algorithm::Ps384, PortableKey::Rsa(key)) => holds(&Rsa::ps384(), key, input, signature),
            (Algorithm::Ps512, PortableKey::Rsa(key)) => holds(&Rsa::ps512(), key, input, signature),
            (Algorithm::Es256, PortableKey::P256(key)) => holds(&Es256, key, input, signature),
            // `EdDSA` over an Ed25519 key and `Ed25519` are one scheme (RFC 9864 §2).
            (Algorithm::EdDsa | Algorithm::Ed25519, PortableKey::Ed25519(key)) => {
                holds(&Ed25519, key, input, signature)
            }
            // Key selection yields only fitting keys; a key of another family
            // cannot have made this signature.
            _ => false,
        }
    }

    fn holds<A: jwt_compact::Algorithm>(
        alg: &A,
        key: &A::VerifyingKey,
        input: &[u8],
        signature: &[u8],
    ) -> bool {
        if A::Signature::LENGTH.is_some_and(|expected| signature.len() != expected.get()) {
            return false;
        }
        A::Signature::try_from_slice(signature)
            .is_ok_and(|signature| alg.verify_signature(&signature, key, input))
    }
}

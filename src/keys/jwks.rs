//! JSON Web Key Set parsing (RFC 7517 §5) into the public keys we can verify with.
//!
//! One bad key must not take the whole set down: keys we cannot or must not use
//! are skipped, with a reason, and only a set with no usable key at all is an
//! error. Refused outright: symmetric (`oct`) keys and RSA moduli under 2048
//! bits (RFC 7518 §3.3); skipped as not ours: `use: enc`, `key_ops` without
//! `verify` (RFC 7517 §4.2–4.3), unknown `kty`, curves other than P-256 and
//! Ed25519, and a JWK `alg` that is not a supported signature algorithm for
//! that key.

use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::keys::jwk::parse_key;
use crate::verify::algorithm::{Algorithm, KeyFamily};

/// Upper bound on a JWKS document; real ones are a few KB.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Keys past this many are skipped: bounds the work a hostile set can cause.
pub const MAX_KEYS: usize = 64;

/// A parsed key set: the usable keys in document order, and what was skipped.
#[derive(Debug, Clone)]
pub struct JwkSet {
    keys: Vec<Jwk>,
    skipped: Vec<SkippedKey>,
}

/// One usable verification key with the JWK members that constrain its use.
#[derive(Debug, Clone)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The JWK's own `alg` (RFC 7517 §4.4); when set, tokens must use it.
    pub alg: Option<Algorithm>,
    /// `use` (RFC 7517 §4.2): `sig` or absent on every kept key.
    pub key_use: Option<String>,
    /// `key_ops` (RFC 7517 §4.3): absent or containing `verify` on every kept key.
    pub key_ops: Option<Vec<String>>,
    pub key: PublicKey,
    /// SHA-256 of the key material: which key verified a cached token.
    pub fingerprint: [u8; 32],
    /// The portable verifier's form of `key`.
    #[cfg(feature = "portable-crypto")]
    pub(crate) portable: crate::verify::signature::PortableKey,
}

/// The public key material, by family, as the JWK carries it (big-endian
/// integers without leading zeros; curve coordinates of 32 bytes).
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256 { x: [u8; 32], y: [u8; 32] },
    Ed25519 { x: [u8; 32] },
}

impl PublicKey {
    pub(crate) fn fingerprint(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        let parts: [&[u8]; 3] = match self {
            Self::Rsa { n, e } => [b"RSA", n, e],
            Self::P256 { x, y } => [b"EC P-256", x, y],
            Self::Ed25519 { x } => [b"OKP Ed25519", x, b""],
        };
        for part in parts {
            hash.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
            hash.update(part);
        }
        hash.finalize().into()
    }
}

/// A key that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Position in the document's `keys` array.
    pub index: usize,
    pub kid: Option<String>,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    NotAnObject,
    /// A member has the wrong JSON type or an undecodable value.
    BadMembers,
    UnknownKeyType,
    /// `kty: oct`: never usable with published keys.
    Symmetric,
    /// `use` is present and not `sig`.
    NotForSignatures,
    /// `key_ops` is present and lacks `verify`.
    NoVerifyOperation,
    /// The JWK's `alg` is not one we verify (or is `none`/`HS*`).
    UnsupportedAlgorithm,
    /// The JWK's `alg` belongs to another key family.
    AlgorithmKeyMismatch,
    UnsupportedCurve,
    /// RSA modulus under 2048 or over 4096 bits.
    RsaKeySize,
    TooManyKeys,
}

/// Why a JWKS document could not be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// Over [`MAX_JWKS_BYTES`].
    TooLarge,
    /// Not a JSON object with a `keys` array.
    Malformed,
    /// Parsed, but every key was skipped.
    NoUsableKeys { skipped: Vec<SkippedKey> },
}

impl JwkSet {
    /// Parses a JWKS document.
    pub fn parse(json: &[u8]) -> Result<Self, JwksError> {
        #[derive(Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }

        if json.len() > MAX_JWKS_BYTES {
            return Err(JwksError::TooLarge);
        }
        let document: Document = serde_json::from_slice(json).map_err(|_| JwksError::Malformed)?;
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for (index, value) in document.keys.iter().enumerate() {
            let parsed = if index < MAX_KEYS { parse_key(value) } else { Err(SkipReason::TooManyKeys) };
            match parsed {
                Ok(jwk) => keys.push(jwk),
                Err(reason) => {
                    let kid = value.get("kid").and_then(|kid| kid.as_str()).map(str::to_owned);
                    skipped.push(SkippedKey { index, kid, reason });
                }
            }
        }
        if keys.is_empty() {
            return Err(JwksError::NoUsableKeys { skipped });
        }
        Ok(Self { keys, skipped })
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The keys that were left out, for logs.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }
}

impl Jwk {
    pub fn family(&self) -> KeyFamily {
        match self.key {
            PublicKey::Rsa { .. } => KeyFamily::Rsa,
            PublicKey::P256 { .. } => KeyFamily::P256,
            PublicKey::Ed25519 { .. } => KeyFamily::Ed25519,
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = match self {
            Self::Rsa { .. } => "Rsa",
            Self::P256 { .. } => "P256",
            Self::Ed25519 { .. } => "Ed25519",
        };
        f.write_str(family)
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAnObject => "not a JSON object",
            Self::BadMembers => "malformed member",
            Self::UnknownKeyType => "unsupported kty",
            Self::Symmetric => "symmetric key refused",
            Self::NotForSignatures => "use is not sig",
            Self::NoVerifyOperation => "key_ops lacks verify",
            Self::UnsupportedAlgorithm => "unsupported alg",
            Self::AlgorithmKeyMismatch => "alg does not fit kty",
            Self::UnsupportedCurve => "unsupported crv",
            Self::RsaKeySize => "RSA modulus outside 2048-4096 bits",
            Self::TooManyKeys => "too many keys",
        })
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "JWKS larger than {MAX_JWKS_BYTES} bytes"),
            Self::Malformed => f.write_str("JWKS is not a JSON object with a keys array"),
            Self::NoUsableKeys { skipped } => {
                write!(f, "JWKS has no usable keys ({} skipped", skipped.len())?;
                for key in skipped {
                    write!(f, "; #{}: {}", key.index, key.reason)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl std::error::Error for JwksError {}

#[cfg(test)]
#[path = "jwks_tests.rs"]
mod tests;

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
mod tests {
    use super::*;

    // RFC 7517 appendix A.1 (public keys): one P-256 and one 2048-bit RSA key.
    const RFC7517_A1: &str = r#"{"keys":[
        {"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
         "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"enc","kid":"1"},
        {"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
         "e":"AQAB","alg":"RS256","kid":"2011-04-29"}
    ]}"#;

    const ED25519: &str =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"}"#;

    fn set_of(keys: &[&str]) -> String {
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    fn skip_reason(key: &str) -> SkipReason {
        let set = JwkSet::parse(set_of(&[key, ED25519]).as_bytes()).expect("the control key is usable");
        assert_eq!(set.keys().len(), 1, "only the control key should be kept");
        assert_eq!(set.skipped().len(), 1, "exactly the key under test is skipped");
        set.skipped()[0].reason
    }

    #[test]
    fn parses_rfc7517_keys_and_skips_the_encryption_one() {
        let set = JwkSet::parse(RFC7517_A1.as_bytes()).expect("usable RSA key");
        assert_eq!(set.keys().len(), 1);
        let rsa = &set.keys()[0];
        assert_eq!(rsa.kid.as_deref(), Some("2011-04-29"));
        assert_eq!(rsa.alg, Some(Algorithm::Rs256));
        assert_eq!(rsa.family(), KeyFamily::Rsa);
        assert_eq!(
            set.skipped(),
            [SkippedKey { index: 0, kid: Some("1".into()), reason: SkipReason::NotForSignatures }]
        );
        assert!(set.keys().iter().all(|key| key.kid.as_deref() != Some("1")));
    }

    #[test]
    fn keeps_ed25519_and_sig_keys_with_verify_op() {
        let key = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","key_ops":["verify"],"alg":"Ed25519"}"#;
        let set = JwkSet::parse(set_of(&[key]).as_bytes()).expect("usable");
        let jwk = &set.keys()[0];
        assert_eq!(jwk.family(), KeyFamily::Ed25519);
        assert_eq!(jwk.alg, Some(Algorithm::Ed25519));
        assert_eq!(jwk.key_use.as_deref(), Some("sig"));
        assert_eq!(jwk.key_ops.as_deref(), Some(&["verify".to_owned()][..]));
    }

    #[test]
    fn skips_each_kind_of_unusable_key() {
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        assert_eq!(skip_reason(r#""not an object""#), SkipReason::NotAnObject);
        assert_eq!(skip_reason(r#"{"kty":"oct","k":"c2VjcmV0"}"#), SkipReason::Symmetric);
        assert_eq!(skip_reason(r#"{"kty":"PQC","x":"AA"}"#), SkipReason::UnknownKeyType);
        assert_eq!(skip_reason(r#"{"x":"AA"}"#), SkipReason::BadMembers);
        assert_eq!(
            skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","use":"enc"}}"#)),
            SkipReason::NotForSignatures
        );
        assert_eq!(
            skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","key_ops":["encrypt"]}}"#)),
            SkipReason::NoVerifyOperation
        );
        assert_eq!(
            skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","alg":"HS256"}}"#)),
            SkipReason::UnsupportedAlgorithm
        );
        assert_eq!(
            skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","alg":"RS256"}}"#)),
            SkipReason::AlgorithmKeyMismatch
        );
        assert_eq!(
            skip_reason(&format!(r#"{{"kty":"OKP","crv":"X25519","x":"{x}"}}"#)),
            SkipReason::UnsupportedCurve
        );
        assert_eq!(skip_reason(r#"{"kty":"OKP","crv":"Ed25519","x":"not base64!"}"#), SkipReason::BadMembers);
        assert_eq!(skip_reason(r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#), SkipReason::BadMembers);
        assert_eq!(
            skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":7}}"#)),
            SkipReason::BadMembers
        );
        // A 1024-bit modulus (RFC 7518 §3.3 requires 2048 at least).
        let n1024 = format!("w{}", "A".repeat(170));
        assert_eq!(
            skip_reason(&format!(r#"{{"kty":"RSA","n":"{n1024}","e":"AQAB"}}"#)),
            SkipReason::RsaKeySize
        );
        // EC point not on the curve.
        assert_eq!(
            skip_reason(
                r#"{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#
            ),
            SkipReason::BadMembers
        );
    }

    #[test]
    fn a_set_without_usable_keys_is_its_own_error() {
        match JwkSet::parse(br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#) {
            Err(JwksError::NoUsableKeys { skipped }) => assert_eq!(skipped[0].reason, SkipReason::Symmetric),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(JwkSet::parse(br#"{"keys":[]}"#), Err(JwksError::NoUsableKeys { .. })));
    }

    #[test]
    fn malformed_documents_are_errors() {
        for doc in [&b""[..], b"[]", b"{}", b"{\"keys\":{}}", b"null", b"{\"keys\":[", b"\xff"] {
            assert_eq!(JwkSet::parse(doc).err(), Some(JwksError::Malformed), "{doc:?}");
        }
        let huge = vec![b' '; MAX_JWKS_BYTES + 1];
        assert_eq!(JwkSet::parse(&huge).err(), Some(JwksError::TooLarge));
    }

    #[test]
    fn caps_the_number_of_keys() {
        let keys = vec![ED25519; MAX_KEYS + 3];
        let set = JwkSet::parse(set_of(&keys).as_bytes()).expect("usable");
        assert_eq!(set.keys().len(), MAX_KEYS);
        assert_eq!(set.skipped().len(), 3);
        assert!(set.skipped().iter().all(|key| key.reason == SkipReason::TooManyKeys));
    }
}

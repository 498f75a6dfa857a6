//! JSON Web Key Set parsing (RFC 7517 §5) into the public keys we can verify with.
//!
//! One bad key must not take the whole set down: keys we cannot or must not use
//! are skipped, with a reason, and only a set with no usable key at all is an
//! error. Refused outright: symmetric (`oct`) keys and RSA moduli under 2048
//! bits (RFC 7518 §3.3); skipped as not ours: `use: enc`, `key_ops` without
//! `verify` (RFC 7517 §4.2–4.3), unknown `kty`, curves other than P-256 and
//! Ed25519, and a JWK `alg` that is not a supported signature algorithm for
//! that key.

use std::borrow::Cow;
use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use jwt_compact::alg::{Ed25519, Es256, RsaPublicKey};
use jwt_compact::jwk::JsonWebKey;
use serde::Deserialize;

use crate::verify::algorithm::{Algorithm, KeyFamily};

/// Upper bound on a JWKS document; real ones are a few KB.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Keys past this many are skipped: bounds the work a hostile set can cause.
pub const MAX_KEYS: usize = 64;

const MIN_RSA_BITS: usize = 2048;
/// The `rsa` crate refuses larger moduli; saying so up front gives a clear reason.
const MAX_RSA_BITS: usize = 4096;

pub(crate) type P256Key = <Es256 as jwt_compact::Algorithm>::VerifyingKey;
pub(crate) type Ed25519Key = <Ed25519 as jwt_compact::Algorithm>::VerifyingKey;

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
}

/// The public key material, by family.
#[derive(Clone)]
pub enum PublicKey {
    Rsa(RsaPublicKey),
    P256(P256Key),
    Ed25519(Ed25519Key),
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

    /// Whether any key carries this `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.kid.as_deref() == Some(kid))
    }
}

impl Jwk {
    pub fn family(&self) -> KeyFamily {
        match self.key {
            PublicKey::Rsa(_) => KeyFamily::Rsa,
            PublicKey::P256(_) => KeyFamily::P256,
            PublicKey::Ed25519(_) => KeyFamily::Ed25519,
        }
    }
}

/// The JWK members we read (RFC 7517 §4, RFC 7518 §6). The key material is
/// decoded here and handed to jwt-compact's `jwk` module as a `JsonWebKey`;
/// reading the few members by hand spares the wasm builds the generic serde
/// machinery a derived or internally tagged impl would bring.
struct Members<'v> {
    kty: &'v str,
    kid: Option<String>,
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<&'v str>,
    crv: Option<&'v str>,
    n: Option<&'v str>,
    e: Option<&'v str>,
    x: Option<&'v str>,
    y: Option<&'v str>,
}

impl<'v> Members<'v> {
    /// Reads the members; a present member of the wrong JSON type is an error.
    fn read(object: &'v serde_json::Map<String, serde_json::Value>) -> Result<Self, SkipReason> {
        let text = |name: &str| match object.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(value)) => Ok(Some(value.as_str())),
            Some(_) => Err(SkipReason::BadMembers),
        };
        let key_ops = match object.get("key_ops") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Array(ops)) => Some(
                ops.iter()
                    .map(|op| op.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or(SkipReason::BadMembers)?,
            ),
            Some(_) => return Err(SkipReason::BadMembers),
        };
        Ok(Self {
            kty: text("kty")?.ok_or(SkipReason::BadMembers)?,
            kid: text("kid")?.map(str::to_owned),
            key_use: text("use")?.map(str::to_owned),
            key_ops,
            alg: text("alg")?,
            crv: text("crv")?,
            n: text("n")?,
            e: text("e")?,
            x: text("x")?,
            y: text("y")?,
        })
    }
}

impl Members<'_> {
    fn json_web_key(&self, family: KeyFamily) -> Result<JsonWebKey<'_>, SkipReason> {
        let bytes = |member: Option<&str>| {
            let text = member.ok_or(SkipReason::BadMembers)?;
            Base64UrlUnpadded::decode_vec(text).map(Cow::Owned).map_err(|_| SkipReason::BadMembers)
        };
        let curve = || self.crv.map(Cow::Borrowed).ok_or(SkipReason::BadMembers);
        Ok(match family {
            KeyFamily::Rsa => JsonWebKey::Rsa {
                modulus: bytes(self.n)?,
                public_exponent: bytes(self.e)?,
                private_parts: None,
            },
            KeyFamily::P256 => JsonWebKey::EllipticCurve {
                curve: curve()?,
                x: bytes(self.x)?,
                y: bytes(self.y)?,
                secret: None,
            },
            KeyFamily::Ed25519 => JsonWebKey::KeyPair { curve: curve()?, x: bytes(self.x)?, secret: None },
        })
    }
}

fn parse_key(value: &serde_json::Value) -> Result<Jwk, SkipReason> {
    let object = value.as_object().ok_or(SkipReason::NotAnObject)?;
    let members = Members::read(object)?;
    let family = match members.kty {
        "RSA" => KeyFamily::Rsa,
        "EC" => KeyFamily::P256,
        "OKP" => KeyFamily::Ed25519,
        "oct" => return Err(SkipReason::Symmetric),
        _ => return Err(SkipReason::UnknownKeyType),
    };
    if members.key_use.as_deref().is_some_and(|key_use| key_use != "sig") {
        return Err(SkipReason::NotForSignatures);
    }
    if members.key_ops.as_ref().is_some_and(|ops| !ops.iter().any(|op| op == "verify")) {
        return Err(SkipReason::NoVerifyOperation);
    }
    let alg = match members.alg {
        None => None,
        Some(name) => {
            let alg: Algorithm = name.parse().map_err(|_| SkipReason::UnsupportedAlgorithm)?;
            if alg.key_family() != family {
                return Err(SkipReason::AlgorithmKeyMismatch);
            }
            Some(alg)
        }
    };
    let key = public_key(&members.json_web_key(family)?)?;
    Ok(Jwk { kid: members.kid, alg, key_use: members.key_use, key_ops: members.key_ops, key })
}

fn public_key(jwk: &JsonWebKey<'_>) -> Result<PublicKey, SkipReason> {
    match jwk {
        JsonWebKey::Rsa { modulus, .. } => {
            let bits = bit_length(modulus);
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                return Err(SkipReason::RsaKeySize);
            }
            RsaPublicKey::try_from(jwk).map(PublicKey::Rsa).map_err(|_| SkipReason::BadMembers)
        }
        JsonWebKey::EllipticCurve { curve, .. } if curve == "P-256" => {
            P256Key::try_from(jwk).map(PublicKey::P256).map_err(|_| SkipReason::BadMembers)
        }
        JsonWebKey::KeyPair { curve, .. } if curve == "Ed25519" => {
            Ed25519Key::try_from(jwk).map(PublicKey::Ed25519).map_err(|_| SkipReason::BadMembers)
        }
        JsonWebKey::EllipticCurve { .. } | JsonWebKey::KeyPair { .. } => Err(SkipReason::UnsupportedCurve),
        _ => Err(SkipReason::UnknownKeyType),
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn bit_length(big_endian: &[u8]) -> usize {
    let mut digits = big_endian.iter().skip_while(|byte| **byte == 0);
    match digits.next() {
        None => 0,
        Some(first) => digits.count() * 8 + (8 - first.leading_zeros() as usize),
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = match self {
            Self::Rsa(_) => "Rsa",
            Self::P256(_) => "P256",
            Self::Ed25519(_) => "Ed25519",
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
        assert!(set.contains_kid("2011-04-29"));
        assert!(!set.contains_kid("1"));
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

    #[test]
    fn bit_length_ignores_leading_zeros() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0, 0x7f, 0xff]), 15);
    }
}

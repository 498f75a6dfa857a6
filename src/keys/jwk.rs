//! One JSON Web Key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) into a public
//! key we can verify with, or the reason it is skipped: symmetric keys and RSA
//! moduli outside 2048–4096 bits refused (RFC 7518 §3.3), `use` other than
//! `sig` and `key_ops` without `verify` skipped (RFC 7517 §4.2–4.3).

use crate::base64url;

use crate::keys::jwks::{Jwk, PublicKey, SkipReason};
use crate::verify::algorithm::{Algorithm, KeyFamily};

const MIN_RSA_BITS: usize = 2048;
/// The `rsa` crate refuses larger moduli, and no issuer uses them; saying so
/// up front gives a clear reason.
const MAX_RSA_BITS: usize = 4096;
/// RSA public exponents in use are 3 or 65537; more than 4 bytes is no key of ours.
const MAX_EXPONENT_BYTES: usize = 4;

/// The JWK members we read (RFC 7517 §4, RFC 7518 §6), read by hand: that
/// spares the wasm builds the generic serde machinery a derived or
/// internally tagged impl would bring.
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

pub(super) fn parse_key(value: &serde_json::Value) -> Result<Jwk, SkipReason> {
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
    let key = public_key(&members, family)?;
    // The portable verifier's own key type, built (and validated: points on
    // the curve, exponent bounds) once per key set.
    #[cfg(feature = "portable-crypto")]
    let portable = crate::verify::signature::portable_key(&key).ok_or(SkipReason::BadMembers)?;
    Ok(Jwk {
        kid: members.kid,
        alg,
        key_use: members.key_use,
        key_ops: members.key_ops,
        fingerprint: key.fingerprint(),
        key,
        #[cfg(feature = "portable-crypto")]
        portable,
    })
}

/// The key material: decoded, of the right sizes, on a curve we verify with.
fn public_key(members: &Members<'_>, family: KeyFamily) -> Result<PublicKey, SkipReason> {
    let bytes = |member: Option<&str>| {
        let text = member.ok_or(SkipReason::BadMembers)?;
        base64url::decode(text).ok_or(SkipReason::BadMembers)
    };
    let curve = || members.crv.ok_or(SkipReason::BadMembers);
    let coordinate = |bytes: Vec<u8>| <[u8; 32]>::try_from(bytes).map_err(|_| SkipReason::BadMembers);
    match family {
        KeyFamily::Rsa => {
            let (n, e) = (bytes(members.n)?, bytes(members.e)?);
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bit_length(&n)) {
                return Err(SkipReason::RsaKeySize);
            }
            let e = without_leading_zeros(&e);
            if e.is_empty() || e.len() > MAX_EXPONENT_BYTES {
                return Err(SkipReason::BadMembers);
            }
            Ok(PublicKey::Rsa { n: without_leading_zeros(&n).to_vec(), e: e.to_vec() })
        }
        KeyFamily::P256 => {
            let (crv, x, y) = (curve()?, bytes(members.x)?, bytes(members.y)?);
            if crv != "P-256" {
                return Err(SkipReason::UnsupportedCurve);
            }
            Ok(PublicKey::P256 { x: coordinate(x)?, y: coordinate(y)? })
        }
        KeyFamily::Ed25519 => {
            let (crv, x) = (curve()?, bytes(members.x)?);
            if crv != "Ed25519" {
                return Err(SkipReason::UnsupportedCurve);
            }
            Ok(PublicKey::Ed25519 { x: coordinate(x)? })
        }
    }
}

fn without_leading_zeros(big_endian: &[u8]) -> &[u8] {
    let start = big_endian.iter().position(|byte| *byte != 0).unwrap_or(big_endian.len());
    big_endian.get(start..).unwrap_or_default()
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn bit_length(big_endian: &[u8]) -> usize {
    let mut digits = big_endian.iter().skip_while(|byte| **byte == 0);
    match digits.next() {
        None => 0,
        Some(first) => digits.count() * 8 + (8 - first.leading_zeros() as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_ignores_leading_zeros() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0, 0x7f, 0xff]), 15);
    }
}

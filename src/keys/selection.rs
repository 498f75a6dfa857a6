//! Choosing the verification key(s) for a token: a pure function from the
//! token header and the key set to candidate keys (RFC 7515 §4.1.4, RFC 8725 §3.1).
//!
//! The verifier, never the token, decides which algorithm applies: the `alg`
//! must be allowed by policy, fit the key's family and equal the JWK's own
//! `alg` when the JWK states one. `jku`, `x5u`, `jwk` and `x5c` headers are
//! never consulted: keys come only from the configured issuer's JWKS.

use crate::keys::jwks::{Jwk, JwkSet};
use crate::verify::algorithm::Algorithm;
use crate::verify::error::TokenError;

/// At most this many fitting keys are tried for one token. Each try is a
/// public-key operation, so an unbounded list would let one forged token cost
/// many verifications (kid-less tokens, or a set reusing one `kid`).
pub const MAX_CANDIDATES: usize = 4;

/// The keys to try, in order, for a token signed with `alg` and naming `kid`.
pub fn select_keys<'k>(
    keys: &'k JwkSet,
    kid: Option<&str>,
    alg: Algorithm,
) -> Result<Vec<&'k Jwk>, TokenError> {
    let fits =
        |jwk: &&Jwk| jwk.family() == alg.key_family() && jwk.alg.is_none_or(|stated| stated.same_scheme(alg));
    match kid {
        Some(kid) => {
            let named: Vec<&Jwk> = keys.keys().iter().filter(|jwk| jwk.kid.as_deref() == Some(kid)).collect();
            if named.is_empty() {
                return Err(TokenError::UnknownKeyId);
            }
            let fitting: Vec<&Jwk> = named.into_iter().filter(fits).take(MAX_CANDIDATES).collect();
            if fitting.is_empty() { Err(TokenError::NoKeyForAlgorithm) } else { Ok(fitting) }
        }
        None => {
            let fitting: Vec<&Jwk> = keys.keys().iter().filter(fits).take(MAX_CANDIDATES).collect();
            if fitting.is_empty() { Err(TokenError::NoKeyForAlgorithm) } else { Ok(fitting) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const EC: &str = r#"{"kty":"EC","crv":"P-256","kid":"ec","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}"#;

    fn set(extra: &[String]) -> JwkSet {
        let mut keys = vec![EC.to_owned()];
        keys.extend_from_slice(extra);
        JwkSet::parse(format!(r#"{{"keys":[{}]}}"#, keys.join(",")).as_bytes()).expect("usable set")
    }

    fn ed(kid: &str, alg: Option<&str>) -> String {
        let alg = alg.map(|alg| format!(r#","alg":"{alg}""#)).unwrap_or_default();
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{ED_X}","kid":"{kid}"{alg}}}"#)
    }

    fn kids(selected: Result<Vec<&Jwk>, TokenError>) -> Result<Vec<String>, TokenError> {
        selected.map(|keys| keys.iter().map(|key| key.kid.clone().unwrap_or_default()).collect())
    }

    #[test]
    fn selects_by_kid_when_present() {
        let keys = set(&[ed("a", None), ed("b", None)]);
        assert_eq!(kids(select_keys(&keys, Some("b"), Algorithm::EdDsa)), Ok(vec!["b".into()]));
        assert_eq!(kids(select_keys(&keys, Some("zz"), Algorithm::EdDsa)), Err(TokenError::UnknownKeyId));
    }

    #[test]
    fn kid_of_another_family_is_refused() {
        // A token claiming RS256 must not be checked against the EC key its kid names.
        let keys = set(&[]);
        assert_eq!(
            kids(select_keys(&keys, Some("ec"), Algorithm::Rs256)),
            Err(TokenError::NoKeyForAlgorithm)
        );
        assert_eq!(kids(select_keys(&keys, Some("ec"), Algorithm::Es256)), Ok(vec!["ec".into()]));
    }

    #[test]
    fn jwk_alg_must_match_the_token_alg() {
        let keys = set(&[ed("named", Some("EdDSA"))]);
        assert_eq!(kids(select_keys(&keys, Some("named"), Algorithm::Ed25519)), Ok(vec!["named".into()]));
        let rsa_keys = JwkSet::parse(
            br#"{"keys":[{"kty":"RSA","kid":"r","alg":"PS256","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]}"#,
        )
        .expect("usable");
        assert_eq!(
            kids(select_keys(&rsa_keys, Some("r"), Algorithm::Rs256)),
            Err(TokenError::NoKeyForAlgorithm)
        );
        assert_eq!(kids(select_keys(&rsa_keys, Some("r"), Algorithm::Ps256)), Ok(vec!["r".into()]));
    }

    #[test]
    fn without_kid_takes_the_fitting_keys_up_to_a_bound() {
        let many: Vec<String> = (0..6).map(|i| ed(&format!("k{i}"), None)).collect();
        let keys = set(&many);
        let chosen = kids(select_keys(&keys, None, Algorithm::EdDsa)).expect("fitting keys");
        assert_eq!(chosen, ["k0", "k1", "k2", "k3"]);
        assert_eq!(kids(select_keys(&keys, None, Algorithm::Es256)), Ok(vec!["ec".into()]));
        assert_eq!(kids(select_keys(&keys, None, Algorithm::Rs256)), Err(TokenError::NoKeyForAlgorithm));
    }
}

//! Decoding a compact JWS (RFC 7515 §7.1) into an untrusted token, and the
//! header checks that come before any key is touched.
//!
//! Nothing here is trusted yet: the decoded header only tells us which
//! algorithm the token *claims* and which key it *names*. The policy decides
//! whether that algorithm is acceptable at all.

use jwt_compact::{Claims, UntrustedToken};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::error::TokenError;
use crate::policy::Policy;

/// The claims as jwt-compact decodes them: `exp`/`nbf`/`iat` typed, the rest raw.
pub(crate) type TokenClaims = Claims<Map<String, Value>>;

/// Header members beyond the ones jwt-compact models.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ExtraHeader {
    /// RFC 7515 §4.1.11. We implement no extensions, so any `crit` is refused.
    #[serde(default)]
    crit: Option<Value>,
}

/// A decoded token whose algorithm is allowed, but whose signature is not yet checked.
#[derive(Debug)]
pub struct UntrustedJwt<'t> {
    pub(crate) inner: UntrustedToken<'t, ExtraHeader>,
    alg: Algorithm,
}

impl<'t> UntrustedJwt<'t> {
    /// Decodes `token` and applies the pre-signature header rules:
    /// size bound, three segments of base64url JSON, no `crit`, and an `alg`
    /// on the policy's allow-list (never `none` or `HS*`, RFC 8725 §3.1).
    pub fn decode(token: &'t str, policy: &Policy) -> Result<Self, TokenError> {
        if token.len() > policy.max_token_bytes {
            return Err(TokenError::TooLong);
        }
        // jwt-compact splits on at most four parts; count first so that a
        // 2- or 4-part input fails before any base64 work.
        if token.bytes().filter(|b| *b == b'.').count() != 2 {
            return Err(TokenError::Malformed);
        }
        let inner = UntrustedToken::<ExtraHeader>::try_from(token).map_err(|_| TokenError::Malformed)?;
        if inner.header().other_fields.crit.is_some() {
            return Err(TokenError::UnsupportedCritical);
        }
        let alg: Algorithm = inner.algorithm().parse().map_err(|_| TokenError::AlgorithmNotAllowed)?;
        if !policy.allows(alg) {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        Ok(Self { inner, alg })
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The `kid` header: which key the token names, if any.
    pub fn kid(&self) -> Option<&str> {
        self.inner.header().key_id.as_deref()
    }

    /// The `typ` header.
    pub fn typ(&self) -> Option<&str> {
        self.inner.header().token_type.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};

    use super::*;
    use crate::policy::DEFAULT_MAX_TOKEN_BYTES;

    fn b64(json: &str) -> String {
        Base64UrlUnpadded::encode_string(json.as_bytes())
    }

    fn token(header: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(r#"{"sub":"x"}"#))
    }

    fn decode(token: &str) -> Result<Algorithm, TokenError> {
        UntrustedJwt::decode(token, &Policy::default()).map(|jwt| jwt.alg())
    }

    #[test]
    fn reads_alg_kid_and_typ() {
        let raw = token(r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#);
        let jwt = UntrustedJwt::decode(&raw, &Policy::default()).expect("decodes");
        assert_eq!((jwt.alg(), jwt.kid(), jwt.typ()), (Algorithm::Es256, Some("k1"), Some("at+jwt")));
    }

    #[test]
    fn refuses_none_hmac_unknown_and_unlisted_algorithms() {
        for alg in ["none", "HS256", "HS384", "HS512", "ES384", "rs256"] {
            assert_eq!(
                decode(&token(&format!(r#"{{"alg":"{alg}"}}"#))),
                Err(TokenError::AlgorithmNotAllowed),
                "{alg}"
            );
        }
        let only_es256 = Policy { algorithms: vec![Algorithm::Es256], ..Policy::default() };
        let raw = token(r#"{"alg":"RS256"}"#);
        assert_eq!(
            UntrustedJwt::decode(&raw, &only_es256).map(|jwt| jwt.alg()),
            Err(TokenError::AlgorithmNotAllowed)
        );
    }

    #[test]
    fn refuses_crit_and_ignores_key_url_headers() {
        assert_eq!(
            decode(&token(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#)),
            Err(TokenError::UnsupportedCritical)
        );
        // jku/x5u/jwk/x5c are decoded but never consulted: key choice is the JWKS's.
        let raw = token(
            r#"{"alg":"RS256","jku":"https://evil/jwks","x5u":"https://evil/c","jwk":{"kty":"oct","k":"AA"},"x5c":["AA"]}"#,
        );
        assert_eq!(decode(&raw), Ok(Algorithm::Rs256));
    }

    #[test]
    fn refuses_wrong_structure_and_encoding() {
        assert_eq!(decode("a.b"), Err(TokenError::Malformed));
        assert_eq!(decode("a.b.c.d"), Err(TokenError::Malformed));
        assert_eq!(decode(""), Err(TokenError::Malformed));
        assert_eq!(decode("!!!.e30.c2ln"), Err(TokenError::Malformed));
        assert_eq!(decode(&format!("{}.e30.c2ln", b64("{not json"))), Err(TokenError::Malformed));
        assert_eq!(decode(&format!("{}.e30.c2ln", b64(r#"{"kid":"x"}"#))), Err(TokenError::Malformed));
        let too_long = "a".repeat(DEFAULT_MAX_TOKEN_BYTES + 1);
        assert_eq!(decode(&too_long), Err(TokenError::TooLong));
    }
}

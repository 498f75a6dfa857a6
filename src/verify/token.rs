//! Decoding a compact JWS (RFC 7515 §7.1) into an untrusted token, and the
//! header checks that come before any key is touched.
//!
//! Nothing here is trusted yet: the decoded header only tells us which
//! algorithm the token *claims* and which key it *names*. The policy decides
//! whether that algorithm is acceptable at all.

use std::fmt;

use jwt_compact::{Claims, UntrustedToken};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::verify::algorithm::Algorithm;
use crate::verify::error::TokenError;
use crate::verify::policy::Policy;
use crate::verify::signature::SignatureProof;

/// The claims as jwt-compact decodes them: `exp`/`nbf`/`iat` typed, the rest raw.
pub(crate) type TokenClaims = Claims<Map<String, Value>>;

/// Header members beyond the ones jwt-compact models.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ExtraHeader {
    /// RFC 7515 §4.1.11. We implement no extensions, so a `crit` member of
    /// any value (`null` included) is refused.
    #[serde(default)]
    crit: Present,
}

/// Whether a member was present at all, whatever its value.
#[derive(Debug, Clone, Copy, Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Present(true))
    }
}

/// A decoded token whose algorithm is allowed, but whose signature is not yet checked.
pub struct UntrustedJwt<'t> {
    raw: &'t str,
    inner: UntrustedToken<'t, ExtraHeader>,
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
        if inner.header().other_fields.crit.0 {
            return Err(TokenError::UnsupportedCritical);
        }
        let alg: Algorithm = inner.algorithm().parse().map_err(|_| TokenError::AlgorithmNotAllowed)?;
        if !policy.allows(alg) {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        Ok(Self { raw: token, inner, alg })
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

    /// The JWS signing input, `BASE64URL(header) '.' BASE64URL(payload)` (RFC 7515 §5.2).
    pub fn signing_input(&self) -> &'t str {
        self.raw.rsplit_once('.').map_or("", |(input, _)| input)
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        self.inner.signature_bytes()
    }

    /// The token, now that [`check_signature`](super::signature::check_signature)
    /// has vouched for it: only a [`SignatureProof`] (which only that function
    /// mints) opens the payload.
    pub(crate) fn into_signed(self, _proof: SignatureProof) -> SignedJwt<'t> {
        SignedJwt { jwt: self }
    }
}

/// A token whose signature holds under a key of the configured set: the only
/// type whose claims can be read (RFC 8725 §3: nothing in the payload is
/// trusted before the signature).
pub(crate) struct SignedJwt<'t> {
    jwt: UntrustedJwt<'t>,
}

impl SignedJwt<'_> {
    /// The `typ` header.
    pub(crate) fn typ(&self) -> Option<&str> {
        self.jwt.typ()
    }

    /// Decodes the payload: `exp`/`nbf`/`iat` typed, the rest raw.
    pub(crate) fn claims(&self) -> Result<TokenClaims, TokenError> {
        self.jwt.inner.deserialize_claims_unchecked().map_err(|_| TokenError::MalformedClaims)
    }
}

/// Shows only what identifies the token's kind: printing the token itself
/// (as a derived `Debug` would) would put a live credential into logs.
impl fmt::Debug for UntrustedJwt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntrustedJwt")
            .field("alg", &self.alg)
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};

    use super::*;
    use crate::verify::policy::DEFAULT_MAX_TOKEN_BYTES;

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
    fn debug_output_never_contains_the_token() {
        let raw = token(r#"{"alg":"ES256","kid":"k1"}"#);
        let jwt = UntrustedJwt::decode(&raw, &Policy::default()).expect("decodes");
        let shown = format!("{jwt:?}");
        assert!(shown.contains("Es256") && shown.contains("k1"));
        for segment in raw.split('.') {
            assert!(!shown.contains(segment), "{shown}");
        }
        assert_eq!(jwt.signing_input(), raw.rsplit_once('.').map(|(input, _)| input).unwrap_or_default());
        assert_eq!(jwt.signature(), b"sig");
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

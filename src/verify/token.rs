//! Decoding a compact JWS (RFC 7515 §7.1) into an untrusted token, and the
//! header checks that come before any key is touched.
//!
//! Nothing here is trusted yet: the decoded header only tells us which
//! algorithm the token *claims* and which key it *names*. The policy decides
//! whether that algorithm is acceptable at all.

use std::fmt;

use crate::base64url;
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::verify::algorithm::Algorithm;
use crate::verify::error::TokenError;
use crate::verify::policy::Policy;
use crate::verify::signature::SignatureProof;

/// The JOSE header members we read (RFC 7515 §4.1); others are ignored, and
/// key-location members (`jku`, `jwk`, `x5u`, `x5c`) are never consulted.
#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
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
    signing_input: &'t str,
    alg: Algorithm,
    kid: Option<String>,
    typ: Option<String>,
    /// The payload bytes: parsed only once the signature holds.
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'t> UntrustedJwt<'t> {
    /// Decodes `token` and applies the pre-signature header rules:
    /// size bound, three segments of base64url (no padding) of which the
    /// header is a JSON object, no `crit`, and an `alg` on the policy's
    /// allow-list (never `none` or `HS*`, RFC 8725 §3.1).
    pub fn decode(token: &'t str, policy: &Policy) -> Result<Self, TokenError> {
        if token.len() > policy.max_token_bytes {
            return Err(TokenError::TooLong);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let decode = |part: &str| base64url::decode(part).ok_or(TokenError::Malformed);
        let header: Header = serde_json::from_slice(&decode(header)?).map_err(|_| TokenError::Malformed)?;
        let (payload, signature) = (decode(payload)?, decode(signature)?);
        if header.crit.0 {
            return Err(TokenError::UnsupportedCritical);
        }
        let alg: Algorithm = header.alg.parse().map_err(|_| TokenError::AlgorithmNotAllowed)?;
        if !policy.allows(alg) {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        let signing_input = token.rsplit_once('.').map_or("", |(input, _)| input);
        Ok(Self { signing_input, alg, kid: header.kid, typ: header.typ, payload, signature })
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The `kid` header: which key the token names, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The `typ` header.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The JWS signing input, `BASE64URL(header) '.' BASE64URL(payload)` (RFC 7515 §5.2).
    pub fn signing_input(&self) -> &'t str {
        self.signing_input
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The token, now that [`check_signature`](super::signature::check_signature)
    /// has vouched for it: only a [`SignatureProof`] (which only that module
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

    pub(crate) fn alg(&self) -> Algorithm {
        self.jwt.alg
    }

    /// Parses the payload: a JSON object whose `exp`/`nbf`/`iat`, when
    /// present, are numbers of seconds (RFC 7519 §2 NumericDate).
    pub(crate) fn claims(&self) -> Result<Claims, TokenError> {
        let map: Map<String, Value> =
            serde_json::from_slice(&self.jwt.payload).map_err(|_| TokenError::MalformedClaims)?;
        Claims::new(map)
    }
}

/// The claims of a signed token, with the time claims read as seconds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Claims {
    pub times: Times,
    /// Every claim, `exp`/`nbf`/`iat` as whole seconds.
    pub map: Map<String, Value>,
}

/// `exp`, `nbf` and `iat` (RFC 7519 §4.1.4–4.1.6), Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Times {
    pub expires_at: Option<i64>,
    pub not_before: Option<i64>,
    pub issued_at: Option<i64>,
}

/// The NumericDate range we accept: what a calendar date can express
/// (about ±262,000 years, as chrono's), so no later arithmetic overflows.
const MIN_TIME: i64 = -8_334_632_851_200;
const MAX_TIME: i64 = 8_210_298_412_799;

impl Claims {
    pub(crate) fn new(mut map: Map<String, Value>) -> Result<Self, TokenError> {
        let mut time = |name: &str| -> Result<Option<i64>, TokenError> {
            let Some(value) = map.get_mut(name) else { return Ok(None) };
            #[allow(clippy::cast_possible_truncation)]
            let seconds = match value.as_i64() {
                Some(seconds) => seconds,
                // Fractional seconds are allowed (RFC 7519 §2); the fraction is dropped.
                None => value.as_f64().filter(|_| value.is_f64()).ok_or(TokenError::MalformedClaims)? as i64,
            };
            if !(MIN_TIME..=MAX_TIME).contains(&seconds) {
                return Err(TokenError::MalformedClaims);
            }
            *value = Value::from(seconds);
            Ok(Some(seconds))
        };
        let times = Times { expires_at: time("exp")?, not_before: time("nbf")?, issued_at: time("iat")? };
        Ok(Self { times, map })
    }
}

/// Shows only what identifies the token's kind: printing the token itself
/// (as a derived `Debug` would) would put a live credential into logs.
impl fmt::Debug for UntrustedJwt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntrustedJwt").field("alg", &self.alg).field("kid", &self.kid).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::policy::DEFAULT_MAX_TOKEN_BYTES;

    fn b64(json: &str) -> String {
        base64url::encode(json.as_bytes())
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

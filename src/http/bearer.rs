//! Bearer token extraction from the `Authorization` header (RFC 6750 §2.1).
//!
//! Only the header method is supported: OAuth 2.1 §5.1.2 and MCP forbid tokens
//! in the query string, and form bodies do not apply to MCP's JSON bodies.

use crate::http::error::{AuthError, RequestError};

/// Extracts the token from an `Authorization` header value.
///
/// - `None`, an empty value or another scheme (`Basic …`) is [`AuthError::MissingToken`]:
///   RFC 6750 §3.1 treats a request without Bearer credentials as unauthenticated,
///   and the challenge then carries no error code.
/// - The scheme is case-insensitive (RFC 9110 §11.1), so `bearer` is fine.
/// - Exactly one token of b64token characters must follow (RFC 6750 §2.1);
///   anything else is `invalid_request`. Two headers folded into one value by a
///   proxy (`Bearer a, Bearer b`) fail here too.
pub fn extract_bearer(header: Option<&str>) -> Result<&str, AuthError> {
    let value = header.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(AuthError::MissingToken);
    }
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MissingToken);
    }
    let token = rest.trim_start_matches(' ');
    if is_b64token(token) { Ok(token) } else { Err(RequestError::MalformedAuthorization.into()) }
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MALFORMED: AuthError = AuthError::InvalidRequest(RequestError::MalformedAuthorization);

    #[test]
    fn takes_the_token_after_a_case_insensitive_scheme() {
        assert_eq!(extract_bearer(Some("Bearer abc.def.ghi")), Ok("abc.def.ghi"));
        assert_eq!(extract_bearer(Some("bearer abc.def.ghi")), Ok("abc.def.ghi"));
        assert_eq!(extract_bearer(Some("BEARER  a-b_c~d+e/f==")), Ok("a-b_c~d+e/f=="));
        assert_eq!(extract_bearer(Some("  Bearer tok  ")), Ok("tok"));
    }

    #[test]
    fn no_bearer_credentials_is_missing_not_malformed() {
        assert_eq!(extract_bearer(None), Err(AuthError::MissingToken));
        assert_eq!(extract_bearer(Some("")), Err(AuthError::MissingToken));
        assert_eq!(extract_bearer(Some("   ")), Err(AuthError::MissingToken));
        assert_eq!(extract_bearer(Some("Basic dXNlcjpwYXNz")), Err(AuthError::MissingToken));
        assert_eq!(extract_bearer(Some("Bearertoken")), Err(AuthError::MissingToken));
    }

    #[test]
    fn bearer_without_exactly_one_valid_token_is_invalid_request() {
        assert_eq!(extract_bearer(Some("Bearer")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer ")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer a b")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer a, Bearer b")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer ===")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer a=b")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer \"quoted\"")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer tok\u{e9}n")), Err(MALFORMED));
        assert_eq!(extract_bearer(Some("Bearer\ttok")), Err(AuthError::MissingToken));
    }
}

//! The one error type for authentication failures, and its mapping onto the
//! wire codes of RFC 6750 §3.1.
//!
//! Two faces per failure: [`AuthError::reason`] is a stable, detailed code for
//! logs (`expired`, `unknown_kid`, …); [`AuthError::code`], [`AuthError::status`]
//! and [`AuthError::description`] are what a client sees. Descriptions are fixed
//! strings: nothing from the token or the request is ever echoed back.

use std::fmt;

use crate::verify::error::TokenError;

/// Why a request was not authenticated or not authorised.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No bearer credentials at all (RFC 6750 §3.1: the challenge carries no error code).
    MissingToken,
    /// The request carries credentials in a form we refuse (`invalid_request`).
    InvalidRequest(RequestError),
    /// The access token is not acceptable (`invalid_token`).
    InvalidToken(TokenError),
    /// The token is valid but lacks scopes; `required` lists what the request needs.
    InsufficientScope { required: Vec<String> },
    /// No verification keys could be had from the authorization server. Not the
    /// client's fault, so never a 401: the client should retry later.
    KeysUnavailable,
}

/// The wire error codes of RFC 6750 §3.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidToken,
    InsufficientScope,
    /// Not an RFC 6750 code: used only in JSON bodies when keys are unavailable.
    TemporarilyUnavailable,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// A malformed request (RFC 6750 §3.1 `invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// `Authorization: Bearer` with no token, several tokens, or characters
    /// outside the b64token grammar of RFC 6750 §2.1.
    MalformedAuthorization,
    /// A token in the URI query (refused by OAuth 2.1 §5.1.2 and MCP).
    TokenInQuery,
    /// More than one way of presenting a token, e.g. two `Authorization` headers
    /// (RFC 6750 §2: clients MUST NOT use more than one method).
    MultipleTokens,
}

impl AuthError {
    /// The HTTP status for this failure (RFC 6750 §3.1).
    pub const fn status(&self) -> u16 {
        match self {
            Self::InvalidRequest(_) => 400,
            Self::MissingToken | Self::InvalidToken(_) => 401,
            Self::InsufficientScope { .. } => 403,
            Self::KeysUnavailable => 503,
        }
    }

    /// The RFC 6750 error code, or `None` when the client sent no credentials
    /// (RFC 6750 §3.1: "SHOULD NOT include an error code").
    pub const fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::MissingToken => None,
            Self::InvalidRequest(_) => Some(ErrorCode::InvalidRequest),
            Self::InvalidToken(_) => Some(ErrorCode::InvalidToken),
            Self::InsufficientScope { .. } => Some(ErrorCode::InsufficientScope),
            Self::KeysUnavailable => Some(ErrorCode::TemporarilyUnavailable),
        }
    }

    /// The fixed, non-echoing `error_description`.
    pub const fn description(&self) -> &'static str {
        match self {
            Self::MissingToken => "An access token is required",
            Self::InvalidRequest(RequestError::MalformedAuthorization) => {
                "The Authorization header is not a valid Bearer credential"
            }
            Self::InvalidRequest(RequestError::TokenInQuery) => {
                "Access tokens are accepted only in the Authorization header"
            }
            Self::InvalidRequest(RequestError::MultipleTokens) => {
                "The request presents more than one access token"
            }
            Self::InvalidToken(err) => err.description(),
            Self::InsufficientScope { .. } => "The access token lacks the scope this request needs",
            Self::KeysUnavailable => "The authorization server's keys are unavailable; retry later",
        }
    }

    /// A stable, detailed reason code for logs and metrics.
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidRequest(RequestError::MalformedAuthorization) => "malformed_authorization",
            Self::InvalidRequest(RequestError::TokenInQuery) => "token_in_query",
            Self::InvalidRequest(RequestError::MultipleTokens) => "multiple_tokens",
            Self::InvalidToken(err) => err.reason(),
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::KeysUnavailable => "keys_unavailable",
        }
    }
}

impl AuthError {
    /// The failure a [`reason`](Self::reason) code names, so a reason reported
    /// elsewhere (e.g. by the npm API) can be rendered as a challenge.
    /// Claim-specific reasons come back with a placeholder claim name, which
    /// no wire text shows.
    pub fn from_reason(reason: &str) -> Option<Self> {
        Self::every_kind().into_iter().find(|err| err.reason() == reason)
    }

    /// One value of each variant (token errors included; placeholders inside).
    fn every_kind() -> impl Iterator<Item = Self> {
        let others = [
            Self::MissingToken,
            Self::InvalidRequest(RequestError::MalformedAuthorization),
            Self::InvalidRequest(RequestError::TokenInQuery),
            Self::InvalidRequest(RequestError::MultipleTokens),
            Self::InsufficientScope { required: Vec::new() },
            Self::KeysUnavailable,
        ];
        TokenError::every_kind().into_iter().map(Self::InvalidToken).chain(others)
    }
}

impl From<TokenError> for AuthError {
    fn from(err: TokenError) -> Self {
        Self::InvalidToken(err)
    }
}

impl From<RequestError> for AuthError {
    fn from(err: RequestError) -> Self {
        Self::InvalidRequest(err)
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidToken(err) => write!(f, "invalid_token: {err}"),
            Self::InsufficientScope { required } => {
                write!(f, "insufficient_scope: needs {}", required.join(" "))
            }
            other => f.write_str(other.reason()),
        }
    }
}

impl std::error::Error for AuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_follow_rfc6750() {
        assert_eq!(AuthError::MissingToken.status(), 401);
        assert_eq!(AuthError::MissingToken.code(), None);
        let bad_request = AuthError::from(RequestError::MalformedAuthorization);
        assert_eq!(bad_request.status(), 400);
        assert_eq!(bad_request.code(), Some(ErrorCode::InvalidRequest));
        let expired = AuthError::from(TokenError::Expired);
        assert_eq!(expired.status(), 401);
        assert_eq!(expired.code().map(ErrorCode::as_str), Some("invalid_token"));
        let scope = AuthError::InsufficientScope { required: vec!["todo:write".into()] };
        assert_eq!(scope.status(), 403);
        assert_eq!(scope.code().map(ErrorCode::as_str), Some("insufficient_scope"));
        assert_eq!(AuthError::KeysUnavailable.status(), 503);
    }

    #[test]
    fn descriptions_are_safe_header_values() {
        // RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E (no `"` or `\`).
        for err in TokenError::every_kind() {
            let text = AuthError::from(err).description();
            assert!(!text.is_empty());
            assert!(text.bytes().all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'));
        }
    }

    #[test]
    fn every_kind_lists_each_variant() {
        // The exhaustive match breaks the build when a variant is added, and the
        // assertion fails until `every_kind` lists it too (token errors have their own).
        let mut seen = [false; 7];
        for err in AuthError::every_kind() {
            let slot = match err {
                AuthError::MissingToken => 0,
                AuthError::InvalidRequest(RequestError::MalformedAuthorization) => 1,
                AuthError::InvalidRequest(RequestError::TokenInQuery) => 2,
                AuthError::InvalidRequest(RequestError::MultipleTokens) => 3,
                AuthError::InvalidToken(_) => 4,
                AuthError::InsufficientScope { .. } => 5,
                AuthError::KeysUnavailable => 6,
            };
            seen[slot] = true;
        }
        assert!(seen.iter().all(|listed| *listed), "every_kind misses a variant");
    }

    #[test]
    fn reasons_round_trip() {
        for reason in [
            "missing_token",
            "expired",
            "unknown_kid",
            "missing_claim",
            "token_in_query",
            "insufficient_scope",
        ] {
            assert_eq!(AuthError::from_reason(reason).map(|err| err.reason()), Some(reason));
        }
        assert_eq!(AuthError::from_reason("nonsense"), None);
    }

    #[test]
    fn display_names_the_claim_but_no_value() {
        let err = AuthError::from(TokenError::MissingClaim("exp"));
        assert_eq!(err.to_string(), "invalid_token: missing_claim: exp");
        assert_eq!(err.reason(), "missing_claim");
    }
}

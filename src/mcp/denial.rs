//! What the gateway answers instead of forwarding: every refusal and every
//! origin failure as a typed value with a stable `reason()` for the log, a
//! `status()`, and one renderer to the wire (status, headers, JSON body).

use serde_json::{Value, json};

use crate::http::challenge::{ChallengeContext, challenge, error_body};
use crate::http::error::{AuthError, RequestError};
use crate::http::media_type::MediaTypeError;
use crate::mcp::config::GatewayConfig;
use crate::mcp::jsonrpc::RpcError;
use crate::mcp::policy::rule::Refusal;
use crate::verify::scope::ScopeSet;

/// What the 429 tells clients to wait (the binding's period is 10 or 60 s).
const RATE_LIMIT_RETRY_AFTER: &str = "60";

/// Why a request was refused; nothing of it reached the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Denial {
    /// Authentication or scope failure (RFC 6750).
    Auth(AuthError),
    /// A present `Origin` that may not call (MCP: DNS-rebinding defence).
    ForbiddenOrigin,
    /// The client is over its `RATE_LIMITER` budget.
    RateLimited,
    /// The body is over `MAX_BODY_BYTES`.
    BodyTooLarge,
    /// The body stream broke off (the client went away mid-upload).
    BodyUnreadable,
    /// The body is not JSON-RPC, or the `Mcp-*` headers contradict it.
    JsonRpc(RpcError),
    /// A POST body that is not `application/json` in UTF-8 (415).
    MediaType(MediaTypeError),
    /// A method the MCP endpoint does not serve (405, after authentication).
    MethodNotAllowed,
    /// An `Mcp-Session-Id` this gateway did not issue to this principal (404).
    SessionNotFound,
    /// A client query parameter that the configured origin URL already sets.
    FixedQueryParameter,
    /// The policy refuses the call and no scope would change that: a `false`
    /// rule, a failed claim condition, or no rule for the target (403
    /// `access_denied`, with no challenge to step up with).
    AccessDenied(Refusal),
}

/// The methods of the MCP endpoint (Streamable HTTP: POST, GET for the SSE
/// stream, DELETE to end a session; OPTIONS for CORS preflights).
pub(crate) const ALLOWED_METHODS: &str = "GET, POST, DELETE, OPTIONS";

/// Why an admitted request got no answer from the origin (the gateway's or
/// the origin's fault, never the client's: logged as `error`, not `deny`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OriginFailure {
    /// Refused, reset, DNS…: the platform's words, for the log only.
    Unreachable(String),
    /// No response head within `ORIGIN_TIMEOUT_SECONDS`.
    Timeout,
    /// A 3xx: never followed (it would re-send identity headers and secrets
    /// to a host the gateway did not choose), never relayed.
    Redirected,
    /// The answer to a list request could not be read, so it could not be
    /// filtered (and is not passed on).
    UnreadableList,
}

/// A response ready for any HTTP library: status, headers, JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rejection {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

impl Denial {
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::Auth(err) => err.status(),
            Self::ForbiddenOrigin | Self::AccessDenied(_) => 403,
            Self::RateLimited => 429,
            Self::BodyTooLarge => 413,
            Self::BodyUnreadable | Self::JsonRpc(_) | Self::FixedQueryParameter => 400,
            Self::MediaType(_) => 415,
            Self::MethodNotAllowed => 405,
            Self::SessionNotFound => 404,
        }
    }

    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::Auth(err) => err.reason(),
            Self::ForbiddenOrigin => "forbidden_origin",
            Self::RateLimited => "rate_limited",
            Self::BodyTooLarge => "body_too_large",
            Self::BodyUnreadable => "body_unreadable",
            Self::JsonRpc(RpcError::HeaderMismatch) => "mcp_header_mismatch",
            Self::JsonRpc(RpcError::AmbiguousMember) => "ambiguous_member",
            Self::JsonRpc(RpcError::DuplicateId) => "duplicate_request_id",
            Self::JsonRpc(RpcError::NonCanonicalUri) => "non_canonical_uri",
            Self::JsonRpc(RpcError::Parse | RpcError::InvalidRequest) => "bad_jsonrpc",
            Self::MediaType(MediaTypeError::NotJson) => "unsupported_media_type",
            Self::MediaType(MediaTypeError::NotUtf8) => "unsupported_charset",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::SessionNotFound => "session_not_found",
            Self::FixedQueryParameter => "fixed_query_parameter",
            Self::AccessDenied(_) => "access_denied",
        }
    }

    /// More than the reason, for the log only.
    pub(crate) fn detail(&self) -> Option<&'static str> {
        match self {
            Self::AccessDenied(refusal) => Some(refusal.reason()),
            _ => None,
        }
    }

    /// The response; `granted` (the token's scopes, once known) goes into an
    /// `insufficient_scope` challenge so a step-up asks for everything at once.
    pub(crate) fn render(&self, config: &GatewayConfig, granted: Option<&ScopeSet>) -> Rejection {
        let status = self.status();
        let (headers, body) = match self {
            Self::Auth(err) => {
                let metadata_url = config.metadata_url();
                let context = ChallengeContext {
                    resource_metadata: &metadata_url,
                    default_scopes: &config.scopes_supported,
                    granted,
                };
                let mut headers = Vec::new();
                if let Some(value) = challenge(err, &context) {
                    headers.push(("WWW-Authenticate", value));
                }
                if matches!(err, AuthError::KeysUnavailable) {
                    headers.push(("Retry-After", config.key_cache.cooldown.max(1).to_string()));
                }
                (headers, error_body(err))
            }
            Self::ForbiddenOrigin => (
                Vec::new(),
                json!({ "error": "forbidden_origin", "error_description": "This Origin may not call the MCP endpoint" }),
            ),
            Self::RateLimited => (
                vec![("Retry-After", RATE_LIMIT_RETRY_AFTER.to_owned())],
                json!({ "error": "rate_limit_exceeded" }),
            ),
            Self::BodyTooLarge => (Vec::new(), json!({ "error": "request_too_large" })),
            Self::BodyUnreadable => (
                Vec::new(),
                json!({ "error": "invalid_request", "error_description": "The request body could not be read" }),
            ),
            Self::JsonRpc(err) => (Vec::new(), err.to_body()),
            Self::MediaType(_) => (
                Vec::new(),
                json!({
                    "error": "unsupported_media_type",
                    "error_description": "MCP messages are application/json in UTF-8",
                }),
            ),
            Self::MethodNotAllowed => {
                (vec![("Allow", ALLOWED_METHODS.to_owned())], json!({ "error": "method_not_allowed" }))
            }
            Self::SessionNotFound => (
                Vec::new(),
                json!({
                    "error": "session_not_found",
                    "error_description": "Unknown session for this client; start a new one with initialize",
                }),
            ),
            Self::FixedQueryParameter => (
                Vec::new(),
                json!({
                    "error": "invalid_request",
                    "error_description": "The query sets a parameter this server fixes",
                }),
            ),
            Self::AccessDenied(_) => (
                Vec::new(),
                json!({
                    "error": "access_denied",
                    "error_description": "This token may not make this request, whatever its scopes",
                }),
            ),
        };
        Rejection { status, headers, body }
    }
}

impl From<AuthError> for Denial {
    fn from(err: AuthError) -> Self {
        Self::Auth(err)
    }
}

impl From<RequestError> for Denial {
    fn from(err: RequestError) -> Self {
        Self::Auth(err.into())
    }
}

impl From<RpcError> for Denial {
    fn from(err: RpcError) -> Self {
        Self::JsonRpc(err)
    }
}

impl OriginFailure {
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::Unreachable(_) | Self::Redirected | Self::UnreadableList => 502,
            Self::Timeout => 504,
        }
    }

    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::Unreachable(_) => "origin_unreachable",
            Self::Timeout => "origin_timeout",
            Self::Redirected => "origin_redirected",
            Self::UnreadableList => "origin_bad_list",
        }
    }

    pub(crate) fn render(&self) -> Rejection {
        Rejection {
            status: self.status(),
            headers: Vec::new(),
            body: json!({ "error": self.reason(), "error_description": "The MCP server did not respond" }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::error::TokenError;

    fn config() -> GatewayConfig {
        let vars = [
            ("RESOURCE", "https://mcp.example.com/mcp"),
            ("ORIGIN_URL", "http://127.0.0.1:9100/mcp"),
            ("ISSUER", "https://auth.example.com"),
            ("TOOL_SCOPES", r#"{"create_todo":"todo:write"}"#),
        ];
        GatewayConfig::from_vars(|name| {
            vars.iter().find(|(key, _)| *key == name).map(|(_, v)| (*v).to_owned())
        })
        .expect("valid")
    }

    #[test]
    fn every_denial_has_its_status_reason_and_body() {
        let config = config();
        let cases = [
            (Denial::Auth(AuthError::MissingToken), 401, "missing_token"),
            (Denial::Auth(TokenError::Expired.into()), 401, "expired"),
            (Denial::Auth(AuthError::KeysUnavailable), 503, "keys_unavailable"),
            (Denial::ForbiddenOrigin, 403, "forbidden_origin"),
            (Denial::RateLimited, 429, "rate_limited"),
            (Denial::BodyTooLarge, 413, "body_too_large"),
            (Denial::BodyUnreadable, 400, "body_unreadable"),
            (Denial::JsonRpc(RpcError::Parse), 400, "bad_jsonrpc"),
            (Denial::JsonRpc(RpcError::HeaderMismatch), 400, "mcp_header_mismatch"),
            (Denial::JsonRpc(RpcError::AmbiguousMember), 400, "ambiguous_member"),
            (Denial::JsonRpc(RpcError::DuplicateId), 400, "duplicate_request_id"),
            (Denial::JsonRpc(RpcError::NonCanonicalUri), 400, "non_canonical_uri"),
            (Denial::MediaType(MediaTypeError::NotUtf8), 415, "unsupported_charset"),
            (Denial::MediaType(MediaTypeError::NotJson), 415, "unsupported_media_type"),
            (Denial::MethodNotAllowed, 405, "method_not_allowed"),
            (Denial::SessionNotFound, 404, "session_not_found"),
            (Denial::FixedQueryParameter, 400, "fixed_query_parameter"),
            (Denial::AccessDenied(Refusal::Claims), 403, "access_denied"),
        ];
        for (denial, status, reason) in cases {
            let rendered = denial.render(&config, None);
            assert_eq!((rendered.status, denial.reason()), (status, reason));
            assert!(rendered.body.get("error").is_some(), "{reason} has a JSON error body");
        }
    }

    #[test]
    fn auth_denials_carry_the_challenge_and_retry_hints() {
        let config = config();
        let missing = Denial::Auth(AuthError::MissingToken).render(&config, None);
        let (name, value) = &missing.headers[0];
        assert_eq!(*name, "WWW-Authenticate");
        assert!(
            value.starts_with("Bearer ")
                && value.contains("scope=\"todo:write\"")
                && !value.contains("error=")
        );
        let granted = ScopeSet::parse("todo:read");
        let step_up = Denial::Auth(AuthError::InsufficientScope { required: vec!["todo:write".into()] })
            .render(&config, Some(&granted));
        assert!(step_up.headers[0].1.contains("scope=\"todo:read todo:write\""));
        let unavailable = Denial::Auth(AuthError::KeysUnavailable).render(&config, None);
        assert_eq!(unavailable.headers, [("Retry-After", "30".to_owned())]);
        assert_eq!(Denial::RateLimited.render(&config, None).headers, [("Retry-After", "60".to_owned())]);
        assert_eq!(
            Denial::MethodNotAllowed.render(&config, None).headers,
            [("Allow", ALLOWED_METHODS.to_owned())]
        );
        // No step-up helps: no challenge, and nothing to ask for.
        let denied = Denial::AccessDenied(Refusal::Nobody).render(&config, Some(&granted));
        assert!(denied.headers.is_empty());
        assert_eq!(denied.body["error"], "access_denied");
    }

    #[test]
    fn origin_failures_are_gateway_errors() {
        assert_eq!(
            (OriginFailure::Timeout.status(), OriginFailure::Timeout.reason()),
            (504, "origin_timeout")
        );
        let unreachable = OriginFailure::Unreachable("connection refused".into()).render();
        assert_eq!(unreachable.status, 502);
        assert_eq!(unreachable.body["error"], "origin_unreachable");
        assert!(!unreachable.body.to_string().contains("refused"), "platform detail stays in the log");
        assert_eq!(
            (OriginFailure::Redirected.status(), OriginFailure::Redirected.reason()),
            (502, "origin_redirected")
        );
    }
}

//! Rendering failures for the wire: the `WWW-Authenticate: Bearer` challenge
//! (RFC 6750 §3, RFC 9728 §5.1) and the JSON error body that goes with it.
//!
//! This is the only place that writes a challenge. Every parameter appears at
//! most once, and values are limited to the characters RFC 6750 §3 allows in
//! quoted strings (no `"` or `\`), so nothing here can break the header.

use serde_json::{Value, json};

use crate::http::error::AuthError;
use crate::verify::scope::ScopeSet;

/// What a challenge says, beyond the error itself.
#[derive(Debug, Clone, Copy)]
pub struct ChallengeContext<'a> {
    /// Absolute URL of this resource's Protected Resource Metadata (RFC 9728 §5.1).
    pub resource_metadata: &'a str,
    /// Scopes to suggest to a client that sent no token (usually `scopes_supported`).
    pub default_scopes: &'a [String],
    /// Scopes the token already has, for `insufficient_scope` (step-up asks for
    /// granted + required in one go, so clients do not loop).
    pub granted: Option<&'a ScopeSet>,
}

/// The `WWW-Authenticate` value for `err`, or `None` when the failure is not
/// about credentials (keys unavailable: 503 carries no challenge).
pub fn challenge(err: &AuthError, context: &ChallengeContext<'_>) -> Option<String> {
    let scope = match err {
        AuthError::MissingToken => context.default_scopes.join(" "),
        AuthError::InsufficientScope { required } => {
            let mut scopes: Vec<&str> =
                context.granted.map(|granted| granted.iter().collect()).unwrap_or_default();
            for scope in required {
                if !scopes.contains(&scope.as_str()) {
                    scopes.push(scope);
                }
            }
            scopes.join(" ")
        }
        AuthError::KeysUnavailable => return None,
        _ => String::new(),
    };
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(code) = err.code() {
        params.push(("error", code.as_str().to_owned()));
        params.push(("error_description", err.description().to_owned()));
    }
    if !scope.is_empty() {
        params.push(("scope", scope));
    }
    params.push(("resource_metadata", context.resource_metadata.to_owned()));
    let rendered: Vec<String> =
        params.into_iter().map(|(name, value)| format!("{name}=\"{}\"", quoted_safe(&value))).collect();
    Some(format!("Bearer {}", rendered.join(", ")))
}

/// The JSON body sent with an error (`{"error", "error_description"}`).
pub fn error_body(err: &AuthError) -> Value {
    match err.code() {
        Some(code) => json!({ "error": code.as_str(), "error_description": err.description() }),
        None => json!({ "error": "unauthorized", "error_description": err.description() }),
    }
}

/// Keeps only `%x20-21 / %x23-5B / %x5D-7E` (RFC 6750 §3).
fn quoted_safe(value: &str) -> String {
    value.chars().filter(|c| matches!(*c, ' ' | '!' | '#'..='[' | ']'..='~')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::error::RequestError;
    use crate::verify::error::TokenError;

    const PRM: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

    fn render(err: &AuthError, granted: Option<&ScopeSet>) -> Option<String> {
        let defaults = ["todo:read".to_owned(), "todo:write".to_owned()];
        challenge(err, &ChallengeContext { resource_metadata: PRM, default_scopes: &defaults, granted })
    }

    #[test]
    fn missing_token_has_no_error_code() {
        assert_eq!(
            render(&AuthError::MissingToken, None).as_deref(),
            Some(format!("Bearer scope=\"todo:read todo:write\", resource_metadata=\"{PRM}\"").as_str())
        );
    }

    #[test]
    fn invalid_token_and_invalid_request_carry_their_codes() {
        let expired = render(&AuthError::from(TokenError::Expired), None).expect("challenge");
        assert_eq!(
            expired,
            format!(
                "Bearer error=\"invalid_token\", error_description=\"The access token expired\", resource_metadata=\"{PRM}\""
            )
        );
        let bad = render(&AuthError::from(RequestError::TokenInQuery), None).expect("challenge");
        assert!(bad.starts_with("Bearer error=\"invalid_request\", "));
    }

    #[test]
    fn insufficient_scope_lists_granted_then_required_once() {
        let granted = ScopeSet::parse("todo:read");
        let err = AuthError::InsufficientScope { required: vec!["todo:write".into(), "todo:read".into()] };
        let value = render(&err, Some(&granted)).expect("challenge");
        assert!(value.starts_with("Bearer error=\"insufficient_scope\", "));
        assert!(value.contains("scope=\"todo:read todo:write\""), "{value}");
        assert_eq!(value.matches("scope=").count(), 1);
    }

    #[test]
    fn keys_unavailable_has_no_challenge() {
        assert_eq!(render(&AuthError::KeysUnavailable, None), None);
        assert_eq!(error_body(&AuthError::KeysUnavailable)["error"], "temporarily_unavailable");
    }

    #[test]
    fn values_cannot_break_out_of_their_quotes() {
        assert_eq!(quoted_safe("a\"b\\c\r\nd"), "abcd");
        let body = error_body(&AuthError::from(TokenError::BadSignature));
        assert_eq!(body["error"], "invalid_token");
        assert_eq!(error_body(&AuthError::MissingToken)["error"], "unauthorized");
    }
}

//! The verified principal: who the token speaks for and what it may do
//! (RFC 9068 §2.2: `sub`, `client_id`, scopes, `exp`).

use serde_json::{Map, Value};

use crate::verify::error::TokenError;
use crate::verify::policy::Policy;
use crate::verify::scope::ScopeSet;
use crate::verify::token::Claims;

/// The outcome of a successful verification.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// `iss`: which trusted issuer vouched for the token.
    pub issuer: String,
    /// `sub`: the user, or for client credentials usually the client itself.
    pub subject: Option<String>,
    /// `client_id` (RFC 9068 §2.2), else `azp` (OpenID Connect).
    pub client_id: Option<String>,
    pub scopes: ScopeSet,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
    /// Every claim of the token; `exp`, `nbf` and `iat` as integer seconds.
    pub claims: Map<String, Value>,
}

impl Principal {
    /// Builds the principal from claims that have already been validated.
    pub(crate) fn from_claims(claims: Claims, policy: &Policy) -> Result<Self, TokenError> {
        let expires_at = claims.times.expires_at.ok_or(TokenError::MissingClaim("exp"))?;
        let raw = claims.map;
        let scopes = ScopeSet::from_claims(&raw, &policy.scope_claims)?
            .with_star_grants_all(policy.danger_star_grants_all);
        Ok(Self {
            issuer: string_claim(&raw, "iss")?.unwrap_or_default(),
            subject: string_claim(&raw, "sub")?,
            client_id: match string_claim(&raw, "client_id")? {
                Some(id) => Some(id),
                None => string_claim(&raw, "azp")?,
            },
            scopes,
            expires_at,
            claims: raw,
        })
    }
}

/// A claim that, when present, must be a string.
fn string_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, TokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(TokenError::MalformedClaims),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn principal(value: Value) -> Result<Principal, TokenError> {
        let claims = Claims::new(value.as_object().cloned().expect("claims object"))?;
        Principal::from_claims(claims, &Policy::default())
    }

    #[test]
    fn reads_subject_client_scopes_and_keeps_raw_claims() {
        let p = principal(json!({"iss": "i", "sub": "u1", "client_id": "c1", "azp": "c2", "scope": "a b", "exp": 100, "nbf": 5, "tenant": "t"}))
            .expect("principal");
        assert_eq!(
            (p.issuer.as_str(), p.subject.as_deref(), p.client_id.as_deref()),
            ("i", Some("u1"), Some("c1"))
        );
        assert_eq!(p.scopes.to_scope_string(), "a b");
        assert_eq!(p.expires_at, 100);
        assert_eq!(p.claims.get("exp"), Some(&json!(100)));
        assert_eq!(p.claims.get("nbf"), Some(&json!(5)));
        assert_eq!(p.claims.get("tenant"), Some(&json!("t")));
    }

    #[test]
    fn falls_back_to_azp_for_the_client() {
        let p = principal(json!({"iss": "i", "azp": "c2", "exp": 100})).expect("principal");
        assert_eq!(p.client_id.as_deref(), Some("c2"));
        assert_eq!(p.subject, None);
    }

    #[test]
    fn non_string_identity_claims_are_malformed() {
        assert_eq!(principal(json!({"iss": "i", "sub": 7, "exp": 100})), Err(TokenError::MalformedClaims));
        assert_eq!(
            principal(json!({"iss": "i", "client_id": [], "exp": 100})),
            Err(TokenError::MalformedClaims)
        );
    }
}

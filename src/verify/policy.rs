//! What a token must satisfy to be accepted: trusted issuers, this resource's
//! audiences, allowed algorithms, clock leeway and the optional strict rules.
//!
//! The default policy trusts no issuer and no audience, so a policy that was
//! never filled in rejects every token (fail closed).

use serde::Deserialize;

use crate::verify::algorithm::Algorithm;
use crate::verify::scope::DEFAULT_SCOPE_CLAIMS;

/// Clock skew tolerated on `exp`, `nbf` and `iat` unless configured.
pub const DEFAULT_LEEWAY_SECONDS: u32 = 60;
/// Tokens longer than this are refused before any decoding. Real access tokens
/// are 1–4 KB; the bound keeps hostile inputs cheap to reject.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Verification policy. Field names double as the `policy` object of the
/// shared test vectors.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// `iss` must equal one of these exactly (several during issuer migrations).
    pub issuers: Vec<String>,
    /// `aud` must contain one of these (a trailing `/` on a URL is tolerated).
    pub audiences: Vec<String>,
    /// The algorithm allow-list; `none` and `HS*` cannot be listed.
    pub algorithms: Vec<Algorithm>,
    pub leeway_seconds: u32,
    /// Require `typ: at+jwt` (RFC 9068 §2.1). Off by default: many issuers send `JWT`.
    pub require_at_jwt: bool,
    /// Extra claims that must be present (e.g. `client_id`, `jti`).
    pub required_claims: Vec<String>,
    /// Where scopes are read from; the first present claim wins.
    pub scope_claims: Vec<String>,
    /// Let a bare `*` scope grant everything.
    pub danger_star_grants_all: bool,
    pub max_token_bytes: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            issuers: Vec::new(),
            audiences: Vec::new(),
            algorithms: Algorithm::DEFAULT_ALLOWED.to_vec(),
            leeway_seconds: DEFAULT_LEEWAY_SECONDS,
            require_at_jwt: false,
            required_claims: Vec::new(),
            scope_claims: DEFAULT_SCOPE_CLAIMS.map(str::to_owned).to_vec(),
            danger_star_grants_all: false,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

impl Policy {
    /// A policy for one issuer and one audience, with every other setting at its default.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self { issuers: vec![issuer.into()], audiences: vec![audience.into()], ..Self::default() }
    }

    /// Whether `alg` is on the allow-list (`EdDSA` and `Ed25519` admit each other).
    pub fn allows(&self, alg: Algorithm) -> bool {
        self.algorithms.iter().any(|allowed| allowed.same_scheme(alg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_trusts_nobody_but_allows_the_asymmetric_algorithms() {
        let policy = Policy::default();
        assert!(policy.issuers.is_empty() && policy.audiences.is_empty());
        assert!(policy.allows(Algorithm::Rs256) && policy.allows(Algorithm::Ed25519));
        assert_eq!(policy.leeway_seconds, 60);
    }

    #[test]
    fn deserializes_from_vector_json() {
        let policy: Policy = serde_json::from_str(
            r#"{"issuers":["https://as"],"audiences":["https://rs/mcp"],"algorithms":["ES256"],"require_at_jwt":true}"#,
        )
        .expect("valid policy");
        assert!(policy.allows(Algorithm::Es256) && !policy.allows(Algorithm::Rs256));
        assert!(policy.require_at_jwt);
        assert_eq!(policy.scope_claims, DEFAULT_SCOPE_CLAIMS);
        assert!(serde_json::from_str::<Policy>(r#"{"algorithms":["HS256"]}"#).is_err());
        assert!(serde_json::from_str::<Policy>(r#"{"algorithms":["none"]}"#).is_err());
        assert!(serde_json::from_str::<Policy>(r#"{"isuers":[]}"#).is_err());
    }
}

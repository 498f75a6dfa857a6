//! Scopes: reading them from token claims, and deciding whether the granted
//! scopes cover a required one.
//!
//! RFC 9068 §2.2.3 puts scopes in `scope` as a space-separated string (RFC 8693
//! §4.2); issuers also use `scp` (string or array), `scopes` and `permissions`
//! (arrays). The first configured claim that is present supplies the scopes:
//! merging several sources could grant what no single one of them grants.
//!
//! Hierarchy (common MCP scope designs): a scope ending in `:*` grants every
//! scope under that prefix, at any depth: `mcp:tools:*` grants
//! `mcp:tools:calendar:read`. A bare `*` grants only itself unless the policy
//! opts in with `danger_star_grants_all`.

use serde_json::{Map, Value};

use crate::verify::error::TokenError;

/// The claims read for scopes, in order, unless configured otherwise.
pub const DEFAULT_SCOPE_CLAIMS: [&str; 4] = ["scope", "scp", "scopes", "permissions"];

/// The scopes granted to a token, in the order the token lists them, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet {
    scopes: Vec<String>,
    star_grants_all: bool,
}

impl ScopeSet {
    /// Builds a set from scope tokens; tokens outside the RFC 6749 §3.3
    /// `scope-token` grammar are dropped, so they can neither match nor be
    /// echoed into a challenge header.
    pub fn new<S: AsRef<str>>(scopes: impl IntoIterator<Item = S>) -> Self {
        let mut set = Self::default();
        for scope in scopes {
            let scope = scope.as_ref();
            if is_scope_token(scope) && !set.scopes.iter().any(|known| known == scope) {
                set.scopes.push(scope.to_owned());
            }
        }
        set
    }

    /// Parses a space-separated `scope` string (RFC 6749 §3.3).
    pub fn parse(space_separated: &str) -> Self {
        Self::new(space_separated.split(' ').filter(|scope| !scope.is_empty()))
    }

    /// Reads the first present claim of `claim_names` from a token's claims.
    /// A present claim of the wrong shape is a malformed token; no claim at all
    /// is an empty set.
    pub fn from_claims<S: AsRef<str>>(
        claims: &Map<String, Value>,
        claim_names: &[S],
    ) -> Result<Self, TokenError> {
        let found =
            claim_names.iter().find_map(|name| claims.get(name.as_ref()).map(|value| (name.as_ref(), value)));
        let Some((name, value)) = found else {
            return Ok(Self::default());
        };
        match value {
            Value::String(list) => Ok(Self::parse(list)),
            // RFC 9068 §2.2.3: `scope` is a space-separated string, never an array.
            Value::Array(items) if name != "scope" => {
                let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                names.map(Self::new).ok_or(TokenError::MalformedClaims)
            }
            _ => Err(TokenError::MalformedClaims),
        }
    }

    /// Lets a bare `*` grant every scope. Only for issuers whose `*` means that.
    #[must_use]
    pub fn with_star_grants_all(mut self, enabled: bool) -> Self {
        self.star_grants_all = enabled;
        self
    }

    /// Whether the granted scopes cover `required`, with the hierarchy rules above.
    pub fn grants(&self, required: &str) -> bool {
        self.scopes.iter().any(|granted| grants_one(granted, required, self.star_grants_all))
    }

    /// The scopes of `required` that are not granted, in their given order.
    pub fn missing<'r, S: AsRef<str>>(&self, required: &'r [S]) -> Vec<&'r str> {
        required.iter().map(AsRef::as_ref).filter(|scope| !self.grants(scope)).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.scopes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// The space-separated form, as in a `scope` claim.
    pub fn to_scope_string(&self) -> String {
        self.scopes.join(" ")
    }
}

fn grants_one(granted: &str, required: &str, star_grants_all: bool) -> bool {
    if granted == required {
        return true;
    }
    if granted == "*" {
        return star_grants_all;
    }
    granted.strip_suffix(":*").is_some_and(|prefix| {
        required
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|rest| !rest.is_empty())
    })
}

/// `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )` (RFC 6749 §3.3).
fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty() && scope.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn parses_space_separated_scopes_without_repeats() {
        let set = ScopeSet::parse("todo:read  todo:write todo:read");
        assert_eq!(set.iter().collect::<Vec<_>>(), ["todo:read", "todo:write"]);
        assert_eq!(set.to_scope_string(), "todo:read todo:write");
        assert!(ScopeSet::parse("").is_empty());
    }

    #[test]
    fn drops_tokens_that_could_break_a_challenge_header() {
        let set = ScopeSet::new(["ok", "with\"quote", "back\\slash", "tab\there", "ünï"]);
        assert_eq!(set.iter().collect::<Vec<_>>(), ["ok"]);
    }

    #[test]
    fn wildcard_grants_at_any_depth_below_its_prefix() {
        let set = ScopeSet::parse("mcp:tools:*");
        assert!(set.grants("mcp:tools:calendar:read"));
        assert!(set.grants("mcp:tools:calendar"));
        assert!(set.grants("mcp:tools:*"));
        assert!(!set.grants("mcp:tools"));
        assert!(!set.grants("mcp:tools:"));
        assert!(!set.grants("mcp:toolsx:read"));
        assert!(!set.grants("mcp:resources:read"));
        let narrow = ScopeSet::parse("a:b:*");
        assert!(narrow.grants("a:b:c") && narrow.grants("a:b:c:d"));
        assert!(!narrow.grants("a:c") && !narrow.grants("a:*"));
    }

    #[test]
    fn bare_star_is_only_a_name_unless_enabled() {
        let set = ScopeSet::parse("*");
        assert!(set.grants("*"));
        assert!(!set.grants("todo:read"));
        assert!(set.with_star_grants_all(true).grants("todo:read"));
    }

    #[test]
    fn exact_match_is_case_sensitive() {
        let set = ScopeSet::parse("Todo:Read");
        assert!(!set.grants("todo:read"));
        assert_eq!(set.missing(&["todo:read", "Todo:Read"]), ["todo:read"]);
    }

    #[test]
    fn first_present_claim_wins_in_configured_order() {
        let token = claims(json!({"scope": "a b", "scp": ["c"], "permissions": ["d"]}));
        let set = ScopeSet::from_claims(&token, &DEFAULT_SCOPE_CLAIMS).expect("scopes");
        assert_eq!(set.to_scope_string(), "a b");
        let set = ScopeSet::from_claims(&token, &["permissions", "scope"]).expect("scopes");
        assert_eq!(set.to_scope_string(), "d");
        let scp_string = claims(json!({"scp": "x y"}));
        assert_eq!(ScopeSet::from_claims(&scp_string, &DEFAULT_SCOPE_CLAIMS).map(|s| s.len()), Ok(2));
        let scopes_array = claims(json!({"scopes": ["p", "q"]}));
        assert_eq!(ScopeSet::from_claims(&scopes_array, &DEFAULT_SCOPE_CLAIMS).map(|s| s.len()), Ok(2));
        assert_eq!(ScopeSet::from_claims(&claims(json!({})), &DEFAULT_SCOPE_CLAIMS), Ok(ScopeSet::default()));
    }

    #[test]
    fn wrongly_shaped_scope_claims_are_malformed() {
        for bad in [
            json!({"scope": 5}),
            json!({"scp": ["a", 1]}),
            json!({"scope": {"a": true}}),
            json!({"scope": ["a"]}),
        ] {
            assert_eq!(
                ScopeSet::from_claims(&claims(bad), &DEFAULT_SCOPE_CLAIMS),
                Err(TokenError::MalformedClaims)
            );
        }
    }
}

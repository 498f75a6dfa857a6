//! `RATE_LIMIT_TIERS`: which `[[ratelimits]]` binding counts a request, by
//! the scopes its token grants, e.g. `[["mcp:premium", "RATE_LIMITER_PREMIUM"]]`.
//! The first pair whose scope is granted (with the scope hierarchy) wins;
//! no match → `RATE_LIMITER`.

use std::fmt;

use serde_json::Value;

use crate::verify::scope::ScopeSet;

/// The binding for tokens no tier matches.
pub const DEFAULT_BINDING: &str = "RATE_LIMITER";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateTiers {
    tiers: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateTiersError {
    NotJson(String),
    NotPairs,
    NotOneScope(String),
    BadBinding(String),
}

impl RateTiers {
    pub fn parse(json: &str) -> Result<Self, RateTiersError> {
        let value: Value =
            serde_json::from_str(json).map_err(|err| RateTiersError::NotJson(err.to_string()))?;
        let Value::Array(items) = value else { return Err(RateTiersError::NotPairs) };
        let tiers = items
            .into_iter()
            .map(|item| match item {
                Value::Array(pair) => match <[Value; 2]>::try_from(pair) {
                    Ok([Value::String(scope), Value::String(binding)]) => {
                        if ScopeSet::parse(&scope).len() != 1 {
                            return Err(RateTiersError::NotOneScope(scope));
                        }
                        if binding.is_empty()
                            || !binding.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                        {
                            return Err(RateTiersError::BadBinding(binding));
                        }
                        Ok((scope, binding))
                    }
                    _ => Err(RateTiersError::NotPairs),
                },
                _ => Err(RateTiersError::NotPairs),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { tiers })
    }

    /// Every binding the tiers name, for checking that each is bound.
    pub fn bindings(&self) -> impl Iterator<Item = &str> {
        self.tiers.iter().map(|(_, binding)| binding.as_str())
    }

    /// The binding that counts a caller with `granted`.
    pub fn binding_for(&self, granted: &ScopeSet) -> &str {
        self.tiers
            .iter()
            .find(|(scope, _)| granted.grants(scope))
            .map_or(DEFAULT_BINDING, |(_, binding)| binding)
    }
}

impl fmt::Display for RateTiersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(err) => write!(f, "is not valid JSON ({err})"),
            Self::NotPairs => f.write_str("must be a JSON array of [scope, binding] pairs"),
            Self::NotOneScope(scope) => write!(f, "'{scope}' is not a single valid scope token"),
            Self::BadBinding(binding) => write!(f, "'{binding}' is not a binding name"),
        }
    }
}

impl std::error::Error for RateTiersError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_granted_tier_wins_else_the_default() {
        let tiers = RateTiers::parse(
            r#"[["todo:admin","RATE_LIMITER_PREMIUM"],["todo:write","RATE_LIMITER_WRITE"]]"#,
        )
        .expect("valid");
        assert_eq!(tiers.binding_for(&ScopeSet::parse("todo:write todo:admin")), "RATE_LIMITER_PREMIUM");
        assert_eq!(tiers.binding_for(&ScopeSet::parse("todo:*")), "RATE_LIMITER_PREMIUM", "hierarchy");
        assert_eq!(tiers.binding_for(&ScopeSet::parse("todo:write")), "RATE_LIMITER_WRITE");
        assert_eq!(tiers.binding_for(&ScopeSet::parse("todo:read")), DEFAULT_BINDING);
        assert_eq!(RateTiers::default().binding_for(&ScopeSet::parse("todo:admin")), DEFAULT_BINDING);
    }

    #[test]
    fn malformed_tiers_are_refused() {
        for bad in [
            "{}",
            "[1]",
            r#"[["a"]]"#,
            r#"[["a","B","c"]]"#,
            r#"[["a b","B"]]"#,
            r#"[["a","B-C"]]"#,
            r#"[["a",""]]"#,
            "x",
        ] {
            assert!(RateTiers::parse(bad).is_err(), "{bad}");
        }
    }
}

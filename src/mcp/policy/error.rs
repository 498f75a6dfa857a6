//! Why a `POLICY` (or `TOOL_SCOPES`) value is refused. Names sections,
//! patterns and claims (the operator's own configuration), never request data.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    NotJson(String),
    NotAnObject,
    UnknownSection(String),
    SectionNotAnObject(&'static str),
    /// A `*` inside a pattern rather than at its end.
    InnerStar {
        section: &'static str,
        pattern: String,
    },
    Rule {
        section: &'static str,
        pattern: String,
        error: RuleError,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    NotARule,
    ScopeNotString,
    NotOneScope(String),
    UnknownMember(String),
    ClaimsNotAnObject,
    BadClaimValues(String),
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(err) => write!(f, "is not valid JSON ({err})"),
            Self::NotAnObject => f.write_str("must be a JSON object"),
            Self::UnknownSection(name) => {
                write!(f, "has an unknown section '{name}' (known: tools, resources, prompts, methods)")
            }
            Self::SectionNotAnObject(section) => {
                write!(f, "section '{section}' must be an object of pattern -> rule")
            }
            Self::InnerStar { section, pattern } => write!(
                f,
                "pattern '{pattern}' in '{section}': '*' may only end a pattern (a prefix) or stand alone"
            ),
            Self::Rule { section, pattern, error } => {
                write!(f, "rule for '{pattern}' in '{section}': {error}")
            }
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotARule => f.write_str(
                "must be a scope, an array of scopes, false, or {\"scopes\": [...], \"claims\": {...}}",
            ),
            Self::ScopeNotString => f.write_str("scopes must be strings"),
            Self::NotOneScope(scope) => write!(f, "'{scope}' is not a single valid scope token"),
            Self::UnknownMember(name) => write!(f, "unknown member '{name}' (known: scopes, claims)"),
            Self::ClaimsNotAnObject => f.write_str("claims must be an object of claim -> value(s)"),
            Self::BadClaimValues(claim) => write!(
                f,
                "claim '{claim}' must name a string, number or boolean, or a non-empty array of them"
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

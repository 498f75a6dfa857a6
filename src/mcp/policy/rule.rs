//! One rule of the policy: which scopes a call needs, and which claims the
//! token must carry; or `false`, nobody.

use serde_json::{Map, Value};

use super::error::RuleError;
use crate::verify::scope::ScopeSet;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rule {
    /// `false`: no token may, and the entry is hidden from lists.
    Nobody,
    /// Every scope (with the hierarchy rules of [`ScopeSet::grants`]) and
    /// every claim condition.
    Require { scopes: Vec<String>, claims: Vec<ClaimCondition> },
}

/// `"<claim>": <value or [values]>`: the claim must equal one of `accepted`
/// (a scalar claim) or contain one of them (an array claim).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClaimCondition {
    pub claim: String,
    pub accepted: Vec<Value>,
}

/// How a rule judges a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict<'r> {
    Allowed,
    /// Scopes would fix it (a step-up).
    Missing(Vec<&'r str>),
    /// No scope would: `false`, or a claim condition failed.
    Refused(Refusal),
}

/// Why nothing a client could ask for would let the call through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The rule is `false`.
    Nobody,
    /// A claim condition does not hold.
    Claims,
    /// A present section has no pattern for the target.
    Unmatched,
}

impl Refusal {
    /// For the log; the client sees `access_denied` whatever the reason.
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Self::Nobody => "rule_false",
            Self::Claims => "claims_mismatch",
            Self::Unmatched => "no_matching_rule",
        }
    }
}

impl Rule {
    /// A scope, `[scopes]`, `false`, or `{"scopes": [...], "claims": {...}}`.
    pub(crate) fn parse(value: Value) -> Result<Self, RuleError> {
        match value {
            Value::Bool(false) => Ok(Self::Nobody),
            Value::String(_) | Value::Array(_) => {
                Ok(Self::Require { scopes: scopes(value)?, claims: Vec::new() })
            }
            Value::Object(members) => {
                let mut rule_scopes = Vec::new();
                let mut claims = Vec::new();
                for (name, value) in members {
                    match name.as_str() {
                        "scopes" => rule_scopes = scopes(value)?,
                        "claims" => claims = conditions(value)?,
                        _ => return Err(RuleError::UnknownMember(name)),
                    }
                }
                Ok(Self::Require { scopes: rule_scopes, claims })
            }
            _ => Err(RuleError::NotARule),
        }
    }

    pub(crate) fn judge<'r>(&'r self, granted: &ScopeSet, claims: &Map<String, Value>) -> Verdict<'r> {
        let Self::Require { scopes, claims: conditions } = self else {
            return Verdict::Refused(Refusal::Nobody);
        };
        if !conditions.iter().all(|condition| condition.holds(claims)) {
            return Verdict::Refused(Refusal::Claims);
        }
        let missing = granted.missing(scopes);
        if missing.is_empty() { Verdict::Allowed } else { Verdict::Missing(missing) }
    }

    pub(crate) fn scopes(&self) -> &[String] {
        match self {
            Self::Nobody => &[],
            Self::Require { scopes, .. } => scopes,
        }
    }
}

impl ClaimCondition {
    /// Exact JSON equality: no case folding, no trimming, and a string claim
    /// is one value (never split on spaces); numbers by value (`3` is `3.0`).
    /// A missing claim, `null` or an object never matches.
    fn holds(&self, claims: &Map<String, Value>) -> bool {
        let accepted = |value: &Value| self.accepted.iter().any(|wanted| same(wanted, value));
        match claims.get(&self.claim) {
            Some(Value::Array(items)) => items.iter().any(|item| is_scalar(item) && accepted(item)),
            Some(value) if is_scalar(value) => accepted(value),
            _ => false,
        }
    }
}

/// JSON equality, numbers compared by value: integers exactly, others as
/// doubles (as the npm `Policy` and JavaScript compare them).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
            (Some(a), Some(b), _, _) => a == b,
            (_, _, Some(a), Some(b)) => a == b,
            _ => a.as_f64().zip(b.as_f64()).is_some_and(|(a, b)| a == b),
        },
        _ => a == b,
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// A scope or an array of scopes, each one scope token (RFC 6749 §3.3).
fn scopes(value: Value) -> Result<Vec<String>, RuleError> {
    let list = match value {
        Value::String(scope) => vec![scope],
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(scope) => Ok(scope),
                _ => Err(RuleError::ScopeNotString),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(RuleError::ScopeNotString),
    };
    match list.iter().find(|scope| ScopeSet::parse(scope).len() != 1) {
        Some(bad) => Err(RuleError::NotOneScope(bad.clone())),
        None => Ok(list),
    }
}

fn conditions(value: Value) -> Result<Vec<ClaimCondition>, RuleError> {
    let Value::Object(members) = value else { return Err(RuleError::ClaimsNotAnObject) };
    members
        .into_iter()
        .map(|(claim, accepted)| {
            let accepted = match accepted {
                Value::Array(values) => values,
                value => vec![value],
            };
            if accepted.is_empty() || !accepted.iter().all(is_scalar) {
                return Err(RuleError::BadClaimValues(claim));
            }
            Ok(ClaimCondition { claim, accepted })
        })
        .collect()
}

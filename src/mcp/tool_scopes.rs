//! Per-tool scope policy for MCP `tools/call` (the `TOOL_SCOPES` setting).
//!
//! `TOOL_SCOPES` is a JSON object: tool name → required scope, or array of
//! scopes that are all required. The key `"*"` is the rule for tools not
//! listed; without it, unlisted tools are denied. Granted scopes are matched
//! with the hierarchy rules of [`ScopeSet::grants`].

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::http::error::AuthError;
use crate::mcp::jsonrpc::RpcCall;
use crate::verify::scope::ScopeSet;

/// Why a `TOOL_SCOPES` value is refused. Names tools and scopes (the
/// operator's own configuration), never request data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolScopesError {
    NotJson(String),
    NotAnObject,
    ScopeNotString { tool: String },
    BadRule { tool: String },
    NotOneScope { tool: String, scope: String },
}

/// The parsed `TOOL_SCOPES` policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolScopes {
    /// (tool, required scopes), in document order.
    tools: Vec<(String, Vec<String>)>,
    /// The `"*"` rule, if any.
    default: Option<Vec<String>>,
}

impl ToolScopes {
    /// Parses the `TOOL_SCOPES` JSON. Errors say what is wrong without echoing values.
    pub fn parse(json: &str) -> Result<Self, ToolScopesError> {
        let value: Value =
            serde_json::from_str(json).map_err(|err| ToolScopesError::NotJson(err.to_string()))?;
        let Value::Object(entries) = value else { return Err(ToolScopesError::NotAnObject) };
        let mut policy = Self::default();
        for (tool, rule) in entries {
            let scopes = match rule {
                Value::String(scope) => vec![scope],
                Value::Array(items) => items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(scope) => Ok(scope),
                        _ => Err(ToolScopesError::ScopeNotString { tool: tool.clone() }),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                _ => return Err(ToolScopesError::BadRule { tool }),
            };
            if let Some(bad) = scopes.iter().find(|scope| ScopeSet::parse(scope).len() != 1) {
                return Err(ToolScopesError::NotOneScope { scope: bad.clone(), tool });
            }
            if tool == "*" {
                policy.default = Some(scopes);
            } else {
                policy.tools.push((tool, scopes));
            }
        }
        Ok(policy)
    }

    /// The scopes a call of `tool` requires; `None` when the tool is denied.
    pub fn required_for(&self, tool: &str) -> Option<&[String]> {
        self.tools
            .iter()
            .find(|(name, _)| name == tool)
            .map(|(_, scopes)| scopes.as_slice())
            .or(self.default.as_deref())
    }

    /// Every scope the policy mentions, sorted: the default `scopes_supported`.
    pub fn all_scopes(&self) -> Vec<String> {
        let all: BTreeSet<&String> =
            self.tools.iter().flat_map(|(_, scopes)| scopes).chain(self.default.iter().flatten()).collect();
        all.into_iter().cloned().collect()
    }

    /// Decides whether `granted` covers every `tools/call` in `calls`. One denied
    /// element denies the whole batch; the error lists every missing scope at
    /// once, so one step-up can fix the whole request.
    pub fn authorize(&self, calls: &[RpcCall], granted: &ScopeSet) -> Result<(), AuthError> {
        let mut missing: Vec<String> = Vec::new();
        for call in calls.iter().filter(|call| call.method.as_deref() == Some("tools/call")) {
            let tool = call.target.as_deref().unwrap_or_default();
            let required = self.required_for(tool).ok_or(AuthError::ToolDenied)?;
            for scope in granted.missing(required) {
                if !missing.iter().any(|known| known == scope) {
                    missing.push(scope.to_owned());
                }
            }
        }
        if missing.is_empty() { Ok(()) } else { Err(AuthError::InsufficientScope { required: missing }) }
    }
}

impl fmt::Display for ToolScopesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(err) => write!(f, "not valid JSON ({err})"),
            Self::NotAnObject => f.write_str("must be a JSON object of tool name -> scope or [scopes]"),
            Self::ScopeNotString { tool } => write!(f, "scopes for tool '{tool}' must be strings"),
            Self::BadRule { tool } => {
                write!(f, "the rule for tool '{tool}' must be a scope or an array of scopes")
            }
            Self::NotOneScope { tool, scope } => {
                write!(f, "'{scope}' (tool '{tool}') is not a single valid scope token")
            }
        }
    }
}

impl std::error::Error for ToolScopesError {}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str =
        r#"{"list_todos":"todo:read","create_todo":"todo:write","delete_todo":["todo:write","todo:admin"]}"#;

    fn tool_call(name: &str) -> RpcCall {
        RpcCall { method: Some("tools/call".into()), target: Some(name.into()) }
    }

    #[test]
    fn parses_strings_arrays_and_the_default() {
        let policy = ToolScopes::parse(DEMO).expect("valid");
        assert_eq!(policy.required_for("list_todos"), Some(&["todo:read".to_owned()][..]));
        assert_eq!(policy.required_for("delete_todo").map(<[String]>::len), Some(2));
        assert_eq!(policy.required_for("unlisted"), None);
        assert_eq!(policy.all_scopes(), ["todo:admin", "todo:read", "todo:write"]);
        let with_default = ToolScopes::parse(r#"{"*":"mcp:tools:*","admin":"mcp:admin"}"#).expect("valid");
        assert_eq!(with_default.required_for("anything"), Some(&["mcp:tools:*".to_owned()][..]));
    }

    #[test]
    fn bad_policies_are_refused_with_a_reason() {
        for bad in ["", "[]", r#"{"a":1}"#, r#"{"a":["x",2]}"#, r#"{"a":"two scopes"}"#, r#"{"a":"q\"uote"}"#]
        {
            assert!(ToolScopes::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn authorizes_each_call_with_hierarchy() {
        let policy = ToolScopes::parse(DEMO).expect("valid");
        let reader = ScopeSet::parse("todo:read");
        assert_eq!(policy.authorize(&[tool_call("list_todos")], &reader), Ok(()));
        assert_eq!(
            policy.authorize(&[tool_call("create_todo")], &reader),
            Err(AuthError::InsufficientScope { required: vec!["todo:write".into()] })
        );
        let wildcard = ScopeSet::parse("todo:*");
        assert_eq!(policy.authorize(&[tool_call("delete_todo"), tool_call("list_todos")], &wildcard), Ok(()));
        // Non-tool methods need only a valid token.
        let list = RpcCall { method: Some("tools/list".into()), target: None };
        assert_eq!(policy.authorize(&[list], &ScopeSet::default()), Ok(()));
    }

    #[test]
    fn one_denied_element_denies_the_batch() {
        let policy = ToolScopes::parse(DEMO).expect("valid");
        let writer = ScopeSet::parse("todo:read todo:write");
        let batch = [tool_call("list_todos"), tool_call("delete_todo"), tool_call("create_todo")];
        assert_eq!(
            policy.authorize(&batch, &writer),
            Err(AuthError::InsufficientScope { required: vec!["todo:admin".into()] })
        );
        assert_eq!(
            policy.authorize(&[tool_call("list_todos"), tool_call("rm_rf")], &writer),
            Err(AuthError::ToolDenied)
        );
    }
}

//! One structured JSON line per decision, for Workers Logs / `wrangler tail`.
//! Holds identifiers and reason codes only: never a token, never a secret.

use serde_json::{Value, json};

/// What is known about a request when it is decided.
#[derive(Debug, Default)]
pub struct Decision<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    /// `allow` or `deny`.
    pub decision: &'a str,
    pub reason: &'a str,
    pub client_id: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub tool: Option<&'a str>,
    pub latency_ms: u64,
}

pub fn decision(decision: &Decision<'_>) -> String {
    json!({
        "event": "mcp_edge_guard.decision",
        "decision": decision.decision,
        "reason": decision.reason,
        "status": decision.status,
        "method": decision.method,
        "path": decision.path,
        "client_id": decision.client_id,
        "sub": decision.subject,
        "tool": decision.tool,
        "latency_ms": decision.latency_ms,
    })
    .to_string()
}

pub fn event(name: &str, fields: Value) -> String {
    let mut line = json!({ "event": name });
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    line.to_string()
}

pub fn internal_error(message: &str) -> String {
    event("mcp_edge_guard.internal_error", json!({ "message": message }))
}

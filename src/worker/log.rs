//! One structured JSON line per decision, for Workers Logs / `wrangler tail`
//! (key-set events bring their own, from `crate::keys::event`). Identifiers and reason codes only: never a
//! token, a secret or key material.

use serde::Serialize;
use serde_json::{Value, json};

use crate::verify::principal::Principal;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Forwarded to the origin.
    Allow,
    /// Refused by the gateway: the client's request was at fault.
    Deny,
    /// Admitted, but the origin gave no answer.
    Error,
}

/// What is known about a request when it is decided.
pub struct Decision<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub verdict: Verdict,
    pub reason: &'a str,
    /// Which rule refused (`access_denied`: `rule_false`, `claims_mismatch`, `no_matching_rule`).
    pub detail: Option<&'a str>,
    pub principal: Option<&'a Principal>,
    pub tool: Option<&'a str>,
    pub latency_ms: u64,
}

impl Decision<'_> {
    /// The JSON line, serialized straight from a struct (no intermediate map:
    /// this runs on every request).
    pub fn line(&self) -> String {
        #[derive(Serialize)]
        struct Line<'a> {
            event: &'static str,
            decision: &'static str,
            reason: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            detail: Option<&'a str>,
            status: u16,
            method: &'a str,
            path: &'a str,
            client_id: Option<&'a str>,
            sub: Option<&'a str>,
            tool: Option<&'a str>,
            latency_ms: u64,
        }
        let line = Line {
            event: "mcp_edge_guard.decision",
            decision: match self.verdict {
                Verdict::Allow => "allow",
                Verdict::Deny => "deny",
                Verdict::Error => "error",
            },
            reason: self.reason,
            detail: self.detail,
            status: self.status,
            method: self.method,
            path: self.path,
            client_id: self.principal.and_then(|p| p.client_id.as_deref()),
            sub: self.principal.and_then(|p| p.subject.as_deref()),
            tool: self.tool,
            latency_ms: self.latency_ms,
        };
        serde_json::to_string(&line).unwrap_or_default()
    }
}

pub fn event(name: &str, fields: Value) -> String {
    let mut line = json!({ "event": name });
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    line.to_string()
}

/// A `[[ratelimits]]` binding that failed (the request went on: limits are best effort).
pub fn rate_limiter_failed(binding: &str, err: &worker::Error) -> String {
    event("mcp_edge_guard.rate_limiter_failed", json!({ "binding": binding, "detail": err.to_string() }))
}

pub fn internal_error(message: &str) -> String {
    event("mcp_edge_guard.internal_error", json!({ "message": message }))
}

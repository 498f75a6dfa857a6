//! What the key-set loop tells the adapters' logs, and the one JSON form both
//! print it in. Reasons, URLs and key ids only: never key material.

use std::fmt;

use serde_json::{Value, json};

use crate::keys::error::{KeyFetchError, RefreshFailure};
use crate::keys::jwks::SkippedKey;

pub(crate) enum KeyEvent<'a> {
    /// A refresh produced no keys (reported once per refresh).
    RefreshFailed { issuer: &'a str, failure: &'a RefreshFailure },
    /// The JWKS holds keys we do not use (reported once per fetch).
    KeysSkipped { jwks_uri: &'a str, skipped: &'a [SkippedKey] },
    /// The copy shared between instances could not be read or written.
    SharedCopyFailed { jwks_uri: &'a str, error: &'a KeyFetchError },
}

impl KeyEvent<'_> {
    /// Whether an operator should look (a failure) or may (skipped keys).
    pub(crate) fn is_failure(&self) -> bool {
        !matches!(self, Self::KeysSkipped { .. })
    }

    /// One structured JSON log line (the gateway's Workers Logs).
    #[cfg_attr(not(feature = "worker"), allow(dead_code))]
    pub(crate) fn log_line(&self) -> String {
        let line = match self {
            Self::RefreshFailed { issuer, failure } => {
                let attempts: Vec<Value> = failure
                    .attempts
                    .iter()
                    .map(|(url, error)| json!({ "url": url, "reason": error.reason(), "detail": error.to_string() }))
                    .collect();
                json!({
                    "event": "mcp_edge_guard.keys_refresh_failed",
                    "issuer": issuer,
                    "reason": failure.reason(),
                    "attempts": attempts,
                })
            }
            Self::KeysSkipped { jwks_uri, skipped } => {
                let keys: Vec<Value> = skipped
                    .iter()
                    .map(
                        |key| json!({ "index": key.index, "kid": key.kid, "reason": key.reason.to_string() }),
                    )
                    .collect();
                json!({ "event": "mcp_edge_guard.keys_skipped", "jwks_uri": jwks_uri, "keys": keys })
            }
            Self::SharedCopyFailed { jwks_uri, error } => json!({
                "event": "mcp_edge_guard.keys_shared_copy_failed",
                "jwks_uri": jwks_uri,
                "reason": error.reason(),
                "detail": error.to_string(),
            }),
        };
        line.to_string()
    }
}

/// One line for a person reading a console (the npm package's `console.warn`);
/// written without a JSON serializer, which keeps it out of the package's wasm.
impl fmt::Display for KeyEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RefreshFailed { issuer, failure } => {
                write!(f, "mcp-edge-guard: no keys for {issuer} ({}): {failure}", failure.reason())
            }
            Self::KeysSkipped { jwks_uri, skipped } => {
                write!(f, "mcp-edge-guard: {jwks_uri}: skipped {} key(s)", skipped.len())?;
                for key in *skipped {
                    write!(
                        f,
                        "; #{} {}: {}",
                        key.index,
                        key.kid.as_deref().unwrap_or("(no kid)"),
                        key.reason
                    )?;
                }
                Ok(())
            }
            Self::SharedCopyFailed { jwks_uri, error } => {
                write!(f, "mcp-edge-guard: shared key copy for {jwks_uri}: {error}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_refresh_logs_each_attempt_by_reason() {
        let failure =
            RefreshFailure { attempts: vec![("https://as/jwks".into(), KeyFetchError::Status(503))] };
        let event = KeyEvent::RefreshFailed { issuer: "https://as", failure: &failure };
        assert!(event.is_failure());
        let line: Value = serde_json::from_str(&event.log_line()).expect("json");
        assert_eq!(line["event"], "mcp_edge_guard.keys_refresh_failed");
        assert_eq!(line["attempts"][0]["reason"], "bad_status");
        assert_eq!(line["attempts"][0]["detail"], "status 503");
        assert_eq!(
            event.to_string(),
            "mcp-edge-guard: no keys for https://as (bad_status): https://as/jwks: status 503"
        );
    }
}

//! Verifies the tokens of test-vector files and prints what the gateway would
//! decide for each: the principal, or the RFC 6750 status, code and reason.
//!
//!     cargo run --example verify -- tests/vectors/accept-rs256.json tests/vectors/reject-expired.json

use mcp_edge_guard::{AuthError, JwkSet, Policy, verify};
use serde_json::{Value, json};

fn decide(vector: &Value) -> Result<Value, String> {
    let jwks = vector.get("jwks").ok_or("vector lacks jwks")?.to_string();
    let policy: Policy = serde_json::from_value(vector.get("policy").cloned().unwrap_or_default())
        .map_err(|err| format!("bad policy: {err}"))?;
    let token = vector.get("token").and_then(Value::as_str).ok_or("vector lacks token")?;
    let now = vector.get("now").and_then(Value::as_i64).ok_or("vector lacks now")?;

    let decision = JwkSet::parse(jwks.as_bytes())
        .map_err(|_| AuthError::KeysUnavailable)
        .and_then(|keys| verify(token, &keys, &policy, now).map_err(AuthError::from));
    Ok(match decision {
        Ok(principal) => json!({
            "decision": "allow",
            "sub": principal.subject,
            "client_id": principal.client_id,
            "scopes": principal.scopes.iter().collect::<Vec<_>>(),
            "exp": principal.expires_at,
        }),
        Err(err) => json!({
            "decision": "deny",
            "status": err.status(),
            "error": err.code().map(|code| code.as_str()),
            "error_description": err.description(),
            "reason": err.to_string(),
        }),
    })
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: verify <vector.json>...");
        std::process::exit(2);
    }
    let mut failed = false;
    for path in paths {
        let result = std::fs::read_to_string(&path)
            .map_err(|err| format!("{path}: {err}"))
            .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|err| format!("{path}: {err}")))
            .and_then(|vector| decide(&vector));
        match result {
            Ok(decision) => println!("{path}\n  {decision}"),
            Err(err) => {
                eprintln!("{err}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}

//! The verifier core alone as a wasm module, to measure its size
//! (`bash bench/wasm-size.sh`): one exported function keeps the whole verify
//! path alive — JWKS parsing, key selection, all nine algorithms, claims,
//! scopes — with no Workers or npm glue beyond wasm-bindgen's minimum.

#[cfg(target_arch = "wasm32")]
mod exported {
    use mcp_edge_guard::{JwkSet, Policy, verify};
    use wasm_bindgen::prelude::*;

    /// Verifies `token` against a JWKS and a policy (JSON texts) at `now`.
    #[wasm_bindgen]
    pub fn verify_token(jwks: &str, policy: &str, token: &str, now: f64) -> Option<String> {
        let keys = JwkSet::parse(jwks.as_bytes()).ok()?;
        let policy: Policy = serde_json::from_str(policy).ok()?;
        #[allow(clippy::cast_possible_truncation)]
        let now = now as i64;
        let principal = verify(token, &keys, &policy, now).ok()?;
        Some(principal.scopes.to_scope_string())
    }
}

//! Token extraction, decoding and verification on arbitrary input, against a
//! real key set (RSA, P-256 and Ed25519 keys from the shared vectors).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use mcp_edge_guard::{JwkSet, Policy, extract_bearer, verify};

const VECTOR: &str = include_str!("../../tests/vectors/accept-eddsa.json");

static SETUP: LazyLock<(JwkSet, Policy, i64)> = LazyLock::new(|| {
    let vector: serde_json::Value = serde_json::from_str(VECTOR).expect("vector");
    let keys = JwkSet::parse(vector["jwks"].to_string().as_bytes()).expect("keys");
    let policy = serde_json::from_value(vector["policy"].clone()).expect("policy");
    (keys, policy, vector["now"].as_i64().expect("now"))
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (keys, policy, now) = &*SETUP;
    let token = extract_bearer(Some(text)).unwrap_or(text);
    if let Ok(principal) = verify(token, keys, policy, *now) {
        // Anything accepted must be signed by one of our keys: with a fresh
        // fuzzer that can only be a seed token replayed byte for byte.
        assert!(principal.expires_at > 0);
    }
});

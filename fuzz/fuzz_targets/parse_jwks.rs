//! JWKS parsing on arbitrary bytes, then key selection for every algorithm.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_edge_guard::Algorithm;
use mcp_edge_guard::select_keys;
use mcp_edge_guard::JwkSet;

fuzz_target!(|data: &[u8]| {
    let Ok(keys) = JwkSet::parse(data) else { return };
    assert!(!keys.keys().is_empty());
    for alg in Algorithm::DEFAULT_ALLOWED {
        let kid = keys.keys().first().and_then(|key| key.kid.as_deref());
        let _ = select_keys(&keys, kid, alg);
        let _ = select_keys(&keys, None, alg);
    }
});

//! What the gateway reads of a request before it forwards it, on arbitrary
//! input: the JSON-RPC body (messages, batches, member-name folding), the
//! `Mcp-Method`/`Mcp-Name` check, the `Content-Type`, and the query.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_edge_guard::{check_headers, check_json, forward_url, inspect_body, token_in_query};

fuzz_target!(|data: &[u8]| {
    if let Ok(calls) = inspect_body(data) {
        // An accepted body is JSON whose messages are exactly the calls read.
        let value: serde_json::Value = serde_json::from_slice(data).expect("accepted bodies are JSON");
        let messages = value.as_array().map_or(1, Vec::len);
        assert_eq!(calls.len(), messages);
        let first = calls.first().and_then(|call| call.method.as_deref());
        let _ = check_headers(&calls, first, calls.first().and_then(|call| call.target.as_deref()));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = check_json(Some(text));
        let _ = token_in_query(text);
        if let Ok(url) = forward_url("https://origin.example/mcp?tenant=acme", Some(text)) {
            assert!(url.starts_with("https://origin.example/mcp?tenant=acme"));
        }
    }
});

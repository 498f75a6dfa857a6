//! The policy and the list filter on arbitrary input: a `POLICY` document,
//! an origin's answer to a `tools/list` (as a JSON body and as an SSE stream
//! cut into arbitrary chunks). Nothing may panic, and what the filter lets
//! through must be JSON holding no more entries than the origin sent.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use mcp_edge_guard::{AccessPolicy, FilterLists, ListFilter, Principal, RpcCall, ScopeSet, SseFilter};
use serde_json::{Map, Value, json};

const POLICY: &str = r#"{"tools":{"a":"s:read","b*":["s:write"],"c":false,"d":{"claims":{"t":["x",1,true]}},"*":"s:admin"},
                         "methods":{"tools/*":[],"x":false}}"#;

fuzz_target!(|data: &[u8]| {
    // First byte: where to cut the rest into policy text / answer.
    let Some((&cut, rest)) = data.split_first() else { return };
    let (policy_text, answer) = rest.split_at(usize::from(cut).min(rest.len()));
    if let Ok(text) = std::str::from_utf8(policy_text) {
        if let Ok(policy) = AccessPolicy::parse(text) {
            let _ = policy.scopes();
        }
    }
    let policy = Arc::new(AccessPolicy::parse(POLICY).expect("valid"));
    let mut claims = Map::new();
    claims.insert("t".into(), json!(["y", 1]));
    let principal = Arc::new(Principal {
        issuer: "i".into(),
        subject: None,
        client_id: None,
        scopes: ScopeSet::parse("s:read"),
        expires_at: 0,
        claims,
    });
    let calls = [RpcCall { method: Some("tools/list".into()), target: None, target_kind: None, id: Some(json!(1)) }];
    for mode in [FilterLists::Usable, FilterLists::StepUp] {
        let filter = ListFilter::new(&calls, &policy, &principal, mode).expect("tools restricted");
        if let Ok(Some(out)) = filter.filter_json(answer) {
            let before: Value = serde_json::from_slice(answer).expect("a filtered answer was JSON");
            let after: Value = serde_json::from_slice(&out).expect("the filter writes JSON");
            assert!(entries(&after) <= entries(&before));
        }
        let mut sse = SseFilter::new(filter);
        for chunk in answer.chunks(usize::from(cut % 17) + 1) {
            if sse.push(chunk).is_err() {
                break;
            }
        }
    }
});

/// How many list entries a message or batch holds.
fn entries(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(entries).sum(),
        Value::Object(message) => message
            .get("result")
            .and_then(|result| result.get("tools"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        _ => 0,
    }
}

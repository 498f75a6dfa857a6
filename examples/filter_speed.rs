use mcp_edge_guard::*;
use std::sync::Arc;
use std::time::Instant;
fn main() {
    let body = std::fs::read("/tmp/list30.json").unwrap();
    let policy = Arc::new(AccessPolicy::parse(r#"{"tools":{"todo_*":"todo:read","report_*":"todo:read","nuke":false,"echo":[],"whoami":[],"*":"admin"}}"#).unwrap());
    let principal = Arc::new(Principal {
        issuer: "i".into(),
        subject: None,
        client_id: None,
        scopes: ScopeSet::parse("todo:read"),
        expires_at: 0,
        claims: Default::default(),
    });
    let calls = inspect_body(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).unwrap();
    let filter = ListFilter::new(&calls, &policy, &principal, FilterLists::Usable).unwrap();
    let n = 20000;
    let start = Instant::now();
    let mut total = 0;
    for _ in 0..n {
        total += filter.filter_json(&body).unwrap().unwrap().len();
    }
    let el = start.elapsed();
    println!("{:.2} µs per filter ({} bytes out)", el.as_secs_f64() * 1e6 / n as f64, total / n);
    let start = Instant::now();
    for _ in 0..n {
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        std::hint::black_box(v);
    }
    println!("{:.2} µs per Value parse", start.elapsed().as_secs_f64() * 1e6 / n as f64);
}

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::*;
use crate::mcp::jsonrpc::inspect_body;
use crate::mcp::list_filter::FilterLists;
use crate::mcp::policy::AccessPolicy;
use crate::verify::principal::Principal;
use crate::verify::scope::ScopeSet;

fn sse_filter() -> SseFilter {
    let calls = inspect_body(br#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#).expect("request");
    let policy = Arc::new(AccessPolicy::parse(r#"{"tools":{"open":[],"closed":false}}"#).expect("valid"));
    let principal = Arc::new(Principal {
        issuer: "i".into(),
        subject: None,
        client_id: None,
        scopes: ScopeSet::default(),
        expires_at: 0,
        claims: Map::new(),
    });
    SseFilter::new(ListFilter::new(&calls, &policy, &principal, FilterLists::Usable).expect("filter"))
}

const LIST: &str = r#"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"open"},{"name":"closed"}]}}"#;

#[test]
fn other_events_pass_as_they_are_as_soon_as_they_are_complete() {
    let mut sse = sse_filter();
    let progress =
        "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n";
    assert_eq!(sse.push(b": keep-alive\r\n\r\n").expect("ok"), b": keep-alive\r\n\r\n");
    // Half an event waits; the rest completes it.
    assert_eq!(sse.push(&progress.as_bytes()[..20]).expect("ok"), b"");
    assert_eq!(sse.push(&progress.as_bytes()[20..]).expect("ok"), progress.as_bytes());
}

#[test]
fn the_list_response_event_is_rewritten_with_its_other_fields() {
    let mut sse = sse_filter();
    let event = format!("event: message\r\nid: 9\r\ndata: {LIST}\r\n\r\n");
    // Fed byte by byte, CR and LF split across chunks.
    let mut out = Vec::new();
    for byte in event.as_bytes() {
        out.extend(sse.push(&[*byte]).expect("ok"));
    }
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.starts_with("event: message\nid: 9\ndata: "), "{text}");
    assert!(text.ends_with("\n\n"), "{text}");
    let data: Value =
        serde_json::from_str(text.lines().nth(2).and_then(|l| l.strip_prefix("data: ")).expect("data"))
            .expect("json");
    assert_eq!(data["result"]["tools"], json!([{"name":"open"}]));
}

#[test]
fn data_split_over_lines_is_one_message() {
    let mut sse = sse_filter();
    let (head, tail) = LIST.split_at(LIST.find("\"result\"").expect("result"));
    let event = format!("data:{head}\ndata:{tail}\n\n");
    // Joined with a newline, which JSON reads as whitespace here (between tokens).
    let text = String::from_utf8(sse.push(event.as_bytes()).expect("ok")).expect("utf-8");
    assert!(text.contains("open") && !text.contains("closed"), "{text}");
}

#[test]
fn a_line_feed_inside_a_kept_entry_stays_a_line_of_its_own() {
    let mut sse = sse_filter();
    let event = "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[{\"name\":\"open\",\ndata: \"description\":\"x\"},{\"name\":\"closed\"}]}}\n\n";
    let text = String::from_utf8(sse.push(event.as_bytes()).expect("ok")).expect("utf-8");
    let data: Vec<&str> = text.lines().filter_map(|line| line.strip_prefix("data: ")).collect();
    let value: Value = serde_json::from_str(&data.join("\n")).expect("the client reads JSON");
    assert_eq!(value["result"]["tools"], json!([{"name":"open","description":"x"}]));
}

#[test]
fn an_unreadable_list_response_cuts_the_stream_and_non_json_data_passes() {
    let mut sse = sse_filter();
    assert_eq!(sse.push(b"data: not json\n\n").expect("ok"), b"data: not json\n\n");
    let infinity = "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[{\"name\":\"closed\",\"x\":Infinity}]}}\n\n";
    assert_eq!(sse_filter().push(infinity.as_bytes()), Err(SseError::Unreadable), "JSON to some clients");
    let broken = "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":7}}\n\n";
    assert_eq!(sse.push(broken.as_bytes()), Err(SseError::Unreadable));
}

use serde_json::{Map, json};

use super::*;
use crate::mcp::jsonrpc::inspect_body;
use crate::verify::scope::ScopeSet;

const POLICY: &str = r#"{
    "tools": {"list_todos": "todo:read", "create_todo": "todo:write", "nuke": false,
              "tenant_only": {"claims": {"tenant": "acme"}}},
    "prompts": {"summarize": []},
    "methods": {"tools/*": [], "prompts/*": [], "resources/list": [], "resources/read": "todo:admin"}
}"#;

fn principal(scopes: &str, claims: serde_json::Value) -> Arc<Principal> {
    let claims: Map<String, Value> = claims.as_object().cloned().unwrap_or_default();
    Arc::new(Principal {
        issuer: "https://as.example".into(),
        subject: Some("u".into()),
        client_id: None,
        scopes: ScopeSet::parse(scopes),
        expires_at: 0,
        claims,
    })
}

fn filter(body: &str, scopes: &str, mode: FilterLists) -> Option<ListFilter> {
    let calls = inspect_body(body.as_bytes()).expect("a request");
    let policy = Arc::new(AccessPolicy::parse(POLICY).expect("valid"));
    ListFilter::new(&calls, &policy, &principal(scopes, json!({"tenant": "acme"})), mode)
}

const TOOLS: &str = r#"{"jsonrpc":"2.0","id":7,"result":{"tools":[
    {"name":"list_todos","inputSchema":{"type":"object","z":1,"a":2}},
    {"name":"create_todo","description":"Create"},
    {"name":"nuke"},
    {"name":"tenant_only"},
    {"name":"unlisted"},
    {"description":"no name"},
    {"name":"list_todos","NAME":"nuke"}
  ],"nextCursor":"c2"}}"#;

fn names(body: &[u8]) -> Vec<String> {
    let value: Value = serde_json::from_slice(body).expect("json");
    value["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|tool| tool["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_tools_list_keeps_only_what_the_caller_may_call_byte_for_byte() {
    let filter =
        filter(r#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#, "todo:read", FilterLists::Usable)
            .expect("a list to filter");
    let filtered = filter.filter_json(TOOLS.as_bytes()).expect("readable").expect("changed");
    assert_eq!(names(&filtered), ["list_todos", "tenant_only"]);
    let text = String::from_utf8(filtered).expect("utf-8");
    // Kept entries and the other members are the origin's own bytes, in its order.
    assert!(text.contains(r#"{"name":"list_todos","inputSchema":{"type":"object","z":1,"a":2}}"#), "{text}");
    assert!(text.starts_with(r#"{"jsonrpc":"2.0","id":7,"result":{"tools":["#), "{text}");
    assert!(text.ends_with(r#"],"nextCursor":"c2"}}"#), "{text}");
}

#[test]
fn step_up_mode_keeps_what_a_scope_would_unlock() {
    let filter =
        filter(r#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#, "todo:read", FilterLists::StepUp)
            .expect("a list to filter");
    let filtered = filter.filter_json(TOOLS.as_bytes()).expect("readable").expect("changed");
    assert_eq!(names(&filtered), ["list_todos", "create_todo", "tenant_only"]);
}

#[test]
fn only_responses_to_our_list_requests_are_touched() {
    let filter = filter(
        r#"[{"jsonrpc":"2.0","id":"a","method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
        "",
        FilterLists::Usable,
    )
    .expect("a list to filter");
    // The answer to another request of the body, an error response, and a
    // notification pass as they are.
    for body in [
        TOOLS.replace("\"id\":7", "\"id\":2"),
        r#"{"jsonrpc":"2.0","id":"a","error":{"code":-1,"message":"x"}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#.to_owned(),
    ] {
        assert_eq!(filter.filter_json(body.as_bytes()), Ok(None), "{body}");
    }
    // An id that matches no request of the body (an origin writing `1` for
    // `1.0`, or `"1"` for `1`) is judged by its shape: no unfiltered list.
    let stray = filter.filter_json(TOOLS.as_bytes()).expect("readable").expect("filtered by shape");
    assert_eq!(names(&stray), ["tenant_only"]);
    let batch = format!(
        r#"[{},{}]"#,
        TOOLS.replace("\"id\":7", "\"id\":\"a\""),
        r#"{"jsonrpc":"2.0","id":2,"result":{}}"#
    );
    let filtered = filter.filter_json(batch.as_bytes()).expect("readable").expect("changed");
    let value: Value = serde_json::from_slice(&filtered).expect("json");
    assert_eq!(
        value[0]["result"]["tools"],
        json!([{"name":"tenant_only"}]),
        "no scopes: only the claim-gated tool"
    );
    assert_eq!(value[1], json!({"jsonrpc":"2.0","id":2,"result":{}}));
    // A list response that cannot be read is not passed on.
    let broken = r#"{"jsonrpc":"2.0","id":"a","result":{"tools":{"name":"nuke"}}}"#;
    assert_eq!(filter.filter_json(broken.as_bytes()), Err(Unreadable));
}

#[test]
fn no_filter_when_the_policy_cannot_shorten_the_list_or_filtering_is_off() {
    let list = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    assert!(filter(list, "", FilterLists::Off).is_none());
    assert!(
        filter(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#,
            "",
            FilterLists::Usable
        )
        .is_none()
    );
    let open = Arc::new(AccessPolicy::default());
    let calls = inspect_body(list.as_bytes()).expect("a request");
    assert!(ListFilter::new(&calls, &open, &principal("", json!({})), FilterLists::Usable).is_none());
}

#[test]
fn prompts_and_resources_are_judged_by_the_call_that_would_use_them() {
    let body = r#"[{"jsonrpc":"2.0","id":1,"method":"prompts/list"},{"jsonrpc":"2.0","id":2,"method":"resources/list"}]"#;
    let responses = r#"[{"jsonrpc":"2.0","id":1,"result":{"prompts":[{"name":"summarize"},{"name":"other"}]}},
                        {"jsonrpc":"2.0","id":2,"result":{"resources":[{"uri":"todo://1","name":"one"}]}}]"#;
    let reader = filter(body, "todo:read", FilterLists::Usable).expect("lists");
    let value: Value =
        serde_json::from_slice(&reader.filter_json(responses.as_bytes()).expect("ok").expect("changed"))
            .expect("json");
    assert_eq!(value[0]["result"]["prompts"], json!([{"name":"summarize"}]));
    assert_eq!(value[1]["result"]["resources"], json!([]), "resources/read needs todo:admin");
    let admin = filter(body, "todo:admin", FilterLists::Usable).expect("lists");
    let value: Value =
        serde_json::from_slice(&admin.filter_json(responses.as_bytes()).expect("ok").expect("changed"))
            .expect("json");
    assert_eq!(value[1]["result"]["resources"], json!([{"uri":"todo://1","name":"one"}]));
}

#[test]
fn filter_lists_values() {
    assert_eq!(FilterLists::parse("true"), Some(FilterLists::Usable));
    assert_eq!(FilterLists::parse("Step-Up"), Some(FilterLists::StepUp));
    assert_eq!(FilterLists::parse("false"), Some(FilterLists::Off));
    assert_eq!(FilterLists::parse("stepup"), None);
}

#[test]
fn a_resumed_stream_is_filtered_by_the_shape_of_its_results() {
    let policy = Arc::new(AccessPolicy::parse(POLICY).expect("valid"));
    let filter = ListFilter::for_stream(&policy, &principal("todo:read", json!({})), FilterLists::Usable)
        .expect("the policy restricts tools");
    let filtered = filter.filter_json(TOOLS.as_bytes()).expect("readable").expect("changed");
    assert_eq!(names(&filtered), ["list_todos"]);
    // Anything else on the stream goes as it is.
    for message in [
        r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"tools":[{"name":"nuke"}]}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{"tools":"not a list"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":7}"#,
    ] {
        assert_eq!(filter.filter_json(message.as_bytes()), Ok(None), "{message}");
    }
    assert!(
        ListFilter::for_stream(
            &Arc::new(AccessPolicy::default()),
            &principal("", json!({})),
            FilterLists::Usable
        )
        .is_none()
    );
    assert!(ListFilter::for_stream(&policy, &principal("", json!({})), FilterLists::Off).is_none());
}

#[test]
fn ids_match_as_a_javascript_reader_compares_them() {
    let filter = filter(r#"{"jsonrpc":"2.0","id":1.0,"method":"tools/list"}"#, "", FilterLists::Usable)
        .expect("a list to filter");
    let answer = TOOLS.replace("\"id\":7", "\"id\":1");
    let filtered = filter.filter_json(answer.as_bytes()).expect("readable").expect("changed");
    assert_eq!(names(&filtered), ["tenant_only"]);
}

#[test]
fn resource_templates_are_judged_as_resource_uris() {
    let policy =
        Arc::new(AccessPolicy::parse(r#"{"resources":{"todo://*":[],"admin://*":false}}"#).expect("valid"));
    let calls =
        inspect_body(br#"{"jsonrpc":"2.0","id":1,"method":"resources/templates/list"}"#).expect("request");
    let filter =
        ListFilter::new(&calls, &policy, &principal("", json!({})), FilterLists::Usable).expect("filter");
    let answer = r#"{"jsonrpc":"2.0","id":1,"result":{"resourceTemplates":[{"uriTemplate":"todo://{id}"},{"uriTemplate":"admin://users/{id}"}]}}"#;
    let value: Value =
        serde_json::from_slice(&filter.filter_json(answer.as_bytes()).expect("ok").expect("changed"))
            .expect("json");
    assert_eq!(value["result"]["resourceTemplates"], json!([{"uriTemplate":"todo://{id}"}]));
}

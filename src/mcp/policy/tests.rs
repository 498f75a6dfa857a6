use serde_json::json;

use super::*;
use crate::mcp::jsonrpc::TargetKind;

fn caller_with<'a>(scopes: &'a ScopeSet, claims: &'a Map<String, Value>) -> Caller<'a> {
    Caller { scopes, claims }
}

fn call(method: &str, target: Option<&str>) -> RpcCall {
    let target_kind = target.and(TargetKind::of_method(method));
    RpcCall { method: Some(method.into()), target: target.map(str::to_owned), target_kind, id: None }
}

fn claims(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

const POLICY: &str = r#"{
    "tools": {"list_todos": "todo:read", "todo_*": ["todo:write"], "todo_admin_*": ["todo:admin", "todo:write"],
              "nuke": false, "tenant_report": {"scopes": ["todo:read"], "claims": {"tenant": "acme"}},
              "*": []},
    "resources": {"todo://*": "todo:read", "admin://*": {"claims": {"groups": ["ops", "sre"]}}},
    "prompts": {"summarize": []},
    "methods": {"initialize": [], "notifications/*": [], "tools/*": [], "resources/*": [], "prompts/*": [], "ping": []}
}"#;

fn decide(policy: &AccessPolicy, calls: &[RpcCall], scopes: &str, claims_json: Value) -> Decision {
    let (scopes, claims) = (ScopeSet::parse(scopes), claims(claims_json));
    policy.authorize(calls, caller_with(&scopes, &claims))
}

#[test]
fn each_rule_form_decides() {
    let policy = AccessPolicy::parse(POLICY).expect("valid");
    let reader = |calls: &[RpcCall]| decide(&policy, calls, "todo:read", json!({"tenant": "acme"}));
    assert_eq!(reader(&[call("tools/call", Some("list_todos"))]), Decision::Allowed);
    assert_eq!(
        reader(&[call("tools/call", Some("todo_create"))]),
        Decision::InsufficientScope(vec!["todo:write".into()])
    );
    assert_eq!(
        reader(&[call("tools/call", Some("todo_admin_purge"))]),
        Decision::InsufficientScope(vec!["todo:admin".into(), "todo:write".into()])
    );
    assert_eq!(
        reader(&[call("tools/call", Some("anything_else"))]),
        Decision::Allowed,
        "\"*\": [] is any token"
    );
    assert_eq!(reader(&[call("tools/call", Some("nuke"))]), Decision::Denied(Refusal::Nobody));
    assert_eq!(reader(&[call("tools/call", Some("tenant_report"))]), Decision::Allowed);
    let other_tenant = decide(
        &policy,
        &[call("tools/call", Some("tenant_report"))],
        "todo:*",
        json!({"tenant": "acme corp"}),
    );
    assert_eq!(other_tenant, Decision::Denied(Refusal::Claims), "no scope helps a failed claim");
    // The hierarchy: todo:* grants todo:admin and todo:write.
    assert_eq!(
        decide(&policy, &[call("tools/call", Some("todo_admin_purge"))], "todo:*", json!({})),
        Decision::Allowed
    );
}

#[test]
fn every_section_and_the_methods_rule_apply() {
    let policy = AccessPolicy::parse(POLICY).expect("valid");
    let decide = |method: &str, target: Option<&str>, groups: Value| {
        decide(&policy, &[call(method, target)], "todo:read", json!({ "groups": groups }))
    };
    assert_eq!(decide("resources/read", Some("todo://1"), json!([])), Decision::Allowed);
    assert_eq!(decide("resources/subscribe", Some("todo://1"), json!([])), Decision::Allowed);
    assert_eq!(
        decide("resources/read", Some("admin://audit"), json!(["eng"])),
        Decision::Denied(Refusal::Claims)
    );
    assert_eq!(
        decide("resources/unsubscribe", Some("admin://audit"), json!(["eng", "sre"])),
        Decision::Allowed
    );
    assert_eq!(
        decide("resources/read", Some("file:///etc/passwd"), json!([])),
        Decision::Denied(Refusal::Unmatched)
    );
    assert_eq!(decide("prompts/get", Some("summarize"), json!([])), Decision::Allowed);
    assert_eq!(decide("prompts/get", Some("other"), json!([])), Decision::Denied(Refusal::Unmatched));
    // The methods section: listed methods pass, others are refused.
    assert_eq!(decide("ping", None, json!([])), Decision::Allowed);
    assert_eq!(decide("notifications/initialized", None, json!([])), Decision::Allowed);
    assert_eq!(decide("logging/setLevel", None, json!([])), Decision::Denied(Refusal::Unmatched));
    // Responses call nothing.
    let response = RpcCall { method: None, target: None, target_kind: None, id: None };
    assert_eq!(
        policy.authorize(&[response], caller_with(&ScopeSet::default(), &Map::new())),
        Decision::Allowed
    );
}

#[test]
fn absent_sections_allow_any_valid_token() {
    let policy = AccessPolicy::parse(r#"{"tools": {"a": "x"}}"#).expect("valid");
    let nothing = ScopeSet::default();
    let none = Map::new();
    for (method, target) in
        [("resources/read", Some("any://thing")), ("prompts/get", Some("p")), ("logging/setLevel", None)]
    {
        assert_eq!(
            policy.authorize(&[call(method, target)], caller_with(&nothing, &none)),
            Decision::Allowed
        );
    }
    assert_eq!(
        policy.authorize(&[call("tools/call", Some("b"))], caller_with(&nothing, &none)),
        Decision::Denied(Refusal::Unmatched),
        "a present section denies what it does not match"
    );
    assert!(!AccessPolicy::default().restricts(TargetKind::Tool));
    assert!(policy.restricts(TargetKind::Tool) && !policy.restricts(TargetKind::Prompt));
}

#[test]
fn claims_match_by_exact_json_equality() {
    let policy = AccessPolicy::parse(
        r#"{"tools": {"t": {"claims": {"tenant": ["acme", "globex"], "level": 3, "beta": true}}}}"#,
    )
    .expect("valid");
    let t = [call("tools/call", Some("t"))];
    let verdict = |claims: Value| decide(&policy, &t, "", claims);
    assert_eq!(verdict(json!({"tenant": "globex", "level": 3, "beta": true})), Decision::Allowed);
    assert_eq!(
        verdict(json!({"tenant": ["x", "acme"], "level": 3, "beta": true})),
        Decision::Allowed,
        "array contains"
    );
    assert_eq!(verdict(json!({"tenant": "acme", "level": 3.0, "beta": true})), Decision::Allowed, "3.0 is 3");
    let refused = Decision::Denied(Refusal::Claims);
    for claims in [
        json!({"tenant": "ACME", "level": 3, "beta": true}),
        json!({"tenant": "acme globex", "level": 3, "beta": true}),
        json!({"tenant": " acme", "level": 3, "beta": true}),
        json!({"tenant": "acme", "level": "3", "beta": true}),
        json!({"tenant": "acme", "level": 3, "beta": "true"}),
        json!({"tenant": "acme", "level": 3}),
        json!({"tenant": {"name": "acme"}, "level": 3, "beta": true}),
        json!({"tenant": null, "level": 3, "beta": true}),
        json!({"tenant": [["acme"]], "level": 3, "beta": true}),
    ] {
        assert_eq!(verdict(claims.clone()), refused, "{claims}");
    }
}

#[test]
fn a_batch_is_refused_by_one_element_and_asks_for_all_missing_scopes_once() {
    let policy = AccessPolicy::parse(POLICY).expect("valid");
    let batch = [
        call("tools/call", Some("list_todos")),
        call("tools/call", Some("todo_create")),
        call("tools/call", Some("todo_admin_x")),
    ];
    assert_eq!(
        decide(&policy, &batch, "", json!({})),
        Decision::InsufficientScope(vec!["todo:read".into(), "todo:write".into(), "todo:admin".into()])
    );
    let with_nuke = [call("tools/call", Some("todo_create")), call("tools/call", Some("nuke"))];
    assert_eq!(decide(&policy, &with_nuke, "", json!({})), Decision::Denied(Refusal::Nobody));
}

#[test]
fn tool_scopes_is_the_shorthand_for_the_tools_section() {
    let short =
        AccessPolicy::from_tool_scopes(r#"{"list_todos":"todo:read","*":["todo:admin"]}"#).expect("valid");
    let long =
        AccessPolicy::parse(r#"{"tools":{"list_todos":"todo:read","*":["todo:admin"]}}"#).expect("valid");
    assert_eq!(short, long);
    assert_eq!(short.required_for_tool("list_todos"), Some(&["todo:read".to_owned()][..]));
    assert_eq!(short.required_for_tool("x"), Some(&["todo:admin".to_owned()][..]));
    let strict = AccessPolicy::from_tool_scopes(r#"{"a":"s","off":false}"#).expect("valid");
    assert_eq!(strict.required_for_tool("off"), None);
    assert_eq!(strict.required_for_tool("b"), None);
    assert_eq!(AccessPolicy::default().required_for_tool("b"), Some(&[][..]));
}

#[test]
fn scopes_supported_lists_every_scope_named() {
    let policy = AccessPolicy::parse(POLICY).expect("valid");
    assert_eq!(policy.scopes(), ["todo:admin", "todo:read", "todo:write"]);
}

#[test]
fn bad_policies_are_refused_with_a_reason() {
    let bad = [
        ("", "JSON"),
        ("[]", "object"),
        (r#"{"tool": {}}"#, "unknown section 'tool'"),
        (r#"{"tools": []}"#, "section 'tools'"),
        (r#"{"tools": {"a": true}}"#, "false"),
        (r#"{"tools": {"a": 1}}"#, "false"),
        (r#"{"tools": {"a": ["x", 2]}}"#, "strings"),
        (r#"{"tools": {"a": "two scopes"}}"#, "single valid scope"),
        (r#"{"tools": {"a": {"scope": "x"}}}"#, "unknown member 'scope'"),
        (r#"{"tools": {"a": {"claims": []}}}"#, "claims must be an object"),
        (r#"{"tools": {"a": {"claims": {"t": []}}}}"#, "claim 't'"),
        (r#"{"tools": {"a": {"claims": {"t": {"x": 1}}}}}"#, "claim 't'"),
        (r#"{"tools": {"a": {"claims": {"t": null}}}}"#, "claim 't'"),
        (r#"{"methods": {"tools/*/x": []}}"#, "'*' may only end"),
    ];
    for (json, says) in bad {
        let err = AccessPolicy::parse(json).expect_err(json).to_string();
        assert!(err.contains(says), "{json}: {err}");
    }
    assert!(AccessPolicy::from_tool_scopes(r#"{"a":{"x":1}}"#).is_err());
}

#[test]
fn a_completion_is_judged_by_the_prompt_or_resource_it_completes_for() {
    let policy = AccessPolicy::parse(
        r#"{"prompts":{"admin_report":false,"*":[]},"resources":{"admin://*":false,"*":[]}}"#,
    )
    .expect("valid");
    let complete = |kind: TargetKind, target: &str| RpcCall {
        method: Some("completion/complete".into()),
        target: Some(target.into()),
        target_kind: Some(kind),
        id: None,
    };
    let (none, nothing) = (Map::new(), ScopeSet::default());
    let caller = caller_with(&nothing, &none);
    assert_eq!(
        policy.authorize(&[complete(TargetKind::Prompt, "admin_report")], caller),
        Decision::Denied(Refusal::Nobody)
    );
    assert_eq!(
        policy.authorize(&[complete(TargetKind::Resource, "admin://users/{id}")], caller),
        Decision::Denied(Refusal::Nobody)
    );
    assert_eq!(policy.authorize(&[complete(TargetKind::Prompt, "summarize")], caller), Decision::Allowed);
}

//! Unit tests of `config.rs`.
use std::collections::HashMap;

use super::*;
use crate::keys::discovery::discovery_urls;

fn config(vars: &[(&str, &str)]) -> Result<GatewayConfig, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    GatewayConfig::from_vars(|name| map.get(name).cloned())
}

const MINIMAL: [(&str, &str); 3] = [
    ("RESOURCE", "https://mcp.example.com/mcp"),
    ("ORIGIN_URL", "http://127.0.0.1:9100/mcp"),
    ("ISSUER", "https://auth.example.com"),
];

#[test]
fn minimal_configuration_gets_the_documented_defaults() {
    let c = config(&MINIMAL).expect("valid");
    assert_eq!(c.policy.audiences, ["https://mcp.example.com/mcp"]);
    assert_eq!(c.policy.algorithms, Algorithm::DEFAULT_ALLOWED);
    assert_eq!(c.policy.leeway_seconds, 60);
    assert!(!c.policy.require_at_jwt && !c.forward_token);
    assert!(c.log_allowed, "every decision is logged by default");
    assert_eq!(c.key_cache, KeyCacheSettings { max_age: 600, cooldown: 30, max_stale: 86_400 });
    assert_eq!(*c.access, AccessPolicy::default(), "no policy: any valid token");
    assert_eq!(c.filter_lists, FilterLists::Usable);
    assert!(c.jwks_uris.is_empty(), "keys discovered per issuer");
    assert!(c.scopes_supported.is_empty());
    assert_eq!(c.metadata_url(), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
    assert_eq!(
        discovery_urls(&c.policy.issuers[0]),
        [
            "https://auth.example.com/.well-known/oauth-authorization-server",
            "https://auth.example.com/.well-known/openid-configuration"
        ]
    );
}

#[test]
fn reads_every_setting() {
    let mut vars = MINIMAL.to_vec();
    vars.extend([
        ("ISSUER", "https://auth.example.com/tenant https://old.example.com"),
        ("TOOL_SCOPES", r#"{"list_todos":"todo:read","create_todo":["todo:write"]}"#),
        ("ALGORITHMS", "ES256 EdDSA"),
        ("AUDIENCE", "https://mcp.example.com/mcp api://mcp"),
        ("LEEWAY_SECONDS", "5"),
        ("REQUIRE_AT_JWT", "true"),
        ("FORWARD_TOKEN", "1"),
        ("ALLOWED_ORIGINS", "https://app.example.com http://localhost:5173"),
        ("RESOURCE_NAME", "Todos"),
        ("JWKS_COOLDOWN_SECONDS", "10"),
        ("ORIGIN_SECRET", "s3cret"),
    ]);
    let c = config(&vars).expect("valid");
    assert_eq!(c.policy.issuers.len(), 2);
    assert_eq!(
        c.metadata().authorization_servers,
        ["https://auth.example.com/tenant", "https://old.example.com"],
        "every issuer, in order"
    );
    assert_eq!(c.scopes_supported, ["todo:read", "todo:write"]);
    assert_eq!(c.policy.algorithms, [Algorithm::Es256, Algorithm::EdDsa]);
    assert_eq!(c.policy.leeway_seconds, 5);
    assert!(c.policy.require_at_jwt && c.forward_token);
    assert!(c.origin_allowed("http://localhost:5173") && !c.origin_allowed("http://evil.example"));
    assert_eq!(c.key_cache.cooldown, 10);
    assert_eq!(
        discovery_urls(&c.policy.issuers[0])[0],
        "https://auth.example.com/.well-known/oauth-authorization-server/tenant"
    );
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn every_problem_is_reported_by_name() {
    let err = config(&[
        ("ORIGIN_URL", "not a url"),
        ("ISSUER", "auth.example.com"),
        ("TOOL_SCOPES", "{broken"),
        ("ALGORITHMS", "RS256 HS256"),
        ("LEEWAY_SECONDS", "-1"),
        ("REQUIRE_AT_JWT", "maybe"),
        ("ALLOWED_ORIGINS", "https://app.example.com/path"),
        ("SESSION_SECRET", "too short"),
        ("DECISION_LOG", "sometimes"),
        ("FILTER_LISTS", "maybe"),
        ("CLAIM_HEADERS", r#"{"email":"Authorization"}"#),
        ("RATE_LIMIT_TIERS", r#"{"a":"b"}"#),
        ("JWKS_URI", "https://a.example/jwks https://b.example/jwks"),
    ])
    .expect_err("invalid");
    let text = err.to_string();
    let codes: Vec<String> = err.problems.iter().map(ConfigProblem::code).collect();
    assert!(
        codes.contains(&"RESOURCE:required".to_owned()) && codes.contains(&"TOOL_SCOPES:invalid".to_owned())
    );
    assert!(codes.iter().all(|code| !code.contains("broken")), "codes never quote values: {codes:?}");
    for name in [
        "RESOURCE is required",
        "ORIGIN_URL",
        "ISSUER",
        "TOOL_SCOPES",
        "HS256",
        "LEEWAY_SECONDS",
        "REQUIRE_AT_JWT",
        "ALLOWED_ORIGINS",
        "SESSION_SECRET must be at least 32",
        "DECISION_LOG",
        "FILTER_LISTS",
        "CLAIM_HEADERS",
        "RATE_LIMIT_TIERS",
        "JWKS_URI lists several",
    ] {
        assert!(text.contains(name), "{name} missing from: {text}");
    }
}

#[test]
fn the_policy_comes_from_policy_or_its_shorthand_never_both() {
    let mut vars = MINIMAL.to_vec();
    vars.push(("POLICY", r#"{"tools":{"a":"x:read"},"resources":{"r://*":["x:write"]},"methods":{"*":[]}}"#));
    let c = config(&vars).expect("valid");
    assert_eq!(c.scopes_supported, ["x:read", "x:write"]);
    assert_eq!(c.access.required_for_tool("a"), Some(&["x:read".to_owned()][..]));
    vars.push(("TOOL_SCOPES", r#"{"a":"x:read"}"#));
    let err = config(&vars).expect_err("both set");
    assert_eq!(err.problems.iter().map(ConfigProblem::code).collect::<Vec<_>>(), ["POLICY:invalid"]);
    // An empty variable counts as unset.
    let mut vars = MINIMAL.to_vec();
    vars.extend([("POLICY", " "), ("TOOL_SCOPES", r#"{"a":"x:read"}"#), ("FILTER_LISTS", "step-up")]);
    let c = config(&vars).expect("valid");
    assert_eq!(c.access.required_for_tool("b"), None);
    assert_eq!(c.filter_lists, FilterLists::StepUp);
}

#[test]
fn jwks_uri_is_one_shared_set_or_a_list_aligned_with_issuer() {
    let mut vars = MINIMAL.to_vec();
    vars.extend([("ISSUER", "https://a.example https://b.example"), ("JWKS_URI", "https://a.example/jwks")]);
    assert_eq!(config(&vars).expect("valid").jwks_uris, ["https://a.example/jwks"]);
    vars.push(("JWKS_URI", "https://a.example/jwks https://b.example/keys"));
    assert_eq!(config(&vars).expect("valid").jwks_uris.len(), 2);
}

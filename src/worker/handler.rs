//! The request state machine: routing, then for the protected MCP endpoint
//! origin check → admission → forwarding. The only place that decides which
//! response a request gets, and the only place that logs the decision.

use serde_json::json;
use worker::{Env, Headers, Response, Result, console_error, console_log, web_sys};

use super::admit::{Facts, admit};
use super::gateway::{Gateway, Isolate, isolate, now_seconds};
use super::log::{self, Decision, Verdict};
use super::proxy::forward;
use super::request::Incoming;
use super::respond;
use crate::http::metadata::is_metadata_path;
use crate::mcp::config::{ConfigError, ConfigProblem};
use crate::mcp::denial::{Denial, OriginFailure};

/// How a request for the MCP endpoint ended.
enum Outcome {
    Forwarded(web_sys::Response),
    Denied(Denial),
    Failed(OriginFailure),
}

pub async fn handle(raw: web_sys::Request, env: &Env) -> Result<web_sys::Response> {
    let started = worker::Date::now().as_millis();
    let req = Incoming::new(raw);
    let isolate = isolate(env);
    let gateway = match isolate.as_ref() {
        Isolate::Ready(gateway) => gateway,
        Isolate::Misconfigured(err) => return misconfigured(err, req.path()).map(Into::into),
    };
    let config = &gateway.config;
    let path = req.path();

    if is_metadata_path(&config.resource, path) {
        let response = match req.method.as_str() {
            "OPTIONS" => respond::preflight("*"),
            "GET" | "HEAD" => respond::metadata(config),
            _ => respond::json(405, &json!({ "error": "method_not_allowed" })),
        };
        return response.map(Into::into);
    }
    if path == "/health" {
        return health(gateway).await.map(Into::into);
    }
    if path != config.resource.path() {
        return respond::json(404, &json!({ "error": "not_found" })).map(Into::into);
    }

    let origin = req.header("Origin");
    let mut facts = Facts::default();
    // MCP: a present Origin that is not allowed is refused (DNS rebinding).
    let outcome = if origin.as_deref().is_some_and(|origin| !config.origin_allowed(origin)) {
        Outcome::Denied(Denial::ForbiddenOrigin)
    } else if req.method == "OPTIONS" {
        return respond::preflight(origin.as_deref().unwrap_or("*")).map(Into::into);
    } else {
        match admit(&req, env, gateway, &mut facts).await {
            Err(denial) => Outcome::Denied(denial),
            Ok(admitted) => match forward(&req, admitted, config).await? {
                Ok(response) => Outcome::Forwarded(response),
                Err(failure) => Outcome::Failed(failure),
            },
        }
    };

    let mut detail = None;
    let (response, verdict, reason): (web_sys::Response, _, _) = match outcome {
        Outcome::Forwarded(response) => (response, Verdict::Allow, "allowed"),
        Outcome::Denied(denial) => {
            let granted = facts.principal.as_ref().map(|principal| &principal.scopes);
            detail = denial.detail();
            (respond::rejection(&denial.render(config, granted))?.into(), Verdict::Deny, denial.reason())
        }
        Outcome::Failed(failure) => {
            if let OriginFailure::Unreachable(detail) = &failure {
                console_error!(
                    "{}",
                    log::event("mcp_edge_guard.origin_unreachable", json!({ "detail": detail }))
                );
            }
            (respond::rejection(&failure.render())?.into(), Verdict::Error, failure.reason())
        }
    };
    let decision = Decision {
        method: &req.method,
        path,
        status: response.status(),
        verdict,
        reason,
        detail,
        principal: facts.principal.as_deref(),
        tool: facts.tool.as_deref(),
        latency_ms: worker::Date::now().as_millis().saturating_sub(started),
    };
    if verdict != Verdict::Allow || config.log_allowed {
        console_log!("{}", decision.line());
    }
    // A refused Origin gets no CORS headers: the browser must not read the answer.
    if let Some(origin) = origin.filter(|origin| config.origin_allowed(origin)) {
        respond::add_cors(&Headers(response.headers()), &origin)?;
    }
    Ok(response)
}

/// Fails closed: callers get problem codes only (`ISSUER:required`; the log
/// line naming every problem was written when the isolate was built), and
/// nothing is let through.
fn misconfigured(err: &ConfigError, path: &str) -> Result<Response> {
    let codes: Vec<String> = err.problems.iter().map(ConfigProblem::code).collect();
    let (status, body) = if path == "/health" {
        (503, json!({ "status": "degraded", "config": "invalid", "problems": codes }))
    } else {
        (500, json!({ "error": "server_misconfigured", "problems": codes }))
    };
    respond::json(status, &body)
}

/// `/health`: whether the gateway can serve, for anyone who asks. States and
/// reason codes only; URLs, issuers and error details are in the log.
async fn health(gateway: &Gateway) -> Result<Response> {
    let states = gateway.keys.status(now_seconds()).await;
    // Healthy only when every issuer's keys are usable and fresh.
    let usable = states.iter().all(|(usable, _)| *usable);
    let fresh = states.iter().all(|(_, status)| status.fresh);
    let last_failure = states.into_iter().find_map(|(_, status)| status.last_failure);
    let keys = match (usable, fresh) {
        (true, true) => "fresh",
        (true, false) => "stale",
        (false, _) => "unavailable",
    };
    let (code, state) = if usable && fresh { (200, "healthy") } else { (503, "degraded") };
    respond::json(
        code,
        &json!({
            "status": state,
            "config": "ok",
            "keys": keys,
            "last_key_error": last_failure.map(|failure| failure.reason()),
            "warnings": gateway.config.warnings(),
        }),
    )
}

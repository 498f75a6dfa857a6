//! The request state machine: routing, then for the protected MCP endpoint
//! origin check → token → keys → verify → rate limit → body and tool scopes →
//! forward. The only place that decides which response a request gets.

use std::rc::Rc;
use std::sync::Arc;

use serde_json::json;
use worker::{Env, Method, Request, Response, Result, console_error, console_log};

use super::fetch::{declared_length, read_limited};
use super::gateway::{Gateway, gateway, now_seconds};
use super::keys::{current_keys, keys_after_unknown_kid};
use super::log::{self, Decision};
use super::proxy::{OriginFailure, forward};
use super::respond;
use crate::bearer::{extract_bearer, token_in_query};
use crate::config::GatewayConfig;
use crate::error::{AuthError, RequestError, TokenError};
use crate::jsonrpc::{MAX_BODY_BYTES, check_headers, inspect_body};
use crate::jwks::JwkSet;
use crate::metadata::is_metadata_path;
use crate::principal::Principal;
use crate::verify::verify;

/// The optional `[[ratelimits]]` binding.
const RATE_LIMITER: &str = "RATE_LIMITER";
/// What the 429 tells clients to wait (the binding's period is 10 or 60 s).
const RATE_LIMIT_RETRY_AFTER: &str = "60";

pub async fn handle(req: Request, env: &Env) -> Result<Response> {
    let started = worker::Date::now().as_millis();
    let gateway = gateway(env);
    let url = req.url()?;
    let path = url.path().to_owned();
    let config = match &gateway.config {
        Ok(config) => config,
        // Fail loudly and closed: name every problem, let nothing through.
        Err(err) => {
            console_error!(
                "{}",
                log::event("mcp_edge_guard.config_error", json!({ "problems": err.problems }))
            );
            let (status, body) = if path == "/health" {
                (503, json!({ "status": "degraded", "config": "invalid", "problems": err.problems }))
            } else {
                (500, json!({ "error": "server_misconfigured", "problems": err.problems }))
            };
            return respond::json(status, &body);
        }
    };
    let origin = req.headers().get("Origin")?;

    if is_metadata_path(&config.resource, &path) {
        return match req.method() {
            Method::Options => respond::preflight("*"),
            Method::Get | Method::Head => respond::metadata(config),
            _ => respond::json(405, &json!({ "error": "method_not_allowed" })),
        };
    }
    if path == "/health" {
        return health(&gateway, config).await;
    }
    if path != config.resource.path() {
        return respond::json(404, &json!({ "error": "not_found" }));
    }

    // MCP: a present Origin that is not allowed is refused (DNS rebinding).
    if origin.as_deref().is_some_and(|origin| !config.origin_allowed(origin)) {
        let response = respond::json(
            403,
            &json!({ "error": "forbidden_origin", "error_description": "This Origin may not call the MCP endpoint" }),
        );
        log_decision(&req, &path, 403, "deny", "forbidden_origin", None, None, started);
        return response;
    }
    if req.method() == Method::Options {
        return respond::preflight(origin.as_deref().unwrap_or("*"));
    }

    let mut req = req;
    let outcome = protected(&mut req, &url, env, &gateway, config).await?;
    let (response, status, reason, principal, tool) = match outcome {
        Outcome::Forwarded { response, principal, tool } => {
            let status = response.status_code();
            (response, status, "allowed", Some(principal), tool)
        }
        Outcome::Denied { response, reason, principal, tool } => {
            let status = response.status_code();
            (response, status, reason, principal, tool)
        }
    };
    let decision = if reason == "allowed" { "allow" } else { "deny" };
    log_decision(&req, &path, status, decision, reason, principal.as_ref(), tool.as_deref(), started);
    respond::with_cors(response, origin.as_deref())
}

enum Outcome {
    Forwarded { response: Response, principal: Principal, tool: Option<String> },
    Denied { response: Response, reason: &'static str, principal: Option<Principal>, tool: Option<String> },
}

async fn protected(
    req: &mut Request,
    url: &worker::Url,
    env: &Env,
    gateway: &Rc<Gateway>,
    config: &GatewayConfig,
) -> Result<Outcome> {
    let cooldown = config.key_cache.cooldown;
    let deny = |err: AuthError, principal: Option<Principal>, tool: Option<String>| -> Result<Outcome> {
        let response = respond::auth_error(&err, config, principal.as_ref().map(|p| &p.scopes), cooldown)?;
        Ok(Outcome::Denied { response, reason: err.reason(), principal, tool })
    };

    // 1. The token: header only (RFC 6750 §2.1; OAuth 2.1 §5.1.2 forbids the query).
    if url.query().is_some_and(token_in_query) {
        return deny(RequestError::TokenInQuery.into(), None, None);
    }
    let authorization = req.headers().get("Authorization")?;
    let token = match extract_bearer(authorization.as_deref()) {
        Ok(token) => token.to_owned(),
        Err(err) => return deny(err, None, None),
    };

    // 2. Verify: keys → select → signature → claims → principal (the core's seam).
    let now = now_seconds();
    let Some(keys) = current_keys(gateway, now).await else {
        return deny(AuthError::KeysUnavailable, None, None);
    };
    let principal = match verify_with_rotation(&token, keys, gateway, config, now).await {
        Ok(principal) => principal,
        Err(err) => return deny(err, None, None),
    };

    // 3. Per-client rate limit (optional binding).
    if let Some(limited) = rate_limit(env, &principal).await? {
        return Ok(Outcome::Denied {
            response: limited,
            reason: "rate_limited",
            principal: Some(principal),
            tool: None,
        });
    }

    // 4. What the body calls, and whether the token's scopes cover it.
    let mut body = None;
    let mut tool = None;
    if req.method() == Method::Post {
        let declared = declared_length(req.headers());
        let Some(bytes) = read_limited(req.stream().ok(), declared, MAX_BODY_BYTES).await? else {
            let response = respond::json(413, &json!({ "error": "request_too_large" }))?;
            return Ok(Outcome::Denied {
                response,
                reason: "body_too_large",
                principal: Some(principal),
                tool,
            });
        };
        let calls = match inspect_body(&bytes) {
            Ok(calls) => calls,
            Err(err) => {
                let response = respond::rpc_error(err)?;
                return Ok(Outcome::Denied {
                    response,
                    reason: "bad_jsonrpc",
                    principal: Some(principal),
                    tool,
                });
            }
        };
        tool = calls
            .iter()
            .find(|call| call.method.as_deref() == Some("tools/call"))
            .and_then(|call| call.target.clone());
        let (mcp_method, mcp_name) = (req.headers().get("Mcp-Method")?, req.headers().get("Mcp-Name")?);
        if let Err(err) = check_headers(&calls, mcp_method.as_deref(), mcp_name.as_deref()) {
            let response = respond::rpc_error(err)?;
            return Ok(Outcome::Denied {
                response,
                reason: "mcp_header_mismatch",
                principal: Some(principal),
                tool,
            });
        }
        if let Err(err) = config.tool_scopes.authorize(&calls, &principal.scopes) {
            return deny(err, Some(principal), tool);
        }
        body = Some(bytes);
    }

    // 5. Forward.
    match forward(req, body, &principal, &token, config).await? {
        Ok(response) => Ok(Outcome::Forwarded { response, principal, tool }),
        Err(failure) => {
            let (status, error, reason) = match failure {
                OriginFailure::Timeout => (504, "origin_timeout", "origin_timeout"),
                OriginFailure::Unreachable(detail) => {
                    console_error!(
                        "{}",
                        log::event("mcp_edge_guard.origin_unreachable", json!({ "detail": detail }))
                    );
                    (502, "origin_unreachable", "origin_unreachable")
                }
            };
            let response = respond::json(
                status,
                &json!({ "error": error, "error_description": "The MCP server did not respond" }),
            )?;
            Ok(Outcome::Denied { response, reason, principal: Some(principal), tool })
        }
    }
}

/// Verifies; when the token names a key we lack, refetches the keys once (if
/// the cooldown allows) so a rotation at the authorization server just works.
async fn verify_with_rotation(
    token: &str,
    keys: Arc<JwkSet>,
    gateway: &Rc<Gateway>,
    config: &GatewayConfig,
    now: i64,
) -> std::result::Result<Principal, AuthError> {
    match verify(token, &keys, &config.policy, now) {
        Err(TokenError::UnknownKeyId) => match keys_after_unknown_kid(gateway, now).await {
            Some(fresh) => verify(token, &fresh, &config.policy, now).map_err(AuthError::from),
            None => Err(TokenError::UnknownKeyId.into()),
        },
        other => other.map_err(AuthError::from),
    }
}

/// 429 when the client is over its limit; no binding means no limit.
async fn rate_limit(env: &Env, principal: &Principal) -> Result<Option<Response>> {
    let Ok(limiter) = env.rate_limiter(RATE_LIMITER) else { return Ok(None) };
    let key = principal
        .client_id
        .clone()
        .or_else(|| principal.subject.clone())
        .unwrap_or_else(|| "anonymous".into());
    if limiter.limit(key).await?.success {
        return Ok(None);
    }
    let mut response = respond::json(429, &json!({ "error": "rate_limit_exceeded" }))?;
    response.headers_mut().set("Retry-After", RATE_LIMIT_RETRY_AFTER)?;
    Ok(Some(response))
}

/// `/health`: configuration and reachability of the authorization server's keys.
async fn health(gateway: &Rc<Gateway>, config: &GatewayConfig) -> Result<Response> {
    let now = now_seconds();
    let keys = current_keys(gateway, now).await;
    let fresh = gateway.keys.borrow().is_fresh(now);
    let jwks_uri = gateway.jwks_uri.borrow().clone();
    let (status, state) = match (&keys, fresh) {
        (Some(_), true) => (200, "healthy"),
        (Some(_), false) => (503, "degraded"),
        (None, _) => (503, "degraded"),
    };
    respond::json(
        status,
        &json!({
            "status": state,
            "config": "ok",
            "resource": config.resource.as_str(),
            "issuer": config.policy.issuers.first(),
            "jwks_uri": jwks_uri,
            "keys": keys.as_ref().map(|keys| keys.keys().len()),
            "keys_fresh": fresh,
        }),
    )
}

#[allow(clippy::too_many_arguments)]
fn log_decision(
    req: &Request,
    path: &str,
    status: u16,
    decision: &str,
    reason: &str,
    principal: Option<&Principal>,
    tool: Option<&str>,
    started: u64,
) {
    let method = req.method().to_string();
    console_log!(
        "{}",
        log::decision(&Decision {
            method: &method,
            path,
            status,
            decision,
            reason,
            client_id: principal.and_then(|p| p.client_id.as_deref()),
            subject: principal.and_then(|p| p.subject.as_deref()),
            tool,
            latency_ms: worker::Date::now().as_millis().saturating_sub(started),
        })
    );
}

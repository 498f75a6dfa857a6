//! Admission, shaped like tower-http's authorizer: a request for the MCP
//! endpoint goes in, and out comes either the admitted request (verified
//! identity and checked body attached) or the typed [`Denial`]. Each step is
//! one line with `?`; no response is built here.
//!
//! Order: token (header only) → keys and verification → rate limit → body
//! (size, JSON-RPC, `Mcp-*` headers) → tool scopes.

use std::rc::Rc;

use worker::{Env, Method, Request, Url, console_error};

use super::fetch::{declared_length, read_limited};
use super::gateway::{Gateway, now_seconds};
use super::log;
use crate::http::bearer::{extract_bearer, token_in_query};
use crate::http::error::RequestError;
use crate::mcp::denial::Denial;
use crate::mcp::jsonrpc::{MAX_BODY_BYTES, check_headers, inspect_body};
use crate::verify::principal::Principal;

/// The optional `[[ratelimits]]` binding.
const RATE_LIMITER: &str = "RATE_LIMITER";

/// A request the gateway decided to forward.
pub struct Admitted {
    pub token: String,
    pub principal: Rc<Principal>,
    /// The POST body, read and checked; `None` for GET and DELETE.
    pub body: Option<Vec<u8>>,
}

/// What admission learned before it decided, for the log and the challenge.
#[derive(Default)]
pub struct Facts {
    pub principal: Option<Rc<Principal>>,
    /// The tool a `tools/call` names.
    pub tool: Option<String>,
}

pub async fn admit(
    req: &mut Request,
    url: &Url,
    env: &Env,
    gateway: &Gateway,
    facts: &mut Facts,
) -> Result<Admitted, Denial> {
    let config = &gateway.config;
    // 1. The token: header only (RFC 6750 §2.1; OAuth 2.1 §5.1.2 forbids the query).
    if url.query().is_some_and(token_in_query) {
        return Err(RequestError::TokenInQuery.into());
    }
    let authorization = req.headers().get("Authorization").ok().flatten();
    let token = extract_bearer(authorization.as_deref())?.to_owned();

    // 2. Keys → select → signature → claims → principal (the core's seam).
    let principal = Rc::new(gateway.keys.verify(&token, &config.policy, now_seconds()).await?);
    facts.principal = Some(Rc::clone(&principal));

    // 3. Per-client rate limit (optional binding).
    rate_limit(env, &principal).await?;

    // 4. What the body calls, and whether the token's scopes cover it.
    let mut body = None;
    if req.method() == Method::Post {
        let declared = declared_length(req.headers());
        let bytes = read_limited(req.stream().ok(), declared, MAX_BODY_BYTES)
            .await
            .map_err(|_| Denial::BodyUnreadable)?
            .ok_or(Denial::BodyTooLarge)?;
        let calls = inspect_body(&bytes)?;
        facts.tool = calls
            .iter()
            .find(|call| call.method.as_deref() == Some("tools/call"))
            .and_then(|call| call.target.clone());
        let header = |name: &str| req.headers().get(name).ok().flatten();
        check_headers(&calls, header("Mcp-Method").as_deref(), header("Mcp-Name").as_deref())?;
        config.tool_scopes.authorize(&calls, &principal.scopes)?;
        body = Some(bytes);
    }
    Ok(Admitted { token, principal, body })
}

/// 429 when the client is over its limit; no binding means no limit. A
/// failing binding lets the request through (limits are best effort) and is logged.
async fn rate_limit(env: &Env, principal: &Principal) -> Result<(), Denial> {
    let Ok(limiter) = env.rate_limiter(RATE_LIMITER) else { return Ok(()) };
    let key = principal.client_id.as_deref().or(principal.subject.as_deref()).unwrap_or("anonymous");
    match limiter.limit(key.to_owned()).await {
        Ok(outcome) if outcome.success => Ok(()),
        Ok(_) => Err(Denial::RateLimited),
        Err(err) => {
            console_error!(
                "{}",
                log::event(
                    "mcp_edge_guard.rate_limiter_failed",
                    serde_json::json!({ "detail": err.to_string() })
                )
            );
            Ok(())
        }
    }
}

//! Admission, shaped like tower-http's authorizer: a request for the MCP
//! endpoint goes in, and out comes either the admitted request (verified
//! identity, checked body, the origin's session id and target URL attached)
//! or the typed [`Denial`]. Each step is one line with `?`; no response is
//! built here.
//!
//! Order: token (header only) → keys and verification (after the per-IP
//! failure limit) → method → per-client rate limit → session binding → query
//! → body (media type, size, JSON-RPC, `Mcp-*` headers) → policy.

use std::sync::Arc;

use worker::{Env, console_error};

use super::anon_limit;
use super::fetch::{Body, read_body};
use super::gateway::{Gateway, now_seconds};
use super::log;
use super::request::Incoming;
use crate::http::bearer::extract_bearer;
use crate::http::error::{AuthError, RequestError};
use crate::http::media_type::check_json;
use crate::http::query::{forward_url, token_in_query};
use crate::mcp::denial::Denial;
use crate::mcp::jsonrpc::{MAX_BODY_BYTES, check_headers, inspect_body};
use crate::mcp::list_filter::ListFilter;
use crate::mcp::policy::{Caller, Decision};
use crate::mcp::rate_tiers::DEFAULT_BINDING;
use crate::mcp::session;
use crate::verify::principal::Principal;

/// The methods of the MCP endpoint that reach the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpMethod {
    Post,
    Get,
    Delete,
}

/// A request the gateway decided to forward.
pub struct Admitted {
    pub method: McpMethod,
    pub token: String,
    pub principal: Arc<Principal>,
    /// The POST body, read and checked; `None` for GET and DELETE.
    pub body: Option<Body>,
    /// `ORIGIN_URL` with the client's query parameters appended.
    pub target: String,
    /// The origin's own session id: unwrapped when sessions are bound.
    pub session: Option<String>,
    /// For a body with list requests the policy could shorten: their filter.
    pub lists: Option<ListFilter>,
}

/// What admission learned before it decided, for the log and the challenge.
#[derive(Default)]
pub struct Facts {
    pub principal: Option<Arc<Principal>>,
    /// The tool a `tools/call` names.
    pub tool: Option<String>,
}

pub async fn admit(
    req: &Incoming,
    env: &Env,
    gateway: &Gateway,
    facts: &mut Facts,
) -> Result<Admitted, Denial> {
    let config = &gateway.config;
    // 1. The token: header only (RFC 6750 §2.1; OAuth 2.1 §5.1.2 forbids the query).
    if req.query().is_some_and(token_in_query) {
        return Err(RequestError::TokenInQuery.into());
    }
    let header = |name: &str| req.header(name);
    let token = extract_bearer(header("Authorization").as_deref())?.to_owned();

    // 2. Keys → select → signature → claims → principal (the core's seam),
    //    unless this address already failed too often.
    anon_limit::check(gateway, req)?;
    let verified = gateway.keys.verify(&token, now_seconds(), &gateway.signatures, &gateway.tokens).await;
    let principal = match verified {
        Ok(principal) => principal,
        Err(err) => {
            // A forged or expired token counts against its address; keys we
            // could not fetch are not the client's failure.
            if matches!(err, AuthError::InvalidToken(_)) {
                anon_limit::count_failure(env, gateway, req).await;
            }
            return Err(err.into());
        }
    };
    facts.principal = Some(Arc::clone(&principal));

    // 3. Authenticated first, then the method (so a GET without a token is a 401).
    let method = match req.method.as_str() {
        "POST" => McpMethod::Post,
        "GET" => McpMethod::Get,
        "DELETE" => McpMethod::Delete,
        _ => return Err(Denial::MethodNotAllowed),
    };

    // 4. Per-client rate limit (optional bindings, by scope tier).
    rate_limit(env, gateway, &principal).await?;

    // 5. The session must be this principal's; the configured origin URL stays fixed.
    let session = match (header("Mcp-Session-Id"), &config.session_secret) {
        (Some(presented), Some(secret)) => {
            Some(session::unwrap(secret, &presented, &principal).map_err(|_| Denial::SessionNotFound)?)
        }
        (presented, _) => presented,
    };
    let target =
        forward_url(config.origin_url.as_str(), req.query()).map_err(|_| Denial::FixedQueryParameter)?;

    // 6. What the body calls, and whether the policy lets this token call it.
    let (mut body, mut lists) = (None, None);
    if method == McpMethod::Post {
        check_json(header("Content-Type").as_deref()).map_err(Denial::MediaType)?;
        let (mcp_method, mcp_name) = (header("Mcp-Method"), header("Mcp-Name"));
        let read = read_body(req, MAX_BODY_BYTES).await.map_err(|_| Denial::BodyUnreadable)?;
        let read = read.ok_or(Denial::BodyTooLarge)?;
        let calls = inspect_body(&read.bytes)?;
        facts.tool = calls
            .iter()
            .find(|call| call.method.as_deref() == Some("tools/call"))
            .and_then(|call| call.target.clone());
        check_headers(&calls, mcp_method.as_deref(), mcp_name.as_deref())?;
        match config.access.authorize(&calls, Caller::from(principal.as_ref())) {
            Decision::Allowed => {}
            Decision::InsufficientScope(required) => {
                return Err(AuthError::InsufficientScope { required }.into());
            }
            Decision::Denied(refusal) => return Err(Denial::AccessDenied(refusal)),
        }
        lists = ListFilter::new(&calls, &config.access, &principal, config.filter_lists);
        body = Some(read);
    } else if method == McpMethod::Get {
        // A resumed stream may replay list responses (MCP Streamable HTTP).
        lists = ListFilter::for_stream(&config.access, &principal, config.filter_lists);
    }
    Ok(Admitted { method, token, principal, body, target, session, lists })
}

/// 429 when the client is over the limit of its tier's binding; no binding
/// means no limit. A failing binding lets the request through (limits are
/// best effort) and is logged.
async fn rate_limit(env: &Env, gateway: &Gateway, principal: &Principal) -> Result<(), Denial> {
    let binding = gateway.config.rate_tiers.binding_for(&principal.scopes);
    if binding == DEFAULT_BINDING && !gateway.default_limiter_bound {
        return Ok(());
    }
    let Ok(limiter) = env.rate_limiter(binding) else { return Ok(()) };
    let key = principal.client_id.as_deref().or(principal.subject.as_deref()).unwrap_or("anonymous");
    match limiter.limit(key.to_owned()).await {
        Ok(outcome) if outcome.success => Ok(()),
        Ok(_) => Err(Denial::RateLimited),
        Err(err) => {
            console_error!("{}", log::rate_limiter_failed(binding, &err));
            Ok(())
        }
    }
}

//! Forwarding an admitted request to the MCP origin (MCP Streamable HTTP), and
//! its response back, body streamed untouched (SSE arrives event by event).
//!
//! The origin receives only what the gateway decided on: request headers are
//! an allow-list, the body's `Content-Type` is the one the gateway read it
//! as, `Mcp-Method`/`Mcp-Name` only with the body they were checked against,
//! the session id unwrapped for this principal, and the client's token only
//! when `FORWARD_TOKEN` says so. Redirects are never followed.

use std::time::Duration;

use worker::{Headers, Method, Request, RequestInit, RequestRedirect, Response, Result};

use super::admit::{Admitted, McpMethod};
use super::fetch::{FetchFailure, fetch_with_timeout};
use super::respond::copy_headers;
use crate::http::media_type;
use crate::mcp::config::GatewayConfig;
use crate::mcp::denial::OriginFailure;
use crate::mcp::identity::identity_headers;
use crate::mcp::session;

/// Request headers forwarded as they came.
const FORWARDED: [&str; 4] = ["Accept", "MCP-Protocol-Version", "Last-Event-ID", "User-Agent"];
/// Forwarded with a POST only: they describe its body (MCP 2026-07-28), and
/// were checked against it. (`Mcp-Param-*` are not checked, so never sent.)
const DESCRIBE_BODY: [&str; 2] = ["Mcp-Method", "Mcp-Name"];
/// Hop-by-hop response headers (RFC 9110 §7.6.1) are not relayed.
const HOP_BY_HOP: [&str; 7] =
    ["Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "TE", "Trailer"];
const SESSION_ID: &str = "Mcp-Session-Id";

/// Sends the request on to its target and returns the origin's response with
/// hop-by-hop headers removed, the session id wrapped, and the body left streaming.
pub async fn forward(
    request: &Request,
    admitted: Admitted,
    config: &GatewayConfig,
) -> Result<std::result::Result<Response, OriginFailure>> {
    let headers = origin_headers(request.headers(), &admitted, config)?;
    let method = match admitted.method {
        McpMethod::Post => Method::Post,
        McpMethod::Get => Method::Get,
        McpMethod::Delete => Method::Delete,
    };
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers).with_redirect(RequestRedirect::Manual);
    if let Some(body) = &admitted.body {
        // The checked bytes: the buffer they were read from, or a copy of them.
        let js = match &body.buffer {
            Some(buffer) => buffer.clone().into(),
            None => worker::js_sys::Uint8Array::from(body.bytes.as_slice()).into(),
        };
        init.with_body(Some(js));
    }
    let outbound = Request::new_with_init(&admitted.target, &init)?;
    let timeout = Duration::from_secs(u64::from(config.origin_timeout_seconds));
    let response = match fetch_with_timeout(outbound, timeout).await {
        Ok(response) => response,
        Err(FetchFailure::Timeout) => return Ok(Err(OriginFailure::Timeout)),
        Err(FetchFailure::Network(err)) => return Ok(Err(OriginFailure::Unreachable(err))),
    };
    if (300..400).contains(&response.status_code()) && response.status_code() != 304 {
        return Ok(Err(OriginFailure::Redirected));
    }
    let headers = copy_headers(response.headers(), &HOP_BY_HOP)?;
    if let (Some(secret), Some(id)) = (&config.session_secret, headers.get(SESSION_ID)?) {
        headers.set(SESSION_ID, &session::wrap(secret, &id, &admitted.principal))?;
    }
    Ok(Ok(response.with_headers(headers)))
}

fn origin_headers(incoming: &Headers, admitted: &Admitted, config: &GatewayConfig) -> Result<Headers> {
    let headers = Headers::new();
    let with_body = admitted.body.is_some();
    for (name, value) in incoming.entries() {
        let allowed = FORWARDED.iter().any(|forwarded| forwarded.eq_ignore_ascii_case(&name))
            || (with_body && DESCRIBE_BODY.iter().any(|describing| describing.eq_ignore_ascii_case(&name)));
        if allowed {
            headers.append(&name, &value)?;
        }
    }
    if with_body {
        // The charset the gateway decoded with; any other was refused (415).
        headers.set("Content-Type", media_type::JSON)?;
    }
    if let Some(session) = &admitted.session {
        headers.set(SESSION_ID, session)?;
    }
    if config.forward_token {
        headers.set("Authorization", &format!("Bearer {}", admitted.token))?;
    }
    // Set by the gateway only; the allow-list above already dropped client copies.
    for (name, value) in identity_headers(&admitted.principal) {
        headers.set(name, &value)?;
    }
    if let Some(secret) = &config.origin_secret {
        headers.set("X-Gateway-Secret", secret)?;
    }
    Ok(headers)
}

//! Forwarding an admitted request to the MCP origin (MCP Streamable HTTP), and
//! its response back, body streamed untouched (SSE arrives event by event).
//!
//! Request headers are an allow-list: what MCP needs, nothing else. So a
//! client can never smuggle in identity headers the origin trusts, and the
//! client's token reaches the origin only when `FORWARD_TOKEN` says so.

use std::time::Duration;

use worker::{Headers, Method, Request, RequestInit, Response, Result};

use super::admit::Admitted;
use super::fetch::{FetchFailure, fetch_with_timeout};
use super::respond::copy_headers;
use crate::mcp::config::GatewayConfig;
use crate::mcp::denial::OriginFailure;
use crate::mcp::identity::identity_headers;
use crate::verify::principal::Principal;

/// Request headers forwarded as they came (plus any `Mcp-Param-*`).
const FORWARDED: [&str; 8] = [
    "Accept",
    "Content-Type",
    "MCP-Protocol-Version",
    "Mcp-Session-Id",
    "Last-Event-ID",
    "Mcp-Method",
    "Mcp-Name",
    "User-Agent",
];
/// Hop-by-hop response headers (RFC 9110 §7.6.1) are not relayed.
const HOP_BY_HOP: [&str; 7] =
    ["Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "TE", "Trailer"];

/// Sends the request on to `ORIGIN_URL` and returns the origin's response
/// with hop-by-hop headers removed and the body left streaming.
pub async fn forward(
    request: &Request,
    admitted: Admitted,
    config: &GatewayConfig,
) -> Result<std::result::Result<Response, OriginFailure>> {
    let Admitted { token, principal, body } = admitted;
    let headers = origin_headers(request.headers(), &principal, &token, config)?;
    let mut target = config.origin_url.as_str().to_owned();
    if let Some(query) = request.url()?.query() {
        target = format!("{}?{query}", target.split('?').next().unwrap_or_default());
    }
    let mut init = RequestInit::new();
    init.with_method(request.method()).with_headers(headers);
    if let Some(body) = body.filter(|_| !matches!(request.method(), Method::Get | Method::Head)) {
        init.with_body(Some(worker::js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    let outbound = Request::new_with_init(&target, &init)?;
    let timeout = Duration::from_secs(u64::from(config.origin_timeout_seconds));
    Ok(match fetch_with_timeout(outbound, timeout).await {
        Ok(response) => {
            let headers = copy_headers(response.headers(), &HOP_BY_HOP)?;
            Ok(response.with_headers(headers))
        }
        Err(FetchFailure::Timeout) => Err(OriginFailure::Timeout),
        Err(FetchFailure::Network(err)) => Err(OriginFailure::Unreachable(err)),
    })
}

fn origin_headers(
    incoming: &Headers,
    principal: &Principal,
    token: &str,
    config: &GatewayConfig,
) -> Result<Headers> {
    let headers = Headers::new();
    for (name, value) in incoming.entries() {
        let allowed = FORWARDED.iter().any(|forwarded| forwarded.eq_ignore_ascii_case(&name))
            || name.to_ascii_lowercase().starts_with("mcp-param-");
        if allowed {
            headers.append(&name, &value)?;
        }
    }
    if config.forward_token {
        headers.set("Authorization", &format!("Bearer {token}"))?;
    }
    // Set by the gateway only; the allow-list above already dropped client copies.
    for (name, value) in identity_headers(principal) {
        headers.set(name, &value)?;
    }
    if let Some(secret) = &config.origin_secret {
        headers.set("X-Gateway-Secret", secret)?;
    }
    Ok(headers)
}

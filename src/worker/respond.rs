//! Building responses: JSON bodies, the core's rejections, metadata, CORS.
//! The only place that turns a decision into a `worker::Response`.

use serde::Serialize;
use worker::{Headers, Response, Result};

use crate::mcp::config::GatewayConfig;
use crate::mcp::denial::Rejection;

/// Request headers a browser MCP client may send (MCP Streamable HTTP).
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name";
/// Response headers a browser MCP client must be able to read.
const EXPOSE_HEADERS: &str = "WWW-Authenticate, Mcp-Session-Id";

/// A JSON response that no cache may keep.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    let mut response = Response::from_json(body)?.with_status(status);
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

/// A refusal or origin failure rendered by the core: status, headers, JSON body.
pub fn rejection(rejection: &Rejection) -> Result<Response> {
    let mut response = json(rejection.status, &rejection.body)?;
    for (name, value) in &rejection.headers {
        response.headers_mut().set(name, value)?;
    }
    Ok(response)
}

/// The Protected Resource Metadata document (RFC 9728 §3.2): public, cacheable,
/// readable from any origin.
pub fn metadata(config: &GatewayConfig) -> Result<Response> {
    let mut response = Response::from_json(&config.metadata())?;
    let headers = response.headers_mut();
    headers.set("Cache-Control", "public, max-age=3600")?;
    headers.set("Access-Control-Allow-Origin", "*")?;
    Ok(response)
}

/// Answers a CORS preflight (never authenticated: browsers send no credentials).
pub fn preflight(allow_origin: &str) -> Result<Response> {
    let mut response = Response::empty()?.with_status(204);
    let headers = response.headers_mut();
    headers.set("Access-Control-Allow-Origin", allow_origin)?;
    headers.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")?;
    headers.set("Access-Control-Allow-Headers", ALLOW_HEADERS)?;
    headers.set("Access-Control-Max-Age", "600")?;
    if allow_origin != "*" {
        headers.set("Vary", "Origin")?;
    }
    Ok(response)
}

/// Adds the CORS headers for an allowed browser origin to a response's
/// (mutable: the gateway built every response it returns) headers.
pub fn add_cors(headers: &Headers, origin: &str) -> Result<()> {
    headers.set("Access-Control-Allow-Origin", origin)?;
    headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS)?;
    // Added to the origin's own Vary (RFC 9110 §12.5.5), never replacing it.
    let vary = headers.get("Vary")?;
    let listed = vary.as_deref().is_some_and(|vary| {
        vary.split(',').map(str::trim).any(|name| name == "*" || name.eq_ignore_ascii_case("Origin"))
    });
    if !listed {
        headers.append("Vary", "Origin")?;
    }
    Ok(())
}

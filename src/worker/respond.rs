//! Building responses: JSON bodies, RFC 6750 challenges, metadata, CORS.

use serde::Serialize;
use worker::{Headers, Response, Result};

use crate::challenge::{ChallengeContext, challenge, error_body};
use crate::config::GatewayConfig;
use crate::error::AuthError;
use crate::jsonrpc::RpcError;
use crate::scope::ScopeSet;

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

/// An authentication or authorization failure: status, challenge, JSON body.
pub fn auth_error(
    err: &AuthError,
    config: &GatewayConfig,
    granted: Option<&ScopeSet>,
    cooldown: i64,
) -> Result<Response> {
    let metadata_url = config.metadata_url();
    let context = ChallengeContext {
        resource_metadata: &metadata_url,
        default_scopes: &config.scopes_supported,
        granted,
    };
    let mut response = json(err.status(), &error_body(err))?;
    if let Some(value) = challenge(err, &context) {
        response.headers_mut().set("WWW-Authenticate", &value)?;
    }
    if matches!(err, AuthError::KeysUnavailable) {
        response.headers_mut().set("Retry-After", &cooldown.max(1).to_string())?;
    }
    Ok(response)
}

/// A JSON-RPC error for a body that cannot be authorized (400).
pub fn rpc_error(err: RpcError) -> Result<Response> {
    json(400, &err.to_body())
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

/// Adds the CORS headers for an allowed browser origin to any response.
pub fn with_cors(mut response: Response, origin: Option<&str>) -> Result<Response> {
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.set("Access-Control-Allow-Origin", origin)?;
        headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS)?;
        headers.set("Vary", "Origin")?;
    }
    Ok(response)
}

/// Response headers are immutable on fetched responses; this copies them.
pub fn copy_headers(source: &Headers, skip: &[&str]) -> Result<Headers> {
    let headers = Headers::new();
    for (name, value) in source.entries() {
        if !skip.iter().any(|skipped| skipped.eq_ignore_ascii_case(&name)) {
            headers.append(&name, &value)?;
        }
    }
    Ok(headers)
}

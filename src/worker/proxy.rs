//! Forwarding an admitted request to the MCP origin (MCP Streamable HTTP), and
//! its response back, body streamed untouched (SSE arrives event by event).
//!
//! The origin receives only what the gateway decided on: request headers are
//! an allow-list, the body's `Content-Type` is the one the gateway read it
//! as, `Mcp-Method`/`Mcp-Name` only with the body they were checked against,
//! the session id unwrapped for this principal, and the client's token only
//! when `FORWARD_TOKEN` says so. Redirects are never followed. The answers to
//! list requests are filtered by the policy (`crate::mcp::list_filter`).

use std::sync::OnceLock;
use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};
use worker::{Headers, Result, web_sys};

use super::admit::{Admitted, McpMethod};
use super::fetch::{FetchFailure, declared_length, read_whole, send};
use super::glue::{self, EventFilter, SEP};
use super::request::Incoming;
use crate::http::{hop_by_hop, media_type};
use crate::mcp::config::GatewayConfig;
use crate::mcp::denial::OriginFailure;
use crate::mcp::identity::identity_headers;
use crate::mcp::list_filter::ListFilter;
use crate::mcp::session;
use crate::mcp::sse::{MAX_EVENT_BYTES, SseFilter};

/// Request headers forwarded as they came.
const FORWARDED: [&str; 4] = ["Accept", "MCP-Protocol-Version", "Last-Event-ID", "User-Agent"];
/// Forwarded with a POST only: they describe its body (MCP 2026-07-28), and
/// were checked against it. (`Mcp-Param-*` are not checked, so never sent.)
const DESCRIBE_BODY: [&str; 2] = ["Mcp-Method", "Mcp-Name"];
const SESSION_ID: &str = "Mcp-Session-Id";
/// The response headers read before the hop-by-hop ones are dropped (joined by `glue::SEP`).
const READ: &str = "Mcp-Session-Id\nConnection";
/// `hop_by_hop::FIXED` as `glue` takes it.
static HOP_BY_HOP: OnceLock<String> = OnceLock::new();

/// Sends the request on to its target and returns the origin's response with
/// hop-by-hop headers removed, the session id wrapped, and the body left streaming.
pub async fn forward(
    request: &Incoming,
    admitted: Admitted,
    config: &GatewayConfig,
) -> Result<std::result::Result<web_sys::Response, OriginFailure>> {
    let headers = glue::headers_from(&origin_headers(request, &admitted, config)?);
    let method = match admitted.method {
        McpMethod::Post => "POST",
        McpMethod::Get => "GET",
        McpMethod::Delete => "DELETE",
    };
    // The checked bytes: the buffer they were read from, or a copy of them.
    let body: Option<JsValue> = admitted.body.as_ref().map(|body| match &body.buffer {
        Some(buffer) => buffer.into(),
        None => worker::js_sys::Uint8Array::from(body.bytes.as_slice()).into(),
    });
    let timeout = Duration::from_secs(u64::from(config.origin_timeout_seconds));
    let response = match send(&admitted.target, method, &headers, body.as_ref(), timeout).await {
        Ok(response) => response,
        Err(FetchFailure::Timeout) => return Ok(Err(OriginFailure::Timeout)),
        Err(FetchFailure::Network(err)) => return Ok(Err(OriginFailure::Unreachable(err))),
    };
    let status = response.status();
    if (300..400).contains(&status) && status != 304 {
        return Ok(Err(OriginFailure::Redirected));
    }
    // Hop-by-hop fields are not relayed (RFC 9110 §7.6.1); the session id is
    // wrapped for this principal.
    let drop = HOP_BY_HOP.get_or_init(|| hop_by_hop::FIXED.join(&SEP.to_string()));
    let relay = |headers: &Headers, read: &worker::js_sys::Array| -> Result<()> {
        if let Some(connection) = read.get(2).as_string() {
            for name in hop_by_hop::listed_in_connection(&connection) {
                headers.delete(&name)?;
            }
        }
        match (&config.session_secret, read.get(1).as_string()) {
            (Some(secret), Some(id)) => {
                headers.set(SESSION_ID, &session::wrap(secret, &id, &admitted.principal))
            }
            _ => Ok(()),
        }
    };
    if let (Some(lists), true, Some(body)) = (admitted.lists, (200..300).contains(&status), response.body()) {
        let copied = glue::copy_headers(&response, drop, READ);
        let headers = Headers(copied.get(0).unchecked_into());
        relay(&headers, &copied)?;
        return filtered(lists, &headers, status, &response, body).await;
    }
    // Null-body statuses (RFC 9110 §6.4.1) may not be given even an empty stream.
    let bodyless = matches!(status, 101 | 103 | 204 | 205 | 304);
    let relayed = glue::relay(&response, bodyless, drop, READ);
    let response: web_sys::Response = relayed.get(0).unchecked_into();
    relay(&Headers(response.headers()), &relayed)?;
    Ok(Ok(response))
}

/// The origin's answer to list requests, with the lists filtered: a JSON
/// body read whole and rewritten, an SSE stream rewritten event by event.
/// Either way the answer is the caller's own (`Cache-Control: private`).
async fn filtered(
    lists: ListFilter,
    headers: &Headers,
    status: u16,
    response: &web_sys::Response,
    body: web_sys::ReadableStream,
) -> Result<std::result::Result<web_sys::Response, OriginFailure>> {
    let declared = declared_length(&headers.0);
    headers.set("Cache-Control", "private")?;
    headers.delete("Content-Length")?;
    let content_type = headers.get("Content-Type")?.unwrap_or_default();
    let essence = media_type::essence(&content_type);
    // A JSON answer in another charset would be read differently by a client
    // that honours it: not filtered as UTF-8, not passed on.
    if essence == media_type::JSON && media_type::check_json(Some(&content_type)).is_err() {
        return Ok(Err(OriginFailure::UnreadableList));
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers.0);
    let response = match essence.as_str() {
        media_type::JSON => {
            let read = read_whole(declared, || response.array_buffer(), Some(body), MAX_EVENT_BYTES).await?;
            let Some(read) = read else { return Ok(Err(OriginFailure::UnreadableList)) };
            let Ok(rewritten) = lists.filter_json(&read.bytes) else {
                return Ok(Err(OriginFailure::UnreadableList));
            };
            // Unchanged, the buffer read goes back as it is; else the new bytes.
            match (rewritten, read.buffer) {
                (None, Some(buffer)) => {
                    web_sys::Response::new_with_opt_buffer_source_and_init(Some(&buffer), &init)?
                }
                (rewritten, _) => {
                    let mut bytes = rewritten.unwrap_or(read.bytes);
                    web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut bytes), &init)?
                }
            }
        }
        media_type::EVENT_STREAM => {
            let events = glue::filter_events(&body, EventFilter::new(SseFilter::new(lists)));
            web_sys::Response::new_with_opt_readable_stream_and_init(Some(&events), &init)?
        }
        _ => return Ok(Err(OriginFailure::UnreadableList)),
    };
    Ok(Ok(response))
}

/// The origin request's headers as `glue::headers_from` takes them.
fn origin_headers(request: &Incoming, admitted: &Admitted, config: &GatewayConfig) -> Result<String> {
    let mut pairs = Pairs::default();
    let with_body = admitted.body.is_some();
    // Looked up by name, rather than walking every header the client sent.
    let describing: &[&str] = if with_body { &DESCRIBE_BODY } else { &[] };
    for name in FORWARDED.iter().chain(describing) {
        if let Some(value) = request.header(name) {
            pairs.set(name, &value)?;
        }
    }
    if with_body {
        // The charset the gateway decoded with; any other was refused (415).
        pairs.set("Content-Type", media_type::JSON)?;
    }
    if let Some(session) = &admitted.session {
        pairs.set(SESSION_ID, session)?;
    }
    if config.forward_token {
        pairs.set("Authorization", &format!("Bearer {}", admitted.token))?;
    }
    // Set by the gateway only; the allow-list above already dropped client copies.
    for (name, value) in identity_headers(&admitted.principal) {
        pairs.set(name, &value)?;
    }
    for (name, value) in config.claim_headers.values(&admitted.principal) {
        pairs.set(name, &value)?;
    }
    if let Some(secret) = &config.origin_secret {
        pairs.set("X-Gateway-Secret", secret)?;
    }
    Ok(pairs.0)
}

/// Name, value pairs joined by `glue::SEP`.
#[derive(Default)]
struct Pairs(String);

impl Pairs {
    /// A value holding the separator (no valid header value does) is an
    /// error, never a shifted pair.
    fn set(&mut self, name: &str, value: &str) -> Result<()> {
        if name.contains(SEP) || value.contains(SEP) {
            return Err(worker::Error::RustError(format!("header {name}: a line feed in its value")));
        }
        for part in [name, value] {
            if !self.0.is_empty() {
                self.0.push(SEP);
            }
            self.0.push_str(part);
        }
        Ok(())
    }
}

//! Outbound fetches with a deadline, and body reads with a size cap: every
//! byte and every millisecond the gateway spends on a peer is bounded.

use std::time::Duration;

use futures_util::StreamExt;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::Promise;
use worker::{ByteStream, web_sys};

use super::glue;
use super::request::Incoming;
use crate::exchange::wait;
use crate::js::error_message;

/// Why an outbound fetch produced no response.
#[derive(Debug)]
pub enum FetchFailure {
    Timeout,
    Network(String),
}

/// Sends a request with the platform's `fetch`, giving up (and aborting it)
/// when no response head has come within `timeout`; streamed bodies (SSE)
/// may run on. Redirects are returned, never followed. Plain `web_sys`
/// types throughout: workers-rs's wrappers would read the response's `cf`
/// object on every request.
pub async fn send(
    url: &str,
    method: &str,
    headers: &web_sys::Headers,
    body: Option<&JsValue>,
    timeout: Duration,
) -> Result<web_sys::Response, FetchFailure> {
    let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    let sent = glue::fetch_within(url, method, headers, body.unwrap_or(&JsValue::UNDEFINED), ms);
    match wait(sent).await {
        Ok(response) => Ok(response.unchecked_into()),
        Err(err) if err.as_string().as_deref() == Some("timeout") => Err(FetchFailure::Timeout),
        Err(err) => Err(FetchFailure::Network(error_message(&err, "fetch failed"))),
    }
}

/// Reads a body of at most `limit` bytes; `None` when it is longer.
pub async fn read_limited(
    stream: Option<ByteStream>,
    declared: Option<usize>,
    limit: usize,
) -> worker::Result<Option<Vec<u8>>> {
    if declared.is_some_and(|length| length > limit) {
        return Ok(None);
    }
    let Some(mut stream) = stream else { return Ok(Some(Vec::new())) };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// A body as the gateway read it: the bytes it inspects, and (when it could
/// read the body whole) the very buffer, so passing it on sends those bytes
/// without copying them back into JavaScript.
pub struct Body {
    pub bytes: Vec<u8>,
    pub buffer: Option<worker::js_sys::ArrayBuffer>,
}

/// Reads a request body of at most `limit` bytes; `None` when it is longer.
pub async fn read_body(request: &Incoming, limit: usize) -> worker::Result<Option<Body>> {
    let declared = request.header("Content-Length").and_then(|value| value.trim().parse().ok());
    read_whole(declared, || request.raw.array_buffer(), request.raw.body(), limit).await
}

/// Reads a message body of at most `limit` bytes; `None` when it is longer.
/// With a `Content-Length` within the limit, one `arrayBuffer()` call;
/// without one, chunk by chunk so an endless body stops at the limit.
pub async fn read_whole(
    declared: Option<usize>,
    array_buffer: impl FnOnce() -> Result<Promise, JsValue>,
    body: Option<web_sys::ReadableStream>,
    limit: usize,
) -> worker::Result<Option<Body>> {
    if declared.is_some_and(|length| length > limit) {
        return Ok(None);
    }
    if declared.is_some() {
        let buffer: worker::js_sys::ArrayBuffer = wait(array_buffer()?).await?.into();
        let bytes = worker::js_sys::Uint8Array::new(&buffer).to_vec();
        // The platform enforces Content-Length; this keeps the bound local.
        return Ok((bytes.len() <= limit).then_some(Body { bytes, buffer: Some(buffer) }));
    }
    let stream = body.map(ByteStream::from);
    Ok(read_limited(stream, None, limit).await?.map(|bytes| Body { bytes, buffer: None }))
}

/// The `Content-Length` a message declares, if any.
pub fn declared_length(headers: &web_sys::Headers) -> Option<usize> {
    headers.get("Content-Length").ok().flatten().and_then(|value| value.trim().parse().ok())
}

//! Outbound fetches with a deadline, and body reads with a size cap: every
//! byte and every millisecond the gateway spends on a peer is bounded.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::{Either, select};
use worker::{AbortController, ByteStream, Delay, Fetch, Request, Response};

/// Why an outbound fetch produced no response.
#[derive(Debug)]
pub enum FetchFailure {
    Timeout,
    Network(String),
}

/// Sends `request`, giving up (and aborting it) after `timeout`. The deadline
/// covers the response head only: streamed bodies (SSE) may run on.
pub async fn fetch_with_timeout(request: Request, timeout: Duration) -> Result<Response, FetchFailure> {
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let send = Box::pin(fetch.send_with_signal(&signal));
    let deadline = Box::pin(Delay::from(timeout));
    match select(send, deadline).await {
        Either::Left((result, _)) => result.map_err(|err| FetchFailure::Network(err.to_string())),
        Either::Right(((), _)) => {
            controller.abort();
            Err(FetchFailure::Timeout)
        }
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

/// A request body as the gateway read it: the bytes it inspects, and (when
/// it could read the body whole) the very buffer, so forwarding sends those
/// bytes without copying them back into JavaScript.
pub struct Body {
    pub bytes: Vec<u8>,
    pub buffer: Option<worker::js_sys::ArrayBuffer>,
}

/// Reads a request body of at most `limit` bytes; `None` when it is longer.
/// With a `Content-Length` within the limit, one `arrayBuffer()` call;
/// without one, chunk by chunk so an endless body stops at the limit.
pub async fn read_body(request: &mut Request, limit: usize) -> worker::Result<Option<Body>> {
    let declared = declared_length(request.headers());
    if declared.is_some_and(|length| length > limit) {
        return Ok(None);
    }
    if declared.is_some() {
        let buffer: worker::js_sys::ArrayBuffer =
            wasm_bindgen_futures::JsFuture::from(request.inner().array_buffer()?).await?.into();
        let bytes = worker::js_sys::Uint8Array::new(&buffer).to_vec();
        // The platform enforces Content-Length; this keeps the bound local.
        return Ok((bytes.len() <= limit).then_some(Body { bytes, buffer: Some(buffer) }));
    }
    Ok(read_limited(request.stream().ok(), None, limit).await?.map(|bytes| Body { bytes, buffer: None }))
}

/// The `Content-Length` a message declares, if any.
pub fn declared_length(headers: &worker::Headers) -> Option<usize> {
    headers.get("Content-Length").ok().flatten().and_then(|value| value.trim().parse().ok())
}

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

/// The `Content-Length` a message declares, if any.
pub fn declared_length(headers: &worker::Headers) -> Option<usize> {
    headers.get("Content-Length").ok().flatten().and_then(|value| value.trim().parse().ok())
}

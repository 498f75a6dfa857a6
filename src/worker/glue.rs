//! The bindings of `glue.js`: batched platform calls, so a request costs a
//! few wasm↔JS crossings instead of one per header, init field or timer.

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::{Array, Promise};
use worker::web_sys;

use super::log;
use crate::mcp::sse::{SseError, SseFilter};

/// What separates the fields of the joined strings (no header, name or URL holds one).
pub const SEP: char = '\n';

#[wasm_bindgen(module = "/src/worker/glue.js")]
extern "C" {
    /// URL, method, then `+value` or `-` for each of `names` (SEP-joined).
    #[wasm_bindgen(js_name = readRequest)]
    pub fn read_request(request: &web_sys::Request, names: &str) -> String;

    /// A new `Headers` from SEP-joined name, value pairs.
    #[wasm_bindgen(js_name = headersFrom)]
    pub fn headers_from(pairs: &str) -> web_sys::Headers;

    /// `fetch` with `redirect: "manual"` and a deadline on the response head;
    /// rejects with `"timeout"` when it passes.
    #[wasm_bindgen(js_name = fetchWithin)]
    pub fn fetch_within(
        url: &str,
        method: &str,
        headers: &web_sys::Headers,
        body: &JsValue,
        ms: u32,
    ) -> Promise;

    /// `[response, ...values]`: a copy of the response (its body stream
    /// moved over, unless `bodyless`) without the SEP-joined `drop` headers,
    /// and the values of the SEP-joined `read` ones (or null), read before
    /// any was dropped.
    pub fn relay(response: &web_sys::Response, bodyless: bool, drop: &str, read: &str) -> Array;

    /// `[headers, ...values]`: a mutable copy of the response's headers
    /// without the SEP-joined `drop` names, and the values of the `read` ones.
    #[wasm_bindgen(js_name = copyHeaders)]
    pub fn copy_headers(response: &web_sys::Response, drop: &str, read: &str) -> Array;

    /// `body` through a `TransformStream` that calls `filter.push` per chunk.
    #[wasm_bindgen(js_name = filterEvents)]
    pub fn filter_events(body: &web_sys::ReadableStream, filter: EventFilter) -> web_sys::ReadableStream;
}

/// The SSE list filter as `glue.js` drives it: one synchronous call per
/// chunk of the origin's stream, instead of a Rust stream polled through
/// futures (which cost more than the filtering).
#[wasm_bindgen]
pub struct EventFilter(SseFilter);

impl EventFilter {
    pub fn new(filter: SseFilter) -> Self {
        Self(filter)
    }
}

#[wasm_bindgen]
impl EventFilter {
    /// The bytes of the events this chunk completed; throws (the stream is
    /// cut) when a list response cannot be filtered, and logs why.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.0.push(chunk).map_err(|err| {
            let why = match err {
                SseError::Unreadable => "a list response could not be read",
                SseError::EventTooLarge => "an event is too large to filter",
            };
            worker::console_error!(
                "{}",
                log::event("mcp_edge_guard.stream_cut", serde_json::json!({ "detail": why }))
            );
            JsValue::from_str(why)
        })
    }
}

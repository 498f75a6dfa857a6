//! The bindings of `glue.js`: batched platform calls, so a request costs a
//! few wasm↔JS crossings instead of one per header, init field or timer.

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::{Array, Promise};
use worker::web_sys;

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

    /// `[headers, value]`: a mutable copy of the response's headers without
    /// the SEP-joined `drop` names, and the value of header `read` (or null).
    #[wasm_bindgen(js_name = copyHeaders)]
    pub fn copy_headers(response: &web_sys::Response, drop: &str, read: &str) -> Array;
}

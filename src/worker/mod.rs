//! The Cloudflare Workers adapter: the edge gateway in front of an MCP server.
//!
//! Everything that touches the platform lives here: the fetch entry point,
//! the JWKS cache on isolate memory and the Cache API, outbound fetches with
//! timeouts, and proxying. Every rule is the core's (`verify/`, `keys/`, `http/`, `mcp/`).

mod admit;
mod anon_limit;
mod fetch;
mod gateway;
mod glue;
mod handler;
mod keys;
mod log;
mod proxy;
mod request;
mod respond;

use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::Promise;
use worker::{Env, console_error, web_sys};

/// The fetch handler, as worker-build's entry calls it: the platform's own
/// `Request` in (workers-rs's wrapper would read the `cf` object on every
/// request; the gateway needs none), a promise of the `Response` out, driven
/// by `exchange.js` rather than by wasm-bindgen-futures (see `exchange`).
#[wasm_bindgen]
pub fn fetch(req: web_sys::Request, env: Env, _ctx: wasm_bindgen::JsValue) -> Promise {
    crate::exchange::run(async move {
        let response = match handler::handle(req, &env).await {
            Ok(response) => response,
            // A bug or a platform failure: never a stack trace, never a pass-through.
            Err(err) => {
                console_error!("{}", log::internal_error(&err.to_string()));
                internal_error()
            }
        };
        Ok(response.into())
    })
}

/// The JSON 500; a network error if even that cannot be built.
fn internal_error() -> web_sys::Response {
    respond::json(500, &serde_json::json!({ "error": "internal_error" }))
        .map(Into::into)
        .unwrap_or_else(|_| web_sys::Response::error())
}

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

use worker::{Context, Env, Result, console_error, event, web_sys};

/// The platform's own `Request` in and `Response` out (workers-rs's wrappers
/// would read the `cf` objects on every request; the gateway needs neither).
#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
    match handler::handle(req, &env).await {
        Ok(response) => Ok(response),
        // A bug or a platform failure: never a stack trace, never a pass-through.
        Err(err) => {
            console_error!("{}", log::internal_error(&err.to_string()));
            respond::json(500, &serde_json::json!({ "error": "internal_error" })).map(Into::into)
        }
    }
}

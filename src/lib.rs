//! mcp-edge-guard: an edge token gateway for MCP servers, and the verifier
//! core it shares with its npm package.
//!
//! Given a bearer token, the authorization server's key set, a [`Policy`] and
//! the current time, [`verify`] answers: is this a valid access token for this
//! resource (RFC 9068), and what may it do? The core does no I/O and reads no
//! clock, so the Workers gateway and the npm bindings wrap the very same code.
//!
//! Layers, one folder each:
//! - `verify/`: one token against one key set and policy (RFC 7515/7519/9068, RFC 8725)
//! - `keys/`: the key set (RFC 7517), key choice, cache rules and the one refresh loop
//! - `http/`: bearer extraction, errors and challenges (RFC 6750), metadata (RFC 9728), PKCE
//! - `mcp/`: the gateway's configuration and MCP rules (JSON-RPC bodies, tool scopes, identity)
//! - `worker/` (feature `worker`) and `npm/` (feature `npm`): the platform adapters, I/O only

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

mod base64url;
mod http;
// The key cache and refresh loop serve the adapters; the featureless build
// (the core's own tests) compiles them without a caller.
#[cfg(all(target_arch = "wasm32", any(feature = "worker", feature = "npm")))]
mod exchange;
#[cfg(all(target_arch = "wasm32", any(feature = "worker", feature = "npm")))]
mod js;
#[cfg_attr(not(any(feature = "worker", feature = "npm")), allow(dead_code))]
mod keys;
mod mcp;
#[cfg(all(feature = "npm", target_arch = "wasm32"))]
mod npm;
#[cfg(test)]
mod testing;
mod verify;
#[cfg(all(target_arch = "wasm32", any(feature = "worker", feature = "npm")))]
mod webcrypto;
#[cfg(feature = "worker")]
mod worker;

pub use http::bearer::extract_bearer;
pub use http::challenge::{ChallengeContext, challenge, error_body};
pub use http::error::{AuthError, ErrorCode, RequestError};
pub use http::media_type::{MediaTypeError, check_json};
pub use http::metadata::{ProtectedResourceMetadata, is_metadata_path, metadata_url};
pub use http::pkce;
pub use http::query::{FixedParameter, forward_url, token_in_query};
pub use http::url::{HttpUrl, UrlError};
pub use keys::jwks::{JwkSet, JwksError, SkipReason, SkippedKey};
pub use keys::selection::select_keys;
pub use mcp::jsonrpc::{MAX_BODY_BYTES, RpcCall, RpcError, check_headers, inspect_body};
pub use mcp::list_filter::{FilterLists, ListFilter, Unreadable};
pub use mcp::policy::AccessPolicy;
pub use mcp::policy::error::{PolicyError, RuleError};
pub use mcp::sse::{SseError, SseFilter};
pub use verify::algorithm::Algorithm;
pub use verify::error::TokenError;
pub use verify::policy::Policy;
pub use verify::principal::Principal;
pub use verify::scope::ScopeSet;
#[cfg(feature = "portable-crypto")]
pub use verify::verify;

//! mcp-edge-guard: the verifier core of an edge token gateway for MCP servers.
//!
//! Given a bearer token, the authorization server's key set, a [`Policy`] and
//! the current time, [`verify`] answers: is this a valid access token for this
//! resource (RFC 9068), and what may it do? The core does no I/O and reads no
//! clock, so the Workers handler and the npm bindings wrap the very same code.
//!
//! Module map, in the order a request meets them:
//! - [`bearer`]: the token out of the `Authorization` header (RFC 6750 §2.1)
//! - [`token`]: decoding and pre-signature header rules (RFC 7515, RFC 8725)
//! - [`algorithm`]: which JWS algorithms exist for us, and their key families
//! - [`jwks`]: the key set (RFC 7517)
//! - [`key_selection`]: which keys may verify this token
//! - `signature`: the signature check (jwt-compact)
//! - `claims`: `typ`, `iss`, `aud`, `exp`/`nbf`/`iat`, required claims (RFC 9068 §4)
//! - [`scope`]: scope claims and the `:*` hierarchy
//! - [`principal`]: the verified identity handed to the caller
//! - [`error`]: one error type, mapped onto RFC 6750 codes
//!
//! And for the gateway, still platform-free:
//! - [`config`]: the gateway's settings, validated
//! - [`url`]: the small URL handling the settings need
//! - [`metadata`]: Protected Resource Metadata (RFC 9728)
//! - [`challenge`]: `WWW-Authenticate` and JSON error bodies (RFC 6750 §3)
//! - [`jsonrpc`]: what an MCP POST body calls
//! - [`tool_scopes`]: which scopes each tool needs
//! - [`key_cache`]: when to fetch keys and how long to trust them
//! - [`identity`]: the identity headers handed to the origin
//! - [`pkce`]: PKCE verifiers and S256 challenges for clients (RFC 7636)

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

pub mod algorithm;
pub mod bearer;
pub mod challenge;
mod claims;
pub mod config;
pub mod error;
pub mod identity;
pub mod jsonrpc;
pub mod jwks;
pub mod key_cache;
pub mod key_selection;
pub mod metadata;
#[cfg(all(feature = "npm", target_arch = "wasm32"))]
mod npm;
pub mod pkce;
pub mod policy;
pub mod principal;
pub mod scope;
mod signature;
pub mod token;
pub mod tool_scopes;
pub mod url;
mod verify;
#[cfg(feature = "worker")]
mod worker;

pub use algorithm::Algorithm;
pub use bearer::extract_bearer;
pub use error::{AuthError, ErrorCode, RequestError, TokenError};
pub use jwks::{JwkSet, JwksError};
pub use policy::Policy;
pub use principal::Principal;
pub use scope::ScopeSet;
pub use verify::verify;

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

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

pub mod algorithm;
pub mod bearer;
mod claims;
pub mod error;
pub mod jwks;
pub mod key_selection;
pub mod policy;
pub mod principal;
pub mod scope;
mod signature;
pub mod token;
mod verify;

pub use algorithm::Algorithm;
pub use bearer::extract_bearer;
pub use error::{AuthError, ErrorCode, RequestError, TokenError};
pub use jwks::{JwkSet, JwksError};
pub use policy::Policy;
pub use principal::Principal;
pub use scope::ScopeSet;
pub use verify::verify;

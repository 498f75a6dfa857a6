//! The gateway's MCP rules, platform-free: its configuration, what a JSON-RPC
//! body calls, the authorization policy and the list filter, the identity
//! handed to the origin. The Workers adapter does only the I/O around them.

// Configuration, refusals and identity headers are the Workers gateway's alone.
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod claim_headers;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod config;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod denial;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod identity;
pub(crate) mod jsonrpc;
#[cfg_attr(not(any(feature = "worker", feature = "npm")), allow(dead_code))]
pub(crate) mod list_filter;
#[cfg_attr(not(any(feature = "worker", feature = "npm")), allow(dead_code))]
pub(crate) mod policy;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod rate_tiers;
#[cfg_attr(not(any(feature = "worker", feature = "npm")), allow(dead_code))]
pub(crate) mod raw_json;
pub(crate) mod resource_uri;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod secret;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod session;
pub(crate) mod sse;

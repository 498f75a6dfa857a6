//! The gateway's MCP rules, platform-free: its configuration, what a JSON-RPC
//! body calls, which scopes each tool needs, and the identity handed to the
//! origin. The Workers adapter does only the I/O around them.

// Configuration, refusals and identity headers are the Workers gateway's alone.
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod config;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod denial;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod identity;
pub(crate) mod jsonrpc;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod secret;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod session;
pub(crate) mod tool_scopes;

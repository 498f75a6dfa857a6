//! The resource server's HTTP face, platform-free: the bearer token out of the
//! request (RFC 6750 §2), the errors and challenges it answers with (RFC 6750
//! §3), Protected Resource Metadata (RFC 9728), and PKCE for clients (RFC 7636).

pub(crate) mod bearer;
pub(crate) mod challenge;
pub(crate) mod error;
// Only the Worker proxies.
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod hop_by_hop;
pub(crate) mod media_type;
pub(crate) mod metadata;
pub mod pkce;
pub(crate) mod query;
pub(crate) mod url;

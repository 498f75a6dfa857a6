//! The authorization server's keys: parsing the JWKS (RFC 7517), choosing the
//! keys that may verify a token, the rules of when to fetch and how long to
//! trust, and the one refresh loop both adapters drive with their own I/O.

pub(crate) mod cache;
pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod event;
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) mod issuers;
mod jwk;
pub(crate) mod jwks;
pub(crate) mod remote;
pub(crate) mod selection;
pub(crate) mod source;

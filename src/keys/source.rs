//! What a platform supplies to the key-set loop ([`super::remote`]): HTTP
//! GETs with a deadline and a size cap, a copy shared between instances if it
//! has one, a timer of the calling request's own, a clock and a log.

use std::time::Duration;

use crate::keys::error::KeyFetchError;
use crate::keys::event::KeyEvent;

/// How long the authorization server gets to answer one metadata or JWKS request.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// A metadata or JWKS response: the body and its `Cache-Control`.
pub(crate) struct Fetched {
    pub body: Vec<u8>,
    pub cache_control: Option<String>,
}

/// A key set another instance stored, with the times that govern it.
pub(crate) struct SharedCopy {
    pub body: Vec<u8>,
    pub fetched_at: i64,
    pub fresh_until: i64,
}

/// The I/O a platform supplies to the loop.
pub(crate) trait KeySource {
    /// GETs a JSON document: 200 only, at most `MAX_JWKS_BYTES`, within [`FETCH_TIMEOUT`].
    async fn get(&self, url: &str) -> Result<Fetched, KeyFetchError>;
    /// A copy stored by another instance (the Workers Cache API), if the platform shares one.
    async fn read_shared(&self, _jwks_uri: &str) -> Result<Option<SharedCopy>, KeyFetchError> {
        Ok(None)
    }
    /// Shares a fetched copy for `keep_for` seconds.
    async fn write_shared(
        &self,
        _jwks_uri: &str,
        _copy: &SharedCopy,
        _keep_for: i64,
    ) -> Result<(), KeyFetchError> {
        Ok(())
    }
    /// Waits on this request's own timer.
    async fn sleep(&self, duration: Duration);
    /// Wall-clock milliseconds, for the refresh marker.
    fn clock_millis(&self) -> u64;
    fn report(&self, event: KeyEvent<'_>);
}

//! The one key-set refresh loop, shared by the Workers gateway and the npm
//! package: each supplies only I/O through [`KeySource`].
//!
//! - Keys are fetched when due ([`KeyCache`] rules) or when a token names an
//!   unknown `kid` (rotation), at most once per cooldown.
//! - Single flight per instance: while one request fetches, the others wait
//!   on their own timer and then read the parsed keys it stored. They never
//!   await the fetching request's I/O (Workers cancels a request that waits on
//!   another request's I/O), and only the fetching request touches a Response.
//! - A fetch whose request was cancelled cannot leave waiters hanging: after
//!   the longest a refresh can take, its marker no longer counts and the next
//!   waiter fetches itself.
//! - Every failed refresh is reported once and kept for `/health`; keys the
//!   JWKS carries but we skip are reported once per fetch.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;

use crate::http::error::AuthError;
use crate::keys::cache::{CachedKeys, KeyCache, KeyCacheSettings};
use crate::keys::discovery::{discovery_urls, jwks_uri_from_metadata};
use crate::keys::error::{KeyFetchError, RefreshFailure};
use crate::keys::event::KeyEvent;
use crate::keys::jwks::JwkSet;
use crate::keys::source::{FETCH_TIMEOUT, KeySource, SharedCopy};
use crate::verify::cache::TokenCache;
use crate::verify::error::TokenError;
use crate::verify::policy::Policy;
use crate::verify::principal::Principal;
use crate::verify::signature::SignatureVerifier;
use crate::verify::verify_cached;

/// How far ahead of our clock another instance's may be.
const CLOCK_SKEW: i64 = 60;
/// How often a request waiting for another's refresh looks again.
const POLL: Duration = Duration::from_millis(20);

/// The keys of one authorization server, fetched and cached.
pub(crate) struct RemoteKeys<S> {
    source: S,
    /// For discovery and logs.
    issuer: String,
    /// Given, or discovered from the issuer's metadata on first use.
    jwks_uri: RefCell<Option<String>>,
    cache: RefCell<KeyCache>,
    /// The refresh now running: (id, wall-clock ms when it started).
    running: Cell<Option<(u64, u64)>>,
    refreshes: Cell<u64>,
    last_failure: RefCell<Option<RefreshFailure>>,
}

/// What `/health` shows about the keys.
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
pub(crate) struct KeyStatus {
    pub fresh: bool,
    pub last_failure: Option<RefreshFailure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waited {
    /// No refresh was running.
    Idle,
    /// Another request's refresh ended; its result is in the cache.
    Finished,
    /// Another request's refresh outlived any refresh: its request is gone.
    Abandoned,
}

impl<S: KeySource> RemoteKeys<S> {
    pub(crate) fn new(
        source: S,
        issuer: String,
        jwks_uri: Option<String>,
        settings: KeyCacheSettings,
    ) -> Self {
        Self {
            source,
            issuer,
            jwks_uri: RefCell::new(jwks_uri),
            cache: RefCell::new(KeyCache::new(settings)),
            running: Cell::new(None),
            refreshes: Cell::new(0),
            last_failure: RefCell::new(None),
        }
    }

    /// Verifies `token` (through the verified-token cache); when it names a
    /// key we lack, refetches once (if the cooldown allows) so a rotation at
    /// the authorization server just works.
    pub(crate) async fn verify<V: SignatureVerifier>(
        &self,
        token: &str,
        policy: &Policy,
        now: i64,
        signatures: &V,
        tokens: &TokenCache,
    ) -> Result<Arc<Principal>, AuthError> {
        let keys = self.current(now).await.ok_or(AuthError::KeysUnavailable)?;
        match verify_cached(token, &keys, policy, now, signatures, tokens).await {
            Err(TokenError::UnknownKeyId) => {
                let fresh = self.after_unknown_kid(now).await.ok_or(TokenError::UnknownKeyId)?;
                Ok(verify_cached(token, &fresh, policy, now, signatures, tokens).await?)
            }
            other => Ok(other?),
        }
    }

    /// Keys to verify with now. Due keys are refreshed first by the request
    /// that finds them due (within the cooldown); while a refresh runs, a
    /// request with usable keys at hand uses them and never waits: only a
    /// request with nothing to verify with waits for it (bounded).
    pub(crate) async fn current(&self, now: i64) -> Option<Arc<JwkSet>> {
        if !self.refresh_running() {
            if self.cache.borrow().needs_refresh(now) {
                self.refresh(now).await;
            }
        } else if self.cache.borrow().usable(now).is_none()
            && self.wait_for_refresh().await == Waited::Abandoned
        {
            self.refresh(now).await;
        }
        self.cache.borrow().usable(now).cloned()
    }

    /// After a token named an unknown `kid`: the keys after a refetch (one per
    /// cooldown, or the one another request is making); `None` when none was
    /// allowed or it failed.
    async fn after_unknown_kid(&self, now: i64) -> Option<Arc<JwkSet>> {
        let refreshed = match self.wait_for_refresh().await {
            Waited::Finished => true,
            Waited::Abandoned => self.refresh(now).await,
            Waited::Idle if self.cache.borrow().may_refresh_for_unknown_kid(now) => self.refresh(now).await,
            Waited::Idle => false,
        };
        if refreshed { self.cache.borrow().usable(now).cloned() } else { None }
    }

    #[cfg_attr(not(feature = "worker"), allow(dead_code))]
    pub(crate) fn status(&self, now: i64) -> KeyStatus {
        let cache = self.cache.borrow();
        KeyStatus { fresh: cache.is_fresh(now), last_failure: self.last_failure.borrow().clone() }
    }

    /// Fetches now; whether keys were stored. A failure is reported and kept.
    async fn refresh(&self, now: i64) -> bool {
        self.cache.borrow_mut().record_attempt(now);
        let id = self.refreshes.get().wrapping_add(1);
        self.refreshes.set(id);
        self.running.set(Some((id, self.source.clock_millis())));
        let _marker = RunningMarker { running: &self.running, id };
        match self.load(now).await {
            Ok(()) => {
                *self.last_failure.borrow_mut() = None;
                true
            }
            Err(failure) => {
                self.source.report(KeyEvent::RefreshFailed { issuer: &self.issuer, failure: &failure });
                *self.last_failure.borrow_mut() = Some(failure);
                false
            }
        }
    }

    /// Waits while another request refreshes, at most as long as a refresh can take.
    async fn wait_for_refresh(&self) -> Waited {
        let mut waited = Waited::Idle;
        while let Some((_, since)) = self.running.get() {
            if self.source.clock_millis().saturating_sub(since) >= self.refresh_limit_ms() {
                self.abandon_refresh();
                return Waited::Abandoned;
            }
            waited = Waited::Finished;
            self.source.sleep(POLL).await;
        }
        waited
    }

    /// Whether a refresh is running; one that outlived any refresh is abandoned.
    fn refresh_running(&self) -> bool {
        match self.running.get() {
            Some((_, since))
                if self.source.clock_millis().saturating_sub(since) >= self.refresh_limit_ms() =>
            {
                self.abandon_refresh();
                false
            }
            running => running.is_some(),
        }
    }

    /// The request of the running refresh went away mid-fetch: its attempt
    /// never completed, so it does not hold back the next one by a cooldown.
    fn abandon_refresh(&self) {
        self.running.set(None);
        self.cache.borrow_mut().forget_attempt();
    }

    /// Each request a refresh makes has its own timeout; one second of margin.
    fn refresh_limit_ms(&self) -> u64 {
        let requests: u32 = if self.jwks_uri.borrow().is_some() { 1 } else { 3 };
        u64::try_from((FETCH_TIMEOUT * requests + Duration::from_secs(1)).as_millis()).unwrap_or(u64::MAX)
    }

    async fn load(&self, now: i64) -> Result<(), RefreshFailure> {
        let uri = self.jwks_uri().await?;
        // A cold instance first looks for another instance's copy.
        if self.cache.borrow().current().is_none() {
            match self.shared_copy(&uri, now).await {
                Ok(Some(shared)) if now < shared.fresh_until => {
                    self.cache.borrow_mut().store_shared(shared);
                    return Ok(());
                }
                // Stale: usable through an outage, but fetched anew now.
                Ok(Some(shared)) => self.cache.borrow_mut().store(shared),
                Ok(None) => {}
                Err(error) => {
                    self.source.report(KeyEvent::SharedCopyFailed { jwks_uri: &uri, error: &error })
                }
            }
        }
        let fetched = self.source.get(&uri).await.map_err(|error| RefreshFailure::at(&uri, error))?;
        let keys = JwkSet::parse(&fetched.body).map_err(|error| RefreshFailure::at(&uri, error.into()))?;
        if !keys.skipped().is_empty() {
            self.source.report(KeyEvent::KeysSkipped { jwks_uri: &uri, skipped: keys.skipped() });
        }
        let (ttl, settings) = {
            let cache = self.cache.borrow();
            (cache.ttl_for(fetched.cache_control.as_deref()), cache.settings())
        };
        let fresh_until = now.saturating_add(ttl);
        let copy = SharedCopy { body: fetched.body, fetched_at: now, fresh_until };
        let keep_for = ttl.saturating_add(settings.max_stale);
        if let Err(error) = self.source.write_shared(&uri, &copy, keep_for).await {
            // Costs other instances one fetch each; worth a log line, not a failure.
            self.source.report(KeyEvent::SharedCopyFailed { jwks_uri: &uri, error: &error });
        }
        self.cache.borrow_mut().store(CachedKeys { keys: Arc::new(keys), fetched_at: now, fresh_until });
        Ok(())
    }

    /// Another instance's copy, its freshness clamped to our `max_age` (a
    /// copy cannot extend its own life) and refused when fetched in the future.
    async fn shared_copy(&self, uri: &str, now: i64) -> Result<Option<CachedKeys>, KeyFetchError> {
        let Some(copy) = self.source.read_shared(uri).await? else { return Ok(None) };
        if copy.fetched_at > now.saturating_add(CLOCK_SKEW) {
            return Err(KeyFetchError::SharedCopyRejected);
        }
        let max_age = self.cache.borrow().settings().max_age;
        let fresh_until = copy.fresh_until.min(copy.fetched_at.saturating_add(max_age));
        let keys = JwkSet::parse(&copy.body)?;
        Ok(Some(CachedKeys { keys: Arc::new(keys), fetched_at: copy.fetched_at, fresh_until }))
    }

    /// The JWKS URI: given, or from the first metadata document that belongs to the issuer.
    async fn jwks_uri(&self) -> Result<String, RefreshFailure> {
        if let Some(uri) = self.jwks_uri.borrow().clone() {
            return Ok(uri);
        }
        let mut failure = RefreshFailure { attempts: Vec::new() };
        for url in discovery_urls(&self.issuer) {
            let found =
                self.source.get(&url).await.and_then(|doc| jwks_uri_from_metadata(&doc.body, &self.issuer));
            match found {
                Ok(uri) => {
                    *self.jwks_uri.borrow_mut() = Some(uri.clone());
                    return Ok(uri);
                }
                Err(error) => failure.attempts.push((url, error)),
            }
        }
        Err(failure)
    }
}

/// Clears the refresh marker when the refresh ends, however it ends (a dropped
/// future included), unless a newer refresh has taken over.
struct RunningMarker<'a> {
    running: &'a Cell<Option<(u64, u64)>>,
    id: u64,
}

impl Drop for RunningMarker<'_> {
    fn drop(&mut self) {
        if self.running.get().is_some_and(|(id, _)| id == self.id) {
            self.running.set(None);
        }
    }
}

#[cfg(test)]
#[path = "remote_tests.rs"]
mod tests;

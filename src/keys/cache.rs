//! When to (re)fetch the authorization server's keys and how long to trust
//! the ones we have: the pure rules behind the gateway's JWKS cache.
//!
//! - Keys are fresh for the TTL the JWKS response's `Cache-Control` gives
//!   (RFC 9111 §5.2.2.1 `max-age`), clamped to [cooldown, max age].
//! - A token naming an unknown `kid` may trigger a refetch (key rotation), but
//!   at most one per cooldown: forged kids cannot make us hammer the AS.
//! - When a refetch fails, the last good keys stay usable for `max_stale`
//!   past their freshness, so an AS outage does not become our outage.
//!
//! Times are Unix seconds passed in by the caller.

use std::sync::Arc;

use crate::keys::jwks::JwkSet;

/// The three knobs of the cache (`JWKS_*_SECONDS` in the gateway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCacheSettings {
    pub max_age: i64,
    pub cooldown: i64,
    pub max_stale: i64,
}

impl Default for KeyCacheSettings {
    fn default() -> Self {
        Self { max_age: 600, cooldown: 30, max_stale: 86_400 }
    }
}

/// A key set and the times that govern it.
#[derive(Debug, Clone)]
pub struct CachedKeys {
    pub keys: Arc<JwkSet>,
    pub fetched_at: i64,
    pub fresh_until: i64,
}

/// The cache state of one key set.
#[derive(Debug, Clone, Default)]
pub struct KeyCache {
    settings: KeyCacheSettings,
    current: Option<CachedKeys>,
    last_attempt: Option<i64>,
}

impl KeyCache {
    pub fn new(settings: KeyCacheSettings) -> Self {
        Self { settings, current: None, last_attempt: None }
    }

    pub fn settings(&self) -> KeyCacheSettings {
        self.settings
    }

    pub fn current(&self) -> Option<&CachedKeys> {
        self.current.as_ref()
    }

    /// Keys that may still verify tokens at `now`: fresh, or stale within `max_stale`.
    pub fn usable(&self, now: i64) -> Option<&Arc<JwkSet>> {
        self.current
            .as_ref()
            .filter(|cached| now < cached.fresh_until.saturating_add(self.settings.max_stale))
            .map(|cached| &cached.keys)
    }

    pub fn is_fresh(&self, now: i64) -> bool {
        self.current.as_ref().is_some_and(|cached| now < cached.fresh_until)
    }

    /// Whether the cooldown since the last fetch attempt has passed.
    pub fn cooled_down(&self, now: i64) -> bool {
        self.last_attempt.is_none_or(|last| now >= last.saturating_add(self.settings.cooldown))
    }

    /// Whether to fetch before serving: the keys are not fresh and we have not
    /// tried within the cooldown (a failing AS is retried once per cooldown).
    pub fn needs_refresh(&self, now: i64) -> bool {
        !self.is_fresh(now) && self.cooled_down(now)
    }

    /// Whether a token's unknown `kid` may trigger a refetch now.
    pub fn may_refresh_for_unknown_kid(&self, now: i64) -> bool {
        self.cooled_down(now)
    }

    /// Notes that a fetch is starting (successful or not, it counts for the cooldown).
    pub fn record_attempt(&mut self, now: i64) {
        self.last_attempt = Some(now);
    }

    /// Forgets an attempt that never completed (its request went away).
    pub fn forget_attempt(&mut self) {
        self.last_attempt = None;
    }

    /// Stores a newly fetched key set.
    pub fn store(&mut self, cached: CachedKeys) {
        self.current = Some(cached);
    }

    /// Stores a copy another instance fetched. Its fetch counts for the
    /// cooldown, this instance's look-up does not: a token naming a new `kid`
    /// may refetch once the cooldown since that fetch has passed.
    pub fn store_shared(&mut self, cached: CachedKeys) {
        self.last_attempt = Some(cached.fetched_at);
        self.current = Some(cached);
    }

    /// The freshness lifetime for a JWKS response with this `Cache-Control`.
    pub fn ttl_for(&self, cache_control: Option<&str>) -> i64 {
        ttl_from_cache_control(cache_control, self.settings)
    }
}

/// `max-age` (or `s-maxage`, which wins for shared caches) clamped to
/// [cooldown, max_age]; `no-store`/`no-cache` mean the shortest allowed
/// lifetime; no header means `max_age`.
pub fn ttl_from_cache_control(cache_control: Option<&str>, settings: KeyCacheSettings) -> i64 {
    let floor = settings.cooldown.min(settings.max_age);
    let Some(header) = cache_control else { return settings.max_age };
    let mut max_age = None;
    let mut shared_max_age = None;
    for directive in header.split(',').map(str::trim) {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        let seconds = value.trim_matches('"').parse::<i64>().ok();
        match name.trim().to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return floor,
            "max-age" => max_age = seconds,
            "s-maxage" => shared_max_age = seconds,
            _ => {}
        }
    }
    shared_max_age.or(max_age).map_or(settings.max_age, |ttl| ttl.clamp(floor, settings.max_age))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: KeyCacheSettings = KeyCacheSettings { max_age: 600, cooldown: 30, max_stale: 3_600 };

    fn keys() -> Arc<JwkSet> {
        let jwks =
            br#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
        Arc::new(JwkSet::parse(jwks).expect("usable"))
    }

    fn cache_fetched_at(now: i64, ttl: i64) -> KeyCache {
        let mut cache = KeyCache::new(SETTINGS);
        cache.record_attempt(now);
        cache.store(CachedKeys { keys: keys(), fetched_at: now, fresh_until: now + ttl });
        cache
    }

    #[test]
    fn ttl_follows_cache_control_within_bounds() {
        assert_eq!(ttl_from_cache_control(Some("public, max-age=300"), SETTINGS), 300);
        assert_eq!(ttl_from_cache_control(Some("max-age=86400"), SETTINGS), 600);
        assert_eq!(ttl_from_cache_control(Some("max-age=5"), SETTINGS), 30);
        assert_eq!(ttl_from_cache_control(Some("max-age=300, s-maxage=120"), SETTINGS), 120);
        assert_eq!(ttl_from_cache_control(Some("no-store"), SETTINGS), 30);
        assert_eq!(ttl_from_cache_control(Some("Max-Age=\"200\""), SETTINGS), 200);
        assert_eq!(ttl_from_cache_control(Some("max-age=soon"), SETTINGS), 600);
        assert_eq!(ttl_from_cache_control(None, SETTINGS), 600);
    }

    #[test]
    fn empty_cache_fetches_and_has_nothing_usable() {
        let cache = KeyCache::new(SETTINGS);
        assert!(cache.needs_refresh(0));
        assert!(cache.usable(0).is_none());
    }

    #[test]
    fn fresh_keys_need_no_fetch_until_they_expire() {
        let cache = cache_fetched_at(1_000, 300);
        assert!(!cache.needs_refresh(1_299));
        assert!(cache.needs_refresh(1_300));
        assert!(cache.usable(1_300).is_some());
    }

    #[test]
    fn unknown_kid_refetches_at_most_once_per_cooldown() {
        let mut cache = cache_fetched_at(1_000, 300);
        assert!(!cache.may_refresh_for_unknown_kid(1_010));
        assert!(cache.may_refresh_for_unknown_kid(1_030));
        cache.record_attempt(1_030);
        assert!(!cache.may_refresh_for_unknown_kid(1_059));
        assert!(cache.may_refresh_for_unknown_kid(1_060));
    }

    #[test]
    fn a_shared_copy_starts_the_cooldown_at_its_own_fetch() {
        let mut cache = KeyCache::new(SETTINGS);
        cache.record_attempt(1_000);
        cache.store_shared(CachedKeys { keys: keys(), fetched_at: 900, fresh_until: 1_200 });
        assert!(cache.may_refresh_for_unknown_kid(1_000), "cooled down since 930");
        assert!(!cache.needs_refresh(1_000));
    }

    #[test]
    fn stale_keys_serve_through_an_outage_up_to_max_stale() {
        let mut cache = cache_fetched_at(1_000, 300);
        // Expired at 1_300; the refetch at 1_300 fails (attempt recorded, nothing stored).
        cache.record_attempt(1_300);
        assert!(!cache.needs_refresh(1_310), "retry waits for the cooldown");
        assert!(cache.needs_refresh(1_330));
        assert!(cache.usable(1_300 + 3_599).is_some());
        assert!(cache.usable(1_300 + 3_600).is_none());
    }
}

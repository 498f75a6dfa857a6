//! The authorization server's keys at the edge: isolate memory first, then
//! the Cache API (shared by the isolates of a colo), then the JWKS endpoint.
//! The rules of when to fetch and how long to trust live in
//! [`crate::key_cache`]; this file does the I/O they call for.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use worker::{Cache, Delay, Headers, Method, Request, RequestInit, Response, Url};

use super::fetch::{FetchFailure, declared_length, fetch_with_timeout, read_limited};
use super::gateway::Gateway;
use crate::jwks::{JwkSet, MAX_JWKS_BYTES};
use crate::key_cache::CachedKeys;
use crate::url::HttpUrl;

/// How long the authorization server gets to answer a metadata or JWKS fetch.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Discovery and the JWKS fetch, each with its own timeout, plus margin.
const REFRESH_LIMIT: Duration = Duration::from_secs(3 * 5 + 1);
/// How often a request waiting for another's refresh looks again.
const REFRESH_POLL: Duration = Duration::from_millis(20);
/// The Cache API needs an http(s) URL as key; this host is never contacted.
const CACHE_KEY_BASE: &str = "https://mcp-edge-guard.invalid/jwks";

/// Keys to verify with now: refreshed first when they are due (and the
/// cooldown allows), else the cached ones while fresh or usably stale. A
/// refresh already running in this isolate is waited for, not repeated.
pub async fn current_keys(gateway: &Rc<Gateway>, now: i64) -> Option<Arc<JwkSet>> {
    if refresh_running(gateway) {
        wait_for_refresh(gateway).await;
    } else if gateway.keys.borrow().needs_refresh(now) {
        let _ = refresh(gateway, now).await;
    }
    gateway.keys.borrow().usable(now).cloned()
}

/// After a token named an unknown `kid`: refetch once per cooldown (rotation)
/// or wait for the refetch already running, and return the keys then held;
/// `None` when no refetch was allowed or it failed.
pub async fn keys_after_unknown_kid(gateway: &Rc<Gateway>, now: i64) -> Option<Arc<JwkSet>> {
    if refresh_running(gateway) {
        wait_for_refresh(gateway).await;
    } else if gateway.keys.borrow().may_refresh_for_unknown_kid(now) {
        refresh(gateway, now).await.ok()?;
    } else {
        return None;
    }
    gateway.keys.borrow().usable(now).cloned()
}

/// Fetches the keys now. Concurrent requests of the isolate see
/// `refreshing_since` and wait instead of fetching again.
pub async fn refresh(gateway: &Rc<Gateway>, now: i64) -> Result<(), String> {
    gateway.keys.borrow_mut().record_attempt(now);
    gateway.refreshing_since.set(Some(worker::Date::now().as_millis()));
    let result = load(gateway, now).await;
    gateway.refreshing_since.set(None);
    result
}

/// A refresh marker older than the longest a refresh can take belongs to a
/// request that was cancelled mid-fetch; it no longer counts.
fn refresh_running(gateway: &Gateway) -> bool {
    let limit = u64::try_from(REFRESH_LIMIT.as_millis()).unwrap_or(u64::MAX);
    gateway
        .refreshing_since
        .get()
        .is_some_and(|since| worker::Date::now().as_millis().saturating_sub(since) < limit)
}

/// Waits, on this request's own timer, for another request's refresh. (Awaiting
/// that request's I/O directly is not allowed in Workers: each request may
/// only wait on its own I/O, or the runtime cancels it as hung.)
async fn wait_for_refresh(gateway: &Gateway) {
    while refresh_running(gateway) {
        Delay::from(REFRESH_POLL).await;
    }
}

async fn load(gateway: &Gateway, now: i64) -> Result<(), String> {
    let uri = jwks_uri(gateway).await?;
    let cache_key =
        Url::parse_with_params(CACHE_KEY_BASE, &[("uri", uri.as_str())]).map_err(|err| err.to_string())?;
    // A cold isolate first looks for another isolate's copy.
    if gateway.keys.borrow().current().is_none() {
        if let Some(shared) = read_shared_copy(&cache_key).await {
            let fresh = now < shared.fresh_until;
            gateway.keys.borrow_mut().store(shared);
            if fresh {
                return Ok(());
            }
        }
    }
    let (body, cache_control) = fetch_json(&uri).await?;
    let keys = JwkSet::parse(&body).map_err(|err| format!("jwks: {err}"))?;
    let ttl = gateway.keys.borrow().ttl_for(cache_control.as_deref());
    let cached = CachedKeys { keys: Arc::new(keys), fetched_at: now, fresh_until: now.saturating_add(ttl) };
    let keep_for = ttl.saturating_add(gateway.keys.borrow().settings().max_stale);
    // Best effort: a failed cache write costs other isolates one fetch.
    let _ = write_shared_copy(&cache_key, &body, &cached, keep_for).await;
    gateway.keys.borrow_mut().store(cached);
    Ok(())
}

/// `JWKS_URI`, or the `jwks_uri` of the first issuer's metadata (RFC 8414 §3,
/// then OpenID Connect Discovery), whose `issuer` must match exactly (RFC 8414 §3.3).
async fn jwks_uri(gateway: &Gateway) -> Result<String, String> {
    if let Some(uri) = gateway.jwks_uri.borrow().clone() {
        return Ok(uri);
    }
    let config = gateway.config.as_ref().map_err(|err| err.to_string())?;
    let issuer = config.policy.issuers.first().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    for url in config.discovery_urls() {
        match fetch_json(&url).await.and_then(|(body, _)| jwks_uri_from_metadata(&body, &issuer)) {
            Ok(uri) => {
                *gateway.jwks_uri.borrow_mut() = Some(uri.clone());
                return Ok(uri);
            }
            Err(err) => failures.push(format!("{url}: {err}")),
        }
    }
    Err(format!("metadata discovery failed ({})", failures.join("; ")))
}

fn jwks_uri_from_metadata(body: &[u8], issuer: &str) -> Result<String, String> {
    let metadata: Value = serde_json::from_slice(body).map_err(|_| "metadata is not JSON".to_owned())?;
    if metadata.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err("metadata issuer does not match ISSUER".into());
    }
    let uri = metadata.get("jwks_uri").and_then(Value::as_str).ok_or("metadata has no jwks_uri")?;
    HttpUrl::parse(uri).map(|url| url.as_str().to_owned()).map_err(|err| format!("jwks_uri {err}"))
}

/// GETs a JSON document from the authorization server: 5 s, 256 KB, 200 only.
async fn fetch_json(url: &str) -> Result<(Vec<u8>, Option<String>), String> {
    let headers = Headers::new();
    headers.set("Accept", "application/json").map_err(|err| err.to_string())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let request = Request::new_with_init(url, &init).map_err(|err| err.to_string())?;
    let mut response = fetch_with_timeout(request, FETCH_TIMEOUT).await.map_err(|failure| match failure {
        FetchFailure::Timeout => format!("no answer within {}s", FETCH_TIMEOUT.as_secs()),
        FetchFailure::Network(err) => format!("unreachable ({err})"),
    })?;
    if response.status_code() != 200 {
        return Err(format!("status {}", response.status_code()));
    }
    let cache_control = response.headers().get("Cache-Control").ok().flatten();
    let declared = declared_length(response.headers());
    let body = read_limited(response.stream().ok(), declared, MAX_JWKS_BYTES)
        .await
        .map_err(|err| err.to_string())?
        .ok_or_else(|| format!("larger than {MAX_JWKS_BYTES} bytes"))?;
    Ok((body, cache_control))
}

async fn read_shared_copy(key: &Url) -> Option<CachedKeys> {
    let mut response = Cache::default().get(key.as_str(), false).await.ok()??;
    let number =
        |name: &str| response.headers().get(name).ok().flatten().and_then(|value| value.parse::<i64>().ok());
    let (fetched_at, fresh_until) = (number("X-Fetched-At")?, number("X-Fresh-Until")?);
    let body = response.bytes().await.ok()?;
    let keys = JwkSet::parse(&body).ok()?;
    Some(CachedKeys { keys: Arc::new(keys), fetched_at, fresh_until })
}

async fn write_shared_copy(key: &Url, body: &[u8], cached: &CachedKeys, keep_for: i64) -> worker::Result<()> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Cache-Control", &format!("max-age={keep_for}"))?;
    headers.set("X-Fetched-At", &cached.fetched_at.to_string())?;
    headers.set("X-Fresh-Until", &cached.fresh_until.to_string())?;
    let response = Response::from_bytes(body.to_vec())?.with_headers(headers);
    Cache::default().put(key.as_str(), response).await
}

//! The I/O behind the key-set loop (`crate::keys::remote`) on Workers: HTTP
//! fetches with a deadline and a size cap, the colo's Cache API as the copy
//! shared between isolates, timers, and the log.

use std::time::Duration;

use worker::{Cache, Delay, Headers, Response, console_error, console_log};

use crate::base64url;

use super::fetch::{FetchFailure, declared_length, read_limited, send};
use super::glue;
use crate::keys::error::KeyFetchError;
use crate::keys::event::KeyEvent;
use crate::keys::jwks::MAX_JWKS_BYTES;
use crate::keys::source::{FETCH_TIMEOUT, Fetched, KeySource, SharedCopy};
use crate::mcp::secret::{GatewaySecret, Purpose};

/// The Cache API needs an http(s) URL as key; this host is never contacted.
const CACHE_KEY_BASE: &str = "https://mcp-edge-guard.invalid/jwks";
/// A cache of our own, apart from the zone's default cache that other code
/// (and the zone's own requests) can write to.
const CACHE_NAME: &str = "mcp-edge-guard-jwks";
const TAG_HEADER: &str = "X-Tag";

#[derive(Clone)]
pub struct EdgeKeys {
    /// With `SESSION_SECRET`, shared copies carry a MAC and unauthentic ones are refused.
    pub secret: Option<GatewaySecret>,
}

impl KeySource for EdgeKeys {
    async fn get(&self, url: &str) -> Result<Fetched, KeyFetchError> {
        // Redirects are not followed (as jose's remote key sets do not).
        let headers = glue::headers_from("Accept\napplication/json");
        let response =
            send(url, "GET", &headers, None, FETCH_TIMEOUT).await.map_err(|failure| match failure {
                FetchFailure::Timeout => KeyFetchError::Timeout,
                FetchFailure::Network(err) => KeyFetchError::Unreachable(err),
            })?;
        let mut response = Response::from(response);
        if response.status_code() != 200 {
            return Err(KeyFetchError::Status(response.status_code()));
        }
        let cache_control = response.headers().get("Cache-Control").ok().flatten();
        let declared = declared_length(&response.headers().0);
        let body = read_limited(response.stream().ok(), declared, MAX_JWKS_BYTES)
            .await
            .map_err(platform)?
            .ok_or(KeyFetchError::TooLarge)?;
        Ok(Fetched { body, cache_control })
    }

    async fn read_shared(&self, jwks_uri: &str) -> Result<Option<SharedCopy>, KeyFetchError> {
        let key = cache_key(jwks_uri);
        let cache = Cache::open(CACHE_NAME.to_owned()).await;
        let Some(mut response) = cache.get(key.as_str(), false).await.map_err(platform)? else {
            return Ok(None);
        };
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let number = |name: &str| header(name).and_then(|value| value.parse::<i64>().ok());
        let (Some(fetched_at), Some(fresh_until)) = (number("X-Fetched-At"), number("X-Fresh-Until")) else {
            return Err(KeyFetchError::SharedCopyRejected);
        };
        let tag = header(TAG_HEADER);
        let body = response.bytes().await.map_err(platform)?;
        let copy = SharedCopy { body, fetched_at, fresh_until };
        if let Some(secret) = &self.secret {
            let tag = tag.and_then(|tag| base64url::decode(&tag)).unwrap_or_default();
            if !with_fields(jwks_uri, &copy, |fields| secret.verify(Purpose::SharedKeys, fields, &tag)) {
                return Err(KeyFetchError::SharedCopyRejected);
            }
        }
        Ok(Some(copy))
    }

    async fn write_shared(
        &self,
        jwks_uri: &str,
        copy: &SharedCopy,
        keep_for: i64,
    ) -> Result<(), KeyFetchError> {
        let headers = Headers::new();
        headers.set("Content-Type", "application/json").map_err(platform)?;
        headers.set("Cache-Control", &format!("max-age={keep_for}")).map_err(platform)?;
        headers.set("X-Fetched-At", &copy.fetched_at.to_string()).map_err(platform)?;
        headers.set("X-Fresh-Until", &copy.fresh_until.to_string()).map_err(platform)?;
        if let Some(secret) = &self.secret {
            let tag = with_fields(jwks_uri, copy, |fields| secret.tag(Purpose::SharedKeys, fields));
            headers.set(TAG_HEADER, &base64url::encode(&tag)).map_err(platform)?;
        }
        let response = Response::from_bytes(copy.body.clone()).map_err(platform)?.with_headers(headers);
        let cache = Cache::open(CACHE_NAME.to_owned()).await;
        cache.put(cache_key(jwks_uri), response).await.map_err(platform)
    }

    async fn sleep(&self, duration: Duration) {
        Delay::from(duration).await;
    }

    fn clock_millis(&self) -> u64 {
        worker::Date::now().as_millis()
    }

    fn report(&self, event: KeyEvent<'_>) {
        if event.is_failure() {
            console_error!("{}", event.log_line());
        } else {
            console_log!("{}", event.log_line());
        }
    }
}

/// Runs `use_fields` on what the shared copy's MAC covers: where the keys
/// came from, when, and the keys.
fn with_fields<R>(jwks_uri: &str, copy: &SharedCopy, use_fields: impl FnOnce(&[&[u8]]) -> R) -> R {
    let (fetched_at, fresh_until) = (copy.fetched_at.to_be_bytes(), copy.fresh_until.to_be_bytes());
    use_fields(&[jwks_uri.as_bytes(), &fetched_at, &fresh_until, &copy.body])
}

/// One cache entry per key-set URL (base64url: no escaping to get wrong).
fn cache_key(jwks_uri: &str) -> String {
    format!("{CACHE_KEY_BASE}?uri={}", base64url::encode(jwks_uri.as_bytes()))
}

fn platform(err: impl ToString) -> KeyFetchError {
    KeyFetchError::Platform(err.to_string())
}

//! The I/O behind the key-set loop (`crate::keys::remote`) on Workers: HTTP
//! fetches with a deadline and a size cap, the colo's Cache API as the copy
//! shared between isolates, timers, and the log.

use std::time::Duration;

use worker::{
    Cache, Delay, Headers, Method, Request, RequestInit, Response, Url, console_error, console_log,
};

use super::fetch::{FetchFailure, declared_length, fetch_with_timeout, read_limited};
use crate::keys::error::KeyFetchError;
use crate::keys::event::KeyEvent;
use crate::keys::jwks::MAX_JWKS_BYTES;
use crate::keys::remote::{FETCH_TIMEOUT, Fetched, KeySource, SharedCopy};

/// The Cache API needs an http(s) URL as key; this host is never contacted.
const CACHE_KEY_BASE: &str = "https://mcp-edge-guard.invalid/jwks";

pub struct EdgeKeys;

impl KeySource for EdgeKeys {
    async fn get(&self, url: &str) -> Result<Fetched, KeyFetchError> {
        let headers = Headers::new();
        headers.set("Accept", "application/json").map_err(platform)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Get).with_headers(headers);
        let request = Request::new_with_init(url, &init).map_err(platform)?;
        let mut response =
            fetch_with_timeout(request, FETCH_TIMEOUT).await.map_err(|failure| match failure {
                FetchFailure::Timeout => KeyFetchError::Timeout,
                FetchFailure::Network(err) => KeyFetchError::Unreachable(err),
            })?;
        if response.status_code() != 200 {
            return Err(KeyFetchError::Status(response.status_code()));
        }
        let cache_control = response.headers().get("Cache-Control").ok().flatten();
        let declared = declared_length(response.headers());
        let body = read_limited(response.stream().ok(), declared, MAX_JWKS_BYTES)
            .await
            .map_err(platform)?
            .ok_or(KeyFetchError::TooLarge)?;
        Ok(Fetched { body, cache_control })
    }

    async fn read_shared(&self, jwks_uri: &str) -> Result<Option<SharedCopy>, KeyFetchError> {
        let Some(mut response) =
            Cache::default().get(cache_key(jwks_uri)?.as_str(), false).await.map_err(platform)?
        else {
            return Ok(None);
        };
        let number = |name: &str| -> Result<i64, KeyFetchError> {
            let value = response.headers().get(name).map_err(platform)?;
            value
                .and_then(|value| value.parse().ok())
                .ok_or_else(|| KeyFetchError::Platform(format!("cached copy lacks {name}")))
        };
        let (fetched_at, fresh_until) = (number("X-Fetched-At")?, number("X-Fresh-Until")?);
        let body = response.bytes().await.map_err(platform)?;
        Ok(Some(SharedCopy { body, fetched_at, fresh_until }))
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
        let response = Response::from_bytes(copy.body.clone()).map_err(platform)?.with_headers(headers);
        Cache::default().put(cache_key(jwks_uri)?.as_str(), response).await.map_err(platform)
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

fn cache_key(jwks_uri: &str) -> Result<Url, KeyFetchError> {
    Url::parse_with_params(CACHE_KEY_BASE, &[("uri", jwks_uri)]).map_err(platform)
}

fn platform(err: impl ToString) -> KeyFetchError {
    KeyFetchError::Platform(err.to_string())
}

//! The I/O behind the key-set loop in JavaScript: the platform's `fetch`
//! (Node ≥ 18, browsers, Deno, Bun, Workers), `setTimeout` and `console`.

use std::time::Duration;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::convert::{console_print, console_warn};
use crate::exchange::wait;
use crate::js::error_message;
use crate::keys::error::KeyFetchError;
use crate::keys::event::KeyEvent;
use crate::keys::jwks::MAX_JWKS_BYTES;
use crate::keys::source::{FETCH_TIMEOUT, Fetched, KeySource};

pub(super) struct JsKeys;

impl KeySource for JsKeys {
    /// GETs `url`: [`FETCH_TIMEOUT`] where `AbortSignal.timeout` exists, 200
    /// only, at most [`MAX_JWKS_BYTES`].
    async fn get(&self, url: &str) -> Result<Fetched, KeyFetchError> {
        let (status, cache_control, body) = get_text(url).await?;
        if status != 200 {
            return Err(KeyFetchError::Status(status));
        }
        if body.len() > MAX_JWKS_BYTES {
            return Err(KeyFetchError::TooLarge);
        }
        Ok(Fetched { body: body.into_bytes(), cache_control })
    }

    async fn sleep(&self, duration: Duration) {
        let millis = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        let timer = Promise::new(&mut |resolve, _| {
            let global = js_sys::global();
            if let Ok(set_timeout) =
                Reflect::get(&global, &"setTimeout".into()).and_then(JsCast::dyn_into::<Function>)
            {
                // A runtime without timers resolves at once: the wait is then a busy poll, still bounded.
                if set_timeout.call2(&global, &resolve, &JsValue::from(millis)).is_ok() {
                    return;
                }
            }
            let _ignored_resolution = resolve.call0(&JsValue::UNDEFINED);
        });
        // The timer promise cannot reject.
        let _resolved = wait(timer).await;
    }

    fn clock_millis(&self) -> u64 {
        // Date.now() is milliseconds since the epoch, well inside f64's exact range.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let millis = js_sys::Date::now() as u64;
        millis
    }

    /// Failures go to `console.warn`, skipped keys to `console.debug`.
    fn report(&self, event: KeyEvent<'_>) {
        let line = event.to_string();
        if event.is_failure() { console_warn(&line) } else { console_print("debug", &line) }
    }
}

/// Status, `Cache-Control` and body text of a GET.
async fn get_text(url: &str) -> Result<(u16, Option<String>, String), KeyFetchError> {
    let global = js_sys::global();
    let fetch: Function =
        Reflect::get(&global, &"fetch".into()).and_then(JsCast::dyn_into).map_err(platform)?;
    let init = Object::new();
    // Our key cache decides freshness; a browser's HTTP cache would answer the
    // refetch after a key rotation with the old set. (Workers' fetch has no
    // such cache, and older compatibility dates reject the option.)
    let in_workers = Reflect::get(&global, &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"userAgent".into()))
        .ok()
        .and_then(|agent| agent.as_string())
        .is_some_and(|agent| agent.starts_with("Cloudflare-Workers"));
    if !in_workers {
        Reflect::set(&init, &"cache".into(), &"no-store".into()).map_err(platform)?;
    }
    let abort_signal = Reflect::get(&global, &"AbortSignal".into()).map_err(platform)?;
    if let Ok(timeout) = Reflect::get(&abort_signal, &"timeout".into()).and_then(|f| f.dyn_into::<Function>())
    {
        let millis = u32::try_from(FETCH_TIMEOUT.as_millis()).unwrap_or(u32::MAX);
        let signal = timeout.call1(&abort_signal, &JsValue::from(millis)).map_err(platform)?;
        Reflect::set(&init, &"signal".into(), &signal).map_err(platform)?;
    }
    let sent = fetch.call2(&global, &JsValue::from_str(url), &init).and_then(JsCast::dyn_into::<Promise>);
    let response = wait(sent.map_err(platform)?).await.map_err(|err| {
        let name = Reflect::get(&err, &"name".into()).ok().and_then(|name| name.as_string());
        if name.as_deref() == Some("TimeoutError") {
            KeyFetchError::Timeout
        } else {
            KeyFetchError::Unreachable(error_message(&err, "fetch failed"))
        }
    })?;
    let read = async {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let status = Reflect::get(&response, &"status".into())?.as_f64().unwrap_or(0.0) as u16;
        let headers = Reflect::get(&response, &"headers".into())?;
        let get: Function = Reflect::get(&headers, &"get".into())?.dyn_into()?;
        let cache_control = get.call1(&headers, &"cache-control".into())?.as_string();
        let text: Function = Reflect::get(&response, &"text".into())?.dyn_into()?;
        let body = wait(text.call0(&response)?.dyn_into::<Promise>()?).await?.as_string().unwrap_or_default();
        Ok::<_, JsValue>((status, cache_control, body))
    };
    read.await.map_err(platform)
}

fn platform(err: JsValue) -> KeyFetchError {
    KeyFetchError::Platform(error_message(&err, "fetch failed"))
}

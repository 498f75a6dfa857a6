//! Per-isolate state: the validated configuration and the key cache, built
//! once per isolate and shared by every request it serves.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use worker::Env;

use crate::config::{ConfigError, GatewayConfig};
use crate::key_cache::KeyCache;

pub struct Gateway {
    pub config: Result<GatewayConfig, ConfigError>,
    pub keys: RefCell<KeyCache>,
    /// When the key refresh now running started (ms), if one is.
    pub refreshing_since: Cell<Option<u64>>,
    /// The JWKS URI, from `JWKS_URI` or discovered from the issuer's metadata.
    pub jwks_uri: RefCell<Option<String>>,
}

thread_local! {
    static GATEWAY: RefCell<Option<Rc<Gateway>>> = const { RefCell::new(None) };
}

/// The isolate's gateway, built from `env` on first use.
pub fn gateway(env: &Env) -> Rc<Gateway> {
    GATEWAY.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                let config = GatewayConfig::from_vars(|name| read_var(env, name));
                let settings = config.as_ref().map(|config| config.key_cache).unwrap_or_default();
                let jwks_uri = config
                    .as_ref()
                    .ok()
                    .and_then(|config| config.jwks_uri.as_ref())
                    .map(|url| url.as_str().to_owned());
                Rc::new(Gateway {
                    config,
                    keys: RefCell::new(KeyCache::new(settings)),
                    refreshing_since: Cell::new(None),
                    jwks_uri: RefCell::new(jwks_uri),
                })
            })
            .clone()
    })
}

/// A `[vars]` value or a secret of that name.
fn read_var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|var| var.to_string())
        .or_else(|_| env.secret(name).map(|secret| secret.to_string()))
        .ok()
}

/// Wall-clock Unix seconds (the core takes time as a parameter).
pub fn now_seconds() -> i64 {
    i64::try_from(worker::Date::now().as_millis() / 1000).unwrap_or(i64::MAX)
}

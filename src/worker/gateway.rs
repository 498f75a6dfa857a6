//! Per-isolate state, built once from the environment and shared by every
//! request the isolate serves: either the problems of a bad configuration, or
//! the validated configuration with its key set.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use worker::Env;

use super::keys::EdgeKeys;
use super::log;
use crate::keys::issuers::IssuerKeys;
use crate::mcp::config::{ConfigError, ConfigProblem, GatewayConfig};
use crate::mcp::rate_tiers::DEFAULT_BINDING;
use crate::verify::cache::TokenCache;
use crate::webcrypto::WebCrypto;

pub enum Isolate {
    /// Fails closed: every protected request is refused, the problems logged.
    Misconfigured(ConfigError),
    Ready(Box<Gateway>),
}

pub struct Gateway {
    pub config: GatewayConfig,
    /// One key set per authorization server (or one shared).
    pub keys: IssuerKeys<EdgeKeys>,
    /// Signatures on Web Crypto, with the imported keys.
    pub signatures: WebCrypto,
    /// Tokens verified in this isolate.
    pub tokens: TokenCache,
    /// Addresses refused until a time (Unix seconds): see `anon_limit`.
    pub blocked_ips: RefCell<HashMap<String, i64>>,
    /// Whether the optional default rate-limit binding exists (the tiers'
    /// bindings must): bindings cannot change while the isolate lives, so
    /// requests need not look it up when it does not.
    pub default_limiter_bound: bool,
}

thread_local! {
    static ISOLATE: RefCell<Option<Rc<Isolate>>> = const { RefCell::new(None) };
}

/// The isolate's state, built from `env` on first use.
pub fn isolate(env: &Env) -> Rc<Isolate> {
    ISOLATE.with(|cell| Rc::clone(cell.borrow_mut().get_or_insert_with(|| Rc::new(build(env)))))
}

fn build(env: &Env) -> Isolate {
    let config = GatewayConfig::from_vars(|name| read_var(env, name)).and_then(|config| {
        // A tier whose binding is missing would be a tier without a limit.
        let problems: Vec<ConfigProblem> = config
            .rate_tiers
            .bindings()
            .filter(|binding| env.rate_limiter(binding).is_err())
            .map(|binding| ConfigProblem::unbound("RATE_LIMIT_TIERS", binding))
            .collect();
        if problems.is_empty() { Ok(config) } else { Err(ConfigError { problems }) }
    });
    match config {
        Err(err) => {
            // Once per isolate: the configuration cannot change while it lives.
            let messages: Vec<&str> = err.problems.iter().map(|problem| problem.message.as_str()).collect();
            worker::console_error!(
                "{}",
                log::event("mcp_edge_guard.config_error", serde_json::json!({ "problems": messages }))
            );
            Isolate::Misconfigured(err)
        }
        Ok(config) => {
            let source = EdgeKeys { secret: config.session_secret.clone() };
            let keys = IssuerKeys::new(&source, &config.policy, &config.jwks_uris, config.key_cache);
            let signatures = WebCrypto::new(report_refused_key);
            let tokens = TokenCache::default();
            Isolate::Ready(Box::new(Gateway {
                config,
                keys,
                signatures,
                tokens,
                blocked_ips: RefCell::default(),
                default_limiter_bound: env.rate_limiter(DEFAULT_BINDING).is_ok(),
            }))
        }
    }
}

fn report_refused_key(detail: &str) {
    worker::console_error!(
        "{}",
        log::event("mcp_edge_guard.key_refused", serde_json::json!({ "detail": detail }))
    );
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

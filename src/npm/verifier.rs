//! `Verifier`: the core's verification for JavaScript, with a static key set
//! or a remote one kept fresh by the core's refresh loop (`keys::remote`).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::convert::{
    Fields, VERIFIER_OPTIONS, console_warn, json_text, now_seconds, principal_js, type_error, verify_error,
};
use super::keys::JsKeys;
use crate::http::error::AuthError;
use crate::http::url::HttpUrl;
use crate::keys::cache::KeyCacheSettings;
use crate::keys::jwks::JwkSet;
use crate::keys::remote::RemoteKeys;
use crate::verify::algorithm::Algorithm;
use crate::verify::cache::TokenCache;
use crate::verify::policy::Policy;
use crate::verify::principal::Principal;
use crate::verify::scope::DEFAULT_SCOPE_CLAIMS;
use crate::verify::verify_cached;
use crate::webcrypto::WebCrypto;

enum Keys {
    Static(Arc<JwkSet>),
    Remote(RemoteKeys<JsKeys>),
}

struct Inner {
    policy: Policy,
    keys: Keys,
    /// Signatures on Web Crypto, with the imported keys.
    signatures: WebCrypto,
    /// Tokens this verifier has verified.
    tokens: TokenCache,
    /// Their principals as JS objects (frozen), so a repeated token costs no conversion.
    objects: PrincipalObjects,
}

/// The JS object of each principal the token cache holds, keyed by the
/// principal's allocation. The entry holds its `Arc` too, so the address
/// cannot be reused for another principal while the entry exists.
#[derive(Default)]
struct PrincipalObjects {
    by_address: RefCell<HashMap<usize, (Arc<Principal>, JsValue)>>,
    order: RefCell<VecDeque<usize>>,
}

/// As many as the token cache holds.
const MAX_OBJECTS: usize = 4096;

impl PrincipalObjects {
    fn get_or_build(&self, principal: Arc<Principal>, token: &str) -> Result<JsValue, JsValue> {
        let address = Arc::as_ptr(&principal) as usize;
        if let Some((_, object)) = self.by_address.borrow().get(&address) {
            return Ok(object.clone());
        }
        let object = principal_js(&principal, token)?;
        let (mut by_address, mut order) = (self.by_address.borrow_mut(), self.order.borrow_mut());
        while by_address.len() >= MAX_OBJECTS {
            let Some(oldest) = order.pop_front() else { break };
            by_address.remove(&oldest);
        }
        order.push_back(address);
        by_address.insert(address, (principal, object.clone()));
        Ok(object)
    }
}

/// Verifies bearer JWT access tokens with the gateway's exact rules.
#[wasm_bindgen]
pub struct Verifier {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Verifier {
    /// Builds a verifier; throws a `TypeError` naming the bad option.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "VerifierOptions")] options: JsValue,
    ) -> Result<Verifier, JsValue> {
        let options = Fields::new(&options, "Verifier options", &VERIFIER_OPTIONS)?;
        let defaults = Policy::default();
        let algorithms = match options.strings("algorithms")? {
            None => defaults.algorithms.clone(),
            Some(names) => names
                .iter()
                .map(|name| {
                    name.parse().map_err(|_| {
                        type_error(&format!("Verifier options: algorithm {name} is not allowed"))
                    })
                })
                .collect::<Result<Vec<Algorithm>, JsValue>>()?,
        };
        let policy = Policy {
            issuers: options.required_strings("issuer")?,
            audiences: options.required_strings("audience")?,
            algorithms,
            leeway_seconds: options
                .whole_number("leeway")?
                .map_or(defaults.leeway_seconds, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            require_at_jwt: options.boolean("requireAtJwt")?.unwrap_or(false),
            required_claims: options.strings("requiredClaims")?.unwrap_or_default(),
            scope_claims: options
                .strings("scopeClaims")?
                .unwrap_or_else(|| DEFAULT_SCOPE_CLAIMS.map(str::to_owned).to_vec()),
            ..defaults
        };
        let keys = match (options.get("jwks"), options.string("jwksUri")?) {
            (Some(jwks), None) => {
                let text = match jwks.as_string() {
                    Some(text) => text,
                    None => json_text(&jwks)?,
                };
                let keys =
                    JwkSet::parse(text.as_bytes()).map_err(|err| type_error(&format!("jwks: {err}")))?;
                Keys::Static(Arc::new(keys))
            }
            (None, Some(uri)) => {
                HttpUrl::parse(&uri).map_err(|err| type_error(&format!("jwksUri {err}")))?;
                let base = KeyCacheSettings::default();
                let settings = KeyCacheSettings {
                    max_age: options.whole_number("maxAgeSeconds")?.unwrap_or(base.max_age),
                    cooldown: options.whole_number("cooldownSeconds")?.unwrap_or(base.cooldown),
                    max_stale: options.whole_number("maxStaleSeconds")?.unwrap_or(base.max_stale),
                };
                // The first issuer names the key set in logs.
                let issuer = policy.issuers.first().cloned().unwrap_or_default();
                Keys::Remote(RemoteKeys::new(JsKeys, issuer, Some(uri), settings))
            }
            _ => return Err(type_error("Verifier options: give exactly one of jwks and jwksUri")),
        };
        let (signatures, tokens, objects) =
            (WebCrypto::new(console_warn), TokenCache::default(), PrincipalObjects::default());
        Ok(Verifier { inner: Rc::new(Inner { policy, keys, signatures, tokens, objects }) })
    }

    /// Verifies a token (the value after `Bearer `). Resolves to the
    /// principal; rejects with a `VerifyError`. `now` (Unix seconds) is for
    /// tests and replays; it defaults to the current time.
    #[wasm_bindgen(unchecked_return_type = "Promise<Principal>")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        now: Option<f64>,
    ) -> Promise {
        let Some(token) = token.as_string() else {
            return Promise::reject(&type_error("verify: token must be a string"));
        };
        #[allow(clippy::cast_possible_truncation)]
        let now = match now {
            None => now_seconds(),
            Some(now) if now.is_finite() => now.floor() as i64,
            Some(_) => return Promise::reject(&type_error("verify: now must be a number of seconds")),
        };
        let inner = Rc::clone(&self.inner);
        crate::exchange::run(async move {
            let principal = inner.verify(&token, now).await.map_err(|err| verify_error(&err))?;
            inner.objects.get_or_build(principal, &token)
        })
    }
}

impl Inner {
    async fn verify(&self, token: &str, now: i64) -> Result<Arc<Principal>, AuthError> {
        let (policy, signatures, tokens) = (&self.policy, &self.signatures, &self.tokens);
        match &self.keys {
            Keys::Static(keys) => Ok(verify_cached(token, keys, policy, now, signatures, tokens).await?),
            Keys::Remote(remote) => remote.verify(token, policy, now, signatures, tokens).await,
        }
    }
}

//! The npm package's face (wasm-bindgen): the core's verifier, scope rules,
//! challenges, metadata and PKCE helpers for JavaScript — Node, browsers,
//! Deno, Bun and Workers — with no Workers runtime inside.
//!
//! Options are read field by field from the JS objects and results are built
//! as plain JS objects: no serde derive and no JSON serializer on this side,
//! which keeps the package's wasm small.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::{Array, Function, JSON, Object, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::algorithm::Algorithm;
use crate::bearer::extract_bearer;
use crate::challenge::{ChallengeContext, challenge as render_challenge};
use crate::error::{AuthError, TokenError};
use crate::jwks::{JwkSet, MAX_JWKS_BYTES};
use crate::key_cache::{CachedKeys, KeyCache, KeyCacheSettings};
use crate::metadata::ProtectedResourceMetadata;
use crate::pkce;
use crate::policy::Policy;
use crate::principal::Principal;
use crate::scope::{DEFAULT_SCOPE_CLAIMS, ScopeSet};
use crate::tool_scopes::ToolScopes;
use crate::url::HttpUrl;
use crate::verify::verify;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** Options of `new Verifier(...)`. Give `jwks` or `jwksUri`. */
export interface VerifierOptions {
  /** Trusted issuer(s); `iss` must equal one exactly. */
  issuer: string | string[];
  /** This resource's identifier(s); `aud` must contain one. */
  audience: string | string[];
  /** Allow-list; default RS256 RS384 RS512 PS256 PS384 PS512 ES256 EdDSA. */
  algorithms?: string[];
  /** Clock leeway in seconds (default 60). */
  leeway?: number;
  /** Require `typ: at+jwt` (RFC 9068). Default false. */
  requireAtJwt?: boolean;
  /** Claims read for scopes; the first present wins. Default scope, scp, scopes, permissions. */
  scopeClaims?: string[];
  /** Extra claims that must be present. */
  requiredClaims?: string[];
  /** The key set, as an object or JSON text. */
  jwks?: object | string;
  /** Where to fetch the key set (cached; refetched on unknown kid at most once per cooldown). */
  jwksUri?: string;
  /** Key freshness bounds and outage tolerance, in seconds (600, 30, 86400). */
  maxAgeSeconds?: number;
  cooldownSeconds?: number;
  maxStaleSeconds?: number;
}

/** What a valid token says. */
export interface Principal {
  iss: string;
  sub: string | null;
  clientId: string | null;
  scopes: string[];
  /** Expiry, Unix seconds. */
  exp: number;
  /** Every claim of the token. */
  claims: Record<string, unknown>;
}

/** The rejection of `verify()` and `extractBearer()`. */
export interface VerifyError extends Error {
  name: "VerifyError";
  /** RFC 6750 code, or "unauthorized" (no token) / "temporarily_unavailable" (no keys). */
  code: "invalid_request" | "invalid_token" | "insufficient_scope" | "unauthorized" | "temporarily_unavailable";
  /** The HTTP status to answer with: 400, 401, 403 or 503. */
  status: number;
  /** Stable detailed reason for logs, e.g. "expired", "unknown_kid". */
  reason: string;
}

/** Options of `challenge(...)`. */
export interface ChallengeOptions {
  /** Absolute URL of the Protected Resource Metadata (RFC 9728). */
  resourceMetadata: string;
  /** The failure: a VerifyError (or `{reason}`); omit when no token was sent. */
  error?: { reason: string } | null;
  /** For insufficient scope: the scopes the request needs. */
  required?: string[];
  /** The scopes the token has (listed first in an insufficient_scope challenge). */
  granted?: string[];
  /** Scopes suggested to a client that sent no token. */
  scopesSupported?: string[];
}

/** Options of `protectedResourceMetadata(...)`. */
export interface MetadataOptions {
  resource: string;
  authorizationServers: string[];
  scopesSupported?: string[];
  resourceName?: string;
}

/** The RFC 9728 document. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ["header"];
  resource_name?: string;
}
"#;

enum Keys {
    Static(Arc<JwkSet>),
    Remote { uri: String, cache: RefCell<KeyCache>, pending: RefCell<Option<Promise>> },
}

struct Inner {
    policy: Policy,
    keys: Keys,
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
                Keys::Remote {
                    uri,
                    cache: RefCell::new(KeyCache::new(settings)),
                    pending: RefCell::new(None),
                }
            }
            _ => return Err(type_error("Verifier options: give exactly one of jwks and jwksUri")),
        };
        Ok(Verifier { inner: Rc::new(Inner { policy, keys }) })
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
        future_to_promise(async move { inner.verify(&token, now).await.map_err(|err| verify_error(&err)) })
    }
}

impl Inner {
    async fn verify(self: &Rc<Self>, token: &str, now: i64) -> Result<JsValue, AuthError> {
        let keys = self.keys_now(now).await.ok_or(AuthError::KeysUnavailable)?;
        let principal = match verify(token, &keys, &self.policy, now) {
            // A rotation at the authorization server: refetch (once per cooldown).
            Err(TokenError::UnknownKeyId) => match self.keys_after_unknown_kid(now).await {
                Some(fresh) => verify(token, &fresh, &self.policy, now)?,
                None => return Err(TokenError::UnknownKeyId.into()),
            },
            other => other?,
        };
        principal_js(&principal).map_err(|_| AuthError::KeysUnavailable)
    }

    async fn keys_now(self: &Rc<Self>, now: i64) -> Option<Arc<JwkSet>> {
        let (cache, pending) = match &self.keys {
            Keys::Static(keys) => return Some(Arc::clone(keys)),
            Keys::Remote { cache, pending, .. } => (cache, pending),
        };
        let running = pending.borrow().clone();
        if let Some(promise) = running {
            let _ = JsFuture::from(promise).await;
        } else if cache.borrow().needs_refresh(now) {
            let _ = self.refresh(now).await;
        }
        cache.borrow().usable(now).cloned()
    }

    async fn keys_after_unknown_kid(self: &Rc<Self>, now: i64) -> Option<Arc<JwkSet>> {
        let Keys::Remote { cache, pending, .. } = &self.keys else { return None };
        let running = pending.borrow().clone();
        if let Some(promise) = running {
            let _ = JsFuture::from(promise).await;
        } else if cache.borrow().may_refresh_for_unknown_kid(now) {
            self.refresh(now).await.ok()?;
        } else {
            return None;
        }
        cache.borrow().usable(now).cloned()
    }

    /// One fetch at a time: concurrent callers await the same promise.
    async fn refresh(self: &Rc<Self>, now: i64) -> Result<(), JsValue> {
        let Keys::Remote { cache, pending, .. } = &self.keys else { return Ok(()) };
        cache.borrow_mut().record_attempt(now);
        let owner = Rc::clone(self);
        let promise = future_to_promise(async move { owner.load(now).await.map(|()| JsValue::UNDEFINED) });
        *pending.borrow_mut() = Some(promise.clone());
        let result = JsFuture::from(promise).await;
        *pending.borrow_mut() = None;
        result.map(drop)
    }

    async fn load(&self, now: i64) -> Result<(), JsValue> {
        let Keys::Remote { uri, cache, .. } = &self.keys else { return Ok(()) };
        let (body, cache_control) = fetch_text(uri).await?;
        let keys = JwkSet::parse(body.as_bytes()).map_err(|err| JsValue::from_str(&err.to_string()))?;
        let ttl = cache.borrow().ttl_for(cache_control.as_deref());
        cache.borrow_mut().store(CachedKeys {
            keys: Arc::new(keys),
            fetched_at: now,
            fresh_until: now.saturating_add(ttl),
        });
        Ok(())
    }
}

/// GETs `uri` with the platform's `fetch`: 5 s timeout where `AbortSignal.timeout`
/// exists, 200 only, at most [`MAX_JWKS_BYTES`].
async fn fetch_text(uri: &str) -> Result<(String, Option<String>), JsValue> {
    let global = js_sys::global();
    let fetch: Function = Reflect::get(&global, &"fetch".into())?.dyn_into()?;
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
        Reflect::set(&init, &"cache".into(), &"no-store".into())?;
    }
    let abort_signal = Reflect::get(&global, &"AbortSignal".into())?;
    if let Ok(timeout) = Reflect::get(&abort_signal, &"timeout".into()).and_then(|f| f.dyn_into::<Function>())
    {
        Reflect::set(&init, &"signal".into(), &timeout.call1(&abort_signal, &JsValue::from(5_000))?)?;
    }
    let response =
        JsFuture::from(fetch.call2(&global, &JsValue::from_str(uri), &init)?.dyn_into::<Promise>()?).await?;
    let ok = Reflect::get(&response, &"status".into())?.as_f64() == Some(200.0);
    if !ok {
        return Err(JsValue::from_str("JWKS fetch: status is not 200"));
    }
    let headers = Reflect::get(&response, &"headers".into())?;
    let get: Function = Reflect::get(&headers, &"get".into())?.dyn_into()?;
    let cache_control = get.call1(&headers, &"cache-control".into())?.as_string();
    let text: Function = Reflect::get(&response, &"text".into())?.dyn_into()?;
    let body =
        JsFuture::from(text.call0(&response)?.dyn_into::<Promise>()?).await?.as_string().unwrap_or_default();
    if body.len() > MAX_JWKS_BYTES {
        return Err(JsValue::from_str("JWKS too large"));
    }
    Ok((body, cache_control))
}

/// Whether `scopes` (an array, or a space-separated string) grant `required`,
/// with the hierarchy rules (`a:b:*` grants `a:b:c`).
#[wasm_bindgen]
pub fn grants(
    #[wasm_bindgen(unchecked_param_type = "string[] | string")] scopes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] required: JsValue,
) -> Result<bool, JsValue> {
    let required = string_argument(&required, "grants: required")?;
    Ok(scope_set(&scopes)?.grants(&required))
}

/// The scopes a `tools/call` of `name` requires under a `TOOL_SCOPES` policy
/// (object or JSON text); `null` when the tool is denied.
#[wasm_bindgen(js_name = requiredScopesForTool, unchecked_return_type = "string[] | null")]
pub fn required_scopes_for_tool(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string | string[]> | string")] policy: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
) -> Result<JsValue, JsValue> {
    let name = string_argument(&name, "requiredScopesForTool: name")?;
    let text = policy.as_string().map_or_else(|| json_text(&policy), Ok)?;
    let policy = ToolScopes::parse(&text).map_err(|err| type_error(&format!("tool policy {err}")))?;
    Ok(policy.required_for(&name).map_or(JsValue::NULL, string_array))
}

/// The `WWW-Authenticate` value for a failure (RFC 6750 §3, RFC 9728 §5.1);
/// `null` when the failure has no challenge (keys unavailable).
#[wasm_bindgen(unchecked_return_type = "string | null")]
pub fn challenge(
    #[wasm_bindgen(unchecked_param_type = "ChallengeOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options = Fields::new(&options, "challenge options", &CHALLENGE_OPTIONS)?;
    let resource_metadata = options
        .string("resourceMetadata")?
        .ok_or_else(|| type_error("challenge options: resourceMetadata is required"))?;
    let reason = match options.get("error") {
        None => None,
        Some(error) => Some(
            Reflect::get(&error, &"reason".into())?
                .as_string()
                .ok_or_else(|| type_error("challenge options: error.reason must be a string"))?,
        ),
    };
    let err = match (options.strings("required")?, reason) {
        (Some(required), _) => AuthError::InsufficientScope { required },
        (None, None) => AuthError::MissingToken,
        (None, Some(reason)) => AuthError::from_reason(&reason)
            .ok_or_else(|| type_error(&format!("challenge: unknown reason {reason}")))?,
    };
    let granted = ScopeSet::new(options.strings("granted")?.unwrap_or_default());
    let scopes_supported = options.strings("scopesSupported")?.unwrap_or_default();
    let context = ChallengeContext {
        resource_metadata: &resource_metadata,
        default_scopes: &scopes_supported,
        granted: Some(&granted),
    };
    Ok(render_challenge(&err, &context).map_or(JsValue::NULL, |value| JsValue::from_str(&value)))
}

/// The Protected Resource Metadata document (RFC 9728 §2) for a resource.
#[wasm_bindgen(js_name = protectedResourceMetadata, unchecked_return_type = "ProtectedResourceMetadata")]
pub fn protected_resource_metadata(
    #[wasm_bindgen(unchecked_param_type = "MetadataOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options = Fields::new(&options, "metadata options", &METADATA_OPTIONS)?;
    let resource =
        options.string("resource")?.ok_or_else(|| type_error("metadata options: resource is required"))?;
    let resource = HttpUrl::parse(&resource).map_err(|err| type_error(&format!("resource {err}")))?;
    let document = ProtectedResourceMetadata::new(
        &resource,
        options.required_strings("authorizationServers")?,
        options.strings("scopesSupported")?.unwrap_or_default(),
        options.string("resourceName")?,
    );
    let object = Object::new();
    Reflect::set(&object, &"resource".into(), &document.resource.as_str().into())?;
    Reflect::set(&object, &"authorization_servers".into(), &string_array(&document.authorization_servers))?;
    if !document.scopes_supported.is_empty() {
        Reflect::set(&object, &"scopes_supported".into(), &string_array(&document.scopes_supported))?;
    }
    Reflect::set(
        &object,
        &"bearer_methods_supported".into(),
        &string_array(document.bearer_methods_supported),
    )?;
    if let Some(name) = &document.resource_name {
        Reflect::set(&object, &"resource_name".into(), &name.as_str().into())?;
    }
    Ok(object.into())
}

/// The token of an `Authorization` header value; throws a `VerifyError`
/// (`unauthorized` when absent, `invalid_request` when malformed).
#[wasm_bindgen(js_name = extractBearer)]
pub fn extract_bearer_js(
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] header: JsValue,
) -> Result<String, JsValue> {
    let header = match header.as_string() {
        Some(header) => Some(header),
        None if header.is_undefined() || header.is_null() => None,
        None => return Err(type_error("extractBearer: header must be a string")),
    };
    extract_bearer(header.as_deref()).map(str::to_owned).map_err(|err| verify_error(&err))
}

/// A new PKCE code verifier (RFC 7636 §4.1): 43 characters, 256 random bits.
#[wasm_bindgen(js_name = createCodeVerifier)]
pub fn create_code_verifier() -> Result<String, JsValue> {
    let mut random = [0u8; 32];
    getrandom::getrandom(&mut random).map_err(|err| JsValue::from_str(&err.to_string()))?;
    Ok(pkce::code_verifier(&random))
}

/// The S256 code challenge for a verifier (RFC 7636 §4.2).
#[wasm_bindgen(js_name = codeChallengeS256)]
pub fn code_challenge_s256(
    #[wasm_bindgen(unchecked_param_type = "string")] verifier: JsValue,
) -> Result<String, JsValue> {
    match verifier.as_string() {
        Some(verifier) if pkce::is_code_verifier(&verifier) => Ok(pkce::s256_challenge(&verifier)),
        _ => Err(type_error("not a code verifier (43-128 unreserved characters)")),
    }
}

/// A new `state` value: 128 random bits, base64url.
#[wasm_bindgen(js_name = createState)]
pub fn create_state() -> Result<String, JsValue> {
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random).map_err(|err| JsValue::from_str(&err.to_string()))?;
    Ok(pkce::state(&random))
}

fn principal_js(principal: &Principal) -> Result<JsValue, JsValue> {
    let object = Object::new();
    let optional = |value: &Option<String>| value.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    Reflect::set(&object, &"iss".into(), &principal.issuer.as_str().into())?;
    Reflect::set(&object, &"sub".into(), &optional(&principal.subject))?;
    Reflect::set(&object, &"clientId".into(), &optional(&principal.client_id))?;
    Reflect::set(&object, &"scopes".into(), &string_array(principal.scopes.iter()))?;
    #[allow(clippy::cast_precision_loss)]
    let exp = principal.expires_at as f64;
    Reflect::set(&object, &"exp".into(), &exp.into())?;
    Reflect::set(&object, &"claims".into(), &to_js(&Value::Object(principal.claims.clone()))?)?;
    Ok(object.into())
}

fn string_array<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> JsValue {
    items.into_iter().map(|item| JsValue::from_str(item.as_ref())).collect::<Array>().into()
}

fn scope_set(scopes: &JsValue) -> Result<ScopeSet, JsValue> {
    if let Some(text) = scopes.as_string() {
        return Ok(ScopeSet::parse(&text));
    }
    Ok(ScopeSet::new(
        string_list(scopes).ok_or_else(|| type_error("scopes must be a string or an array of strings"))?,
    ))
}

/// A `VerifyError`: an `Error` with `code`, `status` and `reason`.
fn verify_error(err: &AuthError) -> JsValue {
    let error = js_sys::Error::new(err.description());
    error.set_name("VerifyError");
    let code = err.code().map_or("unauthorized", |code| code.as_str());
    let _ = Reflect::set(&error, &"code".into(), &code.into());
    let _ = Reflect::set(&error, &"status".into(), &JsValue::from(err.status()));
    let _ = Reflect::set(&error, &"reason".into(), &err.reason().into());
    error.into()
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

fn json_text(value: &JsValue) -> Result<String, JsValue> {
    JSON::stringify(value)?.as_string().ok_or_else(|| type_error("value is not JSON-serializable"))
}

/// The option names each entry point accepts; anything else is a TypeError,
/// so a misspelt option cannot silently fall back to a default.
const VERIFIER_OPTIONS: [&str; 12] = [
    "issuer",
    "audience",
    "algorithms",
    "leeway",
    "requireAtJwt",
    "scopeClaims",
    "requiredClaims",
    "jwks",
    "jwksUri",
    "maxAgeSeconds",
    "cooldownSeconds",
    "maxStaleSeconds",
];
const CHALLENGE_OPTIONS: [&str; 5] = ["resourceMetadata", "error", "required", "granted", "scopesSupported"];
const METADATA_OPTIONS: [&str; 4] = ["resource", "authorizationServers", "scopesSupported", "resourceName"];

/// Typed reads of an options object's fields.
struct Fields<'a> {
    object: &'a JsValue,
    what: &'static str,
}

impl<'a> Fields<'a> {
    fn new(object: &'a JsValue, what: &'static str, allowed: &[&str]) -> Result<Self, JsValue> {
        if !object.is_object() {
            return Err(type_error(&format!("{what} must be an object")));
        }
        for key in Object::keys(&Object::from(object.clone())).iter() {
            let key = key.as_string().unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                return Err(type_error(&format!("{what}: unknown option {key}")));
            }
        }
        Ok(Self { object, what })
    }

    /// The field, unless absent, `undefined` or `null`.
    fn get(&self, key: &str) -> Option<JsValue> {
        Reflect::get(self.object, &JsValue::from_str(key))
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<String>, JsValue> {
        self.get(key).map(|value| value.as_string().ok_or_else(|| self.wrong(key, "a string"))).transpose()
    }

    /// A string or an array of strings.
    fn strings(&self, key: &str) -> Result<Option<Vec<String>>, JsValue> {
        self.get(key)
            .map(|value| {
                string_list(&value).ok_or_else(|| self.wrong(key, "a string or an array of strings"))
            })
            .transpose()
    }

    /// At least one string, none empty.
    fn required_strings(&self, key: &str) -> Result<Vec<String>, JsValue> {
        self.strings(key)?
            .filter(|list| !list.is_empty() && list.iter().all(|item| !item.is_empty()))
            .ok_or_else(|| self.wrong(key, "a non-empty string or array of non-empty strings"))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, JsValue> {
        self.get(key).map(|value| value.as_bool().ok_or_else(|| self.wrong(key, "a boolean"))).transpose()
    }

    fn whole_number(&self, key: &str) -> Result<Option<i64>, JsValue> {
        self.get(key)
            .map(|value| {
                #[allow(clippy::cast_possible_truncation)]
                value
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && (0.0..=9.0e15).contains(n))
                    .map(|n| n as i64)
                    .ok_or_else(|| self.wrong(key, "a whole number of seconds"))
            })
            .transpose()
    }

    fn wrong(&self, key: &str, expected: &str) -> JsValue {
        type_error(&format!("{}: {key} must be {expected}", self.what))
    }
}

fn string_argument(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| type_error(&format!("{what} must be a string")))
}

/// A string (one item) or an array of strings.
fn string_list(value: &JsValue) -> Option<Vec<String>> {
    if let Some(text) = value.as_string() {
        return Some(vec![text]);
    }
    if !Array::is_array(value) {
        return None;
    }
    Array::from(value).iter().map(|item| item.as_string()).collect()
}

/// serde_json value → JS value, built directly (no JSON text in between, which
/// would pull serde_json's serializer and float printing into the wasm).
fn to_js(value: &Value) -> Result<JsValue, JsValue> {
    Ok(match value {
        Value::Null => JsValue::NULL,
        Value::Bool(flag) => JsValue::from_bool(*flag),
        Value::Number(number) => JsValue::from_f64(number.as_f64().unwrap_or(f64::NAN)),
        Value::String(text) => JsValue::from_str(text),
        Value::Array(items) => {
            let array = js_sys::Array::new();
            for item in items {
                array.push(&to_js(item)?);
            }
            array.into()
        }
        Value::Object(entries) => {
            let object = Object::new();
            for (key, item) in entries {
                Reflect::set(&object, &JsValue::from_str(key), &to_js(item)?)?;
            }
            object.into()
        }
    })
}

fn now_seconds() -> i64 {
    // Date.now() is milliseconds since the epoch, well inside f64's exact range.
    #[allow(clippy::cast_possible_truncation)]
    let seconds = (js_sys::Date::now() / 1000.0).floor() as i64;
    seconds
}

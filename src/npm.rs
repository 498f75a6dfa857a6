//! The npm package's face (wasm-bindgen): the core's verifier, scope rules,
//! challenges, metadata and PKCE helpers for JavaScript — Node, browsers,
//! Deno, Bun and Workers — with no Workers runtime inside.
//!
//! Values cross the boundary as JSON (`JSON.stringify` / `JSON.parse`), so
//! results are plain objects and the core's serde types do the validation.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::{Function, JSON, Object, Promise, Reflect};
use serde::Deserialize;
use serde_json::{Value, json};
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifierOptions {
    issuer: OneOrMany,
    audience: OneOrMany,
    #[serde(default)]
    algorithms: Option<Vec<Algorithm>>,
    #[serde(default)]
    leeway: Option<u32>,
    #[serde(default)]
    require_at_jwt: bool,
    #[serde(default)]
    scope_claims: Option<Vec<String>>,
    #[serde(default)]
    required_claims: Vec<String>,
    #[serde(default)]
    jwks: Option<Value>,
    #[serde(default)]
    jwks_uri: Option<String>,
    #[serde(default)]
    max_age_seconds: Option<i64>,
    #[serde(default)]
    cooldown_seconds: Option<i64>,
    #[serde(default)]
    max_stale_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(one) => vec![one],
            Self::Many(many) => many,
        }
    }
}

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
        let options: VerifierOptions =
            from_js(&options).map_err(|err| type_error(&format!("Verifier options: {err}")))?;
        let defaults = Policy::default();
        let policy = Policy {
            issuers: options.issuer.into_vec(),
            audiences: options.audience.into_vec(),
            algorithms: options.algorithms.unwrap_or(defaults.algorithms),
            leeway_seconds: options.leeway.unwrap_or(defaults.leeway_seconds),
            require_at_jwt: options.require_at_jwt,
            required_claims: options.required_claims,
            scope_claims: options
                .scope_claims
                .unwrap_or_else(|| DEFAULT_SCOPE_CLAIMS.map(str::to_owned).to_vec()),
            ..defaults
        };
        let keys = match (options.jwks, options.jwks_uri) {
            (Some(jwks), None) => {
                let text = match jwks {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                let keys =
                    JwkSet::parse(text.as_bytes()).map_err(|err| type_error(&format!("jwks: {err}")))?;
                Keys::Static(Arc::new(keys))
            }
            (None, Some(uri)) => {
                HttpUrl::parse(&uri).map_err(|err| type_error(&format!("jwksUri {err}")))?;
                let base = KeyCacheSettings::default();
                let settings = KeyCacheSettings {
                    max_age: options.max_age_seconds.unwrap_or(base.max_age),
                    cooldown: options.cooldown_seconds.unwrap_or(base.cooldown),
                    max_stale: options.max_stale_seconds.unwrap_or(base.max_stale),
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
    pub fn verify(&self, token: String, now: Option<f64>) -> Promise {
        let inner = Rc::clone(&self.inner);
        #[allow(clippy::cast_possible_truncation)]
        let now = now.map_or_else(now_seconds, |now| now.floor() as i64);
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
        to_js(&principal_json(&principal)).map_err(|_| AuthError::KeysUnavailable)
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
    required: &str,
) -> Result<bool, JsValue> {
    Ok(scope_set(&scopes)?.grants(required))
}

/// The scopes a `tools/call` of `name` requires under a `TOOL_SCOPES` policy
/// (object or JSON text); `null` when the tool is denied.
#[wasm_bindgen(js_name = requiredScopesForTool, unchecked_return_type = "string[] | null")]
pub fn required_scopes_for_tool(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string | string[]> | string")] policy: JsValue,
    name: &str,
) -> Result<JsValue, JsValue> {
    let text = policy.as_string().map_or_else(|| json_text(&policy), Ok)?;
    let policy = ToolScopes::parse(&text).map_err(|err| type_error(&format!("tool policy {err}")))?;
    to_js(&json!(policy.required_for(name)))
}

/// The `WWW-Authenticate` value for a failure (RFC 6750 §3, RFC 9728 §5.1);
/// `null` when the failure has no challenge (keys unavailable).
#[wasm_bindgen(unchecked_return_type = "string | null")]
pub fn challenge(
    #[wasm_bindgen(unchecked_param_type = "ChallengeOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Options {
        resource_metadata: String,
        #[serde(default)]
        error: Option<Reason>,
        #[serde(default)]
        required: Option<Vec<String>>,
        #[serde(default)]
        granted: Vec<String>,
        #[serde(default)]
        scopes_supported: Vec<String>,
    }
    #[derive(Deserialize)]
    struct Reason {
        reason: String,
    }
    let options: Options =
        from_js(&options).map_err(|err| type_error(&format!("challenge options: {err}")))?;
    let err = match (options.required, options.error) {
        (Some(required), _) => AuthError::InsufficientScope { required },
        (None, None) => AuthError::MissingToken,
        (None, Some(Reason { reason })) => AuthError::from_reason(&reason)
            .ok_or_else(|| type_error(&format!("challenge: unknown reason {reason:?}")))?,
    };
    let granted = ScopeSet::new(&options.granted);
    let context = ChallengeContext {
        resource_metadata: &options.resource_metadata,
        default_scopes: &options.scopes_supported,
        granted: Some(&granted),
    };
    Ok(render_challenge(&err, &context).map_or(JsValue::NULL, |value| JsValue::from_str(&value)))
}

/// The Protected Resource Metadata document (RFC 9728 §2) for a resource.
#[wasm_bindgen(js_name = protectedResourceMetadata, unchecked_return_type = "ProtectedResourceMetadata")]
pub fn protected_resource_metadata(
    #[wasm_bindgen(unchecked_param_type = "MetadataOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Options {
        resource: String,
        authorization_servers: Vec<String>,
        #[serde(default)]
        scopes_supported: Vec<String>,
        #[serde(default)]
        resource_name: Option<String>,
    }
    let options: Options =
        from_js(&options).map_err(|err| type_error(&format!("metadata options: {err}")))?;
    let resource = HttpUrl::parse(&options.resource).map_err(|err| type_error(&format!("resource {err}")))?;
    let document = ProtectedResourceMetadata::new(
        &resource,
        options.authorization_servers,
        options.scopes_supported,
        options.resource_name,
    );
    to_js(&serde_json::to_value(document).map_err(|_| JsValue::from_str("metadata"))?)
}

/// The token of an `Authorization` header value; throws a `VerifyError`
/// (`unauthorized` when absent, `invalid_request` when malformed).
#[wasm_bindgen(js_name = extractBearer)]
pub fn extract_bearer_js(header: Option<String>) -> Result<String, JsValue> {
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
pub fn code_challenge_s256(verifier: &str) -> Result<String, JsValue> {
    if !pkce::is_code_verifier(verifier) {
        return Err(type_error("not a code verifier (43-128 unreserved characters)"));
    }
    Ok(pkce::s256_challenge(verifier))
}

/// A new `state` value: 128 random bits, base64url.
#[wasm_bindgen(js_name = createState)]
pub fn create_state() -> Result<String, JsValue> {
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random).map_err(|err| JsValue::from_str(&err.to_string()))?;
    Ok(pkce::state(&random))
}

fn principal_json(principal: &Principal) -> Value {
    json!({
        "iss": principal.issuer,
        "sub": principal.subject,
        "clientId": principal.client_id,
        "scopes": principal.scopes.iter().collect::<Vec<_>>(),
        "exp": principal.expires_at,
        "claims": principal.claims,
    })
}

fn scope_set(scopes: &JsValue) -> Result<ScopeSet, JsValue> {
    if let Some(text) = scopes.as_string() {
        return Ok(ScopeSet::parse(&text));
    }
    let list: Vec<String> =
        from_js(scopes).map_err(|_| type_error("scopes must be a string or an array of strings"))?;
    Ok(ScopeSet::new(list))
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

fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let text = json_text(value).map_err(|_| "not JSON-serializable".to_owned())?;
    serde_json::from_str(&text).map_err(|err| err.to_string())
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

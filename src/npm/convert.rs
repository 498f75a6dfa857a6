//! Between JS values and the core's types: options objects read field by
//! field (unknown or mistyped options are `TypeError`s), results built as
//! plain JS objects (the principal by `principal.js`). No serde derive and
//! no JSON serializer on this side, which keeps the package's wasm small.

use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::base64url;
use crate::http::error::AuthError;
use crate::verify::principal::Principal;
use crate::verify::scope::ScopeSet;

#[wasm_bindgen(module = "/src/npm/principal.js")]
extern "C" {
    #[wasm_bindgen(js_name = principalObject)]
    fn principal_object(
        iss: &str,
        sub: Option<&str>,
        client_id: Option<&str>,
        scopes: &str,
        exp: f64,
        claims: &str,
    ) -> JsValue;
}

/// The principal as a deeply frozen JS object, built by `principal.js` in
/// one call: the claims are the payload of `token`, the token the core
/// verified into `principal`, and JSON.parse reads it there.
pub(super) fn principal_js(principal: &Principal, token: &str) -> Result<JsValue, JsValue> {
    let payload = token.split('.').nth(1).and_then(base64url::decode).map(String::from_utf8);
    let Some(Ok(claims)) = payload else { return Err(type_error("verify: token payload unreadable")) };
    #[allow(clippy::cast_precision_loss)]
    let exp = principal.expires_at as f64;
    Ok(principal_object(
        &principal.issuer,
        principal.subject.as_deref(),
        principal.client_id.as_deref(),
        &principal.scopes.to_scope_string(),
        exp,
        &claims,
    ))
}

pub(super) fn string_array<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> JsValue {
    items.into_iter().map(|item| JsValue::from_str(item.as_ref())).collect::<Array>().into()
}

pub(super) fn scope_set(scopes: &JsValue) -> Result<ScopeSet, JsValue> {
    if let Some(text) = scopes.as_string() {
        return Ok(ScopeSet::parse(&text));
    }
    Ok(ScopeSet::new(
        string_list(scopes).ok_or_else(|| type_error("scopes must be a string or an array of strings"))?,
    ))
}

/// A `VerifyError`: an `Error` with `code`, `status` and `reason`.
pub(super) fn verify_error(err: &AuthError) -> JsValue {
    let error = js_sys::Error::new(err.description());
    error.set_name("VerifyError");
    let code = err.code().map_or("unauthorized", |code| code.as_str());
    // Properties of a fresh Error object: setting them cannot fail.
    let _ = Reflect::set(&error, &"code".into(), &code.into());
    let _ = Reflect::set(&error, &"status".into(), &JsValue::from(err.status()));
    let _ = Reflect::set(&error, &"reason".into(), &err.reason().into());
    error.into()
}

pub(super) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

pub(super) fn json_text(value: &JsValue) -> Result<String, JsValue> {
    JSON::stringify(value)?.as_string().ok_or_else(|| type_error("value is not JSON-serializable"))
}

/// The option names each entry point accepts; anything else is a TypeError,
/// so a misspelt option cannot silently fall back to a default.
pub(super) const VERIFIER_OPTIONS: [&str; 12] = [
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
pub(super) const CHALLENGE_OPTIONS: [&str; 5] =
    ["resourceMetadata", "error", "required", "granted", "scopesSupported"];
pub(super) const METADATA_OPTIONS: [&str; 4] =
    ["resource", "authorizationServers", "scopesSupported", "resourceName"];

/// Typed reads of an options object's fields.
pub(super) struct Fields<'a> {
    object: &'a JsValue,
    what: &'static str,
}

impl<'a> Fields<'a> {
    pub(super) fn new(object: &'a JsValue, what: &'static str, allowed: &[&str]) -> Result<Self, JsValue> {
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
    pub(super) fn get(&self, key: &str) -> Option<JsValue> {
        Reflect::get(self.object, &JsValue::from_str(key))
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<String>, JsValue> {
        self.get(key).map(|value| value.as_string().ok_or_else(|| self.wrong(key, "a string"))).transpose()
    }

    /// A string or an array of strings.
    pub(super) fn strings(&self, key: &str) -> Result<Option<Vec<String>>, JsValue> {
        self.get(key)
            .map(|value| {
                string_list(&value).ok_or_else(|| self.wrong(key, "a string or an array of strings"))
            })
            .transpose()
    }

    /// At least one string, none empty.
    pub(super) fn required_strings(&self, key: &str) -> Result<Vec<String>, JsValue> {
        self.strings(key)?
            .filter(|list| !list.is_empty() && list.iter().all(|item| !item.is_empty()))
            .ok_or_else(|| self.wrong(key, "a non-empty string or array of non-empty strings"))
    }

    pub(super) fn boolean(&self, key: &str) -> Result<Option<bool>, JsValue> {
        self.get(key).map(|value| value.as_bool().ok_or_else(|| self.wrong(key, "a boolean"))).transpose()
    }

    pub(super) fn whole_number(&self, key: &str) -> Result<Option<i64>, JsValue> {
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

pub(super) fn string_argument(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| type_error(&format!("{what} must be a string")))
}

/// A string (one item) or an array of strings.
pub(super) fn string_list(value: &JsValue) -> Option<Vec<String>> {
    if let Some(text) = value.as_string() {
        return Some(vec![text]);
    }
    if !Array::is_array(value) {
        return None;
    }
    Array::from(value).iter().map(|item| item.as_string()).collect()
}

pub(super) fn now_seconds() -> i64 {
    // Date.now() is milliseconds since the epoch, well inside f64's exact range.
    #[allow(clippy::cast_possible_truncation)]
    let seconds = (js_sys::Date::now() / 1000.0).floor() as i64;
    seconds
}

/// `console.warn(line)`: how the package tells a developer what went wrong.
pub(super) fn console_warn(line: &str) {
    console_print("warn", line);
}

pub(super) fn console_print(method: &str, line: &str) {
    let Ok(console) = Reflect::get(&js_sys::global(), &"console".into()) else { return };
    if let Ok(log) = Reflect::get(&console, &method.into()).and_then(JsCast::dyn_into::<js_sys::Function>) {
        // Nowhere else to report a console that throws.
        let _printed = log.call1(&console, &line.into());
    }
}

//! What both wasm adapters need from JavaScript values they did not make.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// What a thrown value says: an `Error`'s `message`, a thrown string, or `fallback`.
pub(crate) fn error_message(err: &JsValue, fallback: &str) -> String {
    Reflect::get(err, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .or_else(|| err.as_string())
        .unwrap_or_else(|| fallback.to_owned())
}

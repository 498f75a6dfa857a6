//! Signatures on the platform's Web Crypto (`crypto.subtle`, W3C Web
//! Cryptography API), for both adapters: workerd, Node ≥ 20, browsers, Deno
//! and Bun all have it, and it runs RSA and ECDSA natively, an order of
//! magnitude faster than pure-Rust code compiled to wasm.
//!
//! Each JWK is imported once per algorithm (`importKey`) and the `CryptoKey`
//! kept, keyed by the key's fingerprint, so a key set that comes back after a
//! refresh reuses them. A key the platform refuses (a point off the curve, an
//! algorithm this runtime lacks) verifies nothing and is reported once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::base64url;
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::exchange::wait;
use crate::js::error_message;
use crate::keys::jwks::{Jwk, PublicKey};
use crate::verify::algorithm::Algorithm;
use crate::verify::signature::SignatureVerifier;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = importKey, catch)]
    fn import_key(
        format: &str,
        key: &Object,
        algorithm: &Object,
        extractable: bool,
        usages: &Array,
    ) -> Result<Promise, JsValue>;

    // Web Crypto copies `signature` and `data` before it returns, so views
    // into wasm memory are safe to pass.
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = verify, catch)]
    fn subtle_verify(
        algorithm: &Object,
        key: &JsValue,
        signature: &[u8],
        data: &[u8],
    ) -> Result<Promise, JsValue>;
}

/// Imported keys are forgotten past this many (a key set holds at most 64).
const MAX_IMPORTED: usize = 256;

/// A key as imported for one algorithm: (key fingerprint, algorithm).
type ImportedFor = ([u8; 32], Algorithm);

pub(crate) struct WebCrypto {
    /// The `CryptoKey`s, or `None` where the platform refused the key.
    keys: RefCell<HashMap<ImportedFor, Option<JsValue>>>,
    /// The `verify` parameters per algorithm, built once.
    params: RefCell<HashMap<Algorithm, Object>>,
    report: fn(&str),
}

impl WebCrypto {
    /// `report` receives one line per key the platform refuses.
    pub(crate) fn new(report: fn(&str)) -> Self {
        Self { keys: RefCell::new(HashMap::new()), params: RefCell::new(HashMap::new()), report }
    }

    /// The imported key, importing it on first use. Concurrent requests may
    /// each import it once; the results are shared, never the promises.
    async fn crypto_key(&self, alg: Algorithm, jwk: &Jwk) -> Option<JsValue> {
        let id = (jwk.fingerprint, alg);
        if let Some(known) = self.keys.borrow().get(&id) {
            return known.clone();
        }
        let imported = import(alg, &jwk.key).await;
        if let Err(err) = &imported {
            let kid = jwk.kid.as_deref().unwrap_or("(no kid)");
            let detail = error_message(err, "");
            (self.report)(&format!("Web Crypto refused key {kid} for {}: {}", alg.name(), detail));
        }
        let mut keys = self.keys.borrow_mut();
        if keys.len() >= MAX_IMPORTED {
            keys.clear();
        }
        let key = imported.ok();
        keys.insert(id, key.clone());
        key
    }
}

impl SignatureVerifier for WebCrypto {
    async fn verify(&self, alg: Algorithm, key: &Jwk, signing_input: &[u8], signature: &[u8]) -> bool {
        let Some(crypto_key) = self.crypto_key(alg, key).await else { return false };
        let params = match self.params.borrow_mut().entry(alg) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(slot) => match verify_params(alg) {
                Ok(params) => slot.insert(params).clone(),
                Err(_) => return false,
            },
        };
        let Ok(pending) = subtle_verify(&params, &crypto_key, signature, signing_input) else { return false };
        wait(pending).await.ok().and_then(|valid| valid.as_bool()).unwrap_or(false)
    }
}

async fn import(alg: Algorithm, key: &PublicKey) -> Result<JsValue, JsValue> {
    let b64 = |bytes: &[u8]| JsValue::from_str(&base64url::encode(bytes));
    let jwk = match key {
        PublicKey::Rsa { n, e } => object(&[("kty", "RSA".into()), ("n", b64(n)), ("e", b64(e))])?,
        PublicKey::P256 { x, y } => {
            object(&[("kty", "EC".into()), ("crv", "P-256".into()), ("x", b64(x)), ("y", b64(y))])?
        }
        PublicKey::Ed25519 { x } => {
            object(&[("kty", "OKP".into()), ("crv", "Ed25519".into()), ("x", b64(x))])?
        }
    };
    let usages = Array::of1(&"verify".into());
    wait(import_key("jwk", &jwk, &import_params(alg)?, false, &usages)?).await
}

/// The `importKey` algorithm: the hash is bound to RSA keys, the curve to EC ones.
fn import_params(alg: Algorithm) -> Result<Object, JsValue> {
    match alg {
        Algorithm::Rs256 | Algorithm::Rs384 | Algorithm::Rs512 => {
            object(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", hash(alg).into())])
        }
        Algorithm::Ps256 | Algorithm::Ps384 | Algorithm::Ps512 => {
            object(&[("name", "RSA-PSS".into()), ("hash", hash(alg).into())])
        }
        Algorithm::Es256 => object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]),
        Algorithm::EdDsa | Algorithm::Ed25519 => object(&[("name", "Ed25519".into())]),
    }
}

/// The `verify` algorithm. PSS salts are as long as the hash (RFC 7518 §3.5).
fn verify_params(alg: Algorithm) -> Result<Object, JsValue> {
    match alg {
        Algorithm::Rs256 | Algorithm::Rs384 | Algorithm::Rs512 => {
            object(&[("name", "RSASSA-PKCS1-v1_5".into())])
        }
        Algorithm::Ps256 => object(&[("name", "RSA-PSS".into()), ("saltLength", 32.into())]),
        Algorithm::Ps384 => object(&[("name", "RSA-PSS".into()), ("saltLength", 48.into())]),
        Algorithm::Ps512 => object(&[("name", "RSA-PSS".into()), ("saltLength", 64.into())]),
        Algorithm::Es256 => object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]),
        Algorithm::EdDsa | Algorithm::Ed25519 => object(&[("name", "Ed25519".into())]),
    }
}

fn hash(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Rs384 | Algorithm::Ps384 => "SHA-384",
        Algorithm::Rs512 | Algorithm::Ps512 => "SHA-512",
        _ => "SHA-256",
    }
}

fn object(members: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let object = Object::new();
    for (name, value) in members {
        Reflect::set(&object, &JsValue::from_str(name), value)?;
    }
    Ok(object)
}

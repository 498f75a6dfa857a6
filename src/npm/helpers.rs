//! The package's stateless helpers: scope checks, challenges, metadata,
//! bearer extraction and PKCE, each a thin call into the core.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::convert::{
    CHALLENGE_OPTIONS, Fields, METADATA_OPTIONS, json_text, scope_set, string_argument, string_array,
    type_error, verify_error,
};
use crate::http::bearer::extract_bearer;
use crate::http::challenge::{ChallengeContext, challenge as render_challenge};
use crate::http::error::AuthError;
use crate::http::metadata::ProtectedResourceMetadata;
use crate::http::pkce;
use crate::http::url::HttpUrl;
use crate::mcp::policy::AccessPolicy;
use crate::verify::scope::ScopeSet;

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
    let policy =
        AccessPolicy::from_tool_scopes(&text).map_err(|err| type_error(&format!("tool policy {err}")))?;
    Ok(policy.required_for_tool(&name).map_or(JsValue::NULL, string_array))
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

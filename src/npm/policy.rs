//! `Policy`: the gateway's authorization policy for an MCP server in
//! JavaScript — the same `POLICY` document, the same decision for a JSON-RPC
//! message, and the same list filtering (`crate::mcp::policy`,
//! `crate::mcp::list_filter`).

use std::sync::Arc;

use js_sys::{JSON, Object, Reflect};
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use super::convert::{Fields, json_text, scope_set, string_argument, string_array, type_error};
use crate::mcp::jsonrpc::{RpcCall, inspect_body};
use crate::mcp::list_filter::{FilterLists, ListFilter};
use crate::mcp::policy::{AccessPolicy, Caller, Decision};
use crate::verify::principal::Principal;
use crate::verify::scope::ScopeSet;

const POLICY_OPTIONS: [&str; 1] = ["filterLists"];

/// An authorization policy (`POLICY`: tools, resources, prompts, methods).
#[wasm_bindgen(js_name = Policy)]
pub struct JsPolicy {
    policy: Arc<AccessPolicy>,
    filter_lists: FilterLists,
}

#[wasm_bindgen(js_class = Policy)]
impl JsPolicy {
    /// Parses a policy (object or JSON text); throws a `TypeError` saying
    /// what is wrong. `options.filterLists`: `true` (default), `"step-up"` or `false`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PolicyDocument | string")] policy: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PolicyOptions")] options: Option<Object>,
    ) -> Result<JsPolicy, JsValue> {
        let text = json_argument(&policy, "new Policy: policy")?;
        let policy = AccessPolicy::parse(&text).map_err(|err| type_error(&format!("policy {err}")))?;
        let filter_lists = match options {
            None => FilterLists::default(),
            Some(options) => {
                let options = JsValue::from(options);
                let fields = Fields::new(&options, "Policy options", &POLICY_OPTIONS)?;
                match fields.get("filterLists").map(|value| (value.as_bool(), value.as_string())) {
                    None | Some((Some(true), _)) => FilterLists::Usable,
                    Some((Some(false), _)) => FilterLists::Off,
                    Some((_, Some(text))) if text == "step-up" => FilterLists::StepUp,
                    Some(_) => {
                        return Err(type_error(
                            "Policy options: filterLists must be true, \"step-up\" or false",
                        ));
                    }
                }
            }
        };
        Ok(JsPolicy { policy: Arc::new(policy), filter_lists })
    }

    /// The decision for a JSON-RPC message or batch (object, array or JSON
    /// text) from `principal` (a verified `Principal`, or `{scopes, claims}`).
    /// Throws a `TypeError` for a body that is not JSON-RPC.
    #[wasm_bindgen(unchecked_return_type = "PolicyDecision")]
    pub fn check(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyPrincipal")] principal: JsValue,
        #[wasm_bindgen(unchecked_param_type = "object | object[] | string")] message: JsValue,
    ) -> Result<JsValue, JsValue> {
        let (scopes, claims) = caller(&principal)?;
        let text = json_argument(&message, "check: message")?;
        let calls = inspect_body(text.as_bytes())
            .map_err(|err| type_error(&format!("message: {}", err.message())))?;
        let out = Object::new();
        let set = |key: &str, value: &JsValue| Reflect::set(&out, &key.into(), value);
        match self.policy.authorize(&calls, Caller { scopes: &scopes, claims: &claims }) {
            Decision::Allowed => set("decision", &"allowed".into())?,
            Decision::InsufficientScope(required) => {
                set("decision", &"insufficient_scope".into())?;
                set("status", &403.into())?;
                set("requiredScopes", &string_array(&required))?
            }
            Decision::Denied(refusal) => {
                set("decision", &"denied".into())?;
                set("status", &403.into())?;
                set("reason", &refusal.reason().into())?
            }
        };
        Ok(out.into())
    }

    /// A `tools/list`, `prompts/list` or `resources/list` result holding
    /// only the entries `principal` may use (by `filterLists`): a copy, other
    /// members and kept entries unchanged and in order; the result itself
    /// when the policy could hide nothing from that list.
    #[wasm_bindgen(js_name = filterList)]
    pub fn filter_list(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyPrincipal")] principal: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] method: JsValue,
        #[wasm_bindgen(unchecked_param_type = "object")] result: JsValue,
    ) -> Result<JsValue, JsValue> {
        let method = string_argument(&method, "filterList: method")?;
        if !matches!(method.as_str(), "tools/list" | "prompts/list" | "resources/list") {
            return Err(type_error("filterList: method must be tools/list, prompts/list or resources/list"));
        }
        if !result.is_object() {
            return Err(type_error("filterList: result must be an object"));
        }
        let (scopes, claims) = caller(&principal)?;
        let principal = Arc::new(Principal {
            issuer: String::new(),
            subject: None,
            client_id: None,
            scopes,
            expires_at: 0,
            claims,
        });
        let calls =
            [RpcCall { method: Some(method), target: None, target_kind: None, id: Some(Value::from(0)) }];
        let Some(filter) = ListFilter::new(&calls, &self.policy, &principal, self.filter_lists) else {
            return Ok(result);
        };
        let message = format!(r#"{{"id":0,"result":{}}}"#, json_argument(&result, "filterList: result")?);
        let filtered = filter
            .filter_json(message.as_bytes())
            .map_err(|_| type_error("filterList: result is not a list result"))?;
        let Some(filtered) = filtered else { return Ok(result) };
        let message = JSON::parse(&String::from_utf8_lossy(&filtered))?;
        Reflect::get(&message, &"result".into())
    }

    /// Every scope the policy names, sorted (for `scopes_supported`).
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn scopes(&self) -> JsValue {
        string_array(self.policy.scopes())
    }
}

/// An argument given as JSON text or as a value to serialise.
fn json_argument(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    if value.is_undefined() {
        return Err(type_error(&format!("{what} is required")));
    }
    json_text(value).map_err(|_| type_error(&format!("{what} is not JSON-serializable")))
}

/// A principal's scopes (`scopes`: array or space-separated string) and claims.
fn caller(principal: &JsValue) -> Result<(ScopeSet, Map<String, Value>), JsValue> {
    if !principal.is_object() {
        return Err(type_error("principal must be an object with scopes (and claims)"));
    }
    let scopes = scope_set(&Reflect::get(principal, &"scopes".into())?)?;
    let claims = Reflect::get(principal, &"claims".into())?;
    let claims = if claims.is_undefined() || claims.is_null() {
        Map::new()
    } else {
        serde_json::from_str(&json_text(&claims)?)
            .map_err(|_| type_error("principal.claims must be an object"))?
    };
    Ok((scopes, claims))
}

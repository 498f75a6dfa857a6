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
        #[wasm_bindgen(unchecked_param_type = "PolicyOptions | undefined")] options: JsValue,
    ) -> Result<JsPolicy, JsValue> {
        let text = policy.as_string().map_or_else(|| json_text(&policy), Ok)?;
        let policy = AccessPolicy::parse(&text).map_err(|err| type_error(&format!("policy {err}")))?;
        let filter_lists = if options.is_undefined() || options.is_null() {
            FilterLists::default()
        } else {
            let fields = Fields::new(&options, "Policy options", &POLICY_OPTIONS)?;
            match fields.get("filterLists") {
                None => FilterLists::default(),
                Some(value) => value
                    .as_bool()
                    .map(|on| if on { FilterLists::Usable } else { FilterLists::Off })
                    .or_else(|| value.as_string().and_then(|text| FilterLists::parse(&text)))
                    .ok_or_else(|| {
                        type_error("Policy options: filterLists must be true, \"step-up\" or false")
                    })?,
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
        let text = message.as_string().map_or_else(|| json_text(&message), Ok)?;
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

    /// A copy of a `tools/list`, `prompts/list` or `resources/list` result
    /// holding only the entries `principal` may use (by `filterLists`); other
    /// members and kept entries unchanged, in order.
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
        let (scopes, claims) = caller(&principal)?;
        let principal = Arc::new(Principal {
            issuer: String::new(),
            subject: None,
            client_id: None,
            scopes,
            expires_at: 0,
            claims,
        });
        let calls = [RpcCall { method: Some(method), target: None, id: Some(Value::from(0)) }];
        let Some(filter) = ListFilter::new(&calls, &self.policy, &principal, self.filter_lists) else {
            return Ok(result);
        };
        let message = format!(r#"{{"id":0,"result":{}}}"#, json_text(&result)?);
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

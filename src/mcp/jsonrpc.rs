//! Inspecting the JSON-RPC body of an MCP POST (MCP "Base Protocol",
//! JSON-RPC 2.0): which methods it calls and on what (a tool, prompt or
//! resource), and the ids of its requests (to find their responses).
//!
//! Only what authorization needs is read. A body that is not JSON is a parse
//! error (-32700); JSON that is not a message or a non-empty batch of
//! messages is an invalid request (-32600). Batches (MCP 2025-03-26) are
//! inspected element by element.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde_json::Value;

use crate::mcp::raw_json::{self, Member};
use crate::mcp::resource_uri;

/// Bodies larger than this are refused before parsing (413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One message of the body, reduced to what authorization looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcCall {
    /// `None` for responses (a client answering a server request).
    pub method: Option<String>,
    /// What the call acts on: `params.name` of `tools/call` and
    /// `prompts/get`, `params.uri` of `resources/read`, `resources/subscribe`
    /// and `resources/unsubscribe`, `params.ref.name` or `params.ref.uri` of
    /// `completion/complete`.
    pub target: Option<String>,
    /// Which kind of thing `target` names.
    pub target_kind: Option<TargetKind>,
    /// The request's `id`; `None` for notifications and responses.
    pub id: Option<Value>,
}

/// What a call's target is: the policy section that judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Tool,
    Resource,
    Prompt,
}

impl TargetKind {
    /// The kind a method's `params.name` / `params.uri` names (not
    /// `completion/complete`, whose `ref` says).
    pub fn of_method(method: &str) -> Option<Self> {
        match method {
            "tools/call" => Some(Self::Tool),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => Some(Self::Resource),
            "prompts/get" => Some(Self::Prompt),
            _ => None,
        }
    }
}

/// Why a body cannot be authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcError {
    /// Not JSON at all (JSON-RPC -32700).
    Parse,
    /// JSON, but not a JSON-RPC message or batch (JSON-RPC -32600).
    InvalidRequest,
    /// `Mcp-Method` / `Mcp-Name` headers disagree with the body (MCP 2026-07-28).
    HeaderMismatch,
    /// A member name that a case-insensitive parser would read as `method`,
    /// `params`, `name`… without being it, or a name repeated (JSON-RPC -32600).
    AmbiguousMember,
    /// Two requests of one batch with the same `id` (their responses could
    /// not be told apart).
    DuplicateId,
    /// A resource URI in a form the server would normalise to another one.
    NonCanonicalUri,
}

impl RpcError {
    /// The JSON-RPC error code for the response body.
    pub const fn code(self) -> i32 {
        match self {
            Self::Parse => -32700,
            Self::InvalidRequest
            | Self::HeaderMismatch
            | Self::AmbiguousMember
            | Self::DuplicateId
            | Self::NonCanonicalUri => -32600,
        }
    }

    pub const fn message(self) -> &'static str {
        match self {
            Self::Parse => "Parse error",
            Self::InvalidRequest | Self::AmbiguousMember | Self::DuplicateId => "Invalid Request",
            Self::NonCanonicalUri => "Invalid Request: the resource URI is not in normalised form",
            Self::HeaderMismatch => "Mcp-Method or Mcp-Name header does not match the body",
        }
    }

    /// A JSON-RPC error response body (`id` null: the request could not be read).
    pub fn to_body(self) -> Value {
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": self.code(), "message": self.message() },
        })
    }
}

/// Reads the calls of a POST body. Only the members that decide something
/// are parsed; the rest (`arguments`, results) are only scanned.
pub fn inspect_body(body: &[u8]) -> Result<Vec<RpcCall>, RpcError> {
    let text = std::str::from_utf8(body).map_err(|_| RpcError::Parse)?;
    let calls: Vec<RpcCall> = match text.trim_start().as_bytes().first() {
        Some(b'[') => {
            let items = raw_json::array(text).ok_or(RpcError::Parse)?;
            if items.is_empty() {
                return Err(RpcError::InvalidRequest);
            }
            items.iter().map(|item| inspect_message(item.get())).collect::<Result<_, _>>()?
        }
        Some(b'{') => vec![inspect_message(text)?],
        _ => {
            return Err(match serde_json::from_str::<IgnoredAny>(text) {
                Ok(_) => RpcError::InvalidRequest,
                Err(_) => RpcError::Parse,
            });
        }
    };
    // JSON-RPC: responses are matched to requests by id (the list filter does).
    let mut ids: Vec<IdKey> = Vec::new();
    for key in calls.iter().filter_map(|call| call.id.as_ref().and_then(IdKey::of)) {
        if ids.contains(&key) {
            return Err(RpcError::DuplicateId);
        }
        ids.push(key);
    }
    Ok(calls)
}

/// One message. The message, its `params` and their `ref` and `arguments`
/// may not repeat a member name (escapes decoded: `n\u0061me` is `name`):
/// RFC 8259 §4 leaves duplicates to each parser, and a first-wins reader
/// behind the gateway would see another value than this last-wins check.
fn inspect_message(text: &str) -> Result<RpcCall, RpcError> {
    if !text.trim_start().starts_with('{') {
        return Err(RpcError::InvalidRequest);
    }
    let message = Object::read(text, RpcError::Parse)?;
    message.refuse_case_variants(&MESSAGE_MEMBERS)?;
    let params = match message.get("params") {
        Some(raw) if raw.starts_with('{') => {
            let params = Object::read(raw, RpcError::InvalidRequest)?;
            params.refuse_case_variants(&PARAMS_MEMBERS)?;
            if let Some(arguments) = params.get("arguments").filter(|raw| raw.starts_with('{')) {
                Object::read(arguments, RpcError::InvalidRequest)?;
            }
            Some(params)
        }
        _ => None,
    };
    let method = match message.get("method") {
        None if message.get("result").is_some() || message.get("error").is_some() => None,
        Some(raw) => Some(string(raw)?),
        None => return Err(RpcError::InvalidRequest),
    };
    // A call must name its target, or no policy rule can apply.
    let field = |from: Option<&Object>, name: &str| {
        from.and_then(|from| from.get(name)).map_or(Err(RpcError::InvalidRequest), string)
    };
    let (target, target_kind) = match method.as_deref() {
        Some("completion/complete") => {
            let raw = params.as_ref().and_then(|params| params.get("ref")).filter(|raw| raw.starts_with('{'));
            let reference = Object::read(raw.ok_or(RpcError::InvalidRequest)?, RpcError::InvalidRequest)?;
            reference.refuse_case_variants(&REF_MEMBERS)?;
            match field(Some(&reference), "type")?.as_str() {
                "ref/prompt" => (Some(field(Some(&reference), "name")?), Some(TargetKind::Prompt)),
                // A URI template, which servers compare as a string.
                "ref/resource" => (Some(field(Some(&reference), "uri")?), Some(TargetKind::Resource)),
                _ => return Err(RpcError::InvalidRequest),
            }
        }
        Some(method) => match TargetKind::of_method(method) {
            Some(TargetKind::Resource) => {
                let uri = field(params.as_ref(), "uri")?;
                if !resource_uri::is_canonical(&uri) {
                    return Err(RpcError::NonCanonicalUri);
                }
                (Some(uri), Some(TargetKind::Resource))
            }
            Some(kind) => (Some(field(params.as_ref(), "name")?), Some(kind)),
            None => (None, None),
        },
        None => (None, None),
    };
    let id = match (&method, message.get("id")) {
        (Some(_), Some(raw)) => Some(serde_json::from_str(raw).map_err(|_| RpcError::InvalidRequest)?),
        _ => None,
    };
    Ok(RpcCall { method, target, target_kind, id })
}

fn string(raw: &str) -> Result<String, RpcError> {
    serde_json::from_str(raw).map_err(|_| RpcError::InvalidRequest)
}

/// An object's members, names unique, values as their JSON text.
struct Object<'a>(Vec<(Cow<'a, str>, &'a str)>);

impl<'a> Object<'a> {
    /// `invalid` when `text` is not an object; a repeated name is ambiguous.
    fn read(text: &'a str, invalid: RpcError) -> Result<Self, RpcError> {
        let members = raw_json::object(text, &[]).ok_or(invalid)?;
        let mut out: Vec<(Cow<'a, str>, &'a str)> = Vec::with_capacity(members.len());
        for (name, value) in members {
            let Member::Raw(raw) = value else { return Err(invalid) };
            if out.iter().any(|(known, _)| *known == name) {
                return Err(RpcError::AmbiguousMember);
            }
            out.push((name, raw.get()));
        }
        Ok(Self(out))
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(known, _)| known == name).map(|(_, raw)| *raw)
    }

    /// JSON member names are case-sensitive and we read them exactly, but
    /// Go's `encoding/json` (the Go MCP SDKs) matches struct fields with
    /// Unicode simple case folding and case-insensitive .NET deserializers
    /// with invariant upper case, the last match winning:
    /// `{"method":"ping","METHOD":"tools/call"}` would be a `ping` here and a
    /// tool call there. So a member that folds to one of `names` without
    /// being it is refused.
    fn refuse_case_variants(&self, names: &[&str]) -> Result<(), RpcError> {
        let ambiguous =
            self.0.iter().any(|(key, _)| names.iter().any(|name| key != name && folds_to(key, name)));
        if ambiguous { Err(RpcError::AmbiguousMember) } else { Ok(()) }
    }
}

/// A request id as a JavaScript reader sees it: numbers by value (`1`,
/// `1.0` and `1e0` are one id; so are integers past 2^53 that round to the
/// same double), strings as they are. Used to match responses to requests.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IdKey {
    Number(f64),
    Text(String),
}

impl IdKey {
    pub(crate) fn of(id: &Value) -> Option<Self> {
        match id {
            // -0 and 0 are one number.
            Value::Number(number) => number.as_f64().map(|n| Self::Number(n + 0.0)),
            Value::String(text) => Some(Self::Text(text.clone())),
            _ => None,
        }
    }
}

/// The members of a message (JSON-RPC 2.0 §4) and of its `params` (MCP
/// `tools/call`, `prompts/get`, `resources/read`, `completion/complete`) that
/// decide what it does.
const MESSAGE_MEMBERS: [&str; 4] = ["jsonrpc", "id", "method", "params"];
const PARAMS_MEMBERS: [&str; 4] = ["name", "uri", "arguments", "ref"];
/// The members of `completion/complete`'s `ref`.
const REF_MEMBERS: [&str; 3] = ["type", "name", "uri"];

/// Whether `key` matches the ASCII lower-case `name` under those foldings.
pub(crate) fn folds_to(key: &str, name: &str) -> bool {
    let mut chars = key.chars();
    name.bytes().all(|expected| chars.next().and_then(fold) == Some(expected)) && chars.next().is_none()
}

/// The ASCII letter a character folds to, if any: ASCII case, plus the
/// non-ASCII characters whose simple fold or invariant upper case is ASCII
/// (U+017F LATIN SMALL LETTER LONG S → s, U+212A KELVIN SIGN → k,
/// U+0131 LATIN SMALL LETTER DOTLESS I → i).
fn fold(c: char) -> Option<u8> {
    match c {
        '\u{017F}' => Some(b's'),
        '\u{212A}' => Some(b'k'),
        '\u{0131}' => Some(b'i'),
        c if c.is_ascii() => u8::try_from(c.to_ascii_lowercase()).ok(),
        _ => None,
    }
}

/// MCP 2026-07-28: when a POST carries `Mcp-Method` (and `Mcp-Name`), they
/// must describe its single message exactly, so intermediaries that route on
/// headers and servers that act on the body cannot be told different stories.
pub fn check_headers(
    calls: &[RpcCall],
    mcp_method: Option<&str>,
    mcp_name: Option<&str>,
) -> Result<(), RpcError> {
    if mcp_method.is_none() && mcp_name.is_none() {
        return Ok(());
    }
    let [call] = calls else { return Err(RpcError::HeaderMismatch) };
    let method_matches = mcp_method.is_none_or(|header| call.method.as_deref() == Some(header));
    let name_matches = mcp_name.is_none_or(|header| call.target.as_deref() == Some(header));
    if method_matches && name_matches { Ok(()) } else { Err(RpcError::HeaderMismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, target: Option<&str>) -> RpcCall {
        let target_kind = target.and(TargetKind::of_method(method));
        RpcCall { method: Some(method.into()), target: target.map(str::to_owned), target_kind, id: None }
    }

    fn with_id(call: RpcCall, id: Value) -> RpcCall {
        RpcCall { id: Some(id), ..call }
    }

    #[test]
    fn reads_single_messages_and_batches() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_todo","arguments":{}}}"#;
        assert_eq!(inspect_body(body), Ok(vec![with_id(call("tools/call", Some("create_todo")), 1.into())]));
        let batch = br#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"},
                         {"jsonrpc":"2.0","method":"notifications/initialized"},
                         {"jsonrpc":"2.0","id":"s1","result":{}},
                         {"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"todo://1"}}]"#;
        assert_eq!(
            inspect_body(batch),
            Ok(vec![
                with_id(call("tools/list", None), 1.into()),
                call("notifications/initialized", None),
                RpcCall { method: None, target: None, target_kind: None, id: None },
                with_id(call("resources/read", Some("todo://1")), 2.into()),
            ])
        );
        // Every targeted method must name its target.
        for method in ["prompts/get", "resources/read", "resources/subscribe", "resources/unsubscribe"] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{{}}}}"#);
            assert_eq!(inspect_body(body.as_bytes()), Err(RpcError::InvalidRequest), "{method}");
        }
        let subscribe =
            br#"{"jsonrpc":"2.0","id":"a","method":"resources/subscribe","params":{"uri":"todo://1"}}"#;
        assert_eq!(
            inspect_body(subscribe),
            Ok(vec![with_id(call("resources/subscribe", Some("todo://1")), "a".into())])
        );
    }

    #[test]
    fn completions_name_the_prompt_or_resource_they_complete_for() {
        let prompt = br#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"admin_report"},"argument":{"name":"a","value":""}}}"#;
        let calls = inspect_body(prompt).expect("valid");
        assert_eq!(
            (calls[0].target.as_deref(), calls[0].target_kind),
            (Some("admin_report"), Some(TargetKind::Prompt))
        );
        let resource = br#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"admin://users/{id}"},"argument":{"name":"id","value":""}}}"#;
        let calls = inspect_body(resource).expect("valid");
        assert_eq!(calls[0].target_kind, Some(TargetKind::Resource));
        assert_eq!(
            calls[0].target.as_deref(),
            Some("admin://users/{id}"),
            "a template, compared as a string"
        );
        for bad in [
            br#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{}}"#.as_slice(),
            br#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/other","name":"x"}}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt"}}}"#,
        ] {
            assert_eq!(inspect_body(bad), Err(RpcError::InvalidRequest), "{}", String::from_utf8_lossy(bad));
        }
        let folded = br#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"ok","NAME":"admin_report"}}}"#;
        assert_eq!(inspect_body(folded), Err(RpcError::AmbiguousMember));
    }

    #[test]
    fn repeated_names_and_request_ids_are_refused() {
        let repeated: [&[u8]; 4] = [
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"purge","name":"list"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}"#,
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"id":3,"method":"ping"}]"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"a","name":"b"}}}"#,
        ];
        for body in repeated {
            assert_eq!(
                inspect_body(body),
                Err(RpcError::AmbiguousMember),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        for ids in [
            ("1", "1.0"),
            ("1", "1e0"),
            ("0", "-0"),
            ("9007199254740993", "9007199254740992"),
            (r#""a""#, r#""a""#),
        ] {
            let body = format!(
                r#"[{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"x"}}}},{{"jsonrpc":"2.0","id":{},"method":"tools/list"}}]"#,
                ids.0, ids.1
            );
            assert_eq!(inspect_body(body.as_bytes()), Err(RpcError::DuplicateId), "{ids:?}");
        }
        // A number and a string are different ids; responses do not count.
        let fine = br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":"1","method":"ping"},{"jsonrpc":"2.0","id":1,"result":{}}]"#;
        assert!(inspect_body(fine).is_ok());
    }

    #[test]
    fn resource_uris_must_be_in_normalised_form() {
        for uri in ["ADMIN://x", "todo:///public/../private", "todo:///public/%2e%2e/x", r"\u0020admin://x"] {
            let body =
                format!(r#"{{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{{"uri":"{uri}"}}}}"#);
            assert_eq!(inspect_body(body.as_bytes()), Err(RpcError::NonCanonicalUri), "{uri}");
        }
    }

    #[test]
    fn malformed_bodies_are_jsonrpc_errors() {
        assert_eq!(inspect_body(b"{not json"), Err(RpcError::Parse));
        assert_eq!(inspect_body(b""), Err(RpcError::Parse));
        assert_eq!(inspect_body(b"[]"), Err(RpcError::InvalidRequest));
        assert_eq!(inspect_body(b"42"), Err(RpcError::InvalidRequest));
        assert_eq!(inspect_body(b"[1]"), Err(RpcError::InvalidRequest));
        assert_eq!(inspect_body(br#"{"id":1}"#), Err(RpcError::InvalidRequest));
        assert_eq!(inspect_body(br#"{"method":7}"#), Err(RpcError::InvalidRequest));
        assert_eq!(inspect_body(br#"{"method":"tools/call","params":{}}"#), Err(RpcError::InvalidRequest));
        assert_eq!(
            inspect_body(br#"{"method":"tools/call","params":{"name":1}}"#),
            Err(RpcError::InvalidRequest)
        );
        assert_eq!(RpcError::Parse.to_body()["error"]["code"], -32700);
    }

    #[test]
    fn case_variants_of_meaningful_members_are_refused() {
        let refused: [&[u8]; 8] = [
            br#"{"jsonrpc":"2.0","id":1,"method":"ping","METHOD":"tools/call"}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_todos","Name":"delete_todo"}}"#,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"param\u{17F}\":{}}".as_bytes(),
            "{\"jsonrpc\":\"2.0\",\"\u{131}d\":2,\"id\":1,\"method\":\"ping\"}".as_bytes(),
            br#"{"jsonrpc":"2.0","id":1,"Method":"tools/list"}"#,
            br#"{"JSONRPC":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"a","URI":"b"}}"#,
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a","nAme":"b"}}]"#,
        ];
        for body in refused {
            assert_eq!(
                inspect_body(body),
                Err(RpcError::AmbiguousMember),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // Exact names, unrelated members, and folding that reaches no meaningful name stay fine.
        let fine = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"a\",\"arguments\":{\"Name\":1},\"_meta\":{}},\"metho\":1,\"\u{212A}ey\":2}";
        assert_eq!(inspect_body(fine.as_bytes()), Ok(vec![with_id(call("tools/call", Some("a")), 1.into())]));
        assert_eq!(RpcError::AmbiguousMember.to_body()["error"]["code"], -32600);
    }

    #[test]
    fn mcp_headers_must_match_the_body() {
        let calls = vec![call("tools/call", Some("create_todo"))];
        assert_eq!(check_headers(&calls, None, None), Ok(()));
        assert_eq!(check_headers(&calls, Some("tools/call"), Some("create_todo")), Ok(()));
        assert_eq!(check_headers(&calls, Some("tools/call"), None), Ok(()));
        assert_eq!(check_headers(&calls, Some("tools/list"), None), Err(RpcError::HeaderMismatch));
        assert_eq!(
            check_headers(&calls, Some("tools/call"), Some("list_todos")),
            Err(RpcError::HeaderMismatch)
        );
        let two = vec![call("tools/list", None), call("tools/list", None)];
        assert_eq!(check_headers(&two, Some("tools/list"), None), Err(RpcError::HeaderMismatch));
    }
}

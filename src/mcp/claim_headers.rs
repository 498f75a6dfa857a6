//! `CLAIM_HEADERS`: verified claims handed to the origin under headers the
//! operator names, e.g. `{"email": "X-Auth-Email", "tenant": "X-Auth-Tenant"}`.
//! Like the `X-Auth-*` identity headers, they come from the token only (the
//! gateway forwards no client header of those names) and are made header-safe.

use std::fmt;

use serde_json::Value;

use crate::mcp::identity::{CLIENT_ID_HEADER, SCOPES_HEADER, SUBJECT_HEADER, header_safe};
use crate::verify::principal::Principal;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimHeaders {
    /// (claim, header name), by claim name.
    pairs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimHeadersError {
    NotJson(String),
    NotAnObject,
    NotAString { claim: String },
    BadName { claim: String, header: String },
    Reserved { claim: String, header: String },
    Duplicate { header: String },
}

/// Headers no claim may set: credentials, hop-by-hop fields (RFC 9110
/// §7.6.1), the gateway's own, what frames the body, and the client headers
/// the gateway forwards (a claim header of that name would let the client's
/// copy through whenever the token lacks the claim). Every `Mcp-*` name is
/// reserved too.
const RESERVED: [&str; 18] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "content-length",
    "content-type",
    "content-encoding",
    "x-gateway-secret",
    "accept",
    "user-agent",
    "last-event-id",
];

impl ClaimHeaders {
    pub fn parse(json: &str) -> Result<Self, ClaimHeadersError> {
        let value: Value =
            serde_json::from_str(json).map_err(|err| ClaimHeadersError::NotJson(err.to_string()))?;
        let Value::Object(members) = value else { return Err(ClaimHeadersError::NotAnObject) };
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (claim, header) in members {
            let Value::String(header) = header else { return Err(ClaimHeadersError::NotAString { claim }) };
            if !is_token(&header) {
                return Err(ClaimHeadersError::BadName { claim, header });
            }
            let lower = header.to_ascii_lowercase();
            if RESERVED.contains(&lower.as_str()) || lower.starts_with("mcp-") || is_identity(&lower) {
                return Err(ClaimHeadersError::Reserved { claim, header });
            }
            if pairs.iter().any(|(_, known)| known.eq_ignore_ascii_case(&header)) {
                return Err(ClaimHeadersError::Duplicate { header });
            }
            pairs.push((claim, header));
        }
        Ok(Self { pairs })
    }

    /// `(header, value)` for each configured claim the token carries as a
    /// string, number or boolean (an array: its scalars joined with spaces,
    /// a space inside one written `%20` so the list splits back the same).
    pub fn values<'a>(&'a self, principal: &Principal) -> Vec<(&'a str, String)> {
        self.pairs
            .iter()
            .filter_map(|(claim, header)| Some((header.as_str(), claim_text(principal.claims.get(claim)?)?)))
            .collect()
    }
}

/// The identity headers the gateway sets itself.
fn is_identity(lower: &str) -> bool {
    [SUBJECT_HEADER, CLIENT_ID_HEADER, SCOPES_HEADER].iter().any(|name| name.eq_ignore_ascii_case(lower))
}

/// A claim as a header value: made header-safe, and with the spaces a
/// header would lose (at its ends) or that would split a list element
/// percent-encoded.
fn claim_text(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(scalar_text)
                .map(|text| header_safe(&text).replace(' ', "%20"))
                .collect();
            Some(parts.join(" "))
        }
        value => scalar_text(value).map(|text| edge_spaces_encoded(&header_safe(&text))),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Leading and trailing spaces as `%20` (HTTP trims them, RFC 9110 §5.5).
fn edge_spaces_encoded(text: &str) -> String {
    let trimmed = text.trim_matches(' ');
    let leading = text.len() - text.trim_start_matches(' ').len();
    let trailing = if trimmed.is_empty() { 0 } else { text.len() - text.trim_end_matches(' ').len() };
    format!("{}{trimmed}{}", "%20".repeat(leading), "%20".repeat(trailing))
}

/// An HTTP field name: `token` (RFC 9110 §5.1, §5.6.2).
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl fmt::Display for ClaimHeadersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(err) => write!(f, "is not valid JSON ({err})"),
            Self::NotAnObject => f.write_str("must be a JSON object of claim -> header name"),
            Self::NotAString { claim } => write!(f, "the header for claim '{claim}' must be a string"),
            Self::BadName { claim, header } => write!(f, "'{header}' (claim '{claim}') is not a header name"),
            Self::Reserved { claim, header } => {
                write!(f, "'{header}' (claim '{claim}') is a header the gateway controls")
            }
            Self::Duplicate { header } => write!(f, "header '{header}' is named twice"),
        }
    }
}

impl std::error::Error for ClaimHeadersError {}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::verify::scope::ScopeSet;

    fn principal(claims: Value) -> Principal {
        Principal {
            issuer: "i".into(),
            subject: None,
            client_id: None,
            scopes: ScopeSet::default(),
            expires_at: 0,
            claims: claims.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn claims_become_header_safe_values() {
        let headers = ClaimHeaders::parse(
            r#"{"email":"X-Auth-Email","tenant":"X-Auth-Tenant","groups":"X-Auth-Groups","level":"X-Level","beta":"X-Beta","org":"X-Org"}"#,
        )
        .expect("valid");
        let values = headers.values(&principal(json!({
            "email": "a@b.c\r\nX-Evil: 1", "groups": ["eng", "ops", {"x": 1}, "eng admin"], "level": 3, "beta": true,
            "org": {"id": 1}, "tenant": " acme "
        })));
        assert_eq!(
            values,
            [
                ("X-Beta", "true".to_owned()),
                ("X-Auth-Email", "a@b.c%0D%0AX-Evil: 1".to_owned()),
                ("X-Auth-Groups", "eng ops eng%20admin".to_owned()),
                ("X-Level", "3".to_owned()),
                ("X-Auth-Tenant", "%20acme%20".to_owned()),
            ],
            "a missing claim and an object give no header"
        );
    }

    #[test]
    fn header_names_are_checked_at_configuration_time() {
        for bad in [
            r#"{"a":"Authorization"}"#,
            r#"{"a":"connection"}"#,
            r#"{"a":"Transfer-Encoding"}"#,
            r#"{"a":"X-Gateway-Secret"}"#,
            r#"{"a":"X-Auth-Subject"}"#,
            r#"{"a":"Mcp-Name"}"#,
            r#"{"a":"mcp-anything"}"#,
            r#"{"a":"User-Agent"}"#,
            r#"{"a":"Accept"}"#,
            r#"{"a":"Bad Name"}"#,
            r#"{"a":"X:Y"}"#,
            r#"{"a":""}"#,
            r#"{"a":1}"#,
            r#"{"a":"X-A","b":"x-a"}"#,
            "[]",
            "{",
        ] {
            assert!(ClaimHeaders::parse(bad).is_err(), "{bad}");
        }
    }
}

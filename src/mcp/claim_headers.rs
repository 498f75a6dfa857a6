//! `CLAIM_HEADERS`: verified claims handed to the origin under headers the
//! operator names, e.g. `{"email": "X-Auth-Email", "tenant": "X-Auth-Tenant"}`.
//! Like the `X-Auth-*` identity headers, they come from the token only (the
//! gateway forwards no client header of those names) and are made header-safe.

use std::fmt;

use serde_json::Value;

use crate::mcp::identity::header_safe;
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
/// §7.6.1), the gateway's own, and what frames the body.
const RESERVED: [&str; 17] = [
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
    "mcp-session-id",
    "mcp-protocol-version",
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
            if RESERVED.contains(&lower.as_str()) || lower.starts_with("x-auth-") && is_identity(&lower) {
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
    /// string, number or boolean (an array: its scalars joined with spaces).
    pub fn values<'a>(&'a self, principal: &Principal) -> Vec<(&'a str, String)> {
        self.pairs
            .iter()
            .filter_map(|(claim, header)| {
                Some((header.as_str(), header_safe(&claim_text(principal.claims.get(claim)?)?)))
            })
            .collect()
    }
}

/// The identity headers the gateway sets itself.
fn is_identity(lower: &str) -> bool {
    matches!(lower, "x-auth-subject" | "x-auth-client-id" | "x-auth-scopes")
}

fn claim_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> =
                items.iter().filter(|item| !matches!(item, Value::Array(_))).filter_map(claim_text).collect();
            Some(parts.join(" "))
        }
        Value::Null | Value::Object(_) => None,
    }
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
            "email": "a@b.c\r\nX-Evil: 1", "groups": ["eng", "ops", {"x": 1}], "level": 3, "beta": true, "org": {"id": 1}
        })));
        assert_eq!(
            values,
            [
                ("X-Beta", "true".to_owned()),
                ("X-Auth-Email", "a@b.c%0D%0AX-Evil: 1".to_owned()),
                ("X-Auth-Groups", "eng ops".to_owned()),
                ("X-Level", "3".to_owned()),
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

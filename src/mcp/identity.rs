//! The identity headers the gateway hands the origin, derived from a verified
//! token only. The origin may trust them because the gateway drops every
//! client-sent header that is not on its allow-list (see `src/worker/proxy.rs`).

use crate::verify::principal::Principal;

pub const SUBJECT_HEADER: &str = "X-Auth-Subject";
pub const CLIENT_ID_HEADER: &str = "X-Auth-Client-Id";
pub const SCOPES_HEADER: &str = "X-Auth-Scopes";

/// `(name, value)` pairs for the origin; absent claims give absent headers.
pub fn identity_headers(principal: &Principal) -> Vec<(&'static str, String)> {
    let mut headers = Vec::with_capacity(3);
    if let Some(subject) = &principal.subject {
        headers.push((SUBJECT_HEADER, header_safe(subject)));
    }
    if let Some(client_id) = &principal.client_id {
        headers.push((CLIENT_ID_HEADER, header_safe(client_id)));
    }
    headers.push((SCOPES_HEADER, principal.scopes.to_scope_string()));
    headers
}

/// Claim values become header values: visible ASCII and space pass, every
/// other byte (and `%` itself) is percent-encoded, so no claim can split,
/// break or smuggle a header (RFC 9110 §5.5).
pub fn header_safe(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'%' => out.push_str("%25"),
            0x20..=0x7e => out.push(char::from(byte)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;
    use crate::verify::scope::ScopeSet;

    #[test]
    fn encodes_what_could_break_a_header() {
        assert_eq!(header_safe("user-1@example.com"), "user-1@example.com");
        assert_eq!(header_safe("a\r\nX-Evil: 1"), "a%0D%0AX-Evil: 1");
        assert_eq!(header_safe("100%"), "100%25");
        assert_eq!(header_safe("é"), "%C3%A9");
    }

    #[test]
    fn headers_come_from_the_principal_only() {
        let principal = Principal {
            issuer: "https://as".into(),
            subject: Some("user-1".into()),
            client_id: None,
            scopes: ScopeSet::parse("a b"),
            expires_at: 0,
            claims: Map::new(),
        };
        assert_eq!(
            identity_headers(&principal),
            [(SUBJECT_HEADER, "user-1".to_owned()), (SCOPES_HEADER, "a b".to_owned())]
        );
    }
}

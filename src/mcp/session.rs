//! MCP sessions bound to the principal that opened them (MCP security best
//! practices: "bind session IDs to user-specific information"), statelessly.
//!
//! The origin's `Mcp-Session-Id` is handed to the client wrapped as
//! `base64url(origin id) "." base64url(HMAC(principal, origin id))`, and
//! unwrapped on the way back only for the same issuer, subject and client:
//! a session id presented with another principal's token is unknown (404).
//! Both parts are base64url, so the wrapped id stays visible ASCII (MCP
//! Streamable HTTP §Session Management).

use crate::base64url;

use crate::mcp::secret::{GatewaySecret, Purpose};
use crate::verify::principal::Principal;

/// Longer presented session ids are refused before decoding.
const MAX_SESSION_ID_BYTES: usize = 1024;

/// The presented session id was not issued to this principal by this gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnknownSession;

/// The session id the client sees for `origin_id`.
pub(crate) fn wrap(secret: &GatewaySecret, origin_id: &str, principal: &Principal) -> String {
    let tag = secret.tag(Purpose::Session, &fields(origin_id, principal));
    format!("{}.{}", base64url::encode(origin_id.as_bytes()), base64url::encode(&tag))
}

/// The origin's session id inside `presented`, if it was wrapped for `principal`.
pub(crate) fn unwrap(
    secret: &GatewaySecret,
    presented: &str,
    principal: &Principal,
) -> Result<String, UnknownSession> {
    if presented.len() > MAX_SESSION_ID_BYTES {
        return Err(UnknownSession);
    }
    let (id, tag) = presented.split_once('.').ok_or(UnknownSession)?;
    let id = base64url::decode(id).ok_or(UnknownSession)?;
    let id = String::from_utf8(id).map_err(|_| UnknownSession)?;
    let tag = base64url::decode(tag).ok_or(UnknownSession)?;
    if secret.verify(Purpose::Session, &fields(&id, principal), &tag) { Ok(id) } else { Err(UnknownSession) }
}

/// What a session is bound to: who (issuer, subject, client) and which
/// session. A presence marker keeps "no subject" apart from an empty one.
fn fields<'a>(origin_id: &'a str, principal: &'a Principal) -> [&'a [u8]; 6] {
    let presence = |value: &Option<String>| if value.is_some() { &b"1"[..] } else { &b"0"[..] };
    let text = |value: &'a Option<String>| value.as_deref().unwrap_or_default().as_bytes();
    [
        principal.issuer.as_bytes(),
        presence(&principal.subject),
        text(&principal.subject),
        presence(&principal.client_id),
        text(&principal.client_id),
        origin_id.as_bytes(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::scope::ScopeSet;

    fn principal(subject: &str, client: &str) -> Principal {
        Principal {
            issuer: "https://as.example".into(),
            subject: Some(subject.into()),
            client_id: Some(client.into()),
            scopes: ScopeSet::parse("todo:read"),
            expires_at: 0,
            claims: serde_json::Map::new(),
        }
    }

    fn secret() -> GatewaySecret {
        GatewaySecret::new("0123456789abcdef0123456789abcdef").expect("long enough")
    }

    #[test]
    fn a_session_unwraps_only_for_the_principal_that_opened_it() {
        let alice = principal("alice", "agent");
        let wrapped = wrap(&secret(), "origin-session-1", &alice);
        assert!(wrapped.bytes().all(|b| (0x21..=0x7e).contains(&b)), "visible ASCII");
        assert_eq!(unwrap(&secret(), &wrapped, &alice).as_deref(), Ok("origin-session-1"));
        // A later token of the same person and client keeps the session.
        let alice_again = Principal { expires_at: 99, ..principal("alice", "agent") };
        assert!(unwrap(&secret(), &wrapped, &alice_again).is_ok());
        for other in [principal("mallory", "agent"), principal("alice", "other-agent")] {
            assert_eq!(unwrap(&secret(), &wrapped, &other), Err(UnknownSession));
        }
        let other_issuer = Principal { issuer: "https://evil.example".into(), ..principal("alice", "agent") };
        assert_eq!(unwrap(&secret(), &wrapped, &other_issuer), Err(UnknownSession));
    }

    #[test]
    fn forged_or_raw_ids_are_unknown() {
        let alice = principal("alice", "agent");
        let wrapped = wrap(&secret(), "s1", &alice);
        let (id, tag) = wrapped.split_once('.').expect("two parts");
        let swapped = format!("{}.{tag}", base64url::encode(b"s2"));
        let other_key = GatewaySecret::new("another secret of at least 32 bytes!").expect("long enough");
        for presented in ["s1", "", ".", &format!("{id}."), &swapped, &"a".repeat(2000), "*.*"] {
            assert_eq!(unwrap(&secret(), presented, &alice), Err(UnknownSession), "{presented}");
        }
        assert_eq!(unwrap(&other_key, &wrapped, &alice), Err(UnknownSession));
    }

    #[test]
    fn absent_and_empty_identities_differ() {
        let mut none = principal("x", "y");
        none.subject = None;
        let mut empty = principal("x", "y");
        empty.subject = Some(String::new());
        let wrapped = wrap(&secret(), "s", &none);
        assert_eq!(unwrap(&secret(), &wrapped, &empty), Err(UnknownSession));
    }
}

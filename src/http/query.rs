//! The URI query (RFC 3986 §3.4) as servers read it: `&`- or `;`-separated
//! `name=value` pairs, names percent-decoded (and `+` as a space, per
//! `application/x-www-form-urlencoded`). Reading names the way an origin
//! would is what keeps `?access%5Ftoken=` from slipping past the token rule,
//! and a client's `?tenant=` from overriding the configured origin's.

use std::borrow::Cow;

/// Whether a URI query carries an `access_token` parameter (RFC 6750 §2.3),
/// however its name is encoded. Such requests are refused, not ignored:
/// OAuth 2.1 §5.1.2 forbids the method, and a token in a URL ends up in logs
/// and histories.
pub fn token_in_query(query: &str) -> bool {
    names(query).any(|name| name == "access_token")
}

/// A client query parameter that the configured origin URL already sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedParameter(pub String);

/// The URL to forward to: the configured origin URL unchanged, the client's
/// query parameters appended after its own. A client parameter named like
/// one of the configured ones is refused: appended, it would be a second
/// value that some origins read instead of the first.
pub fn forward_url(origin_url: &str, client_query: Option<&str>) -> Result<String, FixedParameter> {
    let client_query =
        client_query.map(|query| query.trim_start_matches('?')).filter(|query| !query.is_empty());
    let Some(client_query) = client_query else { return Ok(origin_url.to_owned()) };
    let fixed = origin_url.split_once('?').map(|(_, query)| query).unwrap_or_default();
    if let Some(name) = names(client_query).find(|name| names(fixed).any(|fixed| fixed == *name)) {
        return Err(FixedParameter(name.into_owned()));
    }
    let separator = if fixed.is_empty() && !origin_url.ends_with('?') {
        "?"
    } else if origin_url.ends_with(['?', '&']) {
        ""
    } else {
        "&"
    };
    Ok(format!("{origin_url}{separator}{client_query}"))
}

/// The decoded parameter names of a query.
fn names(query: &str) -> impl Iterator<Item = Cow<'_, str>> {
    query
        .trim_start_matches('?')
        .split(['&', ';'])
        .filter(|pair| !pair.is_empty())
        .map(|pair| decode(pair.split('=').next().unwrap_or_default()))
}

/// Percent-decoding with `+` as space; a `%` not followed by two hex digits
/// stays as it is (what WHATWG URL parsers do).
fn decode(component: &str) -> Cow<'_, str> {
    if !component.contains(['%', '+']) {
        return Cow::Borrowed(component);
    }
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let escaped = match (byte, bytes.get(index + 1..index + 3)) {
            (b'%', Some(hex)) => {
                std::str::from_utf8(hex).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok())
            }
            _ => None,
        };
        match (byte, escaped) {
            (_, Some(decoded)) => {
                out.push(decoded);
                index += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                index += 1;
            }
            (other, None) => {
                out.push(other);
                index += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_access_token_in_a_query_however_encoded() {
        assert!(token_in_query("?access_token=abc"));
        assert!(token_in_query("a=1&access_token="));
        for encoded in [
            "access%5Ftoken=x",
            "%61ccess_token=x",
            "access_toke%6E=x",
            "a=1;access_token=x",
            "access%5ftoken",
        ] {
            assert!(token_in_query(encoded), "{encoded}");
        }
        assert!(!token_in_query("?my_access_token=1&x=access_token"));
        assert!(!token_in_query("access_token2=1&access%5=1"));
        assert!(!token_in_query(""));
    }

    #[test]
    fn the_configured_query_stays_and_client_parameters_follow_it() {
        let origin = "https://o.example/mcp?tenant=acme";
        assert_eq!(forward_url(origin, None).as_deref(), Ok(origin));
        assert_eq!(forward_url(origin, Some("?")).as_deref(), Ok(origin));
        assert_eq!(
            forward_url(origin, Some("debug=1")).as_deref(),
            Ok("https://o.example/mcp?tenant=acme&debug=1")
        );
        assert_eq!(
            forward_url("https://o.example/mcp", Some("?debug=1")).as_deref(),
            Ok("https://o.example/mcp?debug=1")
        );
        for hostile in ["tenant=globex", "x=1&tenant=globex", "%74enant=globex", "x=1;tenant=globex"] {
            assert_eq!(forward_url(origin, Some(hostile)), Err(FixedParameter("tenant".into())), "{hostile}");
        }
    }

    #[test]
    fn decoding_keeps_what_is_not_an_escape() {
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("a%zz+b"), "a%zz b");
        assert_eq!(decode("%E2%9C%93"), "✓");
        assert_eq!(decode("%FF"), "\u{FFFD}");
    }
}

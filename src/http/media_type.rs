//! The `Content-Type` of an MCP POST (RFC 9110 §8.3): JSON, and only as
//! UTF-8 (RFC 8259 §8.1). The gateway reads the body as UTF-8; an origin that
//! honours a declared `charset` (Express's `express.json()`) would decode
//! other bytes than the gateway checked, so any other charset is refused and
//! the origin is always told `application/json` with no parameters.

/// What the gateway forwards as the body's `Content-Type`.
pub(crate) const JSON: &str = "application/json";
#[cfg_attr(not(feature = "worker"), allow(dead_code))]
/// Server-sent events: always UTF-8 (HTML §9.2.5), so no charset to check.
pub(crate) const EVENT_STREAM: &str = "text/event-stream";

#[cfg_attr(not(feature = "worker"), allow(dead_code))]
/// The `type/subtype` of a `Content-Type`, lower-cased, without parameters.
pub(crate) fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// Why a body's media type is refused (415).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaTypeError {
    /// No `Content-Type`, or not `application/json`.
    NotJson,
    /// A `charset` other than UTF-8.
    NotUtf8,
}

/// Accepts `application/json` with no charset or `charset=utf-8` (any case,
/// quoted or not); other parameters are dropped when forwarding.
pub fn check_json(content_type: Option<&str>) -> Result<(), MediaTypeError> {
    let mut parts = content_type.ok_or(MediaTypeError::NotJson)?.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(JSON) {
        return Err(MediaTypeError::NotJson);
    }
    for parameter in parts {
        let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        if name.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            if !value.eq_ignore_ascii_case("utf-8") && !value.eq_ignore_ascii_case("utf8") {
                return Err(MediaTypeError::NotUtf8);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_utf8_only() {
        for good in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
            "application/json; foo=bar",
        ] {
            assert_eq!(check_json(Some(good)), Ok(()), "{good}");
        }
        assert_eq!(essence(" Text/Event-Stream ; charset=utf-8"), EVENT_STREAM);
        for bad in [
            "application/json; charset=utf-7",
            "application/json; charset=utf-16le",
            "application/json;charset=iso-8859-1",
            "application/json; charset=utf-8; charset=utf-7",
            "application/json; charset=",
        ] {
            assert_eq!(check_json(Some(bad)), Err(MediaTypeError::NotUtf8), "{bad}");
        }
        for other in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""] {
            assert_eq!(check_json(Some(other)), Err(MediaTypeError::NotJson), "{other}");
        }
        assert_eq!(check_json(None), Err(MediaTypeError::NotJson));
    }
}

//! Resource URIs in the one form the policy can judge. An MCP server looks a
//! resource up by its URI as its URL library normalises it (the TypeScript
//! SDK: `new URL(uri).toString()`; pydantic's `AnyUrl` alike), so
//! `ADMIN://x`, ` admin://x`, `todo:///public/../private` and
//! `todo:///public/%2e%2e/private` reach what `admin://x` and
//! `todo:///private` name while a pattern sees other strings. A URI that
//! normalisation would change is refused rather than guessed at.

/// Schemes whose URLs WHATWG normalises further (host case, default port,
/// empty path), RFC 3986 §6.2.3.
const SPECIAL: [(&str, Option<&str>); 6] = [
    ("http", Some("80")),
    ("https", Some("443")),
    ("ws", Some("80")),
    ("wss", Some("443")),
    ("ftp", Some("21")),
    ("file", None),
];

/// Whether `uri` is already in the form a server normalises it to.
pub(crate) fn is_canonical(uri: &str) -> bool {
    // RFC 3986 characters only: no spaces or controls (trimmed or removed by
    // URL parsers), no backslash (a slash to WHATWG), nothing a parser would
    // percent-encode (non-ASCII, quotes, braces…).
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b);
    if !uri.bytes().all(allowed) || !percent_escapes_are_complete(uri) {
        return false;
    }
    let Some((scheme, rest)) = uri.split_once(':') else { return false };
    let mut scheme_bytes = scheme.bytes();
    let scheme_ok = scheme_bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && scheme_bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b));
    if !scheme_ok {
        return false;
    }
    let path_and_more = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            let (authority, path) = after.split_at(end);
            if let Some((_, default_port)) = SPECIAL.iter().find(|(name, _)| *name == scheme) {
                if !special_authority_is_canonical(authority, *default_port) || !path.starts_with('/') {
                    return false;
                }
            }
            path
        }
        None if SPECIAL.iter().any(|(name, _)| *name == scheme) => return false,
        None => rest,
    };
    let path = path_and_more.split(['?', '#']).next().unwrap_or_default();
    !path.split('/').any(is_dot_segment)
}

/// `.` or `..`, also percent-encoded (`%2e`, any case), as WHATWG reads them.
fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

fn percent_escapes_are_complete(uri: &str) -> bool {
    let bytes = uri.as_bytes();
    bytes.iter().enumerate().filter(|(_, b)| **b == b'%').all(|(at, _)| {
        bytes.get(at + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(at + 2).is_some_and(u8::is_ascii_hexdigit)
    })
}

/// Host in lower case with no escapes; an IPv4 address only as four plain
/// decimal numbers; no default or empty port.
fn special_authority_is_canonical(authority: &str, default_port: Option<&str>) -> bool {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !host_port.starts_with('[') || host.ends_with(']') => (host, Some(port)),
        _ => (host_port, None),
    };
    if port.is_some_and(|port| port.is_empty() || Some(port) == default_port || port.starts_with('0')) {
        return false;
    }
    if host.starts_with('[') {
        // IPv6 literals are rewritten (compressed, lower-cased): accept lower-case hex only.
        return host.bytes().all(|b| b.is_ascii_digit() || b"abcdef:[].".contains(&b));
    }
    if host.bytes().any(|b| b.is_ascii_uppercase() || b == b'%') {
        return false;
    }
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or_default();
    // A last label that starts with a digit makes the host an IPv4 address
    // to WHATWG (`0x7f.1`, `2130706433`): only the dotted-decimal form stays.
    !last.starts_with(|c: char| c.is_ascii_digit()) || is_dotted_decimal(host)
}

fn is_dotted_decimal(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|part| {
            !part.is_empty()
                && part.len() <= 3
                && part.bytes().all(|b| b.is_ascii_digit())
                && (part.len() == 1 || !part.starts_with('0'))
                && part.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uris_pass() {
        for uri in [
            "todo://list",
            "todo:///public/a%20b",
            "admin://audit-log",
            "file:///srv/public/notes.txt",
            "https://example.com/docs/a?b=c#d",
            "https://127.0.0.1:8443/x",
            "urn:isbn:0451450523",
            "ui://widget/x.html",
            "todo://x/a..b/.hidden",
        ] {
            assert!(is_canonical(uri), "{uri}");
        }
    }

    #[test]
    fn what_a_server_would_rewrite_is_refused() {
        for uri in [
            " admin://x",
            "admin://x ",
            "ad\tmin://x",
            "ADMIN://x",
            "Admin://x",
            "todo:///public/../private/x",
            "todo:///public/%2e%2e/private/x",
            "todo:///public/%2E./private",
            "todo:///public/./x",
            "file:///srv/public\\..\\secret",
            "todo://x/é",
            "todo://x/{id}",
            "todo://x/%zz",
            "todo://x/%4",
            "https://EXAMPLE.com/x",
            "https://example.com:443/x",
            "https://example.com:/x",
            "https://example.com",
            "https:example.com/x",
            "http://0x7f.1/x",
            "http://2130706433/x",
            "http://127.000.0.1/x",
            "http://ex%61mple.com/x",
            "no-scheme",
            "1todo://x",
        ] {
            assert!(!is_canonical(uri), "{uri}");
        }
    }
}

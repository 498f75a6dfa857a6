//! The little URL handling the gateway needs: absolute `http`/`https` URLs
//! split into origin and path (RFC 3986 §3), without pulling a full URL
//! library (and its Unicode tables) into the wasm core.

use std::fmt;

/// An absolute `http:` or `https:` URL without fragment, e.g. `https://mcp.example.com/mcp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    raw: String,
    /// Byte offset where the path begins (== raw.len() when the path is empty).
    path_start: usize,
}

/// Why a string is not an [`HttpUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    NotHttp,
    NoHost,
    HasFragment,
    /// Whitespace, control characters, quotes or backslashes: never valid in a
    /// URL (RFC 3986 §2), and unsafe inside a quoted header parameter.
    BadCharacter,
}

#[cfg_attr(not(feature = "worker"), allow(dead_code))]
/// The path and the query (without `?`) of an absolute URL as the platform
/// serialised it (WHATWG URL: scheme, `//`, authority, then the path).
pub(crate) fn path_and_query(url: &str) -> (&str, Option<&str>) {
    let after_scheme = url.find("://").map_or(url, |at| url.get(at + 3..).unwrap_or_default());
    let target = after_scheme.find('/').map_or("/", |at| after_scheme.get(at..).unwrap_or("/"));
    let target = target.split_once('#').map_or(target, |(before, _)| before);
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

impl HttpUrl {
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        if text.bytes().any(|b| b <= b' ' || b == b'"' || b == b'\\' || b >= 0x7f) {
            return Err(UrlError::BadCharacter);
        }
        if text.contains('#') {
            return Err(UrlError::HasFragment);
        }
        let scheme_len = ["https://", "http://"]
            .iter()
            .find(|scheme| {
                text.len() >= scheme.len()
                    && text.get(..scheme.len()).is_some_and(|head| head.eq_ignore_ascii_case(scheme))
            })
            .map(|scheme| scheme.len())
            .ok_or(UrlError::NotHttp)?;
        let rest = text.get(scheme_len..).unwrap_or_default();
        let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = rest.get(..authority_len).unwrap_or_default();
        if authority.is_empty() || authority.starts_with(':') || authority.contains('@') {
            return Err(UrlError::NoHost);
        }
        Ok(Self { raw: text.to_owned(), path_start: scheme_len + authority_len })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> &str {
        self.raw.get(..self.path_start).unwrap_or_default()
    }

    /// The path, without query; `/` when empty.
    pub fn path(&self) -> &str {
        let tail = self.raw.get(self.path_start..).unwrap_or_default();
        let path = tail.split('?').next().unwrap_or_default();
        if path.is_empty() { "/" } else { path }
    }

    /// `self` with `suffix` appended to the origin (for well-known URLs).
    pub fn with_path(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotHttp => "not an http(s) URL",
            Self::NoHost => "no host",
            Self::HasFragment => "has a fragment",
            Self::BadCharacter => "contains spaces, quotes or control characters",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_origin_and_path() {
        let url = HttpUrl::parse("https://mcp.example.com:8443/v1/mcp?x=1").expect("valid");
        assert_eq!(url.origin(), "https://mcp.example.com:8443");
        assert_eq!(url.path(), "/v1/mcp");
        assert_eq!(url.with_path("/.well-known/x"), "https://mcp.example.com:8443/.well-known/x");
        assert_eq!(HttpUrl::parse("http://127.0.0.1:8787").map(|u| u.path().to_owned()), Ok("/".into()));
    }

    #[test]
    fn refuses_what_is_not_an_absolute_http_url() {
        assert_eq!(HttpUrl::parse("ftp://x/y"), Err(UrlError::NotHttp));
        assert_eq!(HttpUrl::parse("example.com/mcp"), Err(UrlError::NotHttp));
        assert_eq!(HttpUrl::parse("https:///mcp"), Err(UrlError::NoHost));
        assert_eq!(HttpUrl::parse("https://user@host/"), Err(UrlError::NoHost));
        assert_eq!(HttpUrl::parse("https://host/a#b"), Err(UrlError::HasFragment));
        assert_eq!(HttpUrl::parse("https://host/a b"), Err(UrlError::BadCharacter));
        assert_eq!(HttpUrl::parse("https://host/\"x"), Err(UrlError::BadCharacter));
        assert_eq!(HttpUrl::parse(""), Err(UrlError::NotHttp));
    }

    #[test]
    fn request_urls_split_into_path_and_query() {
        assert_eq!(path_and_query("https://h.example/mcp?a=1&b"), ("/mcp", Some("a=1&b")));
        assert_eq!(path_and_query("http://127.0.0.1:8787/mcp"), ("/mcp", None));
        assert_eq!(path_and_query("http://h.example"), ("/", None));
        assert_eq!(path_and_query("http://h.example/?"), ("/", Some("")));
        assert_eq!(path_and_query("http://h.example/a?b?c#d"), ("/a", Some("b?c")));
    }
}

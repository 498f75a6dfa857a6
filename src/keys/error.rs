//! Why fetching the authorization server's keys failed: one variant per way
//! it goes wrong, a stable reason code for logs and `/health`, and never any
//! key material.

use std::fmt;

use crate::http::url::UrlError;
use crate::keys::jwks::JwksError;

/// One failed request for a metadata or JWKS document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFetchError {
    /// No response within [`FETCH_TIMEOUT`](super::source::FETCH_TIMEOUT).
    Timeout,
    /// Refused, reset, DNS…: the platform's own words.
    Unreachable(String),
    /// A response other than 200.
    Status(u16),
    /// A body over [`MAX_JWKS_BYTES`](super::jwks::MAX_JWKS_BYTES).
    TooLarge,
    /// The authorization server metadata is not a JSON object.
    MetadataNotJson,
    /// The metadata's `issuer` differs from the configured one (RFC 8414 §3.3).
    IssuerMismatch,
    /// The metadata names no `jwks_uri`.
    NoJwksUri,
    /// The metadata's `jwks_uri` is not an http(s) URL.
    BadJwksUri(UrlError),
    /// The JWKS document is unusable (not a key set, or no usable key).
    Jwks(JwksError),
    /// The platform failed to build the request or read the body.
    Platform(String),
    /// The copy shared between instances failed its MAC or has impossible times.
    SharedCopyRejected,
}

impl KeyFetchError {
    /// A stable code for logs and `/health`.
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Unreachable(_) => "unreachable",
            Self::Status(_) => "bad_status",
            Self::TooLarge => "too_large",
            Self::MetadataNotJson => "metadata_not_json",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::NoJwksUri => "no_jwks_uri",
            Self::BadJwksUri(_) => "bad_jwks_uri",
            Self::Jwks(_) => "bad_jwks",
            Self::Platform(_) => "platform_error",
            Self::SharedCopyRejected => "shared_copy_rejected",
        }
    }
}

impl fmt::Display for KeyFetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => write!(f, "no answer within {} s", super::source::FETCH_TIMEOUT.as_secs()),
            Self::Unreachable(detail) => write!(f, "unreachable: {detail}"),
            Self::Status(status) => write!(f, "status {status}"),
            Self::TooLarge => write!(f, "larger than {} bytes", super::jwks::MAX_JWKS_BYTES),
            Self::MetadataNotJson => f.write_str("metadata is not a JSON object"),
            Self::IssuerMismatch => f.write_str("metadata issuer does not match ISSUER"),
            Self::NoJwksUri => f.write_str("metadata has no jwks_uri"),
            Self::BadJwksUri(err) => write!(f, "jwks_uri {err}"),
            Self::Jwks(err) => err.fmt(f),
            Self::Platform(detail) => write!(f, "platform error: {detail}"),
            Self::SharedCopyRejected => f.write_str("shared key copy is not authentic or not plausible"),
        }
    }
}

impl std::error::Error for KeyFetchError {}

impl From<JwksError> for KeyFetchError {
    fn from(err: JwksError) -> Self {
        Self::Jwks(err)
    }
}

/// A refresh that produced no keys: each URL tried, and how it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFailure {
    pub attempts: Vec<(String, KeyFetchError)>,
}

impl RefreshFailure {
    pub(crate) fn at(url: &str, error: KeyFetchError) -> Self {
        Self { attempts: vec![(url.to_owned(), error)] }
    }

    /// The reason of the last attempt: what finally stopped the refresh.
    pub fn reason(&self) -> &'static str {
        self.attempts.last().map_or("no_attempt", |(_, error)| error.reason())
    }
}

impl fmt::Display for RefreshFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (url, error)) in self.attempts.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{url}: {error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_distinct_and_details_never_hold_keys() {
        let errors = [
            KeyFetchError::Timeout,
            KeyFetchError::Unreachable("connection refused".into()),
            KeyFetchError::Status(500),
            KeyFetchError::TooLarge,
            KeyFetchError::MetadataNotJson,
            KeyFetchError::IssuerMismatch,
            KeyFetchError::NoJwksUri,
            KeyFetchError::BadJwksUri(UrlError::NotHttp),
            KeyFetchError::Jwks(JwksError::Malformed),
            KeyFetchError::Platform("TypeError".into()),
            KeyFetchError::SharedCopyRejected,
        ];
        let mut reasons: Vec<_> = errors.iter().map(KeyFetchError::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), errors.len());
        let failure = RefreshFailure {
            attempts: vec![("https://as/.well-known/a".into(), KeyFetchError::Status(404))],
        };
        assert_eq!(failure.reason(), "bad_status");
        assert_eq!(failure.to_string(), "https://as/.well-known/a: status 404");
    }
}

//! Where the key set lives when `JWKS_URI` is not given: the issuer's
//! authorization server metadata (RFC 8414 §3), then OpenID Connect
//! Discovery 1.0 §4, whose `issuer` must equal the configured one exactly
//! (RFC 8414 §3.3: otherwise an attacker's metadata could name its own keys).

use serde_json::Value;

use crate::http::url::HttpUrl;
use crate::keys::error::KeyFetchError;

/// The metadata URLs to try, in order: path-inserted RFC 8414 first, then OIDC.
pub(crate) fn discovery_urls(issuer: &str) -> Vec<String> {
    let Ok(url) = HttpUrl::parse(issuer) else { return Vec::new() };
    let path = url.path().trim_end_matches('/');
    vec![
        url.with_path(&format!("/.well-known/oauth-authorization-server{path}")),
        format!("{}/.well-known/openid-configuration", url.as_str().trim_end_matches('/')),
    ]
}

/// The `jwks_uri` of a metadata document that belongs to `issuer`.
pub(crate) fn jwks_uri_from_metadata(body: &[u8], issuer: &str) -> Result<String, KeyFetchError> {
    let metadata: Value = serde_json::from_slice(body).map_err(|_| KeyFetchError::MetadataNotJson)?;
    if !metadata.is_object() {
        return Err(KeyFetchError::MetadataNotJson);
    }
    if metadata.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err(KeyFetchError::IssuerMismatch);
    }
    let uri = metadata.get("jwks_uri").and_then(Value::as_str).ok_or(KeyFetchError::NoJwksUri)?;
    HttpUrl::parse(uri).map(|url| url.as_str().to_owned()).map_err(KeyFetchError::BadJwksUri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_insert_the_issuer_path_then_fall_back_to_oidc() {
        assert_eq!(
            discovery_urls("https://as.example/tenant/"),
            [
                "https://as.example/.well-known/oauth-authorization-server/tenant",
                "https://as.example/tenant/.well-known/openid-configuration",
            ]
        );
        assert!(discovery_urls("not a url").is_empty());
    }

    #[test]
    fn metadata_must_belong_to_the_issuer() {
        let doc = br#"{"issuer":"https://as.example","jwks_uri":"https://as.example/jwks"}"#;
        assert_eq!(
            jwks_uri_from_metadata(doc, "https://as.example").as_deref(),
            Ok("https://as.example/jwks")
        );
        assert_eq!(jwks_uri_from_metadata(doc, "https://evil.example"), Err(KeyFetchError::IssuerMismatch));
        assert_eq!(jwks_uri_from_metadata(b"[]", "x"), Err(KeyFetchError::MetadataNotJson));
        let no_uri = br#"{"issuer":"https://as.example"}"#;
        assert_eq!(jwks_uri_from_metadata(no_uri, "https://as.example"), Err(KeyFetchError::NoJwksUri));
        let bad_uri = br#"{"issuer":"https://as.example","jwks_uri":"ftp://as.example/jwks"}"#;
        assert!(matches!(
            jwks_uri_from_metadata(bad_uri, "https://as.example"),
            Err(KeyFetchError::BadJwksUri(_))
        ));
    }
}

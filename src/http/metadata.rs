//! OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells
//! an MCP client which authorization server issues tokens for this resource.

use serde::Serialize;

use crate::http::url::HttpUrl;

/// The well-known path prefix of RFC 9728 §3.
pub const WELL_KNOWN_PREFIX: &str = "/.well-known/oauth-protected-resource";

/// The metadata document (RFC 9728 §2). Empty optional fields are omitted:
/// strict clients drop a whole document over one bad field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedResourceMetadata {
    /// Exactly the resource URL clients call (RFC 9728 §3.3 requires a byte match).
    pub resource: String,
    /// Issuer identifiers, as the authorization servers' metadata states them.
    pub authorization_servers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    /// Only the header method (RFC 6750 §2.1); query and body tokens are refused.
    pub bearer_methods_supported: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
}

impl ProtectedResourceMetadata {
    pub fn new(
        resource: &HttpUrl,
        authorization_servers: Vec<String>,
        scopes_supported: Vec<String>,
        resource_name: Option<String>,
    ) -> Self {
        Self {
            resource: resource.as_str().to_owned(),
            authorization_servers,
            scopes_supported,
            bearer_methods_supported: ["header"],
            resource_name: resource_name.filter(|name| !name.is_empty()),
        }
    }
}

/// The path of the metadata for `resource`, with the resource's path inserted
/// after the well-known prefix (RFC 9728 §3.1): `/mcp` → `/.well-known/oauth-protected-resource/mcp`.
pub fn metadata_path(resource: &HttpUrl) -> String {
    match resource.path() {
        "/" => WELL_KNOWN_PREFIX.to_owned(),
        path => format!("{WELL_KNOWN_PREFIX}{}", path.trim_end_matches('/')),
    }
}

/// The absolute URL advertised in `resource_metadata` challenges.
pub fn metadata_url(resource: &HttpUrl) -> String {
    resource.with_path(&metadata_path(resource))
}

/// Whether a request path asks for this resource's metadata: the path-inserted
/// URL or the root one (served too, for clients that only try the root).
pub fn is_metadata_path(resource: &HttpUrl, path: &str) -> bool {
    path == WELL_KNOWN_PREFIX || path == metadata_path(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(url: &str) -> HttpUrl {
        HttpUrl::parse(url).expect("valid url")
    }

    #[test]
    fn inserts_the_resource_path_after_the_prefix() {
        let mcp = resource("https://mcp.example.com/mcp");
        assert_eq!(metadata_path(&mcp), "/.well-known/oauth-protected-resource/mcp");
        assert_eq!(metadata_url(&mcp), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
        assert_eq!(metadata_path(&resource("https://mcp.example.com")), WELL_KNOWN_PREFIX);
        assert!(is_metadata_path(&mcp, "/.well-known/oauth-protected-resource"));
        assert!(is_metadata_path(&mcp, "/.well-known/oauth-protected-resource/mcp"));
        assert!(!is_metadata_path(&mcp, "/.well-known/oauth-protected-resource/other"));
    }

    #[test]
    fn serializes_without_empty_fields() {
        let mcp = resource("https://mcp.example.com/mcp");
        let doc = ProtectedResourceMetadata::new(
            &mcp,
            vec!["https://auth.example.com".into()],
            vec![],
            Some(String::new()),
        );
        let json = serde_json::to_value(&doc).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "resource": "https://mcp.example.com/mcp",
                "authorization_servers": ["https://auth.example.com"],
                "bearer_methods_supported": ["header"],
            })
        );
    }
}

//! The gateway's configuration, read from named string variables (Worker
//! `[vars]` and secrets) and validated once. Every problem is reported, by
//! variable name, and a configuration with problems lets no request through.

use std::fmt;

use crate::http::metadata::{ProtectedResourceMetadata, metadata_url};
use crate::http::url::HttpUrl;
use crate::keys::cache::KeyCacheSettings;
use crate::mcp::secret::{GatewaySecret, MIN_SECRET_BYTES};
use std::sync::Arc;

use crate::mcp::claim_headers::ClaimHeaders;
use crate::mcp::list_filter::FilterLists;
use crate::mcp::policy::AccessPolicy;
use crate::mcp::rate_tiers::RateTiers;
use crate::verify::algorithm::Algorithm;
use crate::verify::policy::{DEFAULT_LEEWAY_SECONDS, Policy};

/// Validated gateway settings. Variable names are in the field docs.
#[derive(Clone, PartialEq)]
pub struct GatewayConfig {
    /// `RESOURCE`: the protected MCP endpoint as clients call it.
    pub resource: HttpUrl,
    /// `ORIGIN_URL`: the upstream MCP endpoint.
    pub origin_url: HttpUrl,
    /// The verification policy, built once: `ISSUER` (trusted issuers; the
    /// first is advertised and used for discovery), `AUDIENCE` (default:
    /// `RESOURCE`), `ALGORITHMS`, `LEEWAY_SECONDS` (60), `REQUIRE_AT_JWT` (false).
    pub policy: Policy,
    /// `JWKS_URI`: empty means discover each issuer's from its metadata (a
    /// key set per issuer); one URL is one set shared by every issuer; a list
    /// aligned with `ISSUER` is a set per issuer from those URLs.
    pub jwks_uris: Vec<String>,
    /// `POLICY`, or its shorthand `TOOL_SCOPES` (`{"tools": TOOL_SCOPES}`).
    /// Unset: any valid token may call anything.
    pub access: Arc<AccessPolicy>,
    /// `FILTER_LISTS` (`true`): list results hold only what the token may use.
    pub filter_lists: FilterLists,
    /// `CLAIM_HEADERS`: claim → header name for the origin.
    pub claim_headers: ClaimHeaders,
    /// `RATE_LIMIT_TIERS`: scope → rate-limit binding.
    pub rate_tiers: RateTiers,
    /// `SCOPES_SUPPORTED`: advertised scopes (default: every scope the policy names).
    pub scopes_supported: Vec<String>,
    /// `FORWARD_TOKEN` (false): pass the client's token to the origin.
    pub forward_token: bool,
    /// `ALLOWED_ORIGINS`: browser origins allowed to call (space-separated).
    pub allowed_origins: Vec<String>,
    /// `RESOURCE_NAME`: human-readable name in the metadata.
    pub resource_name: Option<String>,
    /// `JWKS_MAX_AGE_SECONDS` (600), `JWKS_COOLDOWN_SECONDS` (30), `JWKS_MAX_STALE_SECONDS` (86400).
    pub key_cache: KeyCacheSettings,
    /// `ORIGIN_SECRET` (a Worker secret): sent to the origin as `X-Gateway-Secret`.
    pub origin_secret: Option<String>,
    /// `SESSION_SECRET` (a Worker secret, ≥ 32 characters): binds MCP sessions
    /// to their principal and authenticates the shared key copy. Unset:
    /// sessions pass through unbound, and `/health` warns.
    pub session_secret: Option<GatewaySecret>,
    /// `ORIGIN_TIMEOUT_SECONDS` (30): how long to wait for the origin's response headers.
    pub origin_timeout_seconds: u32,
    /// `DECISION_LOG` (`all`): `denied` logs refusals and errors only, not
    /// every forwarded request.
    pub log_allowed: bool,
}

/// Everything wrong with a configuration, one entry per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

/// One problem: which variable, and what is wrong (for the log only: the
/// message may quote the operator's values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub var: &'static str,
    pub missing: bool,
    pub message: String,
}

impl ConfigProblem {
    fn missing(var: &'static str) -> Self {
        Self { var, missing: true, message: format!("{var} is required") }
    }

    fn invalid(var: &'static str, message: String) -> Self {
        Self { var, missing: false, message }
    }

    /// `var` names a binding the Worker does not have (only the platform
    /// adapter can tell).
    pub fn unbound(var: &'static str, binding: &str) -> Self {
        Self::invalid(
            var,
            format!("{var} names the binding {binding}, which is not bound (see [[ratelimits]])"),
        )
    }

    /// What anonymous callers may see: `ISSUER:required`, `TOOL_SCOPES:invalid`.
    pub fn code(&self) -> String {
        format!("{}:{}", self.var, if self.missing { "required" } else { "invalid" })
    }
}

impl GatewayConfig {
    /// Reads and validates the configuration; `get` returns a variable's value.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let var =
            |name: &str| get(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        let mut url = |name: &'static str, required: bool| match var(name) {
            None if required => {
                problems.push(ConfigProblem::missing(name));
                None
            }
            None => None,
            Some(value) => HttpUrl::parse(&value)
                .map_err(|err| problems.push(ConfigProblem::invalid(name, format!("{name} {err}"))))
                .ok(),
        };
        let resource = url("RESOURCE", true);
        let origin_url = url("ORIGIN_URL", true);

        let issuers: Vec<String> = var("ISSUER").map(|list| words(&list)).unwrap_or_default();
        if issuers.is_empty() {
            problems.push(ConfigProblem::missing("ISSUER"));
        }
        for (index, issuer) in issuers.iter().enumerate() {
            if let Err(err) = HttpUrl::parse(issuer) {
                problems.push(ConfigProblem::invalid("ISSUER", format!("ISSUER entry {} {err}", index + 1)));
            }
        }

        let algorithms = match var("ALGORITHMS") {
            None => Algorithm::DEFAULT_ALLOWED.to_vec(),
            Some(list) => words(&list)
                .iter()
                .filter_map(|name| {
                    name.parse()
                        .map_err(|refusal| {
                            problems.push(ConfigProblem::invalid(
                                "ALGORITHMS",
                                format!("ALGORITHMS: {name}: {refusal}"),
                            ))
                        })
                        .ok()
                })
                .collect(),
        };
        let jwks_uris: Vec<String> = var("JWKS_URI").map(|list| words(&list)).unwrap_or_default();
        for uri in &jwks_uris {
            if let Err(err) = HttpUrl::parse(uri) {
                problems.push(ConfigProblem::invalid("JWKS_URI", format!("JWKS_URI {err}")));
            }
        }
        if jwks_uris.len() > 1 && jwks_uris.len() != issuers.len() {
            problems.push(ConfigProblem::invalid(
                "JWKS_URI",
                "JWKS_URI lists several URLs: give one per ISSUER, in the same order".into(),
            ));
        }

        let mut parsed = |name: &'static str, parse: &dyn Fn(&str) -> Result<AccessPolicy, String>| {
            var(name).and_then(|json| {
                parse(&json)
                    .map_err(|err| problems.push(ConfigProblem::invalid(name, format!("{name} {err}"))))
                    .ok()
            })
        };
        let access = match (
            parsed("POLICY", &|json| AccessPolicy::parse(json).map_err(|err| err.to_string())),
            parsed("TOOL_SCOPES", &|json| {
                AccessPolicy::from_tool_scopes(json).map_err(|err| err.to_string())
            }),
        ) {
            (Some(_), Some(_)) => {
                problems.push(ConfigProblem::invalid(
                    "POLICY",
                    "POLICY and TOOL_SCOPES are both set: TOOL_SCOPES is the shorthand for {\"tools\": ...}, keep one".into(),
                ));
                AccessPolicy::default()
            }
            (Some(policy), None) | (None, Some(policy)) => policy,
            (None, None) => AccessPolicy::default(),
        };
        let scopes_supported =
            var("SCOPES_SUPPORTED").map(|list| words(&list)).unwrap_or_else(|| access.scopes());
        let filter_lists = match var("FILTER_LISTS") {
            None => FilterLists::default(),
            Some(value) => FilterLists::parse(&value).unwrap_or_else(|| {
                problems.push(ConfigProblem::invalid(
                    "FILTER_LISTS",
                    "FILTER_LISTS must be true, step-up or false".into(),
                ));
                FilterLists::default()
            }),
        };
        let claim_headers = var("CLAIM_HEADERS").map_or_else(ClaimHeaders::default, |json| {
            ClaimHeaders::parse(&json).unwrap_or_else(|err| {
                problems.push(ConfigProblem::invalid("CLAIM_HEADERS", format!("CLAIM_HEADERS {err}")));
                ClaimHeaders::default()
            })
        });
        let rate_tiers = var("RATE_LIMIT_TIERS").map_or_else(RateTiers::default, |json| {
            RateTiers::parse(&json).unwrap_or_else(|err| {
                problems.push(ConfigProblem::invalid("RATE_LIMIT_TIERS", format!("RATE_LIMIT_TIERS {err}")));
                RateTiers::default()
            })
        });

        let mut number = |name: &'static str, default: i64| match var(name) {
            None => default,
            Some(value) => value.parse::<u32>().map(i64::from).unwrap_or_else(|_| {
                problems
                    .push(ConfigProblem::invalid(name, format!("{name} must be a whole number of seconds")));
                default
            }),
        };
        let leeway_seconds = number("LEEWAY_SECONDS", i64::from(DEFAULT_LEEWAY_SECONDS));
        let defaults = KeyCacheSettings::default();
        let key_cache = KeyCacheSettings {
            max_age: number("JWKS_MAX_AGE_SECONDS", defaults.max_age),
            cooldown: number("JWKS_COOLDOWN_SECONDS", defaults.cooldown),
            max_stale: number("JWKS_MAX_STALE_SECONDS", defaults.max_stale),
        };
        let origin_timeout_seconds = number("ORIGIN_TIMEOUT_SECONDS", 30);

        let mut flag = |name: &'static str| match var(name).as_deref().map(str::to_ascii_lowercase).as_deref()
        {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(_) => {
                problems.push(ConfigProblem::invalid(name, format!("{name} must be true or false")));
                false
            }
        };
        let require_at_jwt = flag("REQUIRE_AT_JWT");
        let forward_token = flag("FORWARD_TOKEN");

        let allowed_origins = var("ALLOWED_ORIGINS").map(|list| words(&list)).unwrap_or_default();
        for origin in &allowed_origins {
            if HttpUrl::parse(origin).map_or(true, |url| url.as_str() != url.origin()) {
                problems.push(ConfigProblem::invalid(
                    "ALLOWED_ORIGINS",
                    format!("ALLOWED_ORIGINS entry '{origin}' is not an origin like https://app.example.com"),
                ));
            }
        }

        let log_allowed = match var("DECISION_LOG").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("all") => true,
            Some("denied") => false,
            Some(_) => {
                problems.push(ConfigProblem::invalid(
                    "DECISION_LOG",
                    "DECISION_LOG must be all or denied".into(),
                ));
                true
            }
        };
        let session_secret = var("SESSION_SECRET").and_then(|secret| {
            let parsed = GatewaySecret::new(&secret);
            if parsed.is_none() {
                problems.push(ConfigProblem::invalid(
                    "SESSION_SECRET",
                    format!("SESSION_SECRET must be at least {MIN_SECRET_BYTES} characters"),
                ));
            }
            parsed
        });

        let (Some(resource), Some(origin_url)) = (resource, origin_url) else {
            return Err(ConfigError { problems });
        };
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        let audiences =
            var("AUDIENCE").map(|list| words(&list)).unwrap_or_else(|| vec![resource.as_str().to_owned()]);
        let policy = Policy {
            issuers,
            audiences,
            algorithms,
            leeway_seconds: u32::try_from(leeway_seconds).unwrap_or(DEFAULT_LEEWAY_SECONDS),
            require_at_jwt,
            ..Policy::default()
        };
        Ok(Self {
            resource,
            origin_url,
            policy,
            jwks_uris,
            access: Arc::new(access),
            filter_lists,
            claim_headers,
            rate_tiers,
            scopes_supported,
            forward_token,
            allowed_origins,
            resource_name: var("RESOURCE_NAME"),
            key_cache,
            origin_secret: var("ORIGIN_SECRET"),
            session_secret,
            log_allowed,
            origin_timeout_seconds: u32::try_from(origin_timeout_seconds).unwrap_or(30),
        })
    }

    /// The RFC 9728 document: every issuer, in the configured order.
    pub fn metadata(&self) -> ProtectedResourceMetadata {
        ProtectedResourceMetadata::new(
            &self.resource,
            self.policy.issuers.clone(),
            self.scopes_supported.clone(),
            self.resource_name.clone(),
        )
    }

    /// The absolute metadata URL for `resource_metadata` challenges.
    pub fn metadata_url(&self) -> String {
        metadata_url(&self.resource)
    }

    /// What an operator should fix though the gateway runs (`/health`).
    pub fn warnings(&self) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        if self.session_secret.is_none() {
            warnings.push("session_secret_unset");
        }
        warnings
    }

    /// Whether a browser `Origin` may call the resource (MCP: a present,
    /// disallowed Origin is refused, against DNS rebinding).
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin))
    }
}

/// The secret never reaches logs.
impl fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("resource", &self.resource.as_str())
            .field("origin_url", &self.origin_url.as_str())
            .field("issuers", &self.policy.issuers)
            .field("origin_secret", &self.origin_secret.as_ref().map(|_| "<set>"))
            .field("session_secret", &self.session_secret)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.problems.iter().map(|problem| problem.message.as_str()).collect();
        write!(f, "invalid configuration: {}", messages.join("; "))
    }
}

impl std::error::Error for ConfigError {}

fn words(list: &str) -> Vec<String> {
    list.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;

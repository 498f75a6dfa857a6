//! Runs the shared vectors of `tests/vectors/` (made by `scripts/gen-vectors.mjs`
//! with jose) through the core. `VECTORS_DIR` points it at another copy, which
//! is how `make test` proves a fresh regeneration passes too.

#[path = "common/vectors.rs"]
mod vectors;

use mcp_edge_guard::{AuthError, JwkSet, Policy, TokenError, verify};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    name: String,
    description: String,
    jwks: Value,
    token: String,
    now: i64,
    policy: Policy,
    #[serde(default)]
    required_scopes: Vec<String>,
    expect: Expect,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Expect {
    valid: bool,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    expires_at: Option<i64>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    /// For `missing_claim`: which claim.
    #[serde(default)]
    claim: Option<String>,
}

/// What the core says about one vector, in the vector's own terms.
fn outcome(vector: &Vector) -> Expect {
    let jwks = serde_json::to_vec(&vector.jwks).expect("jwks serializes");
    let result = JwkSet::parse(&jwks).map_err(|_| AuthError::KeysUnavailable).and_then(|keys| {
        let principal = verify(&vector.token, &keys, &vector.policy, vector.now)?;
        let missing: Vec<String> =
            principal.scopes.missing(&vector.required_scopes).into_iter().map(str::to_owned).collect();
        if missing.is_empty() {
            Ok(principal)
        } else {
            Err(AuthError::InsufficientScope { required: missing })
        }
    });
    match result {
        Ok(principal) => Expect {
            valid: true,
            subject: principal.subject,
            client_id: principal.client_id,
            scopes: principal.scopes.iter().map(str::to_owned).collect(),
            expires_at: Some(principal.expires_at),
            error: None,
            reason: None,
            claim: None,
        },
        Err(err) => {
            // Neither the log form nor the debug form may carry token material.
            let shown = format!("{err} {err:?}");
            for segment in vector.token.split('.').filter(|segment| segment.len() >= 8) {
                assert!(!shown.contains(segment), "{}: error text echoes the token: {shown}", vector.name);
            }
            let claim = match &err {
                AuthError::InvalidToken(TokenError::MissingClaim(name)) => Some((*name).to_owned()),
                AuthError::InvalidToken(TokenError::MissingRequiredClaim(name)) => Some(name.clone()),
                _ => None,
            };
            Expect {
                valid: false,
                subject: None,
                client_id: None,
                scopes: Vec::new(),
                expires_at: None,
                error: err.code().map(|code| code.as_str().to_owned()),
                reason: Some(err.reason().to_owned()),
                claim,
            }
        }
    }
}

fn load_vectors() -> Vec<Vector> {
    vectors::all()
}

#[test]
fn every_vector_has_its_expected_outcome() {
    let vectors = load_vectors();
    let mut failures = Vec::new();
    for vector in &vectors {
        let actual = outcome(vector);
        if actual != vector.expect {
            failures.push(format!(
                "{} ({}):\n  expected {:?}\n  actual   {:?}",
                vector.name, vector.description, vector.expect, actual
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

/// Every case the generator makes; one it silently dropped would otherwise
/// leave a gap nobody sees.
#[test]
fn every_expected_case_is_present() {
    let names: Vec<String> = load_vectors().into_iter().map(|vector| vector.name).collect();
    let expected: Vec<&str> = EXPECTED_CASES.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    let missing: Vec<&&str> =
        expected.iter().filter(|name| !names.iter().any(|have| have == *name)).collect();
    assert!(missing.is_empty(), "vectors missing: {missing:?}");
    let unexpected: Vec<&String> = names.iter().filter(|name| !expected.contains(&name.as_str())).collect();
    assert!(unexpected.is_empty(), "vectors not listed in EXPECTED_CASES: {unexpected:?}");
}

const EXPECTED_CASES: &str = "
accept-aud-array
accept-aud-trailing-slash
accept-default-leeway
accept-ed25519
accept-eddsa
accept-es256
accept-expired-within-leeway
accept-nbf-within-leeway
accept-no-kid-second-rsa-key
accept-no-kid-single-key
accept-ps256
accept-ps384
accept-ps512
accept-required-claims-present
accept-rs256-4096
accept-rs256
accept-rs384
accept-rs512
accept-scp-array-and-azp
accept-second-issuer
accept-strict-typ-application-at-jwt
accept-strict-typ-at-jwt
accept-strict-typ-upper-case
accept-wildcard-scope
reject-alg-none
reject-alg-not-in-allow-list
reject-base64-padding
reject-default-leeway-exceeded
reject-embedded-jwk-header
reject-empty-token
reject-es256-der-signature
reject-expired-zero-leeway
reject-expired
reject-forged-invalid-json-payload
reject-forged-payload-array
reject-four-parts
reject-hs256-with-rsa-public-key
reject-iat-future
reject-insufficient-scope
reject-invalid-json-header
reject-invalid-json-payload
reject-jwk-alg-mismatch
reject-kid-ec-with-rs256
reject-malformed-base64
reject-missing-aud
reject-missing-exp
reject-missing-iss
reject-missing-required-claim
reject-nbf-future
reject-over-size-limit
reject-payload-array
reject-rsa-1024-key
reject-rsa-1024-only-jwks
reject-scope-array
reject-scope-wrong-type
reject-tampered-payload
reject-tampered-signature
reject-two-parts
reject-typ-dpop-lax
reject-typ-jwt-strict
reject-unknown-crit
reject-unknown-kid
reject-wrong-aud
reject-wrong-iss
rfc7515-a2-rs256-tampered
rfc7515-a2-rs256
rfc7515-a3-es256-tampered
rfc7515-a3-es256
";

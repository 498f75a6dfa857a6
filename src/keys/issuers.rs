//! Several authorization servers. Each issuer's keys are a set of their own
//! (discovered from its metadata, or from the `JWKS_URI` aligned with it), or
//! all issuers share one set (one `JWKS_URI`: an issuer migration). A token's
//! `iss`, read before verification only to choose the set, picks it; each set
//! verifies only tokens of its own issuers, so a key of one issuer never
//! verifies a token claiming another.

use std::sync::Arc;

use crate::base64url;
use serde::Deserialize;

use crate::http::error::AuthError;
use crate::keys::cache::KeyCacheSettings;
use crate::keys::remote::{KeyStatus, RemoteKeys};
use crate::keys::source::KeySource;
use crate::verify::cache::TokenCache;
use crate::verify::error::TokenError;
use crate::verify::policy::Policy;
use crate::verify::principal::Principal;
use crate::verify::signature::SignatureVerifier;

pub(crate) struct IssuerKeys<S> {
    sets: Vec<IssuerSet<S>>,
}

struct IssuerSet<S> {
    /// The policy in force, narrowed to this set's issuers.
    policy: Policy,
    keys: RemoteKeys<S>,
}

impl<S: KeySource + Clone> IssuerKeys<S> {
    /// `jwks_uris`: none (discover each issuer's), one (shared by all), or
    /// one per issuer in the same order (the configuration checks the count).
    pub(crate) fn new(source: &S, policy: &Policy, jwks_uris: &[String], settings: KeyCacheSettings) -> Self {
        let set = |issuers: Vec<String>, jwks_uri: Option<String>| {
            let name = issuers.first().cloned().unwrap_or_default();
            IssuerSet {
                policy: Policy { issuers, ..policy.clone() },
                keys: RemoteKeys::new(source.clone(), name, jwks_uri, settings),
            }
        };
        let sets = match jwks_uris {
            [shared] => vec![set(policy.issuers.clone(), Some(shared.clone()))],
            _ => policy
                .issuers
                .iter()
                .enumerate()
                .map(|(index, issuer)| set(vec![issuer.clone()], jwks_uris.get(index).cloned()))
                .collect(),
        };
        Self { sets }
    }
}

impl<S: KeySource> IssuerKeys<S> {
    /// Verifies `token` with the key set of its issuer. A readable `iss`
    /// that is not configured is refused before any key is fetched (so a
    /// flood of foreign tokens cannot make the gateway fetch); a token whose
    /// `iss` cannot be read goes to the first set, whose verification says
    /// what is wrong with it.
    pub(crate) async fn verify<V: SignatureVerifier>(
        &self,
        token: &str,
        now: i64,
        signatures: &V,
        tokens: &TokenCache,
    ) -> Result<Arc<Principal>, AuthError> {
        let set = match unverified_issuer(token) {
            Some(issuer) => self
                .sets
                .iter()
                .find(|set| set.policy.issuers.contains(&issuer))
                .ok_or(TokenError::WrongIssuer)?,
            None => self.sets.first().ok_or(AuthError::KeysUnavailable)?,
        };
        set.keys.verify(token, &set.policy, now, signatures, tokens).await
    }

    /// Each set's state, for `/health`: (whether it has usable keys, its status).
    #[cfg_attr(not(feature = "worker"), allow(dead_code))]
    pub(crate) async fn status(&self, now: i64) -> Vec<(bool, KeyStatus)> {
        let mut states = Vec::with_capacity(self.sets.len());
        for set in &self.sets {
            states.push((set.keys.current(now).await.is_some(), set.keys.status(now)));
        }
        states
    }
}

/// The `iss` of a token's payload, unverified: only to choose a key set,
/// never trusted (the chosen set's policy checks it again once the signature
/// holds). A payload naming `iss` twice gives none.
fn unverified_issuer(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Payload {
        iss: String,
    }
    let payload = token.split('.').nth(1)?;
    let bytes = base64url::decode(payload)?;
    serde_json::from_slice::<Payload>(&bytes).ok().map(|payload| payload.iss)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("e30.{}.c2ln", base64url::encode(payload.as_bytes()))
    }

    #[test]
    fn the_issuer_is_read_only_when_it_is_unambiguous() {
        assert_eq!(
            unverified_issuer(&token(r#"{"iss":"https://a","sub":"x"}"#)).as_deref(),
            Some("https://a")
        );
        assert_eq!(unverified_issuer(&token(r#"{"iss":"https://a","iss":"https://b"}"#)), None);
        assert_eq!(unverified_issuer(&token(r#"{"iss":7}"#)), None);
        assert_eq!(unverified_issuer(&token(r#"{}"#)), None);
        assert_eq!(unverified_issuer("nodots"), None);
        assert_eq!(unverified_issuer("a.!!!.b"), None);
    }
}

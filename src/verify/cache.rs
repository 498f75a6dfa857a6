//! Verified tokens, remembered: after a full verification, SHA-256(token) →
//! principal, so the same token again costs a hash and a few comparisons
//! instead of a signature check. Per isolate (Worker) or per `Verifier`
//! (npm); bounded in entries and bytes, oldest out first (in O(1): a full
//! cache costs an insert no more than an empty one).
//!
//! A hit is never trusted blindly: the key that verified the token must still
//! be in the key set, its algorithm still allowed, and the claim rules of the
//! policy in force (issuer, audience, `typ`, required claims, and `exp`/`nbf`
//! with the leeway) pass again. Only successes are kept, so no entry can
//! make a valid token fail.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::keys::jwks::JwkSet;
use crate::verify::Verified;
use crate::verify::algorithm::Algorithm;
use crate::verify::claims::validate_claims;
use crate::verify::policy::Policy;
use crate::verify::principal::Principal;
use crate::verify::token::Times;

/// Defaults: a few thousand tokens, a few MB.
const MAX_ENTRIES: usize = 4096;
const MAX_BYTES: usize = 4 << 20;

pub(crate) struct TokenCache {
    inner: RefCell<Entries>,
}

#[derive(Default)]
struct Entries {
    by_hash: HashMap<[u8; 32], Entry>,
    /// Insertion order, for eviction.
    order: VecDeque<[u8; 32]>,
    bytes: usize,
}

struct Entry {
    principal: Arc<Principal>,
    times: Times,
    typ: Option<String>,
    alg: Algorithm,
    key: [u8; 32],
    bytes: usize,
}

impl Default for TokenCache {
    fn default() -> Self {
        Self { inner: RefCell::new(Entries::default()) }
    }
}

/// What the cache knows a token by: its SHA-256 (never the token itself) and length.
pub(crate) struct TokenKey {
    hash: [u8; 32],
    len: usize,
}

impl TokenKey {
    /// Hashed once per request, for the look-up and, on a miss, the insert.
    pub(crate) fn of(token: &str) -> Self {
        Self { hash: Sha256::digest(token.as_bytes()).into(), len: token.len() }
    }
}

impl TokenCache {
    /// The principal of a token verified before, if it still passes.
    /// `None` means: verify it in full (unknown, or its key or claims no longer hold).
    pub(crate) fn get(
        &self,
        token: &TokenKey,
        keys: &JwkSet,
        policy: &Policy,
        now: i64,
    ) -> Option<Arc<Principal>> {
        let hash = token.hash;
        let mut entries = self.inner.borrow_mut();
        let entry = entries.by_hash.get(&hash)?;
        let still_valid = policy.allows(entry.alg)
            && keys.keys().iter().any(|key| key.fingerprint == entry.key)
            && validate_claims(entry.typ.as_deref(), &entry.principal.claims, entry.times, policy, now)
                .is_ok();
        if still_valid {
            return Some(Arc::clone(&entry.principal));
        }
        entries.remove(&hash);
        None
    }

    /// Remembers a token that just verified in full.
    pub(crate) fn put(&self, token: &TokenKey, verified: Verified) -> Arc<Principal> {
        let Verified { principal, times, typ, alg, key } = verified;
        let principal = Arc::new(principal);
        let bytes = token.len + size_of_claims(&principal.claims) + 256;
        let entry = Entry { principal: Arc::clone(&principal), times, typ, alg, key, bytes };
        self.inner.borrow_mut().insert(token.hash, entry);
        principal
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.borrow().by_hash.len()
    }
}

impl Entries {
    fn insert(&mut self, hash: [u8; 32], entry: Entry) {
        if entry.bytes > MAX_BYTES {
            return;
        }
        self.remove(&hash);
        // Places of entries removed on a miss linger in the order; compact it
        // now and then (amortised O(1) per insert).
        if self.order.len() >= 2 * MAX_ENTRIES {
            let by_hash = &self.by_hash;
            self.order.retain(|hash| by_hash.contains_key(hash));
        }
        // The oldest go first until the new one fits: O(1) each, however full.
        // (An expired entry is dropped when it is next looked up, or in turn.)
        while self.by_hash.len() >= MAX_ENTRIES || self.bytes + entry.bytes > MAX_BYTES {
            let Some(oldest) = self.order.pop_front() else { break };
            self.remove(&oldest);
        }
        self.bytes += entry.bytes;
        self.order.push_back(hash);
        self.by_hash.insert(hash, entry);
    }

    fn remove(&mut self, hash: &[u8; 32]) {
        if let Some(entry) = self.by_hash.remove(hash) {
            self.bytes = self.bytes.saturating_sub(entry.bytes);
        }
    }
}

/// Roughly what the claims occupy in memory.
fn size_of_claims(claims: &serde_json::Map<String, Value>) -> usize {
    fn size(value: &Value) -> usize {
        32 + match value {
            Value::String(text) => text.len(),
            Value::Array(items) => items.iter().map(size).sum(),
            Value::Object(members) => members.iter().map(|(name, item)| name.len() + size(item)).sum(),
            _ => 0,
        }
    }
    claims.iter().map(|(name, value)| name.len() + size(value)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{NOW, block_on, jwks, vector};
    use crate::verify::signature::Portable;
    use crate::verify::verify_with;

    fn verified(token: &str, keys: &JwkSet, policy: &Policy) -> Verified {
        block_on(verify_with(token, keys, policy, NOW, &Portable)).expect("the vector verifies")
    }

    fn setup() -> (String, JwkSet, Policy, TokenCache) {
        let (token, policy) = vector();
        let keys = JwkSet::parse(&jwks(true)).expect("keys");
        let cache = TokenCache::default();
        let verified = verified(&token, &keys, &policy);
        cache.put(&TokenKey::of(&token), verified);
        (token, keys, policy, cache)
    }

    #[test]
    fn a_verified_token_is_served_from_the_cache_until_it_expires() {
        let (token, keys, policy, cache) = setup();
        let hit = cache.get(&TokenKey::of(&token), &keys, &policy, NOW + 10).expect("hit");
        assert_eq!(hit.subject.as_deref(), Some("user-123"));
        let exp = hit.expires_at;
        // exp is honoured with the leeway, as in a full verification.
        assert!(cache.get(&TokenKey::of(&token), &keys, &policy, exp + 59).is_some());
        assert!(cache.get(&TokenKey::of(&token), &keys, &policy, exp + 60).is_none());
        assert_eq!(cache.len(), 0, "the expired entry is gone");
        assert!(
            cache.get(&TokenKey::of(&format!("{token}x")), &keys, &policy, NOW).is_none(),
            "another token is a miss"
        );
    }

    #[test]
    fn a_hit_still_obeys_the_key_set_and_the_policy_in_force() {
        let (token, keys, policy, cache) = setup();
        let without_key = JwkSet::parse(&jwks(false)).expect("keys");
        assert!(
            cache.get(&TokenKey::of(&token), &without_key, &policy, NOW).is_none(),
            "its key left the set"
        );
        assert_eq!(cache.len(), 0);

        let refill = |cache: &TokenCache| cache.put(&TokenKey::of(&token), verified(&token, &keys, &policy));
        let checks: [(&str, Policy); 3] = [
            ("audience", Policy { audiences: vec!["https://other.example/mcp".into()], ..policy.clone() }),
            ("issuer", Policy { issuers: vec!["https://other.example".into()], ..policy.clone() }),
            ("required claim", Policy { required_claims: vec!["tenant".into()], ..policy.clone() }),
        ];
        for (what, stricter) in checks {
            refill(&cache);
            assert!(cache.get(&TokenKey::of(&token), &keys, &stricter, NOW).is_none(), "{what}");
        }
        // A token typed `JWT`, cached under a lax policy, fails a strict one.
        let mut plain = verified(&token, &keys, &policy);
        plain.typ = Some("JWT".into());
        cache.put(&TokenKey::of(&token), plain);
        assert!(cache.get(&TokenKey::of(&token), &keys, &policy, NOW).is_some());
        assert!(
            cache
                .get(&TokenKey::of(&token), &keys, &Policy { require_at_jwt: true, ..policy.clone() }, NOW)
                .is_none(),
            "typ"
        );
        refill(&cache);
        let no_eddsa = Policy { algorithms: vec![Algorithm::Rs256], ..policy.clone() };
        assert!(
            cache.get(&TokenKey::of(&token), &keys, &no_eddsa, NOW).is_none(),
            "algorithm no longer allowed"
        );
        refill(&cache);
        assert!(cache.get(&TokenKey::of(&token), &keys, &policy, NOW).is_some());
    }

    #[test]
    fn the_cache_is_bounded_and_drops_the_oldest_first() {
        let (token, keys, policy, cache) = setup();
        let template = verified(&token, &keys, &policy);
        let copy = || Verified {
            principal: template.principal.clone(),
            times: template.times,
            typ: template.typ.clone(),
            alg: template.alg,
            key: template.key,
        };
        for index in 0..MAX_ENTRIES + 10 {
            cache.put(&TokenKey::of(&format!("token-{index}")), copy());
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        assert!(cache.get(&TokenKey::of(&token), &keys, &policy, NOW).is_none(), "the first one went first");
        let newest = format!("token-{}", MAX_ENTRIES + 9);
        assert!(cache.get(&TokenKey::of(&newest), &keys, &policy, NOW).is_some());
        assert!(cache.inner.borrow().bytes <= MAX_BYTES);
    }
}

//! The refresh loop against a scripted source, polled by hand: single flight,
//! waiters that never touch the fetcher's I/O, an abandoned fetch taken over,
//! rotation once per cooldown, discovery, and failures that reach the log.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use serde_json::Value;

use super::*;
use crate::keys::event::KeyEvent;
use crate::keys::source::Fetched;
use crate::testing::{NOW, block_on, jwks, poll, vector};
use crate::verify::cache::TokenCache;
use crate::verify::signature::Portable;

const SETTINGS: KeyCacheSettings = KeyCacheSettings { max_age: 600, cooldown: 30, max_stale: 3_600 };

/// A response the source gives: at once, or only once `gate` opens.
#[derive(Clone)]
enum Answer {
    Ok(Vec<u8>),
    Fail(KeyFetchError),
    /// Answers once the test opens the gate.
    Gated(Vec<u8>),
    /// Never answers: the request that sent it was cancelled.
    Hang,
}

#[derive(Default)]
struct Script {
    /// Answers by URL, served in order; the last one repeats.
    answers: RefCell<Vec<(String, Answer)>>,
    gets: RefCell<Vec<String>>,
    clock: Cell<u64>,
    gate_open: Cell<bool>,
    /// What another instance stored, as (body, fetched_at, fresh_until).
    shared: RefCell<Option<(Vec<u8>, i64, i64)>>,
    events: RefCell<Vec<String>>,
}

#[derive(Clone, Default)]
struct Source(Rc<Script>);

impl Source {
    fn answer(&self, url: &str, answer: Answer) {
        self.0.answers.borrow_mut().push((url.to_owned(), answer));
    }
    fn gets(&self) -> usize {
        self.0.gets.borrow().len()
    }
    fn events(&self) -> Vec<String> {
        self.0.events.borrow().clone()
    }
}

impl KeySource for Source {
    async fn get(&self, url: &str) -> Result<Fetched, KeyFetchError> {
        self.0.gets.borrow_mut().push(url.to_owned());
        let answer = {
            let mut answers = self.0.answers.borrow_mut();
            let position = answers.iter().position(|(at, _)| at == url);
            let count = answers.iter().filter(|(at, _)| at == url).count();
            match position {
                Some(index) if count > 1 => answers.remove(index).1,
                Some(index) => answers[index].1.clone(),
                None => Answer::Fail(KeyFetchError::Status(404)),
            }
        };
        match answer {
            Answer::Ok(body) => Ok(Fetched { body, cache_control: Some("max-age=300".into()) }),
            Answer::Fail(error) => Err(error),
            Answer::Gated(body) => {
                while !self.0.gate_open.get() {
                    YieldOnce(false).await;
                }
                Ok(Fetched { body, cache_control: None })
            }
            Answer::Hang => std::future::pending().await,
        }
    }

    async fn read_shared(&self, _jwks_uri: &str) -> Result<Option<SharedCopy>, KeyFetchError> {
        let shared = self.0.shared.borrow().clone();
        Ok(shared.map(|(body, fetched_at, fresh_until)| SharedCopy { body, fetched_at, fresh_until }))
    }

    async fn sleep(&self, duration: Duration) {
        self.0.clock.set(self.0.clock.get() + u64::try_from(duration.as_millis()).expect("ms"));
        YieldOnce(false).await;
    }

    fn clock_millis(&self) -> u64 {
        self.0.clock.get()
    }

    fn report(&self, event: KeyEvent<'_>) {
        let line = match event {
            KeyEvent::RefreshFailed { issuer, failure } => format!("refresh_failed {issuer} {failure}"),
            KeyEvent::KeysSkipped { skipped, .. } => format!("keys_skipped {}", skipped.len()),
            KeyEvent::SharedCopyFailed { error, .. } => format!("shared_copy_failed {error}"),
        };
        self.0.events.borrow_mut().push(line);
    }
}

/// Pending once, then ready: lets a test interleave two requests.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

const JWKS_URI: &str = "https://as.example/jwks";

fn remote(source: &Source) -> RemoteKeys<Source> {
    RemoteKeys::new(source.clone(), "https://as.example".into(), Some(JWKS_URI.into()), SETTINGS)
}

#[test]
fn a_cold_instance_fetches_once_then_serves_from_memory() {
    let source = Source::default();
    source.answer(JWKS_URI, Answer::Ok(jwks(true)));
    let keys = remote(&source);
    assert_eq!(block_on(keys.current(NOW)).map(|set| set.keys().len()), Some(5));
    assert!(block_on(keys.current(NOW + 299)).is_some());
    assert_eq!(source.gets(), 1);
    assert!(keys.status(NOW).fresh);
}

#[test]
fn waiters_read_the_keys_the_fetching_request_stored() {
    let source = Source::default();
    source.answer(JWKS_URI, Answer::Gated(jwks(true)));
    let keys = remote(&source);
    let mut fetcher = pin!(keys.current(NOW));
    let mut waiters: Vec<_> = (0..3).map(|_| Box::pin(keys.current(NOW))).collect();
    assert!(poll(fetcher.as_mut()).is_pending(), "the JWKS has not answered yet");
    for waiter in &mut waiters {
        assert!(poll(waiter.as_mut()).is_pending(), "waits for the running refresh");
    }
    source.0.gate_open.set(true);
    assert!(matches!(poll(fetcher.as_mut()), Poll::Ready(Some(_))));
    for waiter in waiters {
        assert_eq!(block_on(waiter).map(|set| set.keys().len()), Some(5));
    }
    assert_eq!(source.gets(), 1, "one fetch for the burst");
}

#[test]
fn a_fetch_whose_request_went_away_is_taken_over() {
    let source = Source::default();
    source.answer(JWKS_URI, Answer::Hang);
    source.answer(JWKS_URI, Answer::Ok(jwks(true)));
    let keys = remote(&source);
    let mut cancelled = pin!(keys.current(NOW));
    assert!(poll(cancelled.as_mut()).is_pending(), "the fetch hangs and is never polled again");
    // The next request waits, on its own timer, for as long as a refresh can take, then fetches itself.
    let found = block_on(keys.current(NOW));
    assert_eq!(found.map(|set| set.keys().len()), Some(5));
    assert_eq!(source.gets(), 2);
    assert!(source.clock_millis() >= keys.refresh_limit_ms());
}

#[test]
fn a_dropped_refresh_clears_its_marker() {
    let source = Source::default();
    source.answer(JWKS_URI, Answer::Hang);
    let keys = remote(&source);
    {
        let mut dropped = pin!(keys.current(NOW));
        assert!(poll(dropped.as_mut()).is_pending());
        assert!(keys.running.get().is_some());
    }
    assert!(keys.running.get().is_none());
}

#[test]
fn rotation_refetches_once_per_cooldown() {
    let source = Source::default();
    source.answer(JWKS_URI, Answer::Ok(jwks(false)));
    source.answer(JWKS_URI, Answer::Ok(jwks(true)));
    let keys = remote(&source);
    let (token, policy) = vector();
    // Cold fetch (without ed-1) at NOW; the cooldown forbids a refetch for 30 s.
    assert!(block_on(keys.current(NOW)).is_some());
    let early = block_on(keys.verify(&token, &policy, NOW + 10, &Portable, &TokenCache::default()));
    assert_eq!(early, Err(AuthError::InvalidToken(TokenError::UnknownKeyId)));
    assert_eq!(source.gets(), 1);
    let principal = block_on(keys.verify(&token, &policy, NOW + 30, &Portable, &TokenCache::default()))
        .expect("verifies after the rotation");
    assert_eq!(principal.subject.as_deref(), Some("user-123"));
    assert_eq!(source.gets(), 2);
}

#[test]
fn failures_are_reported_once_and_kept_for_health() {
    let source = Source::default();
    source.answer(JWKS_URI, Answer::Fail(KeyFetchError::Timeout));
    let keys = remote(&source);
    let (token, policy) = vector();
    assert_eq!(
        block_on(keys.verify(&token, &policy, NOW, &Portable, &TokenCache::default())),
        Err(AuthError::KeysUnavailable)
    );
    // Within the cooldown nothing is retried, so nothing is reported again.
    assert_eq!(
        block_on(keys.verify(&token, &policy, NOW + 5, &Portable, &TokenCache::default())),
        Err(AuthError::KeysUnavailable)
    );
    assert_eq!(
        source.events(),
        ["refresh_failed https://as.example https://as.example/jwks: no answer within 5 s"]
    );
    let status = keys.status(NOW);
    assert_eq!(status.last_failure.map(|failure| failure.reason()), Some("timeout"));
    assert!(keys.cache.borrow().usable(NOW).is_none());
}

#[test]
fn skipped_keys_are_reported_with_each_fetch() {
    let source = Source::default();
    let mut set: Value = serde_json::from_slice(&jwks(true)).expect("json");
    if let Some(keys) = set["keys"].as_array_mut() {
        keys.push(serde_json::json!({"kty": "oct", "k": "c2VjcmV0"}));
    }
    source.answer(JWKS_URI, Answer::Ok(serde_json::to_vec(&set).expect("json")));
    let keys = remote(&source);
    assert!(block_on(keys.current(NOW)).is_some());
    assert_eq!(source.events(), ["keys_skipped 1"]);
}

#[test]
fn discovery_finds_the_jwks_uri_through_the_issuers_metadata() {
    let source = Source::default();
    let rfc8414 = "https://as.example/.well-known/oauth-authorization-server";
    let oidc = "https://as.example/.well-known/openid-configuration";
    source.answer(rfc8414, Answer::Fail(KeyFetchError::Status(404)));
    source.answer(
        oidc,
        Answer::Ok(br#"{"issuer":"https://as.example","jwks_uri":"https://as.example/jwks"}"#.to_vec()),
    );
    source.answer(JWKS_URI, Answer::Ok(jwks(true)));
    let keys = RemoteKeys::new(source.clone(), "https://as.example".into(), None, SETTINGS);
    assert!(block_on(keys.current(NOW)).is_some());
    assert_eq!(*source.0.gets.borrow(), [rfc8414, oidc, JWKS_URI]);
    assert_eq!(keys.jwks_uri.borrow().as_deref(), Some(JWKS_URI));
}

#[test]
fn a_metadata_document_of_another_issuer_is_refused() {
    let source = Source::default();
    let doc = br#"{"issuer":"https://evil.example","jwks_uri":"https://evil.example/jwks"}"#.to_vec();
    source.answer("https://as.example/.well-known/oauth-authorization-server", Answer::Ok(doc.clone()));
    source.answer("https://as.example/.well-known/openid-configuration", Answer::Ok(doc));
    let keys = RemoteKeys::new(source.clone(), "https://as.example".into(), None, SETTINGS);
    assert!(block_on(keys.current(NOW)).is_none());
    assert_eq!(source.gets(), 2, "the attacker's jwks_uri is never fetched");
    let failure = keys.status(NOW).last_failure.expect("kept");
    assert_eq!(failure.attempts.len(), 2);
    assert_eq!(failure.reason(), "issuer_mismatch");
}

#[test]
fn a_request_with_its_key_at_hand_never_waits_for_a_refetch() {
    let source = Source::default();
    source.answer(JWKS_URI, Answer::Ok(jwks(true)));
    source.answer(JWKS_URI, Answer::Hang);
    let keys = remote(&source);
    let (token, policy) = vector();
    assert!(block_on(keys.current(NOW)).is_some());
    // A forged token naming a made-up kid starts a refetch that the slow AS never answers.
    let mut refetch = pin!(keys.after_unknown_kid(NOW + 30));
    assert!(poll(refetch.as_mut()).is_pending());
    assert!(keys.running.get().is_some());
    // A valid token whose key is at hand is served at once, without waiting.
    let tokens = TokenCache::default();
    let mut valid = pin!(keys.verify(&token, &policy, NOW + 31, &Portable, &tokens));
    assert!(matches!(poll(valid.as_mut()), Poll::Ready(Ok(_))), "not held up by the refetch");
    assert_eq!(source.gets(), 2);
}

#[test]
fn a_fresh_shared_copy_is_used_without_a_fetch_and_without_a_cooldown_of_our_own() {
    let source = Source::default();
    // Another isolate fetched 40 s ago (cooldown 30 s) and stored a copy fresh for 300 s.
    *source.0.shared.borrow_mut() = Some((jwks(false), NOW - 40, NOW + 260));
    source.answer(JWKS_URI, Answer::Ok(jwks(true)));
    let keys = remote(&source);
    let (token, policy) = vector();
    assert!(block_on(keys.current(NOW)).is_some());
    assert_eq!(source.gets(), 0, "the shared copy served");
    // The rotated key is missing from the copy: the kid-miss refetch may run at once.
    let principal =
        block_on(keys.verify(&token, &policy, NOW, &Portable, &TokenCache::default())).expect("refetched");
    assert_eq!(principal.subject.as_deref(), Some("user-123"));
    assert_eq!(source.gets(), 1);
}

#[test]
fn a_stale_shared_copy_is_kept_for_an_outage_but_fetched_anew() {
    let source = Source::default();
    *source.0.shared.borrow_mut() = Some((jwks(true), NOW - 400, NOW - 100));
    source.answer(JWKS_URI, Answer::Fail(KeyFetchError::Status(503)));
    let keys = remote(&source);
    assert!(block_on(keys.current(NOW)).is_some(), "stale keys serve through the outage");
    assert_eq!(source.gets(), 1);
    assert!(block_on(keys.current(NOW + 5)).is_some());
    assert_eq!(source.gets(), 1, "the failed fetch counts for the cooldown");
}

#[test]
fn a_shared_copy_cannot_outlive_our_max_age_or_come_from_the_future() {
    let source = Source::default();
    // Claims freshness for a year: clamped to fetched_at + max_age (600 s).
    *source.0.shared.borrow_mut() = Some((jwks(true), NOW, NOW + 31_536_000));
    source.answer(JWKS_URI, Answer::Ok(jwks(true)));
    let keys = remote(&source);
    assert!(block_on(keys.current(NOW)).is_some());
    assert_eq!(source.gets(), 0);
    assert!(block_on(keys.current(NOW + 601)).is_some());
    assert_eq!(source.gets(), 1, "refetched once our max_age passed");

    let future = Source::default();
    *future.0.shared.borrow_mut() = Some((jwks(true), NOW + 3_600, NOW + 4_000));
    future.answer(JWKS_URI, Answer::Ok(jwks(true)));
    let keys = remote(&future);
    assert!(block_on(keys.current(NOW)).is_some());
    assert_eq!(future.gets(), 1, "fetched instead");
    assert_eq!(future.events(), ["shared_copy_failed shared key copy is not authentic or not plausible"]);
}

/// Several issuers (`crate::keys::issuers`): each verifies with its own set.
mod issuers {
    use super::*;
    use crate::keys::issuers::IssuerKeys;

    const OTHER: &str = "https://other.example";
    const OTHER_JWKS: &str = "https://other.example/jwks";

    #[test]
    fn an_issuer_that_is_not_configured_is_refused_before_any_fetch() {
        let source = Source::default();
        source.answer(JWKS_URI, Answer::Ok(jwks(true)));
        let (token, policy) = vector();
        let others_only = Policy { issuers: vec![OTHER.into()], ..policy };
        let keys = IssuerKeys::new(&source, &others_only, &[JWKS_URI.into()], SETTINGS);
        let result = block_on(keys.verify(&token, NOW, &Portable, &TokenCache::default()));
        assert_eq!(result, Err(AuthError::InvalidToken(TokenError::WrongIssuer)));
        assert_eq!(source.gets(), 0, "no key fetched for a foreign issuer");
    }

    #[test]
    fn a_key_of_one_issuer_never_verifies_a_token_of_another() {
        let (token, policy) = vector();
        let own = policy.issuers.first().cloned().expect("an issuer");
        let both = Policy { issuers: vec![OTHER.into(), own], ..policy };
        let aligned = [OTHER_JWKS.to_owned(), JWKS_URI.to_owned()];
        // The signing key is in the other issuer's set only: refused.
        let source = Source::default();
        source.answer(OTHER_JWKS, Answer::Ok(jwks(true)));
        source.answer(JWKS_URI, Answer::Ok(jwks(false)));
        let keys = IssuerKeys::new(&source, &both, &aligned, SETTINGS);
        let result = block_on(keys.verify(&token, NOW, &Portable, &TokenCache::default()));
        assert_eq!(result, Err(AuthError::InvalidToken(TokenError::UnknownKeyId)));
        assert!(
            source.0.gets.borrow().iter().all(|url| url == JWKS_URI),
            "only its own issuer's keys were fetched"
        );
        // In its own issuer's set: verified. One shared set: verified for either.
        let source = Source::default();
        source.answer(OTHER_JWKS, Answer::Ok(jwks(false)));
        source.answer(JWKS_URI, Answer::Ok(jwks(true)));
        let keys = IssuerKeys::new(&source, &both, &aligned, SETTINGS);
        assert!(block_on(keys.verify(&token, NOW, &Portable, &TokenCache::default())).is_ok());
        let shared = IssuerKeys::new(&source, &both, &[JWKS_URI.into()], SETTINGS);
        assert!(block_on(shared.verify(&token, NOW, &Portable, &TokenCache::default())).is_ok());
    }
}

//! Helpers for the unit tests: futures polled by hand, and a shared vector.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use serde_json::Value;

use crate::verify::policy::Policy;

/// The EdDSA vector: a token with kid `ed-1` and a JWKS of five keys.
pub(crate) const VECTOR: &str = include_str!("../tests/vectors/accept-eddsa.json");
/// The vector's `now`.
pub(crate) const NOW: i64 = 1_800_000_000;

/// The vector's key set, with or without the key that signed its token.
pub(crate) fn jwks(with_signing_key: bool) -> Vec<u8> {
    let vector: Value = serde_json::from_str(VECTOR).expect("vector");
    let mut jwks = vector["jwks"].clone();
    if let Some(keys) = jwks["keys"].as_array_mut() {
        keys.retain(|key| with_signing_key || key["kid"] != "ed-1");
    }
    serde_json::to_vec(&jwks).expect("jwks")
}

/// The vector's token and policy.
pub(crate) fn vector() -> (String, Policy) {
    let vector: Value = serde_json::from_str(VECTOR).expect("vector");
    let policy = serde_json::from_value(vector["policy"].clone()).expect("policy");
    (vector["token"].as_str().expect("token").to_owned(), policy)
}

pub(crate) fn poll<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls to completion (the tests' futures never need a real wake-up).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = poll(future.as_mut()) {
            return output;
        }
    }
}

//! Inputs an attacker controls must come back as error values, never panics:
//! huge tokens, garbage, every one-character mutation of a valid token, and
//! hostile JWKS documents. (The fuzz targets in `fuzz/` explore further.)

#[path = "common/vectors.rs"]
mod vectors;

use mcp_edge_guard::{JwkSet, Policy, TokenError, extract_bearer, verify};
use vectors::setup;

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn a_one_megabyte_token_is_refused_before_decoding() {
    let (token, keys, policy, now) = setup("accept-eddsa");
    let segments: Vec<&str> = token.split('.').collect();
    let huge = format!("{}.{}.{}", segments[0], "A".repeat(1 << 20), segments[2]);
    assert_eq!(verify(&huge, &keys, &policy, now), Err(TokenError::TooLong));
    // The header path takes it too: a 1 MB Authorization value is just a token.
    let header = format!("Bearer {huge}");
    assert_eq!(extract_bearer(Some(&header)).map(str::len), Ok(huge.len()));

    // Even with the bound lifted, decoding a megabyte fails cleanly.
    let lax = Policy { max_token_bytes: 4 << 20, ..policy };
    assert!(verify(&huge, &keys, &lax, now).is_err());
}

#[test]
fn every_single_character_mutation_of_a_valid_token_is_rejected() {
    let (token, keys, policy, now) = setup("accept-eddsa");
    assert!(verify(&token, &keys, &policy, now).is_ok(), "the unmodified token must verify");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    let mut rng = XorShift(0x5eed);
    let bytes = token.as_bytes();
    for position in 0..bytes.len() {
        let mut mutated = bytes.to_vec();
        let original = mutated[position];
        while mutated[position] == original {
            mutated[position] = alphabet[rng.below(alphabet.len())];
        }
        let mutated = String::from_utf8(mutated).expect("ascii");
        assert!(verify(&mutated, &keys, &policy, now).is_err(), "mutation at {position} accepted: {mutated}");
    }
}

#[test]
fn random_garbage_is_an_error_not_a_panic() {
    let (_, keys, policy, now) = setup("accept-eddsa");
    let alphabet = b"eyJhbGciOiJFZERTQSJ9.-_=+/{}\"\\:,[]0123456789 \x00\xff";
    let mut rng = XorShift(42);
    for _ in 0..5_000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        let text = String::from_utf8_lossy(&bytes);
        assert!(verify(&text, &keys, &policy, now).is_err());
        let _ = extract_bearer(Some(&text));
        let _ = JwkSet::parse(&bytes);
    }
}

#[test]
fn hostile_jwks_documents_are_errors() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(JwkSet::parse(deep.as_bytes()).is_err());
    let deep_key = format!(r#"{{"keys":[{}{}]}}"#, "{\"a\":".repeat(10_000), "1}".repeat(10_000));
    assert!(JwkSet::parse(deep_key.as_bytes()).is_err());
    let huge_modulus = format!(r#"{{"keys":[{{"kty":"RSA","e":"AQAB","n":"{}"}}]}}"#, "w".repeat(200_000));
    assert!(JwkSet::parse(huge_modulus.as_bytes()).is_err());
    let odd_members =
        r#"{"keys":[{"kty":"RSA","n":null,"e":[]},{"kty":"EC","crv":"P-256","x":1},{"kty":7}]}"#;
    assert!(JwkSet::parse(odd_members.as_bytes()).is_err());
}

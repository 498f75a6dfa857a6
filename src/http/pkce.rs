//! PKCE (RFC 7636) for OAuth clients: code verifiers and S256 challenges, and
//! `state` values. Randomness comes from the caller (the npm bindings use
//! `getrandom`), so this stays pure and testable.

use crate::base64url;
use sha2::{Digest, Sha256};

/// A code verifier from 32 random bytes: 43 base64url characters, inside the
/// 43–128 `unreserved` characters of RFC 7636 §4.1 (256 bits of entropy, as
/// §7.1 recommends).
pub fn code_verifier(random: &[u8; 32]) -> String {
    base64url::encode(random)
}

/// `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2, method S256).
pub fn s256_challenge(verifier: &str) -> String {
    base64url::encode(&Sha256::digest(verifier.as_bytes()))
}

/// An opaque `state` value (RFC 6749 §10.12) from 16 random bytes.
pub fn state(random: &[u8; 16]) -> String {
    base64url::encode(random)
}

/// Whether a string is a valid code verifier (RFC 7636 §4.1).
pub fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105,
            214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(code_verifier(&octets), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    #[test]
    fn verifiers_are_well_formed() {
        let verifier = code_verifier(&[0xff; 32]);
        assert!(is_code_verifier(&verifier), "{verifier}");
        assert!(!is_code_verifier("short"));
        assert!(!is_code_verifier(&"a+".repeat(30)));
        assert_eq!(state(&[0; 16]).len(), 22);
    }
}

//! Unit tests of `jwks.rs`.
use super::*;

// RFC 7517 appendix A.1 (public keys): one P-256 and one 2048-bit RSA key.
const RFC7517_A1: &str = r#"{"keys":[
    {"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
     "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"enc","kid":"1"},
    {"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
     "e":"AQAB","alg":"RS256","kid":"2011-04-29"}
]}"#;

const ED25519: &str =
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"}"#;

fn set_of(keys: &[&str]) -> String {
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

fn skip_reason(key: &str) -> SkipReason {
    let set = JwkSet::parse(set_of(&[key, ED25519]).as_bytes()).expect("the control key is usable");
    assert_eq!(set.keys().len(), 1, "only the control key should be kept");
    assert_eq!(set.skipped().len(), 1, "exactly the key under test is skipped");
    set.skipped()[0].reason
}

#[test]
fn parses_rfc7517_keys_and_skips_the_encryption_one() {
    let set = JwkSet::parse(RFC7517_A1.as_bytes()).expect("usable RSA key");
    assert_eq!(set.keys().len(), 1);
    let rsa = &set.keys()[0];
    assert_eq!(rsa.kid.as_deref(), Some("2011-04-29"));
    assert_eq!(rsa.alg, Some(Algorithm::Rs256));
    assert_eq!(rsa.family(), KeyFamily::Rsa);
    assert_eq!(
        set.skipped(),
        [SkippedKey { index: 0, kid: Some("1".into()), reason: SkipReason::NotForSignatures }]
    );
    assert!(set.keys().iter().all(|key| key.kid.as_deref() != Some("1")));
}

#[test]
fn keeps_ed25519_and_sig_keys_with_verify_op() {
    let key = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","key_ops":["verify"],"alg":"Ed25519"}"#;
    let set = JwkSet::parse(set_of(&[key]).as_bytes()).expect("usable");
    let jwk = &set.keys()[0];
    assert_eq!(jwk.family(), KeyFamily::Ed25519);
    assert_eq!(jwk.alg, Some(Algorithm::Ed25519));
    assert_eq!(jwk.key_use.as_deref(), Some("sig"));
    assert_eq!(jwk.key_ops.as_deref(), Some(&["verify".to_owned()][..]));
}

#[test]
fn skips_each_kind_of_unusable_key() {
    let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    assert_eq!(skip_reason(r#""not an object""#), SkipReason::NotAnObject);
    assert_eq!(skip_reason(r#"{"kty":"oct","k":"c2VjcmV0"}"#), SkipReason::Symmetric);
    assert_eq!(skip_reason(r#"{"kty":"PQC","x":"AA"}"#), SkipReason::UnknownKeyType);
    assert_eq!(skip_reason(r#"{"x":"AA"}"#), SkipReason::BadMembers);
    assert_eq!(
        skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","use":"enc"}}"#)),
        SkipReason::NotForSignatures
    );
    assert_eq!(
        skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","key_ops":["encrypt"]}}"#)),
        SkipReason::NoVerifyOperation
    );
    assert_eq!(
        skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","alg":"HS256"}}"#)),
        SkipReason::UnsupportedAlgorithm
    );
    assert_eq!(
        skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","alg":"RS256"}}"#)),
        SkipReason::AlgorithmKeyMismatch
    );
    assert_eq!(
        skip_reason(&format!(r#"{{"kty":"OKP","crv":"X25519","x":"{x}"}}"#)),
        SkipReason::UnsupportedCurve
    );
    assert_eq!(skip_reason(r#"{"kty":"OKP","crv":"Ed25519","x":"not base64!"}"#), SkipReason::BadMembers);
    assert_eq!(skip_reason(r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#), SkipReason::BadMembers);
    assert_eq!(
        skip_reason(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":7}}"#)),
        SkipReason::BadMembers
    );
    // A 1024-bit modulus (RFC 7518 §3.3 requires 2048 at least).
    let n1024 = format!("w{}", "A".repeat(170));
    assert_eq!(skip_reason(&format!(r#"{{"kty":"RSA","n":"{n1024}","e":"AQAB"}}"#)), SkipReason::RsaKeySize);
    // EC point not on the curve.
    assert_eq!(
        skip_reason(
            r#"{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#
        ),
        SkipReason::BadMembers
    );
}

#[test]
fn a_set_without_usable_keys_is_its_own_error() {
    match JwkSet::parse(br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#) {
        Err(JwksError::NoUsableKeys { skipped }) => assert_eq!(skipped[0].reason, SkipReason::Symmetric),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(JwkSet::parse(br#"{"keys":[]}"#), Err(JwksError::NoUsableKeys { .. })));
}

#[test]
fn malformed_documents_are_errors() {
    for doc in [&b""[..], b"[]", b"{}", b"{\"keys\":{}}", b"null", b"{\"keys\":[", b"\xff"] {
        assert_eq!(JwkSet::parse(doc).err(), Some(JwksError::Malformed), "{doc:?}");
    }
    let huge = vec![b' '; MAX_JWKS_BYTES + 1];
    assert_eq!(JwkSet::parse(&huge).err(), Some(JwksError::TooLarge));
}

#[test]
fn caps_the_number_of_keys() {
    let keys = vec![ED25519; MAX_KEYS + 3];
    let set = JwkSet::parse(set_of(&keys).as_bytes()).expect("usable");
    assert_eq!(set.keys().len(), MAX_KEYS);
    assert_eq!(set.skipped().len(), 3);
    assert!(set.skipped().iter().all(|key| key.reason == SkipReason::TooManyKeys));
}

//! Why an access token was rejected: one variant per failed rule, each with a
//! stable reason code for logs and a fixed description a client may see.
//! Every variant maps to RFC 6750 §3.1 `invalid_token`.

use std::fmt;

/// Why an access token was rejected. Every variant maps to `invalid_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Longer than the configured maximum; rejected before any decoding.
    TooLong,
    /// Not three base64url segments of JSON, or a header that does not parse.
    Malformed,
    /// The payload is not a JSON object, or a registered claim has the wrong type.
    MalformedClaims,
    /// `alg` is `none`, an HMAC algorithm, unknown, or not in the allow-list
    /// (RFC 8725 §3.1).
    AlgorithmNotAllowed,
    /// The header lists `crit` extensions we do not implement (RFC 7515 §4.1.11).
    UnsupportedCritical,
    /// The `kid` names no key in the key set (may mean the keys rotated).
    UnknownKeyId,
    /// Keys exist, but none fits the token's `alg` (type, curve or the JWK's own `alg`).
    NoKeyForAlgorithm,
    /// The signature does not verify (or has the wrong length or encoding).
    BadSignature,
    /// Strict mode: `typ` is not `at+jwt` (RFC 9068 §2.1).
    WrongType,
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// A configured extra claim is absent.
    MissingRequiredClaim(String),
    /// `exp` has passed, beyond the leeway.
    Expired,
    /// `nbf` is still ahead, beyond the leeway.
    NotYetValid,
    /// `iat` is in the future, beyond the leeway.
    IssuedInFuture,
    /// `iss` is not one of the trusted issuers.
    WrongIssuer,
    /// `aud` does not name this resource.
    WrongAudience,
}

impl TokenError {
    /// One value of each variant (claim names are placeholders).
    pub(crate) fn every_kind() -> [TokenError; 16] {
        [
            Self::TooLong,
            Self::Malformed,
            Self::MalformedClaims,
            Self::AlgorithmNotAllowed,
            Self::UnsupportedCritical,
            Self::UnknownKeyId,
            Self::NoKeyForAlgorithm,
            Self::BadSignature,
            Self::WrongType,
            Self::MissingClaim("claim"),
            Self::MissingRequiredClaim(String::new()),
            Self::Expired,
            Self::NotYetValid,
            Self::IssuedInFuture,
            Self::WrongIssuer,
            Self::WrongAudience,
        ]
    }

    /// A stable, detailed reason code for logs and metrics.
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::TooLong => "token_too_long",
            Self::Malformed => "malformed_token",
            Self::MalformedClaims => "malformed_claims",
            Self::AlgorithmNotAllowed => "alg_not_allowed",
            Self::UnsupportedCritical => "unsupported_crit",
            Self::UnknownKeyId => "unknown_kid",
            Self::NoKeyForAlgorithm => "no_key_for_alg",
            Self::BadSignature => "bad_signature",
            Self::WrongType => "wrong_typ",
            Self::MissingClaim(_) | Self::MissingRequiredClaim(_) => "missing_claim",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
        }
    }

    /// The fixed `error_description` a client may see: says what failed, in
    /// broad strokes, and never which key, claim value or token part.
    pub const fn description(&self) -> &'static str {
        match self {
            Self::TooLong | Self::Malformed | Self::MalformedClaims => "The access token is malformed",
            Self::AlgorithmNotAllowed | Self::UnsupportedCritical | Self::WrongType => {
                "The access token uses an unsupported format or algorithm"
            }
            Self::UnknownKeyId | Self::NoKeyForAlgorithm | Self::BadSignature => {
                "The access token signature could not be verified"
            }
            Self::MissingClaim(_) | Self::MissingRequiredClaim(_) => {
                "The access token lacks a required claim"
            }
            Self::Expired => "The access token expired",
            Self::NotYetValid | Self::IssuedInFuture => "The access token is not valid yet",
            Self::WrongIssuer => "The access token was issued by an untrusted issuer",
            Self::WrongAudience => "The access token was not issued for this resource",
        }
    }
}

/// Log form: the reason code plus, where it helps an operator, which claim.
/// Safe to log: holds no token material.
impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingClaim(name) => write!(f, "missing_claim: {name}"),
            Self::MissingRequiredClaim(name) => write!(f, "missing_claim: {name}"),
            other => f.write_str(other.reason()),
        }
    }
}

impl std::error::Error for TokenError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_lists_each_variant() {
        // The exhaustive match breaks the build when a variant is added, and the
        // assertion fails until `every_kind` lists it too.
        let mut seen = [false; 16];
        for err in TokenError::every_kind() {
            let slot = match err {
                TokenError::TooLong => 0,
                TokenError::Malformed => 1,
                TokenError::MalformedClaims => 2,
                TokenError::AlgorithmNotAllowed => 3,
                TokenError::UnsupportedCritical => 4,
                TokenError::UnknownKeyId => 5,
                TokenError::NoKeyForAlgorithm => 6,
                TokenError::BadSignature => 7,
                TokenError::WrongType => 8,
                TokenError::MissingClaim(_) => 9,
                TokenError::MissingRequiredClaim(_) => 10,
                TokenError::Expired => 11,
                TokenError::NotYetValid => 12,
                TokenError::IssuedInFuture => 13,
                TokenError::WrongIssuer => 14,
                TokenError::WrongAudience => 15,
            };
            seen[slot] = true;
        }
        assert!(seen.iter().all(|listed| *listed), "every_kind misses a variant");
    }
}

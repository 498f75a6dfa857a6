//! The JWS algorithms we verify (RFC 7518 §3, RFC 8037, RFC 9864) and the key
//! family each one needs.
//!
//! `none` and every `HS*` are refused outright (RFC 8725 §3.1): a public key used
//! as an HMAC secret is the classic algorithm-confusion attack.

use std::fmt;
use std::str::FromStr;

/// A signature algorithm this crate can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    /// `EdDSA` with an Ed25519 key (RFC 8037), the name most issuers still send.
    EdDsa,
    /// `Ed25519`, the fully specified name of RFC 9864.
    Ed25519,
}

/// The kind of public key an algorithm verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFamily {
    Rsa,
    P256,
    Ed25519,
}

/// Why an `alg` value is not an [`Algorithm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmRefusal {
    /// `none`: an unsecured JWS.
    Unsecured,
    /// `HS256`/`HS384`/`HS512`: symmetric, never acceptable with published keys.
    Symmetric,
    /// Anything else (ES384, ES256K, RSA-OAEP, typos…).
    Unsupported,
}

impl Algorithm {
    /// The gateway's default allow-list.
    pub const DEFAULT_ALLOWED: [Algorithm; 8] = [
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Es256,
        Self::EdDsa,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
            Self::Ed25519 => "Ed25519",
        }
    }

    pub const fn key_family(self) -> KeyFamily {
        match self {
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => {
                KeyFamily::Rsa
            }
            Self::Es256 => KeyFamily::P256,
            Self::EdDsa | Self::Ed25519 => KeyFamily::Ed25519,
        }
    }

    /// Whether two names denote the same signature scheme. `EdDSA` over an
    /// Ed25519 key is exactly `Ed25519` (RFC 9864 §2), so allowing or stating
    /// one admits the other; every other name stands only for itself.
    pub fn same_scheme(self, other: Algorithm) -> bool {
        self == other || (self.key_family() == KeyFamily::Ed25519 && other.key_family() == KeyFamily::Ed25519)
    }
}

impl FromStr for Algorithm {
    type Err = AlgorithmRefusal;

    /// Names are case-sensitive (RFC 7515 §4.1.1).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name {
            "RS256" => Self::Rs256,
            "RS384" => Self::Rs384,
            "RS512" => Self::Rs512,
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "ES256" => Self::Es256,
            "EdDSA" => Self::EdDsa,
            "Ed25519" => Self::Ed25519,
            "none" => return Err(AlgorithmRefusal::Unsecured),
            "HS256" | "HS384" | "HS512" => return Err(AlgorithmRefusal::Symmetric),
            _ => return Err(AlgorithmRefusal::Unsupported),
        })
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for AlgorithmRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unsecured => "the `none` algorithm is never accepted",
            Self::Symmetric => "HMAC algorithms are never accepted",
            Self::Unsupported => "unsupported algorithm",
        })
    }
}

impl<'de> serde::Deserialize<'de> for Algorithm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(|refusal| serde::de::Error::custom(format_args!("{refusal}: {name}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for alg in Algorithm::DEFAULT_ALLOWED.into_iter().chain([Algorithm::Ed25519]) {
            assert_eq!(alg.name().parse(), Ok(alg));
        }
    }

    #[test]
    fn none_and_hmac_are_refused_and_names_are_case_sensitive() {
        assert_eq!("none".parse::<Algorithm>(), Err(AlgorithmRefusal::Unsecured));
        assert_eq!("HS256".parse::<Algorithm>(), Err(AlgorithmRefusal::Symmetric));
        assert_eq!("HS512".parse::<Algorithm>(), Err(AlgorithmRefusal::Symmetric));
        assert_eq!("rs256".parse::<Algorithm>(), Err(AlgorithmRefusal::Unsupported));
        assert_eq!("ES384".parse::<Algorithm>(), Err(AlgorithmRefusal::Unsupported));
        assert_eq!("".parse::<Algorithm>(), Err(AlgorithmRefusal::Unsupported));
    }

    #[test]
    fn eddsa_and_ed25519_are_one_scheme() {
        assert!(Algorithm::EdDsa.same_scheme(Algorithm::Ed25519));
        assert!(Algorithm::Ed25519.same_scheme(Algorithm::EdDsa));
        assert!(!Algorithm::Rs256.same_scheme(Algorithm::Ps256));
        assert_eq!(Algorithm::Ps384.key_family(), KeyFamily::Rsa);
        assert_eq!(Algorithm::Es256.key_family(), KeyFamily::P256);
    }
}

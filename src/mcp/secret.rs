//! The deployment's secret (`SESSION_SECRET`, a Worker secret) and the MACs
//! made with it: HMAC-SHA256 (RFC 2104) over length-prefixed fields, each use
//! under its own label so a tag made for one purpose never verifies for
//! another.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Shorter secrets are refused at configuration time (RFC 2104 §3: the key
/// should be at least as long as the hash output, 32 bytes for SHA-256).
pub(crate) const MIN_SECRET_BYTES: usize = 32;

/// The secret as an HMAC block key: what HMAC derives from any key anyway
/// (RFC 2104 §2: hashed when longer than a block, then zero-padded).
#[derive(Clone, PartialEq, Eq)]
pub struct GatewaySecret([u8; BLOCK_BYTES]);

const BLOCK_BYTES: usize = 64;

/// What a MAC is for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    /// A session id bound to the principal that opened it.
    Session,
    /// The key-set copy shared between isolates.
    SharedKeys,
}

impl GatewaySecret {
    pub(crate) fn new(secret: &str) -> Option<Self> {
        if secret.len() < MIN_SECRET_BYTES {
            return None;
        }
        let hashed: [u8; 32];
        let key = if secret.len() > BLOCK_BYTES {
            hashed = Sha256::digest(secret.as_bytes()).into();
            &hashed[..]
        } else {
            secret.as_bytes()
        };
        let mut block = [0u8; BLOCK_BYTES];
        block.iter_mut().zip(key).for_each(|(slot, byte)| *slot = *byte);
        Some(Self(block))
    }

    /// The tag of `fields` for `purpose`.
    pub(crate) fn tag(&self, purpose: Purpose, fields: &[&[u8]]) -> [u8; 32] {
        self.mac(purpose, fields).finalize().into_bytes().into()
    }

    /// Whether `tag` is the tag of `fields` for `purpose` (constant time).
    pub(crate) fn verify(&self, purpose: Purpose, fields: &[&[u8]], tag: &[u8]) -> bool {
        self.mac(purpose, fields).verify_slice(tag).is_ok()
    }

    fn mac(&self, purpose: Purpose, fields: &[&[u8]]) -> Hmac<Sha256> {
        let label: &[u8] = match purpose {
            Purpose::Session => b"mcp-edge-guard/session/v1",
            Purpose::SharedKeys => b"mcp-edge-guard/shared-keys/v1",
        };
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&self.0.into());
        for field in std::iter::once(label).chain(fields.iter().copied()) {
            // Lengths first, so no two field lists share an encoding.
            let length = u64::try_from(field.len()).unwrap_or(u64::MAX);
            mac.update(&length.to_be_bytes());
            mac.update(field);
        }
        mac
    }
}

/// Never printed.
impl fmt::Debug for GatewaySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GatewaySecret(<set>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn tags_depend_on_purpose_fields_and_their_boundaries() {
        let secret = GatewaySecret::new(SECRET).expect("long enough");
        let tag = secret.tag(Purpose::Session, &[b"ab", b"c"]);
        assert!(secret.verify(Purpose::Session, &[b"ab", b"c"], &tag));
        assert!(!secret.verify(Purpose::Session, &[b"a", b"bc"], &tag));
        assert!(!secret.verify(Purpose::SharedKeys, &[b"ab", b"c"], &tag));
        assert!(!secret.verify(Purpose::Session, &[b"ab", b"c"], &tag[..31]));
        let other = GatewaySecret::new("another secret of at least 32 bytes!").expect("long enough");
        assert!(!other.verify(Purpose::Session, &[b"ab", b"c"], &tag));
        assert!(GatewaySecret::new("short").is_none());
        // A long secret is hashed first, as HMAC itself would (RFC 4231 §4.7's key-size case).
        let long = "x".repeat(100);
        let hashed = GatewaySecret::new(&long).expect("long enough");
        let reference = <Hmac<Sha256> as KeyInit>::new_from_slice(long.as_bytes()).expect("any length");
        let mut direct = reference;
        direct.update(&25u64.to_be_bytes());
        direct.update(b"mcp-edge-guard/session/v1");
        assert!(direct.verify_slice(&hashed.tag(Purpose::Session, &[])).is_ok());
        assert_eq!(format!("{secret:?}"), "GatewaySecret(<set>)");
    }
}

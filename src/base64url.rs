//! Base64url without padding (RFC 4648 §5), as JWS (RFC 7515 §2), JWK,
//! PKCE (RFC 7636 §4) and the gateway's own tokens use it. Decoding is
//! strict: the URL-safe alphabet only, no padding or whitespace, and the
//! unused bits of the last character zero, so a byte string has exactly one
//! spelling and a token cannot be re-spelt into another accepted string.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Not a character of the alphabet.
const INVALID: u8 = 0xFF;

/// Character → 6-bit value, `INVALID` for everything else.
// Built at compile time: an index out of range would fail the build, not a request.
#[allow(clippy::indexing_slicing)]
static DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut index = 0;
    while index < ALPHABET.len() {
        table[ALPHABET[index] as usize] = index as u8;
        index += 1;
    }
    table
};

pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 4).div_ceil(3));
    for chunk in bytes.chunks(3) {
        let mut group = 0u32;
        for (at, byte) in chunk.iter().enumerate() {
            group |= u32::from(*byte) << (16 - 8 * at);
        }
        for at in 0..=chunk.len() {
            let sextet = (group >> (18 - 6 * at)) & 0x3F;
            out.extend(ALPHABET.get(sextet as usize).map(|&c| char::from(c)));
        }
    }
    out
}

/// `None` for anything but the one canonical spelling of some bytes.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    // Whole groups first: 4 characters carry 3 bytes.
    let mut groups = text.chunks_exact(4);
    for group in &mut groups {
        let &[a, b, c, d] = group else { return None };
        let bits = sextet(a)? << 18 | sextet(b)? << 12 | sextet(c)? << 6 | sextet(d)?;
        let [_, first, second, third] = bits.to_be_bytes();
        out.extend_from_slice(&[first, second, third]);
    }
    // Then the tail: 3 characters carry 2 bytes (2 bits spare), 2 carry 1
    // (4 spare); spare bits must be zero.
    match *groups.remainder() {
        [] => {}
        [a, b, c] => {
            let bits = sextet(a)? << 18 | sextet(b)? << 12 | sextet(c)? << 6;
            let [_, first, second, spare] = bits.to_be_bytes();
            if spare != 0 {
                return None;
            }
            out.extend_from_slice(&[first, second]);
        }
        [a, b] => {
            let bits = sextet(a)? << 18 | sextet(b)? << 12;
            let [_, first, spare, _] = bits.to_be_bytes();
            if spare != 0 {
                return None;
            }
            out.push(first);
        }
        _ => return None,
    }
    Some(out)
}

/// A character's 6-bit value; `None` outside the alphabet.
fn sextet(character: u8) -> Option<u32> {
    let value = *DECODE.get(usize::from(character))?;
    (value != INVALID).then_some(u32::from(value))
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};

    use super::*;

    #[test]
    fn agrees_with_base64ct_on_every_length_and_byte() {
        let mut state = 0x9E37_79B9_u32;
        for length in 0..200 {
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state.to_le_bytes()[0]
                })
                .collect();
            let text = encode(&bytes);
            assert_eq!(text, Base64UrlUnpadded::encode_string(&bytes), "{length}");
            assert_eq!(decode(&text).as_deref(), Some(bytes.as_slice()), "{length}");
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)), Some(all));
    }

    #[test]
    fn only_the_canonical_spelling_decodes() {
        // "QQ" is "A"; "QR" has a spare bit set; "QQ==" is padded; "Q" is a lone character.
        assert_eq!(decode("QQ"), Some(b"A".to_vec()));
        for bad in ["QR", "QUF", "QUJ", "QQ==", "Q", "QUJD+", "QU/D", "QU JD", "QUJD\n", "é"] {
            assert_eq!(decode(bad), None, "{bad:?}");
            assert!(Base64UrlUnpadded::decode_vec(bad).is_err(), "base64ct agrees on {bad:?}");
        }
        assert_eq!(decode(""), Some(Vec::new()));
    }

    #[test]
    fn agrees_with_base64ct_on_every_short_tail() {
        // Every 1- to 3-character string over the alphabet and a few others,
        // alone and after a whole group: the tails are where spare bits live.
        let characters: Vec<u8> = ALPHABET.iter().copied().chain(*b"=+/ .").collect();
        let mut checked = 0;
        for length in 1..=3 {
            let mut indices = vec![0; length];
            loop {
                let tail: Vec<u8> =
                    indices.iter().map(|&at| characters.get(at).copied().unwrap_or(b'A')).collect();
                for prefix in ["", "QUJD"] {
                    let text = format!("{prefix}{}", String::from_utf8_lossy(&tail));
                    assert_eq!(decode(&text), Base64UrlUnpadded::decode_vec(&text).ok(), "{text:?}");
                    checked += 1;
                }
                // The next combination, like an odometer.
                let Some(at) = indices.iter().rposition(|&at| at + 1 < characters.len()) else { break };
                indices.get_mut(at).into_iter().for_each(|digit| *digit += 1);
                indices.iter_mut().skip(at + 1).for_each(|digit| *digit = 0);
            }
        }
        assert_eq!(checked, 2 * (69 + 69 * 69 + 69 * 69 * 69));
    }
}

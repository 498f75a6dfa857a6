//! Hop-by-hop header fields (RFC 9110 §7.6.1): they describe one connection,
//! so a proxy does not pass them on. That is the fixed set below, and also
//! every field the message's `Connection` header names.

/// The fields that are always hop-by-hop (RFC 9110 §7.6.1, and
/// `Proxy-Connection`, which some clients still send), lower case.
pub const FIXED: [&str; 7] =
    ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/// The field names a `Connection` value lists that are not in [`FIXED`]
/// already (`Connection: keep-alive, X-Hop` → `x-hop`). Its `close` option
/// names no field (RFC 9112 §9.6).
pub fn listed_in_connection(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(|token| token.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty() && name != "close" && !FIXED.contains(&name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_names_fields_beyond_the_fixed_set() {
        let listed = |value| listed_in_connection(value).collect::<Vec<_>>();
        assert!(listed("keep-alive").is_empty());
        assert!(listed("close").is_empty());
        assert!(listed("Keep-Alive, Upgrade, TE").is_empty());
        assert_eq!(listed("keep-alive, X-Internal-Route ,x-debug"), ["x-internal-route", "x-debug"]);
        assert_eq!(listed(" , ,X-A,"), ["x-a"]);
    }
}

//! Claims validation for JWT access tokens (RFC 9068 §4, RFC 7519 §4.1,
//! RFC 8725 §3.8–3.9): type, issuer, audience, time window, required claims.
//!
//! Runs only after the signature holds, so every reason reported here is about
//! an authentic token. Time is a parameter (`now`, Unix seconds): the core
//! never reads a clock.

use serde_json::{Map, Value};

use crate::verify::error::TokenError;
use crate::verify::policy::Policy;
use crate::verify::token::Times;

/// Validates the header `typ` and the claims of an authentic token.
pub(crate) fn validate_claims(
    typ: Option<&str>,
    claims: &Map<String, Value>,
    times: Times,
    policy: &Policy,
    now: i64,
) -> Result<(), TokenError> {
    check_type(typ, policy.require_at_jwt)?;
    check_issuer(claims, &policy.issuers)?;
    check_audience(claims, &policy.audiences)?;
    check_time_window(times, i64::from(policy.leeway_seconds), now)?;
    check_required_claims(claims, &policy.required_claims)
}

/// RFC 9068 §2.1 and §4: `typ` is `at+jwt`, or `application/at+jwt`
/// (RFC 7515 §4.1.9 allows the `application/` prefix); media types are
/// case-insensitive. Strict mode requires exactly that. Lax mode also admits
/// no `typ` and plain `JWT`, which many issuers send, but still refuses every
/// other explicit type (`dpop+jwt`, `logout+jwt`, `secevent+jwt`…): a JWT made
/// for another purpose is not an access token (RFC 8725 §3.11).
fn check_type(typ: Option<&str>, strict: bool) -> Result<(), TokenError> {
    let short = typ.map(|typ| strip_prefix_ignore_case(typ, "application/").unwrap_or(typ));
    let accepted = match short {
        Some(short) if short.eq_ignore_ascii_case("at+jwt") => true,
        Some(short) if short.eq_ignore_ascii_case("jwt") => !strict,
        None => !strict,
        Some(_) => false,
    };
    if accepted { Ok(()) } else { Err(TokenError::WrongType) }
}

/// RFC 9068 §4: `iss` MUST exactly match the issuer identifier (RFC 8414 §2).
fn check_issuer(claims: &Map<String, Value>, issuers: &[String]) -> Result<(), TokenError> {
    match claims.get("iss") {
        None | Some(Value::Null) => Err(TokenError::MissingClaim("iss")),
        Some(Value::String(iss)) if issuers.iter().any(|trusted| trusted == iss) => Ok(()),
        Some(Value::String(_)) => Err(TokenError::WrongIssuer),
        Some(_) => Err(TokenError::MalformedClaims),
    }
}

/// RFC 9068 §4 / RFC 7519 §4.1.3: `aud` (a string or an array of strings)
/// MUST contain an identifier of this resource (RFC 8707 resource indicator).
fn check_audience(claims: &Map<String, Value>, audiences: &[String]) -> Result<(), TokenError> {
    let accepted = |aud: &str| audiences.iter().any(|ours| same_audience(aud, ours));
    match claims.get("aud") {
        None | Some(Value::Null) => Err(TokenError::MissingClaim("aud")),
        Some(Value::String(aud)) => accepted(aud).then_some(()).ok_or(TokenError::WrongAudience),
        Some(Value::Array(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            let names = names.ok_or(TokenError::MalformedClaims)?;
            names.into_iter().any(accepted).then_some(()).ok_or(TokenError::WrongAudience)
        }
        Some(_) => Err(TokenError::MalformedClaims),
    }
}

/// Exact match, except that an `http(s)` URL audience may differ from ours by
/// one trailing `/`: clients derive the resource indicator from the URL they
/// were given, and `https://rs/mcp` vs `https://rs/mcp/` is the usual slip.
fn same_audience(claimed: &str, ours: &str) -> bool {
    if claimed == ours {
        return true;
    }
    let is_url = ours.starts_with("https://") || ours.starts_with("http://");
    is_url && without_trailing_slash(claimed) == without_trailing_slash(ours)
}

fn without_trailing_slash(url: &str) -> &str {
    url.strip_suffix('/').unwrap_or(url)
}

/// RFC 9068 §4 requires `exp`; RFC 7519 §4.1.4–4.1.6 define the window.
/// The token is valid while `now < exp + leeway`, from `nbf - leeway` on,
/// and `iat` may not lie beyond `now + leeway`.
fn check_time_window(times: Times, leeway: i64, now: i64) -> Result<(), TokenError> {
    let exp = times.expires_at.ok_or(TokenError::MissingClaim("exp"))?;
    if now >= exp.saturating_add(leeway) {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = times.not_before {
        if now < nbf.saturating_sub(leeway) {
            return Err(TokenError::NotYetValid);
        }
    }
    if let Some(iat) = times.issued_at {
        if iat > now.saturating_add(leeway) {
            return Err(TokenError::IssuedInFuture);
        }
    }
    Ok(())
}

fn check_required_claims(claims: &Map<String, Value>, required: &[String]) -> Result<(), TokenError> {
    let present = |name: &str| claims.get(name).is_some_and(|value| !value.is_null());
    match required.iter().find(|name| !present(name)) {
        Some(name) => Err(TokenError::MissingRequiredClaim(name.clone())),
        None => Ok(()),
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| text.get(prefix.len()..)).flatten()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::verify::token::Claims;

    const NOW: i64 = 1_800_000_000;

    fn claims(value: Value) -> Claims {
        Claims::new(value.as_object().cloned().expect("claims object")).expect("time claims")
    }

    fn validate_claims(
        typ: Option<&str>,
        claims: &Claims,
        policy: &Policy,
        now: i64,
    ) -> Result<(), TokenError> {
        super::validate_claims(typ, &claims.map, claims.times, policy, now)
    }

    fn policy() -> Policy {
        Policy::new("https://as.example", "https://rs.example/mcp")
    }

    fn valid() -> Value {
        json!({"iss": "https://as.example", "aud": "https://rs.example/mcp", "exp": NOW + 300, "iat": NOW - 10})
    }

    fn check(edit: impl FnOnce(&mut Map<String, Value>)) -> Result<(), TokenError> {
        let mut value = valid();
        if let Value::Object(map) = &mut value {
            edit(map);
        }
        validate_claims(None, &claims(value), &policy(), NOW)
    }

    #[test]
    fn accepts_a_valid_token() {
        assert_eq!(check(|_| {}), Ok(()));
    }

    #[test]
    fn issuer_must_match_exactly() {
        assert_eq!(
            check(|c| drop(c.insert("iss".into(), json!("https://as.example/")))),
            Err(TokenError::WrongIssuer)
        );
        assert_eq!(check(|c| drop(c.remove("iss"))), Err(TokenError::MissingClaim("iss")));
        assert_eq!(
            check(|c| drop(c.insert("iss".into(), json!(["https://as.example"])))),
            Err(TokenError::MalformedClaims)
        );
        let migrating =
            Policy { issuers: vec!["https://old.example".into(), "https://as.example".into()], ..policy() };
        assert_eq!(validate_claims(None, &claims(valid()), &migrating, NOW), Ok(()));
    }

    #[test]
    fn audience_string_or_array_must_name_this_resource() {
        assert_eq!(
            check(|c| drop(c.insert("aud".into(), json!(["other", "https://rs.example/mcp"])))),
            Ok(())
        );
        assert_eq!(check(|c| drop(c.insert("aud".into(), json!("https://rs.example/mcp/")))), Ok(()));
        assert_eq!(
            check(|c| drop(c.insert("aud".into(), json!("https://rs.example/mcp//")))),
            Err(TokenError::WrongAudience)
        );
        assert_eq!(
            check(|c| drop(c.insert("aud".into(), json!("https://rs.example/")))),
            Err(TokenError::WrongAudience)
        );
        assert_eq!(check(|c| drop(c.insert("aud".into(), json!([])))), Err(TokenError::WrongAudience));
        assert_eq!(check(|c| drop(c.insert("aud".into(), json!([1])))), Err(TokenError::MalformedClaims));
        assert_eq!(check(|c| drop(c.remove("aud"))), Err(TokenError::MissingClaim("aud")));
    }

    #[test]
    fn trailing_slash_tolerance_is_only_for_urls() {
        assert!(same_audience("https://rs/mcp", "https://rs/mcp/"));
        assert!(same_audience("https://rs/mcp/", "https://rs/mcp"));
        assert!(!same_audience("api/", "api"));
    }

    #[test]
    fn time_window_honours_leeway() {
        assert_eq!(check(|c| drop(c.insert("exp".into(), json!(NOW - 30)))), Ok(()));
        assert_eq!(check(|c| drop(c.insert("exp".into(), json!(NOW - 60)))), Err(TokenError::Expired));
        assert_eq!(check(|c| drop(c.remove("exp"))), Err(TokenError::MissingClaim("exp")));
        assert_eq!(check(|c| drop(c.insert("nbf".into(), json!(NOW + 60)))), Ok(()));
        assert_eq!(check(|c| drop(c.insert("nbf".into(), json!(NOW + 61)))), Err(TokenError::NotYetValid));
        assert_eq!(check(|c| drop(c.insert("iat".into(), json!(NOW + 61)))), Err(TokenError::IssuedInFuture));
        assert_eq!(check(|c| drop(c.insert("exp".into(), json!(253_402_300_799_i64)))), Ok(()));
    }

    #[test]
    fn strict_mode_requires_at_jwt_in_either_spelling() {
        let strict = Policy { require_at_jwt: true, ..policy() };
        let ok = claims(valid());
        for typ in ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+Jwt"] {
            assert_eq!(validate_claims(Some(typ), &ok, &strict, NOW), Ok(()), "{typ}");
        }
        for typ in [Some("JWT"), Some("application/jwt"), Some("at+jw"), Some("application/"), None] {
            assert_eq!(validate_claims(typ, &ok, &strict, NOW), Err(TokenError::WrongType), "{typ:?}");
        }
    }

    #[test]
    fn lax_mode_admits_jwt_or_nothing_but_no_other_explicit_type() {
        let ok = claims(valid());
        for typ in [None, Some("JWT"), Some("jwt"), Some("application/jwt"), Some("at+jwt")] {
            assert_eq!(validate_claims(typ, &ok, &policy(), NOW), Ok(()), "{typ:?}");
        }
        for typ in ["dpop+jwt", "logout+jwt", "secevent+jwt", "application/id_token+jwt", ""] {
            assert_eq!(validate_claims(Some(typ), &ok, &policy(), NOW), Err(TokenError::WrongType), "{typ}");
        }
    }

    #[test]
    fn required_claims_must_be_present_and_not_null() {
        let strict = Policy { required_claims: vec!["client_id".into()], ..policy() };
        assert_eq!(
            validate_claims(None, &claims(valid()), &strict, NOW),
            Err(TokenError::MissingRequiredClaim("client_id".into()))
        );
        let mut with_client = valid();
        with_client["client_id"] = json!("agent");
        assert_eq!(validate_claims(None, &claims(with_client), &strict, NOW), Ok(()));
        // The time claims live outside the raw map in jwt-compact; they still count.
        let times = Policy { required_claims: vec!["iat".into(), "exp".into()], ..policy() };
        assert_eq!(validate_claims(None, &claims(valid()), &times, NOW), Ok(()));
        let nbf = Policy { required_claims: vec!["nbf".into()], ..policy() };
        assert_eq!(
            validate_claims(None, &claims(valid()), &nbf, NOW),
            Err(TokenError::MissingRequiredClaim("nbf".into()))
        );
    }
}

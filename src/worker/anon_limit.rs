//! The optional `RATE_LIMITER_ANON` binding: failed authentications counted
//! per `CF-Connecting-IP`. An address over its limit is refused (429) before
//! any verification for the rest of the period, in every isolate that sees
//! it fail again: a flood of forged tokens naming a known `kid` then costs
//! a map look-up each instead of a signature check.

use worker::{Env, console_error};

use super::gateway::{Gateway, now_seconds};
use super::log;
use crate::mcp::denial::Denial;

const RATE_LIMITER_ANON: &str = "RATE_LIMITER_ANON";
/// How long an address stays refused once over its limit (the binding's longest period).
const BLOCK_SECONDS: i64 = 60;
/// Addresses remembered per isolate; the oldest block goes first.
const MAX_BLOCKED: usize = 4096;

/// 429 when this address is refused for now.
pub fn check(gateway: &Gateway, ip: Option<&str>) -> Result<(), Denial> {
    let Some(ip) = ip else { return Ok(()) };
    let now = now_seconds();
    let blocked = gateway.blocked_ips.borrow().get(ip).is_some_and(|until| now < *until);
    if blocked { Err(Denial::RateLimited) } else { Ok(()) }
}

/// Counts a failed authentication; an address over the limit is refused from now on.
pub async fn count_failure(env: &Env, gateway: &Gateway, ip: Option<&str>) {
    let (Some(ip), Ok(limiter)) = (ip, env.rate_limiter(RATE_LIMITER_ANON)) else { return };
    match limiter.limit(ip.to_owned()).await {
        Ok(outcome) if outcome.success => {}
        Ok(_) => {
            let now = now_seconds();
            let mut blocked = gateway.blocked_ips.borrow_mut();
            blocked.retain(|_, until| now < *until);
            if blocked.len() >= MAX_BLOCKED {
                if let Some(oldest) =
                    blocked.iter().min_by_key(|(_, until)| **until).map(|(ip, _)| ip.clone())
                {
                    blocked.remove(&oldest);
                }
            }
            blocked.insert(ip.to_owned(), now.saturating_add(BLOCK_SECONDS));
        }
        Err(err) => console_error!(
            "{}",
            log::event(
                "mcp_edge_guard.rate_limiter_failed",
                serde_json::json!({ "detail": err.to_string() })
            )
        ),
    }
}

//! The optional `RATE_LIMITER_ANON` binding: failed authentications counted
//! per `CF-Connecting-IP`. An address over its limit is refused (429) before
//! any verification for the rest of the period, in every isolate that sees
//! it fail again: a flood of forged tokens naming a known `kid` then costs
//! a map look-up each instead of a signature check.

use worker::{Env, console_error};

use super::gateway::{Gateway, now_seconds};
use super::log;
use super::request::Incoming;
use crate::mcp::denial::Denial;

const RATE_LIMITER_ANON: &str = "RATE_LIMITER_ANON";
/// The client's address as Cloudflare saw it (set by the platform, not the client).
const CLIENT_IP: &str = "CF-Connecting-IP";
/// How long an address stays refused once over its limit (the binding's longest period).
const BLOCK_SECONDS: i64 = 60;
/// Addresses remembered per isolate; the oldest block goes first.
const MAX_BLOCKED: usize = 4096;

/// 429 when this request's address is refused for now. (Nothing refused, no
/// header read: the common case costs nothing.)
pub fn check(gateway: &Gateway, req: &Incoming) -> Result<(), Denial> {
    let blocked_ips = gateway.blocked_ips.borrow();
    if blocked_ips.is_empty() {
        return Ok(());
    }
    let Some(ip) = req.header(CLIENT_IP) else { return Ok(()) };
    let now = now_seconds();
    if blocked_ips.get(&ip).is_some_and(|until| now < *until) { Err(Denial::RateLimited) } else { Ok(()) }
}

/// Counts a failed authentication; an address over the limit is refused from now on.
pub async fn count_failure(env: &Env, gateway: &Gateway, req: &Incoming) {
    let (Ok(limiter), Some(ip)) = (env.rate_limiter(RATE_LIMITER_ANON), req.header(CLIENT_IP)) else {
        return;
    };
    match limiter.limit(ip.clone()).await {
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
            blocked.insert(ip, now.saturating_add(BLOCK_SECONDS));
        }
        Err(err) => console_error!("{}", log::rate_limiter_failed(RATE_LIMITER_ANON, &err)),
    }
}

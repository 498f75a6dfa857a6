//! Verifications per second of the core on the host, per algorithm, using the
//! shared vectors' tokens and keys. A measurement, not a test: run it with
//!
//!     cargo bench --bench verify
//!
//! and record the figures in docs/BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "../tests/common/vectors.rs"]
mod vectors;

use mcp_edge_guard::{JwkSet, verify};
use vectors::{read as vector, setup as load};

const CASES: [&str; 10] = [
    "accept-rs256",
    "accept-rs256-4096",
    "accept-ps256",
    "accept-es256",
    "accept-eddsa",
    "accept-ed25519",
    // The cheap rejections: what a flood of garbage costs.
    "reject-alg-none",
    "reject-unknown-kid",
    "reject-malformed-base64",
    "reject-over-size-limit",
];

/// Median rate of several timed rounds, each long enough to swamp timer noise.
fn rate(mut run: impl FnMut()) -> f64 {
    let mut per_round = 1u32;
    while {
        let start = Instant::now();
        (0..per_round).for_each(|_| run());
        start.elapsed() < Duration::from_millis(50)
    } {
        per_round *= 2;
    }
    let mut rates: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            (0..per_round).for_each(|_| run());
            f64::from(per_round) / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn main() {
    // `cargo test --benches` passes --bench too; only a real `cargo bench` measures.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    println!("{:<28} {:>14} {:>12}", "case", "verify/s", "µs each");
    for name in CASES {
        let (token, keys, policy, now) = load(name);
        let r = rate(|| {
            let _ = black_box(verify(black_box(&token), &keys, &policy, now));
        });
        println!("{name:<28} {r:>14.0} {:>12.1}", 1e6 / r);
    }
    let jwks = vector("accept-rs256")["jwks"].to_string();
    let r = rate(|| {
        let _ = black_box(JwkSet::parse(black_box(jwks.as_bytes())));
    });
    println!("{:<28} {r:>14.0} {:>12.1}", "JwkSet::parse (5 keys)", 1e6 / r);
}

//! `cpniguard bench decision`: one policy decision in process, on one thread — the
//! CSR's call-detail request as the gate gathers it (a trained CSR on the phone, the
//! caller's password verified, purpose service and support) — from the typed request
//! through the Cedar entities, context and request to the answer, each call timed on
//! its own. Nothing is built ahead or kept between calls but the engine itself (the
//! validated policy set and schema).
//!
//! The baseline in the same run is the same request without the password (refused by
//! the forbid on call detail by phone without it), so a change that only speeds one
//! outcome shows.

use super::bench::take_peak_rss;
use clap::Args;
use cpniguard_core::staff::Role;
use cpniguard_policy::{AccountFacts, Action, Channel, Engine, Evidence, Principal, Purpose, Request};
use std::hint::black_box;
use std::time::Instant;

/// One policy decision (the CSR's call-detail request) in process: median, p99 and
/// decisions per second on one core, from the gathered facts to the answer.
#[derive(Args, Debug)]
pub struct DecisionBenchArgs {
    /// Decisions timed for each request (after as many again to warm up).
    #[arg(long, default_value_t = 200_000)]
    pub decisions: u32,
}

/// The gathered facts of a CSR's call-detail read on a call, with or without the
/// caller's password verified.
fn csr_call_detail(password_verified: bool) -> Request {
    Request::new(
        Principal::staff("0190f3a2-7c4e-7d51-9a43-5b2e8c1d0f6a", &[Role::Csr], true),
        Action::ReadCallDetail,
        AccountFacts::residential("0190f3a2-8d11-7aa0-b2c4-19e7f05a3c88"),
        Purpose::ServiceAndSupport,
    )
    .with_channel(Channel::Phone)
    .with_evidence(Evidence { password_verified, ..Evidence::default() })
}

/// Times `n` decisions of `request`, one by one; returns the figures as JSON.
fn measure(engine: &Engine, request: &Request, n: u32) -> anyhow::Result<serde_json::Value> {
    let decision = engine.decide(request);
    anyhow::ensure!(decision.errors.is_empty(), "the request did not evaluate: {:?}", decision.errors);
    for _ in 0..n {
        black_box(engine.decide(black_box(request)));
    }
    let mut nanos: Vec<u64> = Vec::with_capacity(n as usize);
    take_peak_rss();
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        black_box(engine.decide(black_box(request)));
        nanos.push(u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX));
    }
    let total = started.elapsed().as_secs_f64();
    let peak = take_peak_rss();
    nanos.sort_unstable();
    let at = |q: f64| nanos[((nanos.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
    Ok(serde_json::json!({
        "allowed": decision.allowed,
        "deciding_policy_ids": decision.deciding_policy_ids,
        "decisions": n,
        "median_us": at(0.5),
        "p99_us": at(0.99),
        "max_us": at(1.0),
        "decisions_per_second_per_core": f64::from(n) / total,
        "peak_rss_bytes": peak,
    }))
}

pub async fn run(args: DecisionBenchArgs) -> anyhow::Result<serde_json::Value> {
    anyhow::ensure!(args.decisions > 0, "--decisions must be at least 1");
    let engine = Engine::with_defaults()?;
    let allowed = measure(&engine, &csr_call_detail(true), args.decisions)?;
    let refused = measure(&engine, &csr_call_detail(false), args.decisions)?;
    Ok(serde_json::json!({
        "bench": "decision",
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "policy_set": engine.policy_set_hash(),
        "csr_call_detail": allowed,
        "csr_call_detail_refused": refused,
        "ratio_refused_to_allowed": refused["median_us"].as_f64().unwrap_or(0.0)
            / allowed["median_us"].as_f64().unwrap_or(1.0).max(1e-9),
    }))
}

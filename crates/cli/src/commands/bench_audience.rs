//! `cpniguard bench audience`: a campaign audience computed with consent filtering
//! (`campaigns::compute_audience`: the criteria's SQL left-joined to the sponsor
//! scope's consent events in one query, each account's approval folded as the rows
//! stream) against the plain SQL query for the same criteria without consent filtering
//! (`audience_candidates`), in the same run on the same database.
//!
//! The carrier is the demo generator's (accounts, services, call detail, invoices),
//! loaded with `cpniguard_demo::seed`; `--calls-per-month` sets how much call detail each
//! account gets (the demo's default is 100 a month; fewer keeps a large run's seeding
//! within reach on a small machine and is reported). Every account then gets the
//! realistic consent history of `bench consent`. The criteria are the example:
//! residential accounts in Spanish whose long-distance minutes last quarter exceed N.

use super::bench::{BenchTarget, open_target};
use super::bench_consent::Histories;
use chrono::Utc;
use clap::Args;
use cpniguard_core::account::{AccountKind, Language};
use cpniguard_core::consent::ConsentPolicy;
use cpniguard_demo::{DemoSpec, generate_account};
use cpniguard_store::Store;
use cpniguard_store::campaigns::{AudienceCriteria, MinutesOver, Sponsor, compute_audience};
use std::sync::Arc;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct AudienceBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    #[arg(long, default_value_t = 100_000)]
    pub accounts: u32,
    /// Months of call detail and invoices per account (the last full quarter must be
    /// inside them for the criteria to match).
    #[arg(long, default_value_t = 6)]
    pub months: u32,
    /// Calls per account and month.
    #[arg(long, default_value_t = 20)]
    pub calls_per_month: u32,
    /// The criteria's threshold: long-distance minutes last quarter over this.
    #[arg(long, default_value_t = 10)]
    pub over_minutes: u32,
    /// Concurrent tasks writing consent histories.
    #[arg(long, default_value_t = 4)]
    pub tasks: u32,
    /// Timed repetitions of each query; the best is reported.
    #[arg(long, default_value_t = 2)]
    pub repeat: u32,
}

/// Write the consent histories of accounts `range`.
async fn histories(store: Arc<dyn Store>, spec: Arc<DemoSpec>, range: std::ops::Range<u32>) -> anyhow::Result<u64> {
    // Only the account ids are needed: generate without call detail (ids come first
    // from the account's own random stream, so they are the seeded ones).
    let mut light = (*spec).clone();
    light.calls_per_month = 0;
    light.months = 0;
    let mut histories = Histories::new(store, spec);
    for index in range {
        histories.add(generate_account(&light, index).id, index).await?;
    }
    histories.finish().await
}

pub async fn run(args: AudienceBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let now = Utc::now();
    let mut spec = DemoSpec::new(args.accounts, args.target.seed, now);
    spec.months = args.months;
    spec.calls_per_month = args.calls_per_month;
    spec.validate()?;
    let spec = Arc::new(spec);

    let started = Instant::now();
    let seeded = cpniguard_demo::seed(store.as_ref(), &spec, &|_| {}).await?;
    let seed_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let tasks = args.tasks.clamp(1, 64);
    let per = args.accounts.div_ceil(tasks);
    let mut handles = Vec::new();
    for t in 0..tasks {
        let range = (t * per).min(args.accounts)..((t + 1) * per).min(args.accounts);
        handles.push(tokio::spawn(histories(store.clone(), spec.clone(), range)));
    }
    let mut events = 0u64;
    for h in handles {
        events += h.await??;
    }
    let histories_s = started.elapsed().as_secs_f64();

    let criteria = AudienceCriteria {
        account_kind: Some(AccountKind::Residential),
        language: Some(Language::Es),
        long_distance_minutes: Some(MinutesOver { over: args.over_minutes, period: None }),
        ..Default::default()
    };
    criteria.validate()?;
    let resolved = criteria.resolve(now.date_naive());
    let policy = ConsentPolicy::default();

    // Alternate plain and filtered runs; keep the best of each.
    let (mut plain_s, mut filtered_s) = (f64::MAX, f64::MAX);
    let (mut candidates, mut audience) = (0usize, None);
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        candidates = store.audience_candidates(&resolved).await?.len();
        plain_s = plain_s.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        audience = Some(compute_audience(store.as_ref(), &resolved, Sponsor::Carrier, &policy, now).await?);
        filtered_s = filtered_s.min(t.elapsed().as_secs_f64());
    }
    let audience = audience.ok_or_else(|| anyhow::anyhow!("no run"))?;
    Ok(serde_json::json!({
        "bench": "audience",
        "backend": backend,
        "accounts": seeded.accounts,
        "calls": seeded.calls,
        "invoices": seeded.invoices,
        "months": args.months,
        "calls_per_month": args.calls_per_month,
        "consent_events": events,
        "seed_seconds": seed_s,
        "histories_seconds": histories_s,
        "criteria": resolved,
        "candidates": candidates,
        "included": audience.included,
        "excluded": audience.excluded,
        "plain_sql_seconds": plain_s,
        "consent_filtered_seconds": filtered_s,
        "filtered_to_plain_ratio": filtered_s / plain_s.max(1e-9),
    }))
}

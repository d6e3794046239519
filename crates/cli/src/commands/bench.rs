//! `cpniguard bench …`: performance as a ratio against a baseline measured in the same
//! run on the same database. Prints one JSON object.

use crate::context::{open_store, scheme};
use anyhow::bail;
use clap::{Args, Subcommand};
use cpniguard_server::Config;
use cpniguard_store::StoreWithRecords;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Bulk CDR insert (multi-row INSERT on SQLite, COPY on PostgreSQL) against one
    /// INSERT per row in one transaction.
    CdrInsert {
        #[command(flatten)]
        target: BenchTarget,
        /// Rows for each of the two methods.
        #[arg(long, default_value_t = 200_000)]
        rows: u64,
    },
    /// Seeding the demo carrier, against loading the same number of calls row by row.
    Seed {
        #[command(flatten)]
        target: BenchTarget,
        #[arg(long, default_value_t = 5000)]
        accounts: u32,
    },
    /// Durable audit appends through the group-commit writer, against one append per
    /// transaction and one batched append of the same rows.
    Audit(super::bench_audit::AuditBenchArgs),
    /// Customer password verifications per second at the configured Argon2id cost, and
    /// the lockout bookkeeping of a failed check as a ratio to one verification.
    Auth(super::bench_auth::AuthBenchArgs),
    /// Bulk consent approval status of the whole audience against `SELECT count(*)`
    /// over the same history table.
    Consent(super::bench_consent::ConsentBenchArgs),
    /// Breach notices to N affected accounts: the list imported and the notices queued,
    /// against writing the same rows straight to the outbox (one line). Delivery:
    /// `cargo bench -p cpniguard-notify --bench smtp_outbox -- breach N`.
    Breach(super::bench_breach::BreachBenchArgs),
    /// Audited call-detail reads over HTTP (decided and recorded by the disclosure gate)
    /// against a plain endpoint of the same server with a body of the same size.
    Gate(super::bench_gate::GateBenchArgs),
    /// Each main console page against the JSON endpoint it wraps (issue 17).
    Console(super::bench_console::ConsoleBenchArgs),
    /// The annual CPNI certification of a demo carrier's last year (figures, JSON,
    /// HTML and PDF) against the grouped count queries it rests on.
    Certification(super::bench_certification::CertificationBenchArgs),
    /// A campaign audience with consent filtering against the plain SQL query for the
    /// same criteria.
    Audience(super::bench_audience::AudienceBenchArgs),
    /// The material-change email queued to every customer of the demo carrier, against
    /// a plain bulk insert of the same number of outbox rows.
    Publication(super::bench_publication::PublicationBenchArgs),
    /// The CSR's call-detail page on PostgreSQL as the calls table grows to each
    /// `--rows` size, as a ratio to the seeded baseline, with its plan (run by hand).
    CallsScale(super::bench_calls_scale::CallsScaleBenchArgs),
    /// `import cdr` of an Asterisk file against a raw batched insert of the same calls
    /// into the same table, then a re-import of the same file; peak RSS.
    Import(super::bench_import::ImportBenchArgs),
    Decision(super::bench_decision::DecisionBenchArgs),
}

#[derive(Args, Debug)]
pub struct BenchTarget {
    /// An EMPTY database to measure in. Default: a new SQLite file in a temporary directory.
    #[arg(long)]
    pub database_url: Option<String>,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Open the target (keeping a temporary directory alive for SQLite) and insist it is
/// empty, so figures are comparable and nobody benchmarks into production data.
pub(super) async fn open_target(
    target: &BenchTarget,
) -> anyhow::Result<(Option<tempfile::TempDir>, Arc<dyn StoreWithRecords>, String)> {
    let (dir, url) = match &target.database_url {
        Some(url) => (None, url.clone()),
        None => {
            let dir = tempfile::TempDir::new()?;
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            (Some(dir), url)
        }
    };
    let mut config = Config::default();
    config.database.url = url.clone();
    config.validate()?;
    let store = open_store(&config).await?;
    if store.counts().await?.accounts > 0 {
        bail!("the benchmark database is not empty; give an empty one with --database-url");
    }
    Ok((dir, store, scheme(&url).to_owned()))
}

/// The highest `VmHWM` any phase read, kept across the resets between phases so the
/// whole run's peak can be reported too.
static OVERALL_PEAK_RSS: AtomicU64 = AtomicU64::new(0);

/// The peak resident set size of this process since the last reset (Linux `VmHWM`), in
/// bytes, then resets the mark to the current RSS (`5` to `/proc/self/clear_refs`), so
/// the next phase reports its own peak. Call it before a phase (to reset) and after it
/// (its peak). `None` where `/proc` does not say.
pub(super) fn take_peak_rss() -> Option<u64> {
    let peak = read_peak_rss()?;
    OVERALL_PEAK_RSS.fetch_max(peak, Ordering::Relaxed);
    // Resetting fails only without /proc (or with it read-only): the next figure is then
    // the peak since the start, which is still an upper bound, never a smaller claim.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    Some(peak)
}

fn read_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The whole run's peak RSS: the highest of every phase's and the one since the last reset.
fn overall_peak_rss() -> Option<u64> {
    let now = read_peak_rss()?;
    Some(OVERALL_PEAK_RSS.fetch_max(now, Ordering::Relaxed).max(now))
}

/// Put the run's peak RSS beside the figures of a bench's JSON object.
fn with_overall_peak(mut output: serde_json::Value) -> serde_json::Value {
    if let Some(object) = output.as_object_mut() {
        object.insert("peak_rss_bytes".to_owned(), serde_json::json!(overall_peak_rss()));
    }
    output
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let output = match cmd {
        BenchCommand::CdrInsert { target, rows } => {
            let (_dir, store, backend) = open_target(&target).await?;
            let result = cpniguard_demo::bench::cdr_insert(store.as_ref(), rows, target.seed).await?;
            serde_json::json!({ "bench": "cdr-insert", "backend": backend, "result": result })
        }
        BenchCommand::Seed { target, accounts } => {
            let (_dir, store, backend) = open_target(&target).await?;
            let result = cpniguard_demo::bench::seed_vs_baseline(store.as_ref(), accounts, target.seed).await?;
            serde_json::json!({ "bench": "seed", "backend": backend, "result": result })
        }
        BenchCommand::Audit(args) => super::bench_audit::run(args).await?,
        BenchCommand::Auth(args) => super::bench_auth::run(args).await?,
        BenchCommand::Consent(args) => super::bench_consent::run(args).await?,
        BenchCommand::Gate(args) => super::bench_gate::run(args).await?,
        BenchCommand::Console(args) => super::bench_console::run(args).await?,
        BenchCommand::Certification(args) => super::bench_certification::run(args).await?,
        BenchCommand::Audience(args) => super::bench_audience::run(args).await?,
        BenchCommand::Publication(args) => super::bench_publication::run(args).await?,
        BenchCommand::Import(args) => super::bench_import::run(args).await?,
        BenchCommand::Decision(args) => super::bench_decision::run(args).await?,
        BenchCommand::CallsScale(args) => super::bench_calls_scale::run(args).await?,
        BenchCommand::Breach(args) => {
            println!("{}", with_overall_peak(super::bench_breach::run(args).await?));
            return Ok(());
        }
    };
    println!("{}", serde_json::to_string_pretty(&with_overall_peak(output))?);
    Ok(())
}

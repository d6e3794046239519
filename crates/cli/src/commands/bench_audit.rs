//! `cpniguard bench audit`: durable audit appends per second through the
//! group-commit writer (many concurrent callers, each waiting for its commit),
//! against three baselines on the same database in the same run: one append per
//! transaction (what a gate without group commit would do), one batched append of as
//! many rows, and the raw batched insert of the same entries (sealed beforehand,
//! written `max_batch` rows a transaction with nothing else: `insert_sealed_audit`),
//! every commit as durable as the writer's. Each figure has the process's peak RSS
//! during its phase beside it.

use super::bench::{BenchTarget, open_target, take_peak_rss};
use anyhow::bail;
use clap::Args;
use cpniguard_core::audit::{AuditEntry, AuditRecord, ChainHash, Decision, Principal, PrincipalKind, SigningKey};
use cpniguard_core::ids::AccountId;
use cpniguard_server::SystemClock;
use cpniguard_server::audit_writer::{AuditWriter, AuditWriterConfig};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct AuditBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Entries written by each of the three methods.
    #[arg(long, default_value_t = 20_000)]
    pub entries: u32,
    /// Concurrent callers of the group-commit writer.
    #[arg(long, default_value_t = 64)]
    pub concurrency: u32,
}

/// The group-commit writer's batch limit, and the raw insert's rows per transaction.
const MAX_BATCH: usize = 1000;

#[derive(Serialize)]
struct Rate {
    entries: u32,
    seconds: f64,
    per_second: f64,
    /// The process's peak RSS while this method ran.
    peak_rss_bytes: Option<u64>,
}

impl Rate {
    /// The rate of `entries` written since `started`; also ends the phase's peak RSS
    /// (started by a [`take_peak_rss`] before it).
    fn since(entries: u32, started: Instant) -> Self {
        let seconds = started.elapsed().as_secs_f64();
        Self { entries, seconds, per_second: f64::from(entries) / seconds.max(1e-9), peak_rss_bytes: take_peak_rss() }
    }
}

pub async fn run(args: AuditBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    if store.audit_head().await?.is_some() {
        bail!("the benchmark database already has audit entries; give an empty one with --database-url");
    }
    let concurrency = args.concurrency.max(1);
    let per_caller = args.entries.div_ceil(concurrency);
    let n = per_caller * concurrency;

    let (writer, task) = AuditWriter::spawn(
        store.clone(),
        SigningKey::from_bytes(&rand::random::<[u8; 32]>()),
        AuditWriterConfig {
            max_batch: MAX_BATCH,
            checkpoint_every: 1000,
            checkpoint_interval: Duration::from_secs(60),
            anchor_file: None,
        },
        Arc::new(SystemClock),
    );
    take_peak_rss();
    let started = Instant::now();
    let mut callers = Vec::new();
    for c in 0..concurrency {
        let writer = writer.clone();
        callers.push(tokio::spawn(async move {
            for i in 0..per_caller {
                writer.append(record(c * per_caller + i)).await?;
            }
            anyhow::Ok(())
        }));
    }
    for caller in callers {
        caller.await??;
    }
    let group_commit = Rate::since(n, started);
    drop(writer);
    task.await?;

    take_peak_rss();
    let started = Instant::now();
    for i in 0..n {
        store.append_audit(&[record(i)]).await?;
    }
    let one_per_transaction = Rate::since(n, started);

    let records: Vec<AuditRecord> = (0..n).map(record).collect();
    take_peak_rss();
    let started = Instant::now();
    store.append_audit(&records).await?;
    let one_batch = Rate::since(n, started);

    let sealed = seal_after(store.audit_head().await?.map_or((0, ChainHash::GENESIS), |h| (h.seq, h.hash)), n);
    take_peak_rss();
    let started = Instant::now();
    for batch in sealed.chunks(MAX_BATCH) {
        store.insert_sealed_audit(batch).await?;
    }
    let raw_batched_insert = Rate::since(n, started);

    Ok(serde_json::json!({
        "bench": "audit",
        "backend": backend,
        "concurrency": concurrency,
        "group_commit": group_commit,
        "one_per_transaction": one_per_transaction,
        "one_batch": one_batch,
        "raw_batched_insert": raw_batched_insert,
        "group_commit_vs_one_per_transaction": group_commit.per_second / one_per_transaction.per_second,
        "group_commit_vs_one_batch": group_commit.per_second / one_batch.per_second,
        "group_commit_vs_raw_batched_insert": group_commit.per_second / raw_batched_insert.per_second,
    }))
}

/// `n` entries sealed after the head `(seq, hash)`, ready for the raw insert (sealing
/// is not part of what it times).
fn seal_after((mut seq, mut hash): (u64, ChainHash), n: u32) -> Vec<AuditEntry> {
    (0..n)
        .map(|i| {
            let entry = AuditEntry::seal(seq + 1, hash, record(i));
            (seq, hash) = (entry.seq, entry.hash);
            entry
        })
        .collect()
}

/// A realistic entry: references only, two policies, two record references.
fn record(n: u32) -> AuditRecord {
    AuditRecord {
        at: chrono::Utc::now(),
        principal: Principal { kind: PrincipalKind::Staff, id: format!("staff-{}", n % 50), role: Some("csr".into()) },
        action: "read_call_detail".into(),
        account_id: Some(AccountId::new()),
        purpose: Some("customer_support".into()),
        channel: Some("phone".into()),
        interaction_id: Some(format!("interaction-{n}")),
        legal_ref: None,
        fraud_ref: None,
        decision: Decision::Allow,
        policy_ids: vec!["support-with-password".into(), "training-current".into()],
        policy_set_hash: "bench".into(),
        request_id: Some(format!("req-{n}")),
        record_refs: vec![format!("call:{n}"), format!("call:{}", n + 1)],
    }
}

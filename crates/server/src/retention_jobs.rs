//! Retention of call detail (issue 19): `cpniguard retention run` and a daily job in
//! `serve` delete call detail and import-quarantine rows older than
//! `[rules] call_detail_retention_months`, in bounded batches (each its own short
//! transaction, so SQLite readers and the audit writer are never held up), sparing
//! accounts under a legal hold or tied to an open or still-retained breach incident.
//! The counts deleted per month go into the audit log.

use crate::gate::{Caller, event_record};
use crate::state::AppState;
use chrono::{DateTime, Months, Utc};
use cpniguard_store::retention::MonthCounts;
use serde::Serialize;
use std::future::Future;

/// Rows per delete.
const BATCH: u32 = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Calls older than this were eligible.
    pub before: DateTime<Utc>,
    /// Calls deleted, by the month they started.
    pub calls_by_month: MonthCounts,
    pub quarantine_rows: u64,
    /// Sequence number of the audit entry recording the counts (none when nothing went).
    pub audit_seq: Option<u64>,
}

/// One run: everything old goes, a batch at a time; then the counts are audited.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<RetentionReport> {
    let months = state.config.rules.call_detail_retention_months;
    let before = now.checked_sub_months(Months::new(months)).unwrap_or(now);
    let mut report = RetentionReport { before, ..Default::default() };
    loop {
        let batch = state.store.delete_expired_calls(before, now.date_naive(), BATCH).await?;
        let deleted: u64 = batch.values().sum();
        for (month, n) in batch {
            *report.calls_by_month.entry(month).or_default() += n;
        }
        if deleted < u64::from(BATCH) {
            break;
        }
    }
    loop {
        let deleted = state.store.delete_expired_quarantine(before, BATCH).await?;
        report.quarantine_rows += deleted;
        if deleted < u64::from(BATCH) {
            break;
        }
    }
    if !report.calls_by_month.is_empty() || report.quarantine_rows > 0 {
        let mut refs: Vec<String> = report.calls_by_month.iter().map(|(m, n)| format!("calls:{m}={n}")).collect();
        refs.push(format!("import_quarantine={}", report.quarantine_rows));
        let record = event_record(&Caller::Job("retention"), "retention.delete", None, refs, now);
        report.audit_seq = Some(state.gate.record_event(record).await?);
        tracing::info!(
            calls = report.calls_by_month.values().sum::<u64>(),
            quarantine = report.quarantine_rows,
            "retention deleted old call detail"
        );
    }
    Ok(report)
}

/// Run at start and then daily until `shutdown`.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    crate::jobs::every(crate::jobs::DAY, "call detail retention", shutdown, || run_once(&state, state.now())).await;
}

//! Opt-out mechanism health (issue 6, item 7; 47 CFR 64.2009(f)). The opt-out paths
//! record what happens to them ([`observe`]: `mail ingest|watch` per message, the
//! portal per opt-out request); a periodic check inside `serve` compares them with the
//! `[consent.optout_health]` thresholds and, when customers could not opt out through
//! a mechanism for more than an anomaly, opens an opt-out failure incident for it —
//! one open incident per mechanism — due to the Commission 5 federal business days
//! after detection. Observations and incidents carry counts, times and error kinds,
//! never a message, an address or CPNI.
//!
//! The likeliest failure, the database being down, cannot record itself: its
//! observations would go to the database that is down, and once the mail system
//! redelivers the held messages every attempt succeeds. So a mail opt-out is also
//! judged by how long it waited between its arrival (the Maildir file's time, or the
//! receiving server's `Received` header) and its application: opt-outs that waited
//! longer than `mail_ingest_failing_hours` mean the mechanism was down that long.

use crate::config::OptOutHealthConfig;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::calendar::FederalCalendar;
use cpniguard_store::consent::{OptOutIncident, OptOutIncidentStatus, OptOutMechanism, OptOutObservation};
use cpniguard_store::{Store, StoreError};
use std::future::Future;
use uuid::Uuid;

/// Business days the rule gives for the letter to the Commission.
pub const LETTER_BUSINESS_DAYS: u32 = 5;

/// Record one attempt through an opt-out path. Never fails the path itself: when the
/// observation cannot be stored (the database is what failed), it is logged.
pub async fn observe(store: &dyn Store, mechanism: OptOutMechanism, ok: bool, detail: &str, at: DateTime<Utc>) {
    record(store, mechanism, ok, detail, None, at).await;
}

async fn record(
    store: &dyn Store,
    mechanism: OptOutMechanism,
    ok: bool,
    detail: &str,
    arrived_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) {
    let observation = OptOutObservation {
        id: Uuid::now_v7(),
        mechanism,
        at,
        ok,
        detail: if ok { "" } else { detail }.to_owned(),
        arrived_at,
    };
    if let Err(e) = store.record_optout_observation(&observation).await {
        tracing::warn!(mechanism = mechanism.as_str(), ok, error = %e, "opt-out health observation not stored");
    }
}

/// Record how one opt-out message fared in `mail ingest|watch`: processed (applied or
/// quarantined) is the mechanism working; a store failure is it failing, recorded by
/// the kind of error only. `arrived_at`: when the message reached the carrier, if known.
pub async fn observe_mail_ingest<T>(
    store: &dyn Store,
    result: &Result<T, StoreError>,
    arrived_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) {
    let kind = match result {
        Ok(_) => "",
        Err(StoreError::Unavailable(_)) => "database_unavailable",
        Err(StoreError::Database(_)) => "database_error",
        Err(StoreError::Corrupt { .. }) => "corrupt_row",
        Err(_) => "refused",
    };
    record(store, OptOutMechanism::MailIngest, result.is_ok(), kind, arrived_at, at).await;
}

/// A mechanism found failing beyond the thresholds: the problem in words and the
/// figures behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub mechanism: OptOutMechanism,
    pub problem: String,
    pub evidence: serde_json::Value,
}

/// What one check found and opened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthTick {
    pub failing: Vec<Failure>,
    /// Incidents newly opened (a mechanism with one already open gets none).
    pub opened: Vec<Uuid>,
}

fn hours(n: u32) -> Duration {
    Duration::hours(i64::from(n))
}

/// Every mechanism failing beyond `limits` as of `now`.
pub async fn failures(
    store: &dyn Store,
    limits: &OptOutHealthConfig,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Failure>> {
    let mut out = Vec::new();
    let mail = store.optout_health(OptOutMechanism::MailIngest, now).await?;
    if let Some(since) = mail.failing_since.filter(|t| now - *t > hours(limits.mail_ingest_failing_hours)) {
        let last = mail.last_ok_at.map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
        out.push(Failure {
            mechanism: OptOutMechanism::MailIngest,
            problem: format!(
                "Opt-out email could not be processed: {} consecutive messages failed since {} (last success: {last}), \
                 more than {} hours without a working mail opt-out.",
                mail.failures_since_last_ok,
                since.to_rfc3339(),
                limits.mail_ingest_failing_hours
            ),
            evidence: serde_json::json!({
                "failing_since": since, "failures": mail.failures_since_last_ok, "last_ok_at": mail.last_ok_at,
                "threshold_hours": limits.mail_ingest_failing_hours,
            }),
        });
    }
    if out.is_empty()
        && let Some(late) = late_mail(store, limits).await?
    {
        out.push(late);
    }
    let backlog = store.quarantine_backlog().await?;
    if let Some(oldest) = backlog.oldest_received_at.filter(|t| now - *t > hours(limits.mail_review_max_age_hours)) {
        out.push(Failure {
            mechanism: OptOutMechanism::MailReview,
            problem: format!(
                "Opt-out email held for review was not applied in time: {} message(s) waiting, the oldest received \
                 {}, more than {} hours ago.",
                backlog.open,
                oldest.to_rfc3339(),
                limits.mail_review_max_age_hours
            ),
            evidence: serde_json::json!({
                "waiting": backlog.open, "oldest_received_at": oldest,
                "threshold_hours": limits.mail_review_max_age_hours,
            }),
        });
    }
    let window = Duration::minutes(i64::from(limits.portal_window_minutes));
    let portal = store.optout_health(OptOutMechanism::Portal, now - window).await?;
    let attempts = portal.ok_since + portal.failed_since;
    if attempts >= u64::from(limits.portal_min_attempts)
        && portal.failed_since * 100 > attempts * u64::from(limits.portal_max_failure_percent)
    {
        out.push(Failure {
            mechanism: OptOutMechanism::Portal,
            problem: format!(
                "Portal opt-out requests failed: {} of {attempts} in the {} minutes before {} (more than {}%).",
                portal.failed_since,
                limits.portal_window_minutes,
                now.to_rfc3339(),
                limits.portal_max_failure_percent
            ),
            evidence: serde_json::json!({
                "failed": portal.failed_since, "attempts": attempts, "window_minutes": limits.portal_window_minutes,
                "threshold_percent": limits.portal_max_failure_percent,
            }),
        });
    }
    Ok(out)
}

/// Mail opt-outs that arrived after the mechanism's last incident was opened (or ever)
/// and waited longer than `mail_ingest_failing_hours` before they were applied: the
/// mechanism did not work for that long, whatever it recorded meanwhile. Counting by
/// arrival keeps an outage already reported — including its tail of redelivered mail
/// applied after the incident opened — from being reported again once it is closed.
async fn late_mail(store: &dyn Store, limits: &OptOutHealthConfig) -> anyhow::Result<Option<Failure>> {
    let mechanism = OptOutMechanism::MailIngest;
    let since = store
        .list_optout_incidents(false)
        .await?
        .iter()
        .filter(|i| i.mechanism == mechanism)
        .map(|i| i.detected_at)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let limit = hours(limits.mail_ingest_failing_hours);
    let limit_secs = u64::try_from(limit.num_seconds()).unwrap_or(0);
    let late = store.delayed_optouts(mechanism, since, limit_secs).await?;
    let Some(first) = late.first_applied_at.filter(|_| late.count > 0) else { return Ok(None) };
    let longest_hours = late.longest_secs as f64 / 3600.0;
    Ok(Some(Failure {
        mechanism,
        problem: format!(
            "Opt-out email was applied late: {} message(s) waited more than {} hours between their arrival and their \
             application (the longest {longest_hours:.1} hours; the first applied {}), so the mail opt-out was not \
             working for that long.",
            late.count,
            limits.mail_ingest_failing_hours,
            first.to_rfc3339()
        ),
        evidence: serde_json::json!({
            "late_messages": late.count, "longest_wait_secs": late.longest_secs, "first_applied_at": first,
            "threshold_hours": limits.mail_ingest_failing_hours,
        }),
    }))
}

/// One check as of `now`: open an incident for each failing mechanism without one.
pub async fn check_once(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<HealthTick> {
    let cal = FederalCalendar::for_time_zone(&state.config.carrier.time_zone)?;
    let due_on = cal.add_business_days(cal.local_date(now), LETTER_BUSINESS_DAYS);
    let failing = failures(&*state.store, &state.config.consent.optout_health, now).await?;
    let mut tick = HealthTick { failing, opened: Vec::new() };
    for f in &tick.failing {
        let incident = OptOutIncident {
            id: Uuid::now_v7(),
            version: 1,
            mechanism: f.mechanism,
            status: OptOutIncidentStatus::Open,
            detected_at: now,
            problem: f.problem.clone(),
            evidence: f.evidence.clone(),
            due_on,
            remedy: None,
            state_commissions: None,
            letter_sent: None,
            closed_at: None,
            closed_by: None,
        };
        if state.store.open_optout_incident(&incident).await? {
            tracing::error!(
                mechanism = f.mechanism.as_str(),
                incident = %incident.id,
                %due_on,
                "opt-out mechanism failing: incident opened, letter to the FCC due"
            );
            tick.opened.push(incident.id);
        }
    }
    let open = state.store.open_optout_incidents_count().await?;
    metrics::gauge!("cpniguard_optout_incidents_open").set(open as f64);
    Ok(tick)
}

/// Check at start and then every `check_interval_minutes` until `shutdown`. A failed
/// check is logged and retried on the next tick.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    let every =
        std::time::Duration::from_secs(60 * u64::from(state.config.consent.optout_health.check_interval_minutes));
    crate::jobs::every(every, "opt-out health check", shutdown, || check_once(&state, state.now())).await;
}

/// Serve the opt-out notice once a day to every account whose individual notice is due
/// (never served, or its biennial re-notice within the horizon), when
/// `[consent] serve_due_notices` is on.
pub async fn run_due_notices(state: AppState, shutdown: impl Future<Output = ()>) {
    if !state.config.consent.serve_due_notices {
        return;
    }
    let serve = || async {
        crate::application::consent_notices::consent_notices_due(&state, state.now()).await.map_err(|p| p.detail)
    };
    crate::jobs::every(crate::jobs::DAY, "opt-out notices due", shutdown, serve).await;
}

//! Failed checks that carry no valid identity — an unknown or revoked staff token, a
//! portal sign-in with an email no account has — are audit entries too (issue 20),
//! but one per source per minute with their count, so a flood of them cannot flood
//! the chain. Counts are kept in memory and written once their minute has ended: by
//! the next failure from the same source, by the flush `serve` runs every ten
//! seconds, and at shutdown. A count that cannot be written is kept for the next flush.

use crate::audit_writer::AuditWriteError;
use crate::state::AppState;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use cpniguard_core::audit::{AuditRecord, Decision, Principal, PrincipalKind};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The audit action of a minute's failed checks without identity from one source.
pub const UNIDENTIFIED_ACTION: &str = "auth.unidentified_failures";

/// Which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unidentified {
    /// A staff API token that is unknown, revoked, or whose owner is inactive.
    StaffToken,
    /// A portal sign-in with an email no account has.
    PortalSignIn,
    /// A portal request for CPNI with no live session (none, expired or unknown).
    PortalSession,
}

impl Unidentified {
    fn as_str(self) -> &'static str {
        match self {
            Unidentified::StaffToken => "staff_token",
            Unidentified::PortalSignIn => "portal_sign_in",
            Unidentified::PortalSession => "portal_session",
        }
    }

    /// Whom the failure claimed to be: a staff member or a customer, unknown.
    fn principal(self) -> Principal {
        let kind = match self {
            Unidentified::StaffToken => PrincipalKind::Staff,
            Unidentified::PortalSignIn | Unidentified::PortalSession => PrincipalKind::Customer,
        };
        Principal { kind, id: "unidentified".to_owned(), role: None }
    }
}

type Key = (Unidentified, String, DateTime<Utc>);

/// Counts per check, source (the limiter's client key) and minute.
#[derive(Debug, Default)]
pub struct UnidentifiedTally {
    counts: Mutex<BTreeMap<Key, u64>>,
}

fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at)
}

impl UnidentifiedTally {
    /// Count one failure from `source` now; write that source's earlier minutes.
    pub async fn count(&self, state: &AppState, check: Unidentified, source: &str) {
        let now = state.now();
        let minute = minute_of(now);
        let earlier = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            *counts.entry((check, source.to_owned(), minute)).or_default() += 1;
            let ended: Vec<Key> =
                counts.keys().filter(|(c, s, m)| *c == check && s == source && *m < minute).cloned().collect();
            ended.into_iter().filter_map(|k| counts.remove(&k).map(|n| (k, n))).collect::<Vec<_>>()
        };
        self.write(state, earlier, now).await;
    }

    /// Write every minute that has ended by `now`, or every count when `all` (at
    /// shutdown). Returns how many entries were written.
    pub async fn flush(&self, state: &AppState, now: DateTime<Utc>, all: bool) -> usize {
        let minute = minute_of(now);
        let ended = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            let keys: Vec<Key> = counts.keys().filter(|(_, _, m)| all || *m < minute).cloned().collect();
            keys.into_iter().filter_map(|k| counts.remove(&k).map(|n| (k, n))).collect::<Vec<_>>()
        };
        self.write(state, ended, now).await
    }

    async fn write(&self, state: &AppState, counts: Vec<(Key, u64)>, now: DateTime<Utc>) -> usize {
        let mut written = 0;
        for ((check, source, minute), n) in counts {
            match state.gate.record_event(record(check, &source, minute, n, now)).await {
                Ok(_) => written += 1,
                Err(e) => self.keep(check, source, minute, n, &e),
            }
        }
        written
    }

    /// Put back a count that could not be written, for the next flush.
    fn keep(&self, check: Unidentified, source: String, minute: DateTime<Utc>, n: u64, e: &AuditWriteError) {
        tracing::warn!(error = %e, check = check.as_str(), "failed checks without identity not yet recorded");
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *counts.entry((check, source, minute)).or_default() += n;
    }
}

fn record(check: Unidentified, source: &str, minute: DateTime<Utc>, n: u64, now: DateTime<Utc>) -> AuditRecord {
    AuditRecord {
        at: now,
        principal: check.principal(),
        action: UNIDENTIFIED_ACTION.to_owned(),
        account_id: None,
        purpose: None,
        channel: None,
        interaction_id: None,
        legal_ref: None,
        fraud_ref: None,
        decision: Decision::Deny,
        policy_ids: Vec::new(),
        policy_set_hash: String::new(),
        request_id: None,
        record_refs: vec![
            format!("check:{}", check.as_str()),
            format!("source:{source}"),
            format!("minute:{}", minute.to_rfc3339()),
            format!("count:{n}"),
        ],
    }
}

/// Write ended minutes every `period`, for as long as the server runs (`serve` stops
/// it, then writes what is left with `flush(.., true)`).
pub async fn flush_every(state: AppState, period: std::time::Duration) {
    loop {
        tokio::time::sleep(period).await;
        state.unidentified.flush(&state, state.now(), false).await;
    }
}

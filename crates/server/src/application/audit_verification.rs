//! The privacy office verifies the audit chain from its screen: the same verification
//! as `cpniguard audit verify` (every hash, every signed checkpoint, the recorded head
//! and the anchor kept outside the database), and the result — ok or the first fault —
//! recorded in the chain itself, so the screen can show when the chain was last proved
//! and by whom, and an auditor can see that it was.

use crate::audit_writer::verify::verify_database;
use crate::gate::{Caller, event_record};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::audit::{AuditRecord, Decision};
use cpniguard_core::staff::Staff;
use cpniguard_store::audit::AuditQuery;

/// The audit action of a recorded verification.
pub const VERIFIED_ACTION: &str = "audit.verified";

/// How far back the screen looks for the last recorded verification.
const LOOK_BACK_DAYS: i64 = 400;

/// A verification as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The entry recording it.
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// Who ran it: a staff id.
    pub by: String,
    pub ok: bool,
    /// Entries verified (when ok).
    pub entries: Option<u64>,
    /// The seq the chain was verified up to (when ok).
    pub up_to: Option<u64>,
    /// The first fault (when not ok).
    pub fault: Option<String>,
}

impl Verification {
    fn from_record(seq: u64, record: &AuditRecord) -> Self {
        let find = |name: &str| record.record_refs.iter().find_map(|r| r.strip_prefix(name)).map(str::to_owned);
        Verification {
            seq,
            at: record.at,
            by: record.principal.id.clone(),
            ok: record.decision == Decision::Allow,
            entries: find("entries:").and_then(|n| n.parse().ok()),
            up_to: find("up_to:").and_then(|n| n.parse().ok()),
            fault: find("fault:"),
        }
    }
}

/// Verify the chain now, as `staff`, and record the outcome (an entry of its own,
/// after the entries it verified).
pub async fn verify_now(state: &AppState, staff: &Staff) -> ApiResult<Verification> {
    let key = state.gate.audit_public_key();
    let anchor = Some(state.config.audit.anchor_file.as_path()).filter(|p| !p.as_os_str().is_empty());
    let outcome = verify_database(state.store.as_ref(), &key, anchor).await;
    let (ok, refs) = match &outcome {
        Ok(report) => {
            let up_to = report.chain.last.map_or(0, |h| h.seq);
            (true, vec![format!("entries:{}", report.chain.entries), format!("up_to:{up_to}")])
        }
        Err(fault) => {
            tracing::error!(error = %fault, "audit chain verification failed");
            (false, vec![format!("fault:{fault}")])
        }
    };
    let mut record = event_record(&Caller::Staff(staff.clone()), VERIFIED_ACTION, None, refs, state.now());
    record.decision = if ok { Decision::Allow } else { Decision::Deny };
    let seq = state.gate.record_event(record.clone()).await.map_err(|e| {
        tracing::error!(error = %e, "a chain verification could not be recorded");
        Problem::unavailable("the chain was verified, but the result could not be recorded; try again")
    })?;
    Ok(Verification::from_record(seq, &record))
}

/// The most recent recorded verification, if any in the last [`LOOK_BACK_DAYS`].
pub async fn last(state: &AppState) -> ApiResult<Option<Verification>> {
    let mut query = AuditQuery {
        action: Some(VERIFIED_ACTION.to_owned()),
        from: Some(state.now() - chrono::Duration::days(LOOK_BACK_DAYS)),
        limit: cpniguard_store::MAX_PAGE,
        ..AuditQuery::default()
    };
    let mut newest = None;
    loop {
        let page = state.store.search_audit(&query).await?;
        newest = page.entries.last().map(|e| Verification::from_record(e.seq, &e.record)).or(newest);
        match page.next_after {
            Some(next) => query.after_seq = Some(next),
            None => return Ok(newest),
        }
    }
}

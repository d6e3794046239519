//! The import quarantine (rows of switch files that matched no account, or could not be
//! read) as the privacy office reviews it: every read and discard is a gate decision,
//! recorded, and reads only through the permit it gives. The API and `cpniguard import
//! quarantine` call these.

use crate::gate::{GateRequest, Permit, Target};
use crate::problem::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::staff::Staff;
use cpniguard_policy::{Action, Purpose};
use cpniguard_store::call_import::{QuarantineEntry, QuarantineKind, QuarantineQuery};
use serde::Serialize;
use utoipa::ToSchema;

/// Ask the gate for the import quarantine on behalf of `staff`; `what` says which use
/// (`list`, `entry:<id>`, `discard:<id>`), kept in the audit entry as a reference.
async fn authorize(state: &AppState, staff: &Staff, what: String, request_id: Option<String>) -> ApiResult<Permit> {
    let request =
        GateRequest::staff(staff, Action::ReviewImportQuarantine, Purpose::ComplianceReview, Target::ImportQuarantine)
            .record_ref(format!("import_quarantine:{what}"))
            .request_id(request_id);
    state.gate.authorize(state, request).await
}

/// A quarantined row. `row` (the line as read) and `started_at` only when one entry is
/// shown, never in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinedRow {
    pub id: i64,
    pub source: String,
    /// `unmatched` (no account held either number then) or `malformed`.
    #[schema(value_type = String)]
    pub kind: QuarantineKind,
    pub file_name: String,
    /// 1-based line of the file.
    pub line_number: u64,
    pub reason: String,
    pub quarantined_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
}

impl QuarantinedRow {
    pub fn new(e: QuarantineEntry, with_row: bool) -> Self {
        Self {
            id: e.id,
            source: e.entry.source,
            kind: e.entry.kind,
            file_name: e.entry.file_name,
            line_number: e.entry.line_number,
            reason: e.entry.reason,
            quarantined_at: e.quarantined_at,
            started_at: e.entry.started_at.filter(|_| with_row),
            row: with_row.then_some(e.entry.row_text),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinePage {
    pub entries: Vec<QuarantinedRow>,
    /// The audit entry of the decision that let the caller see them.
    pub audit_seq: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Discarded {
    pub discarded: i64,
    pub audit_seq: u64,
}

/// Entries in id order, without the rows themselves.
pub async fn list(
    state: &AppState,
    staff: &Staff,
    query: &QuarantineQuery,
    request_id: Option<String>,
) -> ApiResult<QuarantinePage> {
    let permit = authorize(state, staff, "list".to_owned(), request_id).await?;
    let entries = permit.quarantine_entries(query).await?;
    let entries = entries.into_iter().map(|e| QuarantinedRow::new(e, false)).collect();
    Ok(QuarantinePage { entries, audit_seq: permit.audit_seq() })
}

/// One entry with the row as read.
pub async fn show(state: &AppState, staff: &Staff, id: i64, request_id: Option<String>) -> ApiResult<QuarantinedRow> {
    let permit = authorize(state, staff, format!("entry:{id}"), request_id).await?;
    Ok(QuarantinedRow::new(permit.quarantine_entry(id).await?, true))
}

/// Remove one entry for good: its row will not be imported.
pub async fn discard(state: &AppState, staff: &Staff, id: i64, request_id: Option<String>) -> ApiResult<Discarded> {
    let permit = authorize(state, staff, format!("discard:{id}"), request_id).await?;
    permit.discard_quarantine_entry(id).await?;
    Ok(Discarded { discarded: id, audit_seq: permit.audit_seq() })
}

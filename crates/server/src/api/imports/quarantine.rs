//! The import quarantine: the switch records an import could not store as calls, kept
//! with their file, line and reason. They are call detail as the switch wrote it, so
//! every list, read and discard is a `review_import_quarantine` decision of the gate,
//! recorded before anything is read (the privacy office, for a compliance review);
//! the rows are read only through the permit. `cpniguard import quarantine` goes
//! through [`authorize`] too.

use crate::auth::CurrentStaff;
use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::extract::{ApiPath, ApiQuery};
use crate::gate::{GateRequest, Permit, RequestId, Target};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use cpniguard_core::staff::Staff;
use cpniguard_policy::{Action, Purpose};
use cpniguard_store::call_import::{QuarantineEntry, QuarantineKind, QuarantineQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Any staff role that may ask for CPNI reaches the routes; the gate decides (the
/// privacy office only) and records every answer.
pub fn routes() -> Router<AppState> {
    guarded(
        Capability::ReadCpni,
        Router::new()
            .route("/imports/quarantine", get(list))
            .route("/imports/quarantine/{id}", get(show))
            .route("/imports/quarantine/{id}/discard", post(discard)),
    )
}

/// Ask the gate for the import quarantine on behalf of `staff`; `what` says which use
/// (`list`, `entry:<id>`, `discard:<id>`), kept in the audit entry as a reference.
pub async fn authorize(state: &AppState, staff: &Staff, what: String, request_id: Option<String>) -> ApiResult<Permit> {
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuarantineFilter {
    /// `unmatched` or `malformed`.
    #[param(value_type = Option<String>)]
    pub kind: Option<QuarantineKind>,
    pub source: Option<String>,
    /// Continue after this entry id.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// Entries in id order, without the rows themselves.
#[utoipa::path(get, path = "/api/v1/imports/quarantine", tags = ["imports", "cpni"], params(QuarantineFilter),
    responses((status = 200, body = QuarantinePage),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused: the privacy office only, for a compliance review"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "an unknown kind or a malformed filter")),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    request_id: RequestId,
    ApiQuery(q): ApiQuery<QuarantineFilter>,
) -> ApiResult<Json<QuarantinePage>> {
    let permit = authorize(&state, &staff, "list".to_owned(), request_id.0).await?;
    let query = QuarantineQuery { kind: q.kind, source: q.source, after: q.after, limit: q.limit.unwrap_or(100) };
    let entries = permit.quarantine_entries(&query).await?;
    let entries = entries.into_iter().map(|e| QuarantinedRow::new(e, false)).collect();
    Ok(Json(QuarantinePage { entries, audit_seq: permit.audit_seq() }))
}

/// One entry with the row as read.
#[utoipa::path(get, path = "/api/v1/imports/quarantine/{id}", tags = ["imports", "cpni"], params(("id" = i64, Path)),
    responses((status = 200, body = QuarantinedRow),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<QuarantinedRow>> {
    let permit = authorize(&state, &staff, format!("entry:{id}"), request_id.0).await?;
    Ok(Json(QuarantinedRow::new(permit.quarantine_entry(id).await?, true)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Discarded {
    pub discarded: i64,
    pub audit_seq: u64,
}

/// Remove one entry for good: its row will not be imported.
#[utoipa::path(post, path = "/api/v1/imports/quarantine/{id}/discard", tags = ["imports", "cpni"], params(("id" = i64, Path)),
    responses((status = 200, body = Discarded),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn discard(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Discarded>> {
    let permit = authorize(&state, &staff, format!("discard:{id}"), request_id.0).await?;
    permit.discard_quarantine_entry(id).await?;
    Ok(Json(Discarded { discarded: id, audit_seq: permit.audit_seq() }))
}

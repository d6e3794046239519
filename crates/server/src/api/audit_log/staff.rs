//! The audit log for privacy officers and auditors: entries exactly as chained (with
//! their seq and hashes, so a reader can check them), the signed checkpoints, and the
//! chain head. Reading the log is not a CPNI read: entries hold references, never
//! CPNI values.

use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::audit::{AuditEntry, ChainHead, Checkpoint, Decision, PrincipalKind};
use cpniguard_core::ids::AccountId;
use cpniguard_store::audit::AuditQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The page size when none is asked for.
const DEFAULT_PAGE: u32 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntryFilter {
    /// Entries about this account.
    pub account: Option<AccountId>,
    /// `staff`, `customer`, `carrier` or `system`; given together with `principal_id`.
    #[param(value_type = Option<String>)]
    pub principal_kind: Option<PrincipalKind>,
    /// A staff id, an account id (customers), a carrier's id, a job's name.
    pub principal_id: Option<String>,
    /// Inclusive (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Exclusive (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `allow` or `deny`.
    #[param(value_type = Option<String>)]
    pub decision: Option<Decision>,
    /// Only entries of this action: a gate action such as `read_call_detail`, or an
    /// event such as `cpni_request.refused` (a CPNI request refused outside the gate)
    /// or `audit.verified`.
    pub action: Option<String>,
    /// Continue after this seq (`next_after` of the previous page).
    pub after: Option<u64>,
    /// At most 1000; default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

impl EntryFilter {
    fn query(self) -> Result<AuditQuery, ValidationError> {
        let principal = match (self.principal_kind, self.principal_id) {
            (Some(kind), Some(id)) => Some((kind, id)),
            (None, None) => None,
            (Some(_), None) => return Err(ValidationError::new("principal_id", "needed with principal_kind")),
            (None, Some(_)) => return Err(ValidationError::new("principal_kind", "needed with principal_id")),
        };
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            return Err(ValidationError::new("to", "must be after from"));
        }
        Ok(AuditQuery {
            account: self.account,
            principal,
            from: self.from,
            to: self.to,
            decision: self.decision,
            action: self.action.filter(|a| !a.trim().is_empty()),
            after_seq: self.after,
            limit: crate::application::page_limit(self.limit, DEFAULT_PAGE)?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    /// In seq order, each as chained: seq, at, principal, action, account_id,
    /// purpose, channel, interaction_id, legal_ref, fraud_ref, decision, policy_ids,
    /// policy_set_hash, request_id, record_refs, prev_hash, hash.
    pub entries: Vec<AuditEntry>,
    /// The `after` of the next page; absent on the last.
    pub next_after: Option<u64>,
}

#[utoipa::path(
    get, path = "/api/v1/audit/entries", tag = "audit", params(EntryFilter),
    responses((status = 200, body = EntryPage), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn entries(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<EntryFilter>,
) -> ApiResult<Json<EntryPage>> {
    let page = state.store.search_audit(&filter.query()?).await?;
    Ok(Json(EntryPage { entries: page.entries, next_after: page.next_after }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckpointRange {
    /// Lowest seq (default 0).
    pub from_seq: Option<u64>,
    /// Highest seq (default: no limit).
    pub to_seq: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointList {
    /// In seq order: `{seq, hash, at, signature}`, the Ed25519 signature over the
    /// canonical checkpoint encoding, 128 hex digits.
    pub checkpoints: Vec<Checkpoint>,
}

#[utoipa::path(
    get, path = "/api/v1/audit/checkpoints", tag = "audit", params(CheckpointRange),
    responses((status = 200, body = CheckpointList)),
    security(("bearer" = []))
)]
pub async fn checkpoints(
    State(state): State<AppState>,
    ApiQuery(range): ApiQuery<CheckpointRange>,
) -> ApiResult<Json<CheckpointList>> {
    let from = range.from_seq.unwrap_or(0);
    // The stores keep seq in a signed 64-bit column.
    let to = range.to_seq.unwrap_or(i64::MAX as u64).min(i64::MAX as u64);
    let from = from.min(to);
    Ok(Json(CheckpointList { checkpoints: state.store.audit_checkpoints(from, to).await? }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeadView {
    /// `{seq, hash}` of the last entry; absent before the first.
    pub head: Option<ChainHead>,
    /// The last signed checkpoint.
    pub last_checkpoint: Option<Checkpoint>,
}

#[utoipa::path(
    get, path = "/api/v1/audit/head", tag = "audit",
    responses((status = 200, body = HeadView)),
    security(("bearer" = []))
)]
pub async fn head(State(state): State<AppState>) -> ApiResult<Json<HeadView>> {
    Ok(Json(HeadView {
        head: state.store.audit_head().await?,
        last_checkpoint: state.store.last_audit_checkpoint().await?,
    }))
}

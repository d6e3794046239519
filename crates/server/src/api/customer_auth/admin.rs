//! The privacy officer's view: accounts locked by failed checks (and clearing them),
//! and the pretexting signals feed.

use crate::auth::CurrentStaff;
use crate::extract::ApiPath;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_core::authn::LockState;
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_store::auth::{AccountLock, PretextingSignal};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An account locked (or counting failures) after failed credential checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct LockView {
    pub account_id: AccountId,
    pub state: LockState,
}

impl From<AccountLock> for LockView {
    fn from(l: AccountLock) -> Self {
        Self { account_id: l.account_id, state: l.state }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LockList {
    pub locks: Vec<LockView>,
}

#[utoipa::path(
    get, path = "/api/v1/auth-locks", tag = "customer_authentication",
    responses(
        (status = 200, description = "Accounts currently locked by failed checks", body = LockList),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a privacy officer", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn locks(State(state): State<AppState>) -> ApiResult<Json<LockList>> {
    let locks = state.store.list_locks(state.now()).await?;
    Ok(Json(LockList { locks: locks.into_iter().map(LockView::from).collect() }))
}

/// Clear an account's lock and failure count (the privacy officer, after checking).
#[utoipa::path(
    delete, path = "/api/v1/accounts/{id}/auth-lock", tag = "customer_authentication",
    params(("id" = AccountId, Path, description = "Account id")),
    responses(
        (status = 204, description = "Cleared"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a privacy officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account has no lock", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn clear_lock(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<AccountId>,
) -> ApiResult<StatusCode> {
    if state.store.clear_lock(id).await? {
        tracing::info!(account = %id, staff = %staff.0.id, "customer lock cleared");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("lock"))
    }
}

/// A pretexting signal: `failures_across_accounts`, `call_back_to_recent_number`,
/// `call_detail_request_without_password`, `repeated_call_detail_without_password`.
/// `detail` carries no CPNI and no secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignalView {
    pub id: Uuid,
    pub kind: String,
    pub account_id: Option<AccountId>,
    pub staff_id: Option<StaffId>,
    /// The network source (an IP address).
    pub source: Option<String>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

impl From<PretextingSignal> for SignalView {
    fn from(s: PretextingSignal) -> Self {
        Self {
            id: s.id,
            kind: s.kind,
            account_id: s.account_id,
            staff_id: s.staff_id,
            source: s.source,
            detail: s.detail,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignalList {
    /// Newest first, at most 500.
    pub signals: Vec<SignalView>,
}

#[utoipa::path(
    get, path = "/api/v1/pretexting-signals", tag = "customer_authentication",
    responses(
        (status = 200, description = "The pretexting signals feed", body = SignalList),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a privacy officer", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn signals(State(state): State<AppState>) -> ApiResult<Json<SignalList>> {
    let signals = state.store.list_signals(500).await?;
    Ok(Json(SignalList { signals: signals.into_iter().map(SignalView::from).collect() }))
}

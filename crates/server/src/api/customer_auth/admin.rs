//! The privacy officer's view: accounts locked by failed checks (and clearing them),
//! and the pretexting signals feed.

use crate::auth::CurrentStaff;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::authn::LockState;
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_store::auth::{AccountLock, PretextingSignal};
use cpniguard_store::auth_limits::LockLift;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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

/// Why the privacy office lifts a lock (kept with who lifted it).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LiftParams {
    /// Why the lock is lifted (3 to 500 characters), e.g. how the customer was identified.
    pub reason: String,
}

/// Lift an account's lock and clear its failures (the privacy officer, after checking);
/// who did it and why is recorded.
#[utoipa::path(
    delete, path = "/api/v1/accounts/{id}/auth-lock", tag = "customer_authentication",
    params(("id" = AccountId, Path, description = "Account id"), LiftParams),
    responses(
        (status = 204, description = "Lifted and recorded"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a privacy officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account has no lock", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn clear_lock(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<AccountId>,
    ApiQuery(params): ApiQuery<LiftParams>,
) -> ApiResult<StatusCode> {
    let reason = params.reason.trim();
    if !(3..=500).contains(&reason.chars().count()) {
        return Err(ValidationError::new("reason", "say why the lock is lifted (3 to 500 characters)").into());
    }
    let lift = LockLift { account_id: id, lifted_by: staff.0.id, reason: reason.to_owned(), lifted_at: state.now() };
    if state.store.lift_lock(&lift).await? {
        tracing::info!(account = %id, staff = %staff.0.id, "customer lock lifted");
        state
            .gate
            .record_staff_change(&staff.0, "auth_lock.lifted", Some(id), vec!["auth_lock".to_owned()], lift.lifted_at)
            .await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("lock"))
    }
}

/// A lock the privacy office lifted.
#[derive(Debug, Serialize, ToSchema)]
pub struct LockLiftView {
    pub lifted_by: StaffId,
    pub reason: String,
    pub lifted_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LockLiftList {
    /// Oldest first.
    pub lifts: Vec<LockLiftView>,
}

/// The locks lifted on an account: by whom, when and why.
#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/auth-lock/lifts", tag = "customer_authentication",
    params(("id" = AccountId, Path, description = "Account id")),
    responses(
        (status = 200, body = LockLiftList),
        (status = 403, description = "Not a privacy officer", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn lock_lifts(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<AccountId>,
) -> ApiResult<Json<LockLiftList>> {
    let lifts = state.store.lock_lifts(id).await?;
    let lifts = lifts
        .into_iter()
        .map(|l| LockLiftView { lifted_by: l.lifted_by, reason: l.reason, lifted_at: l.lifted_at })
        .collect();
    Ok(Json(LockLiftList { lifts }))
}

/// A pretexting signal: `staff_failures_across_accounts` (one staff member failing on
/// many accounts), `attested_then_credentials_set` (one staff member setting secrets
/// after staff-attested evidence on several accounts), `failures_across_accounts`, `call_back_to_recent_number`,
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

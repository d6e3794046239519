//! The privacy officer's view: accounts locked by failed checks (and clearing them),
//! and the pretexting signals feed.

use crate::auth::CurrentStaff;
use crate::extract::ApiPath;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cpniguard_core::ids::AccountId;
use cpniguard_store::auth::{AccountLock, PretextingSignal};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct LockList {
    pub locks: Vec<AccountLock>,
}

pub async fn locks(State(state): State<AppState>) -> ApiResult<Json<LockList>> {
    Ok(Json(LockList { locks: state.store.list_locks(state.now()).await? }))
}

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

#[derive(Debug, Serialize)]
pub struct SignalList {
    pub signals: Vec<PretextingSignal>,
}

pub async fn signals(State(state): State<AppState>) -> ApiResult<Json<SignalList>> {
    Ok(Json(SignalList { signals: state.store.list_signals(500).await? }))
}

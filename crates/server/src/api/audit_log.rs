//! The audit log for privacy officers and auditors, and each customer's list of accesses to their own account (issue 5).

use crate::state::AppState;
use axum::Router;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi()]
pub struct Doc;

/// Staff routes (behind the bearer-token layer).
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
}

/// Routes that authenticate their callers themselves (customers, or nobody: public).
pub fn portal_routes(_state: AppState) -> Router<AppState> {
    Router::new()
}

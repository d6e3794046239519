//! Customer authentication: credentials, interactions, evidence, delivery to the address of record, recovery, lockout, portal login (issue 4).

use crate::state::AppState;
use axum::Router;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi()]
pub struct Doc;

/// This module's routes, each group behind its capability (see `auth::roles`).
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
}

/// Routes that are not behind the staff bearer token (they authenticate customers or
/// callers themselves).
pub fn portal_routes(_state: AppState) -> Router<AppState> {
    Router::new()
}

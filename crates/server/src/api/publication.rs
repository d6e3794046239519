//! The published CPNI policy (issue 9): drafts, publication, the public page and the material-change mailing.

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

//! Complaints and questions to the privacy office, and actions against data brokers (issue 9).

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

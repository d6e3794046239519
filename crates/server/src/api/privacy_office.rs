//! The privacy office (issue 9): training and discipline records, the annual certification, the compliance dashboard.

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

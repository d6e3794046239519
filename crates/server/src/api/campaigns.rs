//! Marketing campaigns under supervisory review (issue 8): workflow, audiences, records.

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

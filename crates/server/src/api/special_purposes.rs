//! Special purposes (issue 5): legal process and fraud cases recorded by the privacy office, the PIC-freeze inquiry for other carriers, the directory-listing export.

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

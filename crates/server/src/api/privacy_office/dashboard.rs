//! `GET /privacy-office/dashboard`: what needs the privacy office now.

use crate::application::privacy_dashboard::{DashboardView, compute};
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;

#[utoipa::path(
    get, path = "/api/v1/privacy-office/dashboard", tag = "privacy-office",
    responses((status = 200, body = DashboardView)),
    security(("bearer" = []))
)]
pub async fn dashboard(State(state): State<AppState>) -> ApiResult<Json<DashboardView>> {
    Ok(Json(compute(&state).await?))
}

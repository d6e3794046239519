//! `GET /breach/clocks`: the running clocks of every open incident.

use crate::application::breach_clocks::{ClocksView, compute};
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;

#[utoipa::path(
    get, path = "/api/v1/breach/clocks", tag = "breach",
    responses((status = 200, body = ClocksView)),
    security(("bearer" = []))
)]
pub async fn clocks(State(state): State<AppState>) -> ApiResult<Json<ClocksView>> {
    Ok(Json(compute(&state).await?))
}

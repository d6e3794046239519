//! The import quarantine: the switch records an import could not store as calls, kept
//! with their file, line and reason. They are call detail as the switch wrote it, so
//! every list, read and discard is a `review_import_quarantine` decision of the gate,
//! recorded before anything is read (the privacy office, for a compliance review);
//! the rows are read only through the permit. `cpniguard import quarantine` goes
//! through [`authorize`] too.

use crate::application::import_quarantine::{self, Discarded, QuarantinePage, QuarantinedRow};
use crate::auth::CurrentStaff;
use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::extract::{ApiPath, ApiQuery};
use crate::gate::RequestId;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use cpniguard_store::call_import::{QuarantineKind, QuarantineQuery};
use serde::Deserialize;
use utoipa::IntoParams;

/// Any staff role that may ask for CPNI reaches the routes; the gate decides (the
/// privacy office only) and records every answer.
pub fn routes() -> Router<AppState> {
    guarded(
        Capability::ReadCpni,
        Router::new()
            .route("/imports/quarantine", get(list))
            .route("/imports/quarantine/{id}", get(show))
            .route("/imports/quarantine/{id}/discard", post(discard)),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuarantineFilter {
    /// `unmatched` or `malformed`.
    #[param(value_type = Option<String>)]
    pub kind: Option<QuarantineKind>,
    pub source: Option<String>,
    /// Continue after this entry id.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Entries in id order, without the rows themselves.
#[utoipa::path(get, path = "/api/v1/imports/quarantine", tags = ["imports", "cpni"], params(QuarantineFilter),
    responses((status = 200, body = QuarantinePage),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused: the privacy office only, for a compliance review"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "an unknown kind or a malformed filter")),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    request_id: RequestId,
    ApiQuery(q): ApiQuery<QuarantineFilter>,
) -> ApiResult<Json<QuarantinePage>> {
    let query = QuarantineQuery {
        kind: q.kind,
        source: q.source,
        after: q.after,
        limit: crate::application::page_limit(q.limit, 100)?,
    };
    Ok(Json(import_quarantine::list(&state, &staff, &query, request_id.0).await?))
}

/// One entry with the row as read.
#[utoipa::path(get, path = "/api/v1/imports/quarantine/{id}", tags = ["imports", "cpni"], params(("id" = i64, Path)),
    responses((status = 200, body = QuarantinedRow),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<QuarantinedRow>> {
    Ok(Json(import_quarantine::show(&state, &staff, id, request_id.0).await?))
}

/// Remove one entry for good: its row will not be imported.
#[utoipa::path(post, path = "/api/v1/imports/quarantine/{id}/discard", tags = ["imports", "cpni"], params(("id" = i64, Path)),
    responses((status = 200, body = Discarded),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn discard(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Discarded>> {
    Ok(Json(import_quarantine::discard(&state, &staff, id, request_id.0).await?))
}

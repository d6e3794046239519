//! The privacy office's view of the notices outbox: what was queued for whom, what was
//! delivered, what failed, and retrying what was abandoned. Also the tasks the system
//! raised when it could not notify a customer by itself.

use crate::extract::{ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Notice, NoticeId, NoticeKind, NoticeStatus, PrivacyTask};
use cpniguard_store::NoticeQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoticeParams {
    pub account: Option<AccountId>,
    pub status: Option<NoticeStatus>,
    pub kind: Option<NoticeKind>,
    /// The `next_after` of the previous page.
    pub after: Option<NoticeId>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeList {
    /// Newest first.
    pub notices: Vec<Notice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<NoticeId>,
}

#[utoipa::path(
    get, path = "/api/v1/notices", tag = "notices",
    params(NoticeParams),
    responses((status = 200, body = NoticeList), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<NoticeParams>) -> ApiResult<Json<NoticeList>> {
    let limit = crate::application::page_limit(p.limit, 100)?;
    let page = state
        .store
        .list_notices(&NoticeQuery { account: p.account, status: p.status, kind: p.kind, after: p.after, limit })
        .await?;
    let notices = page.notices.into_iter().map(Notice::redacted).collect();
    Ok(Json(NoticeList { notices, next_after: page.next_after }))
}

#[utoipa::path(
    get, path = "/api/v1/notices/{id}", tag = "notices",
    params(("id" = NoticeId, Path, description = "Notice id")),
    responses((status = 200, body = Notice), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(id): ApiPath<NoticeId>) -> ApiResult<Json<Notice>> {
    state.store.get_notice(id).await?.map(|n| Json(n.redacted())).ok_or_else(|| Problem::not_found("notice"))
}

#[utoipa::path(
    post, path = "/api/v1/notices/{id}/retry", tag = "notices",
    params(("id" = NoticeId, Path, description = "Notice id")),
    responses(
        (status = 200, description = "Queued again for delivery now, attempts reset", body = Notice),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Only an abandoned or failed notice can be retried", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn retry(State(state): State<AppState>, ApiPath(id): ApiPath<NoticeId>) -> ApiResult<Json<Notice>> {
    let notice = state.store.requeue_notice(id, state.now()).await?;
    tracing::info!(notice = %id, "notice requeued by the privacy office");
    Ok(Json(notice.redacted()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TaskParams {
    /// Only unresolved tasks (default true).
    pub open: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub tasks: Vec<PrivacyTask>,
}

#[utoipa::path(
    get, path = "/api/v1/privacy-tasks", tag = "notices",
    params(TaskParams),
    responses((status = 200, description = "Oldest first", body = TaskList)),
    security(("bearer" = []))
)]
pub async fn tasks(State(state): State<AppState>, ApiQuery(p): ApiQuery<TaskParams>) -> ApiResult<Json<TaskList>> {
    Ok(Json(TaskList { tasks: state.store.list_privacy_tasks(p.open.unwrap_or(true)).await? }))
}

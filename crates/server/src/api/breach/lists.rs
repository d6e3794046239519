//! An incident's per-account lists, which can run to a million rows and so are read
//! in pages rather than carried in the incident's view: the affected accounts, and
//! the breach notice queued to each with its delivery status.

use crate::application::breach_incidents::load;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use cpniguard_core::ids::AccountId;
use cpniguard_store::breach::{BreachNoticeProgress, MAX_ROWS_PAGE};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A page of a per-account list, by account id.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Continue after this account (`next_after` of the previous page).
    #[param(value_type = Option<Uuid>)]
    pub after: Option<AccountId>,
    /// Rows per page: default 1,000, at most 10,000.
    pub limit: Option<usize>,
}

impl PageQuery {
    fn limit(&self) -> usize {
        self.limit.unwrap_or(1_000).clamp(1, MAX_ROWS_PAGE)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AffectedPage {
    #[schema(value_type = Vec<Uuid>)]
    pub accounts: Vec<AccountId>,
    /// Present when there may be more: pass it as `after`.
    #[schema(value_type = Option<Uuid>)]
    pub next_after: Option<AccountId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticePage {
    #[schema(value_type = Vec<Object>)]
    pub notices: Vec<BreachNoticeProgress>,
    #[schema(value_type = Option<Uuid>)]
    pub next_after: Option<AccountId>,
}

/// The cursor after a page of `len` rows whose last is `last`: none when the page
/// was not full.
fn next_after(len: usize, limit: usize, last: Option<AccountId>) -> Option<AccountId> {
    if len < limit { None } else { last }
}

#[utoipa::path(
    get, path = "/api/v1/breach/incidents/{id}/affected-accounts", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id"), PageQuery),
    responses((status = 200, body = AffectedPage)),
    security(("bearer" = []))
)]
pub async fn affected_accounts(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<AffectedPage>> {
    load(&state, id).await?;
    let limit = q.limit();
    let accounts = state.store.breach_affected_accounts(id, q.after, limit).await?;
    let next_after = next_after(accounts.len(), limit, accounts.last().copied());
    Ok(Json(AffectedPage { accounts, next_after }))
}

#[utoipa::path(
    get, path = "/api/v1/breach/incidents/{id}/notices", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id"), PageQuery),
    responses((status = 200, body = NoticePage)),
    security(("bearer" = []))
)]
pub async fn notices(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<NoticePage>> {
    load(&state, id).await?;
    let limit = q.limit();
    let notices = state.store.breach_notice_progress(id, q.after, limit).await?;
    let next_after = next_after(notices.len(), limit, notices.last().map(|n| n.account_id));
    Ok(Json(NoticePage { notices, next_after }))
}

/// Every notice's progress, by account id.
pub(super) async fn all_notices(state: &AppState, id: Uuid) -> ApiResult<Vec<BreachNoticeProgress>> {
    let mut all: Vec<BreachNoticeProgress> = Vec::new();
    loop {
        let after = all.last().map(|n| n.account_id);
        let page = state.store.breach_notice_progress(id, after, MAX_ROWS_PAGE).await?;
        let full = page.len() == MAX_ROWS_PAGE;
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}

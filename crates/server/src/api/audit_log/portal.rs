//! The customer's own access list on the portal: every recorded access to their
//! account — when, by whom as a role, what, why, and whether it was allowed — in their
//! language. Reading it reads the audit log, not CPNI, so it is not itself gated; the
//! query is always bound to the session's account, never to anything the caller sends.

use crate::application::customer_access::{self, AccessLogView};
use crate::auth::customer::CurrentCustomer;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use cpniguard_core::account::Language;
use serde::Deserialize;
use utoipa::IntoParams;

const DEFAULT_PAGE: u32 = 50;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// `en` or `es`; default the account's language.
    #[param(value_type = Option<String>)]
    pub lang: Option<Language>,
    /// Continue after this access (`next_after` of the previous page).
    pub after: Option<u64>,
    /// At most 1000; default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get, path = "/api/v1/portal/access-log", tag = "audit", params(AccessLogQuery),
    responses((status = 200, body = AccessLogView),
        (status = 401, description = "No portal session", body = Problem, content_type = "application/problem+json")),
)]
pub async fn access_log(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    ApiQuery(q): ApiQuery<AccessLogQuery>,
) -> ApiResult<Json<AccessLogView>> {
    let limit = crate::application::page_limit(q.limit, DEFAULT_PAGE)?;
    Ok(Json(customer_access::own_access_log(&state, customer.account_id, q.lang, q.after, limit).await?))
}

//! The customer's own access list on the portal: every recorded access to their
//! account — when, by whom as a role, what, why, and whether it was allowed — in their
//! language. Reading it reads the audit log, not CPNI, so it is not itself gated; the
//! query is always bound to the session's account, never to anything the caller sends.

use super::wording;
use crate::auth::customer::CurrentCustomer;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::audit::AuditEntry;
use cpniguard_store::MAX_PAGE;
use cpniguard_store::audit::AuditQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessView {
    pub at: DateTime<Utc>,
    /// `customer` (you), `csr`, `supervisor`, `privacy_office`, `auditor`,
    /// `administrator`, `marketing`, `carrier`, `system` or `staff`.
    pub by_role: &'static str,
    pub by: &'static str,
    pub action: String,
    /// Absent when the request named none.
    pub purpose: Option<String>,
    /// `allow` or `deny`.
    pub decision: &'static str,
    pub outcome: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogView {
    #[schema(value_type = String)]
    pub language: Language,
    /// Oldest first.
    pub accesses: Vec<AccessView>,
    pub next_after: Option<u64>,
}

fn view(entry: &AuditEntry, lang: Language) -> AccessView {
    let r = &entry.record;
    let (by_role, by) = wording::who(&r.principal, lang);
    AccessView {
        at: r.at,
        by_role,
        by,
        action: wording::action(&r.action, lang),
        purpose: r.purpose.as_deref().map(|p| wording::purpose(p, lang)),
        decision: r.decision.as_str(),
        outcome: wording::decision(r.decision, lang),
    }
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
    let language = match q.lang {
        Some(lang) => lang,
        None => {
            let account = state.store.get_account(customer.account_id).await?;
            account.ok_or_else(|| Problem::not_found("account"))?.profile.language
        }
    };
    let query = AuditQuery {
        account: Some(customer.account_id),
        after_seq: q.after,
        limit: q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
        ..AuditQuery::default()
    };
    let page = state.store.search_audit(&query).await?;
    let accesses = page.entries.iter().map(|e| view(e, language)).collect();
    Ok(Json(AccessLogView { language, accesses, next_after: page.next_after }))
}

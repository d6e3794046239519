//! Opt-out notice campaigns over HTTP: the accounts due now, and a campaign over named
//! accounts or every account due (`application::consent_notices` runs both).

use crate::application::consent_notices::{NoticeCampaignView, NoticesDueView, notices_due, run_campaign};
use crate::auth::CurrentStaff;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use cpniguard_core::ValidationError;
use cpniguard_core::ids::AccountId;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeCampaignRequest {
    /// The accounts to notify (at most 10,000).
    pub accounts: Option<Vec<AccountId>>,
    /// `true`: every account due (see `GET /api/v1/consent/notices-due`).
    pub due: Option<bool>,
}

/// Accounts one explicit campaign request may name.
const MAX_ACCOUNTS: usize = 10_000;

fn request_accounts(req: NoticeCampaignRequest) -> Result<Option<Vec<AccountId>>, ValidationError> {
    match (req.accounts, req.due) {
        (Some(ids), _) if ids.len() > MAX_ACCOUNTS => {
            Err(ValidationError::new("accounts", format!("at most {MAX_ACCOUNTS} accounts; use due: true for more")))
        }
        (Some(ids), None | Some(false)) if !ids.is_empty() => Ok(Some(ids)),
        (None, Some(true)) => Ok(None),
        _ => Err(ValidationError::new("accounts", "either a non-empty accounts list or due: true")),
    }
}

#[utoipa::path(
    get, path = "/api/v1/consent/notices-due", tag = "consent",
    responses((status = 200, description = "Accounts due an opt-out notice now", body = NoticesDueView)),
    security(("bearer" = []))
)]
pub async fn list_due(State(state): State<AppState>) -> ApiResult<Json<NoticesDueView>> {
    let now = state.now();
    let accounts = notices_due(state.store.as_ref(), &state.config, now).await?;
    Ok(Json(NoticesDueView { at: now, horizon_days: state.config.consent.renotice_horizon_days, accounts }))
}

#[utoipa::path(
    post, path = "/api/v1/consent/notice-campaigns", tag = "consent",
    request_body = NoticeCampaignRequest,
    responses(
        (status = 200, description = "Notices queued and recorded served; the others skipped with the reason", body = NoticeCampaignView),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn campaign(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(req): ApiJson<NoticeCampaignRequest>,
) -> ApiResult<Json<NoticeCampaignView>> {
    let accounts = request_accounts(req)?;
    let by = format!("staff:{}", staff.0.id);
    let view = run_campaign(state.store.as_ref(), &state.config, accounts, state.now(), &by).await?;
    tracing::info!(staff = %staff.0.id, queued = view.queued, skipped = view.skipped, "opt-out notice campaign");
    Ok(Json(view))
}

//! Consent: opt-out and opt-in, history, approval status, notices served, and the
//! review of opt-out mail that could not be applied unattended (issue 6).

pub mod campaigns;
mod handlers;
// The helpers return the handlers' own error type, `Problem`, so `?` needs no
// conversion; boxing it would only be unboxed again at the response.
#[allow(clippy::result_large_err)]
pub mod optout_incidents;
pub mod optout_letter;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use cpniguard_store::consent::OptOutMechanism;
use utoipa::OpenApi;

pub use handlers::*;

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::status,
        handlers::history,
        handlers::record,
        handlers::record_notice,
        handlers::notice_bounced,
        handlers::bulk,
        handlers::quarantine_list,
        handlers::quarantine_get,
        handlers::quarantine_apply,
        handlers::quarantine_dismiss,
        handlers::portal_status,
        handlers::portal_record,
        campaigns::list_due,
        campaigns::campaign,
        optout_incidents::list,
        optout_incidents::get,
        optout_incidents::remedy,
        optout_incidents::state_commissions,
        optout_incidents::letter_sent,
        optout_incidents::close,
    ),
    components(schemas(
        crate::application::consent_change::StatusView,
        handlers::HistoryView,
        handlers::RecordRequest,
        crate::application::consent_change::RecordView,
        handlers::NoticeRequest,
        handlers::BulkRequest,
        handlers::BulkView,
        handlers::QuarantineView,
        handlers::ApplyRequest,
        handlers::DismissRequest,
        handlers::PortalRequest,
        crate::application::consent_change::Action,
        crate::application::consent_notices::DueReason,
        crate::application::consent_notices::DueAccount,
        crate::application::consent_notices::NoticesDueView,
        campaigns::NoticeCampaignRequest,
        crate::application::consent_notices::SkipReason,
        crate::application::consent_notices::CampaignItem,
        crate::application::consent_notices::NoticeCampaignView,
        optout_incidents::OptOutIncidentView,
        optout_incidents::RemedyRequest,
        optout_incidents::StateCommissionsRequest,
        optout_incidents::LetterSentRequest,
        optout_letter::LetterDraft,
    ))
)]
pub struct Doc;

/// This module's routes, each group behind its capability (see `auth::roles`).
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
        .merge(guarded(
            Capability::ReadConsent,
            Router::new()
                .route("/accounts/{id}/consent", get(handlers::status))
                .route("/accounts/{id}/consent/history", get(handlers::history))
                .route("/consent/approvals", post(handlers::bulk)),
        ))
        .merge(guarded(
            Capability::ChangeConsent,
            Router::new().route("/accounts/{id}/consent", post(handlers::record)),
        ))
        .merge(guarded(
            Capability::ManageConsent,
            Router::new()
                .route("/accounts/{id}/consent/notices", post(handlers::record_notice))
                .route("/accounts/{id}/consent/notices/{event}/bounced", post(handlers::notice_bounced))
                .route("/consent/notices-due", get(campaigns::list_due))
                .route("/consent/notice-campaigns", post(campaigns::campaign))
                .route("/consent/mail-quarantine", get(handlers::quarantine_list))
                .route("/consent/mail-quarantine/{qid}", get(handlers::quarantine_get))
                .route("/consent/mail-quarantine/{qid}/apply", post(handlers::quarantine_apply))
                .route("/consent/mail-quarantine/{qid}/dismiss", post(handlers::quarantine_dismiss))
                .route("/consent/optout-incidents", get(optout_incidents::list))
                .route("/consent/optout-incidents/{id}", get(optout_incidents::get))
                .route("/consent/optout-incidents/{id}/remedy", post(optout_incidents::remedy))
                .route("/consent/optout-incidents/{id}/state-commissions", post(optout_incidents::state_commissions))
                .route("/consent/optout-incidents/{id}/letter-sent", post(optout_incidents::letter_sent))
                .route("/consent/optout-incidents/{id}/close", post(optout_incidents::close)),
        ))
}

/// Routes that are not behind the staff bearer token: the customer's own choice on
/// the portal (session cookie). Each change request is an observation of the portal
/// opt-out mechanism's health.
pub fn portal_routes(state: AppState) -> Router<AppState> {
    let record = post(handlers::portal_record).layer(middleware::from_fn_with_state(state, observe_portal));
    Router::new().route("/portal/consent", get(handlers::portal_status).merge(record))
}

/// A server-side failure (5xx) is the mechanism failing; a refusal (401, 422) is it
/// working.
async fn observe_portal(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    crate::consent_jobs::observe(
        &*state.store,
        OptOutMechanism::Portal,
        !status.is_server_error(),
        status.as_str(),
        state.now(),
    )
    .await;
    response
}

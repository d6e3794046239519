//! Consent: opt-out and opt-in, history, approval status, notices served, and the
//! review of opt-out mail that could not be applied unattended (issue 6).

pub mod campaigns;
pub mod change;
mod handlers;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
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
    ),
    components(schemas(
        handlers::StatusView,
        handlers::HistoryView,
        handlers::RecordRequest,
        handlers::RecordView,
        handlers::NoticeRequest,
        handlers::BulkRequest,
        handlers::BulkView,
        handlers::QuarantineView,
        handlers::ApplyRequest,
        handlers::DismissRequest,
        handlers::PortalRequest,
        handlers::Action,
        campaigns::DueReason,
        campaigns::DueAccount,
        campaigns::NoticesDueView,
        campaigns::CampaignRequest,
        campaigns::SkipReason,
        campaigns::CampaignItem,
        campaigns::CampaignView,
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
                .route("/consent/mail-quarantine/{qid}/dismiss", post(handlers::quarantine_dismiss)),
        ))
}

/// Routes that are not behind the staff bearer token: the customer's own choice on
/// the portal (session cookie).
pub fn portal_routes(_state: AppState) -> Router<AppState> {
    Router::new().route("/portal/consent", get(handlers::portal_status).post(handlers::portal_record))
}

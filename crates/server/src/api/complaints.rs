//! Complaints and questions to the privacy office, and actions against data brokers
//! (issue 9): intake by staff (a call, a letter, an email), by the customer on the
//! portal and from the privacy mailbox (`cpniguard mail ingest --mailbox privacy`),
//! each acknowledged to the customer through the outbox; investigation and resolution
//! with who and when; the review of privacy mail held in quarantine; and the actions
//! taken against data brokers and pretexters. Complaints are kept: none is deleted.

// The helpers return the handlers' own error type, `Problem`, so `?` needs no
// conversion; boxing it would only be unboxed again at the response.
#[allow(clippy::result_large_err)]
mod brokers;
#[allow(clippy::result_large_err)]
mod handlers;
#[allow(clippy::result_large_err)]
mod mail;
#[allow(clippy::result_large_err)]
mod portal;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

pub use handlers::{ComplaintList, ComplaintView, IntakeView};

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::create,
        handlers::list,
        handlers::get,
        handlers::investigate,
        handlers::resolve,
        handlers::summary,
        mail::list,
        mail::get,
        mail::file,
        mail::dismiss,
        brokers::record,
        brokers::list,
        brokers::get,
        brokers::outcome,
        portal::file,
        portal::mine,
    ),
    components(schemas(
        cpniguard_store::complaints::Complaint,
        cpniguard_store::complaints::ComplaintEvent,
        cpniguard_store::complaints::ComplaintSummary,
        cpniguard_store::complaints::ComplaintCategory,
        cpniguard_store::complaints::ComplaintChannel,
        cpniguard_store::complaints::ComplaintStatus,
        cpniguard_store::complaints::BrokerAction,
        cpniguard_store::complaints::BrokerActionKind,
        handlers::IntakeRequest,
        handlers::IntakeView,
        handlers::ComplaintList,
        handlers::ComplaintView,
        handlers::InvestigateRequest,
        handlers::ResolveRequest,
        handlers::SummaryView,
        mail::PrivacyMailView,
        mail::FileAsComplaintRequest,
        mail::FiledView,
        mail::DismissRequest,
        brokers::BrokerActionRequest,
        brokers::BrokerActionView,
        brokers::OutcomeRequest,
        portal::PortalComplaintRequest,
        portal::PortalComplaint,
    )),
    tags((name = "complaints", description = "Complaints and questions to the privacy office; actions against data brokers"))
)]
pub struct Doc;

/// Staff routes (behind the bearer-token layer): intake by customer-facing staff, the
/// rest for the privacy office.
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
        .merge(guarded(Capability::RecordComplaints, Router::new().route("/complaints", post(handlers::create))))
        .merge(guarded(
            Capability::ManageComplaints,
            Router::new()
                .route("/complaints", get(handlers::list))
                .route("/complaints/summary", get(handlers::summary))
                .route("/complaints/{id}", get(handlers::get))
                .route("/complaints/{id}/investigate", post(handlers::investigate))
                .route("/complaints/{id}/resolve", post(handlers::resolve))
                .route("/complaints/mail-quarantine", get(mail::list))
                .route("/complaints/mail-quarantine/{qid}", get(mail::get))
                .route("/complaints/mail-quarantine/{qid}/file", post(mail::file))
                .route("/complaints/mail-quarantine/{qid}/dismiss", post(mail::dismiss))
                .route("/broker-actions", get(brokers::list).post(brokers::record))
                .route("/broker-actions/{id}", get(brokers::get))
                .route("/broker-actions/{id}/outcome", post(brokers::outcome)),
        ))
}

/// The customer's own complaints on the portal (session cookie).
pub fn portal_routes(_state: AppState) -> Router<AppState> {
    Router::new().route("/portal/complaints", get(portal::mine).post(portal::file))
}

//! Breach response (issue 7): incidents with their facts and append-only log, every
//! clock the regime sets, the one action that notifies affected customers through the
//! outbox, and records kept through their retention date. Privacy officers and
//! administrators only (the `ManageNotices` capability).

// The helpers return the handlers' own error type, `Problem`, so `?` needs no
// conversion; boxing it would only be unboxed again at the response.
#[allow(clippy::result_large_err)]
mod annual_summary;
#[allow(clippy::result_large_err)]
mod clocks;
#[allow(clippy::result_large_err)]
mod handlers;
#[allow(clippy::result_large_err)]
mod import;
#[allow(clippy::result_large_err)]
mod lists;
#[allow(clippy::result_large_err)]
mod notify;
mod report;

use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use utoipa::OpenApi;

pub use handlers::IncidentRequest;

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::create,
        handlers::list,
        handlers::get,
        handlers::replace,
        handlers::delete,
        handlers::events,
        handlers::affected_from_audit,
        handlers::urgent_need,
        handlers::delay_order,
        handlers::extend_delay,
        handlers::release_delay,
        handlers::agency_notice,
        handlers::not_required,
        handlers::close,
        notify::notify_customers,
        report::export,
        report::report,
        clocks::clocks,
        annual_summary::annual_summary_filed,
        import::import_affected,
        lists::affected_accounts,
        lists::notices,
    ),
    components(schemas(
        handlers::IncidentRequest,
        crate::application::breach_incidents::IncidentView,
        handlers::FromAuditRequest,
        handlers::UrgentNeedRequest,
        handlers::DelayOrderRequest,
        handlers::ExtensionRequest,
        handlers::ReleaseRequest,
        handlers::AgencyNoticeRequest,
        handlers::ReasonRequest,
        crate::application::breach_clocks::ClockView,
        crate::application::breach_clocks::ClocksView,
        annual_summary::AnnualSummaryRequest,
        crate::application::breach_affected_import::ImportReport,
        crate::application::breach_affected_import::UnknownLine,
        lists::AffectedPage,
        lists::NoticePage,
    )),
    tags((name = "breach", description = "Breach incidents (47 CFR 64.2011): facts, clocks, customer notices, records"))
)]
pub struct Doc;

/// This module's routes, all behind the privacy office's capability.
pub fn routes(_state: AppState) -> Router<AppState> {
    // The list is streamed under its own limit, which the handler enforces.
    let import = post(import::import_affected).layer(DefaultBodyLimit::disable()).get(lists::affected_accounts);
    let routes = Router::new()
        .route("/breach/incidents/{id}/affected-accounts", import)
        .route("/breach/clocks", get(clocks::clocks))
        .route("/breach/incidents", get(handlers::list).post(handlers::create))
        .route("/breach/incidents/{id}", get(handlers::get).put(handlers::replace).delete(handlers::delete))
        .route("/breach/incidents/{id}/events", get(handlers::events))
        .route("/breach/incidents/{id}/notices", get(lists::notices))
        .route("/breach/incidents/{id}/affected-accounts/from-audit", post(handlers::affected_from_audit))
        .route("/breach/incidents/{id}/urgent-need", post(handlers::urgent_need))
        .route("/breach/incidents/{id}/delay-orders", post(handlers::delay_order))
        .route("/breach/incidents/{id}/delay-orders/{order}/extensions", post(handlers::extend_delay))
        .route("/breach/incidents/{id}/delay-orders/{order}/release", post(handlers::release_delay))
        .route("/breach/incidents/{id}/agency-notices", post(handlers::agency_notice))
        .route("/breach/incidents/{id}/not-required", post(handlers::not_required))
        .route("/breach/incidents/{id}/close", post(handlers::close))
        .route("/breach/incidents/{id}/annual-summary-filed", post(annual_summary::annual_summary_filed))
        .route("/breach/incidents/{id}/notify-customers", post(notify::notify_customers))
        .route("/breach/incidents/{id}/export", get(report::export))
        .route("/breach/incidents/{id}/report", get(report::report));
    routes.route_layer(axum::middleware::from_fn(|staff, req, next| {
        crate::auth::require(Capability::ManageNotices, staff, req, next)
    }))
}

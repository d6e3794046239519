//! The audit log for privacy officers and auditors, and each customer's list of
//! accesses to their own account (issue 5).

pub(crate) mod export;
mod portal;
mod staff;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

pub use crate::application::customer_access::{AccessLogView, AccessView};
pub use staff::{CheckpointList, EntryPage, HeadView};

#[derive(OpenApi)]
#[openapi(
    paths(staff::entries, staff::checkpoints, staff::head, export::export, portal::access_log),
    components(schemas(
        staff::EntryPage,
        staff::CheckpointList,
        staff::HeadView,
        cpniguard_core::audit::AuditEntry,
        cpniguard_core::audit::AuditRecord,
        cpniguard_core::audit::Principal,
        cpniguard_core::audit::PrincipalKind,
        cpniguard_core::audit::Decision,
        cpniguard_core::audit::ChainHash,
        cpniguard_core::audit::Checkpoint,
        cpniguard_core::audit::ChainHead,
        crate::application::customer_access::AccessView,
        crate::application::customer_access::AccessLogView,
    )),
    tags((name = "audit", description = "The audit chain of disclosure decisions, and each customer's access list"))
)]
pub struct Doc;

/// Staff routes (behind the bearer-token layer): privacy officers and auditors.
pub fn routes(_state: AppState) -> Router<AppState> {
    guarded(
        Capability::ReadAuditLog,
        Router::new()
            .route("/audit/entries", get(staff::entries))
            .route("/audit/checkpoints", get(staff::checkpoints))
            .route("/audit/head", get(staff::head))
            .route("/audit/export", get(export::export)),
    )
}

/// Routes that authenticate their callers themselves: the customer's portal session.
pub fn portal_routes(_state: AppState) -> Router<AppState> {
    Router::new().route("/portal/access-log", get(portal::access_log))
}

//! Marketing campaigns under supervisory review (issue 8): workflow, audiences, records.

mod audience;
mod reports;
pub(crate) mod workflow;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

pub use crate::application::campaigns::CampaignView;
pub use audience::{AudienceView, ExportFormat, ExportRequest, ExportRow, MembersView};
pub use reports::{CampaignReportRow, DisclosureRow};
pub use workflow::{CampaignRequest, EditRequest, ReviewRequest, TransitionRequest};

#[derive(OpenApi)]
#[openapi(
    paths(
        workflow::create,
        workflow::edit,
        workflow::submit,
        workflow::review,
        workflow::start,
        workflow::complete,
        workflow::withdraw,
        workflow::delete,
        workflow::get_one,
        workflow::list,
        audience::compute,
        audience::members,
        audience::export,
        reports::report,
        reports::third_party_disclosures,
    ),
    components(schemas(
        CampaignRequest,
        CampaignView,
        EditRequest,
        ReviewRequest,
        TransitionRequest,
        AudienceView,
        cpniguard_store::campaigns::AudienceSnapshot,
        cpniguard_store::campaigns::AudienceMember,
        MembersView,
        ExportFormat,
        ExportRequest,
        ExportRow,
        CampaignReportRow,
        DisclosureRow,
    ))
)]
pub struct Doc;

/// Staff routes (behind the bearer-token layer), each group behind its capability:
/// marketing drafts, submits, runs and exports; supervisors review; privacy officers,
/// auditors and the rest read; the third-party access log is the audit log's.
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
        .merge(guarded(
            Capability::DraftCampaigns,
            Router::new()
                .route("/campaigns", post(workflow::create))
                .route("/campaigns/{id}", axum::routing::put(workflow::edit).delete(workflow::delete))
                .route("/campaigns/{id}/submit", post(workflow::submit))
                .route("/campaigns/{id}/start", post(workflow::start))
                .route("/campaigns/{id}/complete", post(workflow::complete))
                .route("/campaigns/{id}/withdraw", post(workflow::withdraw))
                .route("/campaigns/{id}/audiences", post(audience::compute))
                .route("/campaigns/{id}/audiences/{audience}/exports", post(audience::export)),
        ))
        .merge(guarded(
            Capability::ReviewCampaigns,
            Router::new().route("/campaigns/{id}/review", post(workflow::review)),
        ))
        .merge(guarded(
            Capability::ReadCampaigns,
            Router::new()
                .route("/campaigns", get(workflow::list))
                .route("/campaigns/report", get(reports::report))
                .route("/campaigns/{id}", get(workflow::get_one))
                .route("/campaigns/{id}/audiences/{audience}", get(audience::members)),
        ))
        .merge(guarded(
            Capability::ReadAuditLog,
            Router::new().route("/campaigns/third-party-disclosures", get(reports::third_party_disclosures)),
        ))
}

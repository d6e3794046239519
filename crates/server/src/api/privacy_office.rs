//! The privacy office (issue 9): staff CPNI training and discipline records
//! (`ManageTraining`), the annual CPNI certification and the compliance dashboard
//! (`Certify`).

// The helpers return the handlers' own error type, `Problem`, so `?` needs no
// conversion; boxing it would only be unboxed again at the response.
#[allow(clippy::result_large_err)]
pub mod certification;
#[allow(clippy::result_large_err)]
pub mod dashboard;
#[allow(clippy::result_large_err)]
pub mod training;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        training::record,
        training::list,
        training::import,
        training::rejects,
        training::lapsing_list,
        training::record_discipline,
        training::list_discipline,
        certification::list,
        certification::get_document,
        certification::draft,
        certification::sign,
        certification::file,
        dashboard::dashboard,
    ),
    components(schemas(
        training::TrainingRequest,
        training::TrainingView,
        crate::application::training::RejectView,
        crate::application::training::ImportView,
        training::QuarantinedRowView,
        crate::application::training::LapsingView,
        training::DisciplineRequest,
        training::DisciplineView,
        certification::DraftRequest,
        certification::CertificationFilingRequest,
        crate::application::certification::CertificationView,
        crate::application::certification::figures::CertificationFigures,
        crate::application::certification::figures::Period,
        crate::application::certification::figures::Party,
        crate::application::certification::figures::ApprovalSection,
        crate::application::certification::figures::TrainingSection,
        crate::application::certification::figures::CampaignSection,
        crate::application::certification::figures::AuthenticationSection,
        crate::application::certification::figures::ChangeNoticeSection,
        crate::application::certification::figures::BreachSection,
        crate::application::certification::figures::BrokerActionSection,
        crate::application::certification::figures::ComplaintSection,
        crate::application::privacy_dashboard::DashboardView,
        crate::application::privacy_dashboard::BreachClockCounts,
        crate::application::privacy_dashboard::NextCertification,
    )),
    tags((name = "privacy-office", description = "Training and discipline, the annual CPNI certification (47 CFR 64.2009), the compliance dashboard"))
)]
pub struct Doc;

/// Staff routes (behind the bearer-token layer), each group behind its capability.
pub fn routes(_state: AppState) -> Router<AppState> {
    let training = guarded(
        Capability::ManageTraining,
        Router::new()
            .route("/privacy-office/training", get(training::list).post(training::record))
            .route("/privacy-office/training/import", post(training::import))
            .route("/privacy-office/training/import-rejects", get(training::rejects))
            .route("/privacy-office/training/lapsing", get(training::lapsing_list))
            .route("/privacy-office/discipline", get(training::list_discipline).post(training::record_discipline)),
    );
    let certify = guarded(
        Capability::Certify,
        Router::new()
            .route("/privacy-office/certifications", get(certification::list))
            .route("/privacy-office/certifications/{year}", get(certification::get_document))
            .route("/privacy-office/certifications/{year}/draft", post(certification::draft))
            .route("/privacy-office/certifications/{year}/sign", post(certification::sign))
            .route("/privacy-office/certifications/{year}/file", post(certification::file))
            .route("/privacy-office/dashboard", get(dashboard::dashboard)),
    );
    training.merge(certify)
}

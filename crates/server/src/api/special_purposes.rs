//! Special purposes (issue 5): legal process and fraud cases recorded by the privacy
//! office, the PIC-freeze inquiry for other carriers, the directory-listing export.

mod directory;
mod pic_freeze;
mod records;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

pub use directory::{DirectoryPage, Listing};
pub use pic_freeze::PicFreezeAnswer;
pub use records::{FraudCaseView, LegalProcessView};

#[derive(OpenApi)]
#[openapi(
    paths(
        records::record_legal_process,
        records::list_legal_processes,
        records::get_legal_process,
        records::open_fraud_case,
        records::list_fraud_cases,
        records::get_fraud_case,
        records::close_fraud_case,
        pic_freeze::pic_freeze_inquiry,
        directory::export,
    ),
    components(schemas(
        records::LegalProcessRequest,
        records::LegalProcessView,
        records::FraudCaseRequest,
        records::FraudCaseView,
        pic_freeze::PicFreezeAnswer,
        directory::ExportFormat,
        directory::ListingAddress,
        directory::Listing,
        directory::DirectoryPage,
    )),
    tags((name = "special purposes", description = "Legal process, fraud cases, PIC-freeze inquiries, directory listings"))
)]
pub struct Doc;

/// Staff routes (behind the bearer-token layer), each group behind its capability.
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
        .merge(guarded(
            Capability::ManageSpecialPurposes,
            Router::new()
                .route("/legal-processes", get(records::list_legal_processes).post(records::record_legal_process))
                .route("/legal-processes/{id}", get(records::get_legal_process))
                .route("/fraud-cases", get(records::list_fraud_cases).post(records::open_fraud_case))
                .route("/fraud-cases/{id}", get(records::get_fraud_case))
                .route("/fraud-cases/{id}/close", post(records::close_fraud_case)),
        ))
        .merge(guarded(
            Capability::AnswerPicFreezeInquiry,
            Router::new().route("/carrier/pic-freeze", get(pic_freeze::pic_freeze_inquiry)),
        ))
        .merge(guarded(Capability::ExportDirectory, Router::new().route("/directory-listings", get(directory::export))))
}

//! Call detail imports over HTTP (issue 19): streamed uploads by the billing role
//! (`upload`: switch files, and the billing system's account export through the same
//! sync as the CLI, `application::billing_sync`), and the privacy office's view of the import quarantine, through the
//! disclosure gate (`quarantine`).

pub mod quarantine;
pub mod upload;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::post;
use utoipa::OpenApi;

/// Paths whose request body is streamed into an import: the overall request timeout
/// does not apply to them (a large file takes as long as it takes); each waits at most
/// the timeout for the next chunk instead.
pub const STREAMED_UPLOADS: &[&str] = &["/api/v1/imports/cdr", "/api/v1/imports/accounts"];

#[derive(OpenApi)]
#[openapi(
    paths(upload::cdr, upload::accounts, quarantine::list, quarantine::show, quarantine::discard),
    components(schemas(crate::application::cdr_import::ImportSummary, crate::application::billing_sync::BillingSyncSummary, crate::application::billing_sync::RematchView, crate::application::import_quarantine::QuarantinedRow, crate::application::import_quarantine::QuarantinePage, crate::application::import_quarantine::Discarded)),
    tags((name = "imports", description = "Call detail and billing imports, and the rows they could not store"))
)]
pub struct Doc;

/// Staff routes.
pub fn routes() -> Router<AppState> {
    let uploads = guarded(
        Capability::ImportRecords,
        Router::new().route("/imports/cdr", post(upload::cdr)).route("/imports/accounts", post(upload::accounts)),
    );
    quarantine::routes().merge(uploads)
}

//! Call detail imports over HTTP (issue 19): streamed uploads by the billing role
//! (`upload`), and the privacy office's view of the import quarantine, through the
//! disclosure gate (`quarantine`).

pub mod quarantine;
pub mod upload;

pub use upload::ImportSummary;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::routing::post;
use utoipa::OpenApi;

/// Paths whose request body is streamed into an import: the overall request timeout
/// does not apply to them (a large file takes as long as it takes); each waits at most
/// the timeout for the next chunk instead.
pub const STREAMED_UPLOADS: &[&str] = &["/api/v1/imports/cdr"];

#[derive(OpenApi)]
#[openapi(
    paths(upload::cdr, quarantine::list, quarantine::show, quarantine::discard),
    components(schemas(upload::ImportSummary, quarantine::QuarantinedRow, quarantine::QuarantinePage, quarantine::Discarded)),
    tags((name = "imports", description = "Call detail and billing imports, and the rows they could not store"))
)]
pub struct Doc;

/// Staff routes.
pub fn routes() -> Router<AppState> {
    let uploads = guarded(Capability::ImportRecords, Router::new().route("/imports/cdr", post(upload::cdr)));
    quarantine::routes().merge(uploads)
}

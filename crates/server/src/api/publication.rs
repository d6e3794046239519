//! The published CPNI policy (issue 9): drafts, publication, the public page and the
//! material-change mailing. The privacy office (`PublishPolicy`) writes and publishes
//! versions and watches the mailing; anyone reads the policy and the home page.

mod mailing;
mod markdown;
#[allow(clippy::result_large_err)]
mod pages;
// The helpers return the handlers' own error type, `Problem`, so `?` needs no conversion.
#[allow(clippy::result_large_err)]
mod versions;

use crate::auth::{guarded, roles::Capability};
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

pub use mailing::MailingView;
pub(crate) use pages::choose_language;
pub use versions::{PolicyVersionRequest, PolicyVersionView};

#[derive(OpenApi)]
#[openapi(
    paths(
        versions::create,
        versions::list,
        versions::get,
        versions::update,
        versions::publish,
        mailing::progress,
        mailing::resume,
        pages::current,
        pages::version,
        pages::home,
    ),
    components(schemas(
        versions::PolicyVersionRequest,
        versions::PolicyVersionView,
        versions::PolicyTextBody,
        mailing::MailingView,
    )),
    tags((name = "publication", description = "The published CPNI policy in English and Spanish, and the material-change mailing"))
)]
pub struct Doc;

/// Staff routes (behind the bearer-token layer): the privacy office's.
pub fn routes(_state: AppState) -> Router<AppState> {
    guarded(
        Capability::PublishPolicy,
        Router::new()
            .route("/policy/versions", get(versions::list).post(versions::create))
            .route("/policy/versions/{version}", get(versions::get).put(versions::update))
            .route("/policy/versions/{version}/publish", post(versions::publish))
            .route("/policy/versions/{version}/mailing", get(mailing::progress))
            .route("/policy/versions/{version}/mailing/resume", post(mailing::resume)),
    )
}

/// Routes that authenticate their callers themselves (customers, or nobody: public).
/// The public pages live at the top level instead: see [`public_routes`].
pub fn portal_routes(_state: AppState) -> Router<AppState> {
    Router::new()
}

/// Public pages outside `/api/v1`, no authentication: `/`, `/privacy`,
/// `/privacy/versions/{version}`.
pub fn public_routes(_state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/privacy", get(pages::current))
        .route("/privacy/versions/{version}", get(pages::version))
}

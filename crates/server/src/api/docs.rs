//! The OpenAPI document, served at `/api/v1/openapi.json` and browsable offline at
//! `/api/docs` (Swagger UI is vendored into the binary: no CDN).

mod layer_errors;

use super::{accounts, cpni, health, notices};
use crate::problem::Problem;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CPNI Guard API",
        description = "The system of record and the gate in front of customer proprietary network information (CPNI). \
Errors are RFC 9457 problem details (application/problem+json) with a stable `code`. Staff authenticate with \
`Authorization: Bearer <token>` (tokens are issued by `cpniguard staff add`). Every response carries an \
`x-request-id` header."
    ),
    paths(
        health::healthz,
        health::readyz,
        health::metrics,
        accounts::create,
        accounts::get,
        accounts::search,
        accounts::update_profile,
        accounts::change_contact_points,
        accounts::contact_history,
        cpni::services,
        cpni::calls,
        cpni::invoices,
        cpni::invoice,
        cpni::own_calls,
        cpni::own_services,
        cpni::own_invoices,
        notices::list,
        notices::get,
        notices::retry,
        notices::tasks,
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Accounts and their contact points (subscriber and contact information, not CPNI)"),
        (name = "cpni", description = "Services, call detail and invoices: CPNI"),
        (name = "notices", description = "The customer-notices outbox (account-change notices go to the contact points of record before a change, never to the new value) and privacy-office tasks. Text and voice notices are delivered by POSTing to the carrier's messaging webhook (configured under [notices.webhook]) a JSON body {\"notice_id\", \"idempotency_key\", \"channel\": \"sms\"|\"voice\", \"to\": E.164 number, \"language\": \"en\"|\"es\", \"text\"} with the configured authentication header; any 2xx is delivered, anything else or a timeout is retried with exponential backoff and the same idempotency_key, so the platform can drop duplicates."),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// The whole document: the paths above plus those each feature module declares in its
/// own `OpenApi` (so features can be added without editing one long list).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::customer_auth::Doc::openapi());
    doc.merge(super::consent::Doc::openapi());
    doc.merge(super::breach::Doc::openapi());
    doc.merge(super::campaigns::Doc::openapi());
    doc.merge(super::privacy_office::Doc::openapi());
    doc.merge(super::complaints::Doc::openapi());
    doc.merge(super::publication::Doc::openapi());
    doc.merge(super::audit_log::Doc::openapi());
    doc.merge(super::special_purposes::Doc::openapi());
    doc.merge(super::legal_holds::Doc::openapi());
    doc.merge(super::imports::Doc::openapi());
    layer_errors::add_to(&mut doc);
    doc
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("A staff API token")).build(),
            ),
        );
    }
}

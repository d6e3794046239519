//! The web console (issue 17): server-rendered HTML for staff, served by the same
//! binary. Templates are compiled in (askama, escaping by default); htmx (vendored in
//! `assets/`, configured for a strict CSP) swaps fragments; one stylesheet; no request
//! leaves the server's origin. Every handler is an adapter: extract → call the
//! application layer (`crate::application`) or the gate → render.
//!
//! Security: a session cookie (`session`), a CSRF token on every state-changing request
//! (`session::require_csrf`, a layer over every route here), a stricter CSP than the
//! API's (no inline styles or scripts), and CPNI only in fragments the gate allowed.

pub mod audit;
mod csr;
pub mod forms;
pub mod pages;
pub mod privacy;
pub mod session;
mod sign_in;
pub mod supervisor;

use crate::auth::roles::Capability;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

/// No inline script or style, nothing from another origin, no framing, forms only to us.
pub(crate) const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const HTMX: &[u8] = include_bytes!("../../assets/htmx.min.js");
const CSS: &[u8] = include_bytes!("../../assets/console.css");

/// The console's routes, each group behind the capability the API's role table gives
/// the same operation (`auth::roles`), so the screens allow exactly what the API does.
pub fn routes(state: &AppState) -> Router<AppState> {
    let behind = |capability, routes| session::guarded(capability, routes, state);
    let interactions = Router::new()
        .route("/console/accounts/{id}/interactions", post(csr::open_interaction))
        .route("/console/interactions/{id}", get(csr::interaction))
        .route("/console/interactions/{id}/verify", post(csr::verify))
        .route("/console/interactions/{id}/call-back", post(csr::call_back))
        .route("/console/interactions/{id}/call-back/confirm", post(csr::confirm_call_back))
        .route("/console/interactions/{id}/volunteered", post(csr::volunteered))
        .route("/console/interactions/{id}/photo-id", post(csr::photo_id))
        .route("/console/interactions/{id}/end", post(csr::end))
        .route("/console/interactions/{id}/cleared", get(csr::cleared))
        .route("/console/interactions/{id}/password-reset", post(csr::password_reset));
    // What reveals or sends CPNI: a refusal here before the gate (an interaction not
    // the CSR's, an unknown one, bad input) is recorded like the API's.
    let cpni = Router::new()
        .route("/console/interactions/{id}/calls", get(csr::calls))
        .route("/console/interactions/{id}/invoices", get(csr::invoices))
        .route("/console/interactions/{id}/deliver", post(csr::deliver))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::refusals::console));
    let account_changes = Router::new().route("/console/interactions/{id}/contact", post(csr::change_contact));
    let accounts = Router::new().route("/console", get(csr::home)).route("/console/accounts/{id}", get(csr::account));
    Router::new()
        .route("/console/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/console/sign-out", post(sign_in::sign_out))
        .merge(behind(Capability::ReadAccounts, accounts))
        .merge(behind(Capability::AuthenticateCustomers, interactions.merge(cpni)))
        .merge(behind(Capability::WriteAccounts, account_changes))
        .merge(behind(Capability::ManageConsent, privacy::routes()))
        .merge(behind(Capability::Certify, privacy::certification_routes()))
        .merge(behind(Capability::ReadAuditLog, audit::routes()))
        .merge(behind(Capability::ReviewCampaigns, supervisor::routes()))
        .layer(axum::middleware::from_fn(session::require_csrf))
        .route("/console/assets/htmx.min.js", get(|| async { asset("text/javascript", HTMX) }))
        .route("/console/assets/console.css", get(|| async { asset("text/css", CSS) }))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        ))
}

fn asset(content_type: &'static str, body: &'static [u8]) -> impl IntoResponse {
    // Assets carry no customer data; they may be cached (the global layer only adds
    // no-store where a response sets no cache policy of its own).
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}

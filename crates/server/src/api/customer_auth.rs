//! Customer authentication: credentials, interactions, evidence, delivery to the address of record, recovery, lockout, portal login (issue 4).
//!
//! Staff routes (bearer token): interactions a CSR opens and records evidence in, the
//! secrets set within them, deliveries to the address of record, and the privacy
//! officer's locks and pretexting signals. Portal routes authenticate the customer
//! themselves (login → session cookie, see `auth::customer`), and recovery.

mod admin;
pub(crate) mod call_back;
pub(crate) mod delivery;
pub mod exemption;
mod interactions;
mod portal;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post, put};
use utoipa::OpenApi;

/// This module's part of the OpenAPI document (merged in `api::docs`).
#[derive(OpenApi)]
#[openapi(
    paths(
        interactions::open,
        interactions::get,
        interactions::verify,
        interactions::photo_id,
        interactions::call_back,
        interactions::confirm_call_back,
        interactions::volunteered,
        interactions::end,
        interactions::contract,
        interactions::set_credential,
        delivery::by_staff,
        admin::locks,
        admin::clear_lock,
        admin::signals,
        admin::lock_lifts,
        exemption::set,
        exemption::remove,
        exemption::history,
        call_back::answered,
        portal::login,
        portal::logout,
        portal::session,
        portal::set_credential,
        delivery::by_customer,
        portal::request_recovery,
        portal::complete_recovery,
    ),
    components(schemas(Problem)),
    modifiers(&SessionCookie),
    tags(
        (name = "customer_authentication", description = "Authenticating a customer before any CPNI is discussed (47 CFR 64.2010). \
A CSR opens an interaction for an account on a channel (phone, online, in_store, chat); it belongs to that CSR and expires \
after `customer_auth.interaction_minutes`. Evidence is recorded as it is presented, and the interaction's `summary` says what it opens: \
on the phone or in a chat, the password opens call detail and all other CPNI; a completed call back to the telephone number of record \
(the system gives the number to dial, never one the caller offers) authenticates the customer; the PIN or the back-up answer open CPNI \
other than call detail, and call detail then only by delivery to the address of record (email or postal, associated at least 30 days) \
or after a call back; call details the caller volunteered unprompted may be discussed, only those. In store, a valid unexpired \
government photo ID matching the account opens everything. Online, the password (portal login) opens everything. A business-exempt \
account may be authenticated under its contract instead. Failed checks are recorded too: once the password and the back-up answer \
have both failed in one interaction, no further secret is checked and only recovery (POST /api/v1/portal/recovery) remains. \
Failures lock the account (default 5 in 15 minutes lock it for 30). A staff member's checks are never limited by network address: \
failing on 15 distinct accounts in 10 minutes raises a pretexting signal naming them, and from 25 their failed checks are answered \
after a growing delay. The privacy officer lists and lifts locks (with a reason, kept), reads the pretexting-signals feed, and alone \
(with administrators) sets a business account's contract exemption, under which its setter may not authenticate callers. A photo ID \
or a CSR-confirmed call back is marked staff-attested; with a voice channel configured, the system places the call back and the \
telephony platform confirms it. Secrets are Argon2id-hashed and never returned."),
        (name = "portal", description = "The customer's own portal: login with the account email and password only (no biographical or \
account information; the answer never says whether an account exists), a session cookie `cpniguard_session` (HttpOnly, SameSite=Strict, \
Secure over TLS) whose `online` interaction carries `password_verified` and so opens the account's CPNI, logout, setting a secret, \
documents sent to the address of record, and recovery: a single-use, expiring code sent to the email address of record only, \
which lets the customer set a new secret."),
    )
)]
pub struct Doc;

/// The portal's session cookie as a security scheme (`cpniguard_session`).
struct SessionCookie;

impl utoipa::Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            crate::auth::customer::SESSION_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::customer::SESSION_COOKIE,
                "The customer portal session, set by POST /api/v1/portal/login (HttpOnly, SameSite=Strict)",
            ))),
        );
    }
}

/// This module's routes, each group behind its capability (see `auth::roles`).
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
        .merge(guarded(
            Capability::AuthenticateCustomers,
            Router::new()
                .route("/accounts/{id}/interactions", post(interactions::open))
                .route("/interactions/{id}", get(interactions::get))
                .route("/interactions/{id}/verify", post(interactions::verify))
                .route("/interactions/{id}/photo-id", post(interactions::photo_id))
                .route("/interactions/{id}/call-back", post(interactions::call_back))
                .route("/interactions/{id}/call-back/confirm", post(interactions::confirm_call_back))
                .route("/interactions/{id}/volunteered", post(interactions::volunteered))
                .route("/interactions/{id}/end", post(interactions::end))
                .route("/interactions/{id}/contract", post(interactions::contract))
                .route("/interactions/{id}/credentials", post(interactions::set_credential))
                .route("/interactions/{id}/deliveries", post(delivery::by_staff)),
        ))
        .merge(guarded(
            Capability::ManageCustomerAuth,
            Router::new()
                .route("/auth-locks", get(admin::locks))
                .route("/accounts/{id}/auth-lock", delete(admin::clear_lock))
                .route("/accounts/{id}/auth-lock/lifts", get(admin::lock_lifts))
                .route("/pretexting-signals", get(admin::signals)),
        ))
        .merge(guarded(
            Capability::SetBusinessExemption,
            Router::new().route("/accounts/{id}/business-exemption", put(exemption::set).delete(exemption::remove)),
        ))
        .merge(guarded(
            Capability::ReadAccounts,
            Router::new().route("/accounts/{id}/business-exemption/history", get(exemption::history)),
        ))
}

/// Routes that are not behind the staff bearer token (they authenticate customers or
/// callers themselves).
pub fn portal_routes(_state: AppState) -> Router<AppState> {
    Router::new()
        .route("/portal/login", post(portal::login))
        .route("/portal/logout", post(portal::logout))
        .route("/portal/session", get(portal::session))
        .route("/portal/credentials", post(portal::set_credential))
        .route("/portal/deliveries", post(delivery::by_customer))
        .route("/portal/recovery", post(portal::request_recovery))
        .route("/portal/recovery/complete", post(portal::complete_recovery))
        .route("/telephony/call-backs/answered", post(call_back::answered))
}

pub(crate) use crate::application::accounts::load as load_account;
pub(crate) use crate::application::secret_checks::{record_signal, store_secret};
pub use crate::auth::client::ClientIp;

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
pub mod secrets;
pub(crate) mod staff_checks;

use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use chrono::{DateTime, Utc};
use cpniguard_core::account::Account;
use cpniguard_core::authn::check_record::{CheckOutcome, check_record};
use cpniguard_core::authn::{KnownFacts, LockState, Secret, SecretKind, validate_secret};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::{AccountBefore, NoticeId, NoticeKind, SideEffects, account_change_notices};
use cpniguard_store::TokenHash;
use cpniguard_store::auth::{FailedAttempt, PretextingSignal, StoredCredential};
use secrets::SecretHasher;
use std::net::IpAddr;
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

/// The configured Argon2id parameters are invalid (logged; answered as a 500).
#[derive(Debug)]
pub(crate) struct HasherUnavailable;

impl From<HasherUnavailable> for Problem {
    fn from(_: HasherUnavailable) -> Self {
        Problem::internal()
    }
}

pub(crate) fn hasher(state: &AppState) -> Result<SecretHasher, HasherUnavailable> {
    SecretHasher::for_config(&state.config.customer_auth).map_err(|e| {
        tracing::error!(error = %e, "customer_auth argon2 configuration");
        HasherUnavailable
    })
}

pub(crate) async fn load_account(state: &AppState, id: AccountId) -> Result<Account, Problem> {
    state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))
}

pub use crate::auth::client::ClientIp;
pub(crate) use call_back::staff_attested;

/// Who is checking a secret: the staff member (if any) and the network source.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub staff: Option<StaffId>,
    pub ip: IpAddr,
}

/// Why a check did not pass.
pub(crate) enum CheckFailure {
    Locked(DateTime<Utc>),
    NoSuchSecret,
    Mismatch(LockState),
    /// The check's audit entry could not be written: nothing is answered but 503.
    Unrecorded,
}

impl CheckFailure {
    /// The problem shown to a CSR (the portal shows one generic answer instead).
    pub(crate) fn problem(self, kind: SecretKind, max: u32) -> Problem {
        match self {
            CheckFailure::Unrecorded => unrecorded(),
            CheckFailure::Locked(until) => locked(until),
            CheckFailure::NoSuchSecret => Problem::new(
                StatusCode::CONFLICT,
                "no_credential",
                "No such secret",
                format!("the account has no {} set; use another method or recovery", kind.as_str()),
            ),
            CheckFailure::Mismatch(state) if state.locked_until.is_some() => {
                locked(state.locked_until.unwrap_or_default())
            }
            CheckFailure::Mismatch(state) => Problem::new(
                StatusCode::FORBIDDEN,
                "verification_failed",
                "Verification failed",
                format!(
                    "the {} given does not match; {} more failed attempt(s) lock the account",
                    kind.as_str(),
                    max.saturating_sub(state.failures)
                ),
            ),
        }
    }
}

pub(crate) fn unrecorded() -> Problem {
    Problem::unavailable("the check could not be recorded in the audit log; try again")
}

/// The password and the back-up answer have both failed in this interaction
/// (`core::authn::only_recovery_remains`): no further secret is checked in it.
pub(crate) fn recovery_only() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "recovery_required",
        "Only recovery remains",
        "the password and the back-up answer have both failed in this interaction: no further secret is checked in it; the customer must use recovery (POST /api/v1/portal/recovery), which sends a single-use code to the email address of record",
    )
}

fn locked(until: DateTime<Utc>) -> Problem {
    Problem::new(
        StatusCode::LOCKED,
        "account_locked",
        "Account locked",
        format!(
            "too many failed checks: the account is locked until {} (no secret is checked until then); a privacy officer can clear the lock, or the customer can use recovery or another method",
            until.to_rfc3339()
        ),
    )
}

/// Check a secret: the account lock (a locked account is refused even with the right
/// secret), Argon2id verification on the blocking pool, and the failure counted
/// against the account. With no account (an unknown portal email), or no such secret,
/// a dummy hash is verified so the work is the same. Delays and limits are the
/// caller's: per staff member for staff (`staff_checks`), per source on the portal.
/// A check on an account is an audit entry with its outcome
/// (`core::authn::check_record`), committed before the answer: one that cannot be
/// recorded is refused (`Unrecorded`), verified or not.
#[tracing::instrument(skip_all)]
pub(crate) async fn check_secret(
    state: &AppState,
    account: Option<AccountId>,
    kind: SecretKind,
    secret: Secret,
    actor: &Actor,
) -> Result<(), CheckFailure> {
    let outcome = verify_secret(state, account, kind, secret, actor).await;
    if let Some(account) = account {
        let result = match &outcome {
            Ok(()) => CheckOutcome::Verified,
            Err(CheckFailure::Locked(_)) => CheckOutcome::Locked,
            Err(CheckFailure::Mismatch(_)) => CheckOutcome::Mismatch,
            Err(CheckFailure::NoSuchSecret | CheckFailure::Unrecorded) => CheckOutcome::NoSuchSecret,
        };
        let record = check_record(account, actor.staff, kind, result, &actor.ip.to_string(), state.now());
        if let Err(e) = state.gate.record_event(record).await {
            tracing::error!(error = %e, "a credential check could not be audited; refusing");
            return Err(CheckFailure::Unrecorded);
        }
    }
    outcome
}

async fn verify_secret(
    state: &AppState,
    account: Option<AccountId>,
    kind: SecretKind,
    secret: Secret,
    actor: &Actor,
) -> Result<(), CheckFailure> {
    let hasher = hasher(state).map_err(|_| CheckFailure::NoSuchSecret)?;
    let Some(account) = account else {
        hasher.verify_blocking(kind, None, secret).await;
        return Err(CheckFailure::NoSuchSecret);
    };
    let now = state.now();
    let lock = state.store.lock_state(account).await.map_err(|_| CheckFailure::NoSuchSecret)?;
    if let Some(until) = lock.locked_until.filter(|_| lock.is_locked(now)) {
        hasher.verify_blocking(kind, None, secret).await;
        metrics::counter!("cpniguard_auth_checks_refused_total", "limit" => "account_lockout").increment(1);
        return Err(CheckFailure::Locked(until));
    }
    let stored = state.store.get_credential(account, kind).await.map_err(|_| CheckFailure::NoSuchSecret)?;
    let Some(stored) = stored else {
        hasher.verify_blocking(kind, None, secret).await;
        return Err(CheckFailure::NoSuchSecret);
    };
    if hasher.verify_blocking(kind, Some(stored.hash), secret).await {
        metrics::counter!("cpniguard_customer_auth_checks_total", "result" => "verified").increment(1);
        if lock.failures > 0 {
            let _ = state.store.reset_auth_failures(account).await;
        }
        return Ok(());
    }
    metrics::counter!("cpniguard_customer_auth_checks_total", "result" => "mismatch").increment(1);
    let policy = state.config.customer_auth.lockout_policy();
    let attempt = FailedAttempt { account_id: account, staff_id: actor.staff, source: actor.ip.to_string(), kind };
    let after =
        state.store.record_auth_failure(&attempt, &policy, now).await.map_err(|_| CheckFailure::NoSuchSecret)?;
    Err(CheckFailure::Mismatch(after))
}

pub(crate) async fn record_signal(
    state: &AppState,
    kind: &'static str,
    account: Option<AccountId>,
    actor: &Actor,
    detail: String,
) {
    metrics::counter!("cpniguard_pretexting_signals_total", "kind" => kind).increment(1);
    tracing::warn!(signal = kind, "pretexting signal");
    let signal = PretextingSignal {
        id: uuid::Uuid::now_v7(),
        kind: kind.to_owned(),
        account_id: account,
        staff_id: actor.staff,
        source: Some(actor.ip.to_string()),
        detail,
        created_at: state.now(),
    };
    if let Err(e) = state.store.record_signal(&signal).await {
        tracing::error!(error = %e, "recording a pretexting signal");
    }
}

pub(crate) fn change_kind(kind: SecretKind) -> NoticeKind {
    match kind {
        SecretKind::Password => NoticeKind::PasswordChanged,
        SecretKind::Pin => NoticeKind::PinChanged,
        SecretKind::BackupAnswer => NoticeKind::BackupQuestionChanged,
    }
}

/// Validate, hash and store a new secret, queuing the account-change notice to the
/// contact points of record in the same transaction. With `recovery_token`, that token
/// is used up in that transaction too.
#[tracing::instrument(skip_all)]
pub(crate) async fn store_secret(
    state: &AppState,
    account: &Account,
    kind: SecretKind,
    secret: Secret,
    question: Option<String>,
    date_of_birth: Option<chrono::NaiveDate>,
    recovery_token: Option<&TokenHash>,
) -> Result<Vec<NoticeId>, Problem> {
    let history = state.store.contact_history(account.id).await?;
    let mut facts = KnownFacts::of_account(account, &history);
    facts.date_of_birth = date_of_birth;
    validate_secret(kind, &secret, &facts)?;
    let question = match kind {
        SecretKind::BackupAnswer => {
            let q = question.map(|q| q.trim().to_owned()).filter(|q| (5..=200).contains(&q.chars().count()));
            Some(q.ok_or_else(|| {
                cpniguard_core::ValidationError::new(
                    "question",
                    "a back-up answer needs its question (5 to 200 characters)",
                )
            })?)
        }
        _ => None,
    };
    let now = state.now();
    let hash = hasher(state)?.hash_blocking(kind, secret).await;
    let before = AccountBefore {
        account_id: account.id,
        name: &account.profile.name,
        language: account.profile.language,
        contact_points: &account.contact_points,
    };
    let change_ref = format!("{}:secret:{}", account.id, uuid::Uuid::now_v7());
    let effects: SideEffects = account_change_notices(
        &before,
        &[change_kind(kind)],
        &state.config.notices.routing,
        crate::api::accounts::of_record_rule(state),
        &change_ref,
        now,
    );
    let credential = StoredCredential { kind, hash, question, updated_at: now };
    let notices = state.store.set_credential(account.id, &credential, recovery_token, &effects, now).await?;
    tracing::info!(account = %account.id, kind = kind.as_str(), notices = notices.len(), "customer secret set");
    Ok(notices)
}

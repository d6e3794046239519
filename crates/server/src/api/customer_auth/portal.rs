//! The customer portal: login by email + password (a session cookie), logout, the
//! session, setting a secret, and recovery by a single-use code sent to the email of
//! record. Login never says whether an account exists.

use super::interactions::{SecretSetView, SetSecretRequest};
use super::{Actor, CheckFailure, ClientIp, check_secret, load_account, record_signal, store_secret};
use crate::api::accounts::of_record_rule;
use crate::auth::customer::{CurrentCustomer, cleared_cookie, session_cookie};
use crate::auth::tokens;
use crate::auth::unidentified::Unidentified;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel, Secret, SecretKind};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind, SideEffects};
use cpniguard_store::auth::{Evidence, Interaction, PortalSession, RecoveryToken};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Only the account email and the password: the login never asks for biographical or
/// account information.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: Secret,
}

/// The portal session (the token itself is only in the `cpniguard_session` cookie).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub account_id: AccountId,
    pub expires_at: DateTime<Utc>,
}

/// The one answer to every failed login, whatever the reason.
fn login_refused() -> Problem {
    Problem::unauthenticated("the email address or password is not right")
}

/// After a failed sign-in, whatever the email (existing, unknown, locked, no password):
/// count it against the client, look for one client failing on many accounts, and
/// answer no sooner than `portal_failure_min_ms` after the request `arrived` plus the
/// back-off of that client's failures — the same delay every time, so neither the
/// answer nor its timing says whether an account exists or is locked.
async fn failed_sign_in(
    state: &AppState,
    who: &Actor,
    key: &str,
    account: Option<AccountId>,
    failure: CheckFailure,
    arrived: tokio::time::Instant,
) -> Result<Problem, Problem> {
    if matches!(failure, CheckFailure::Unrecorded) {
        return Err(super::unrecorded());
    }
    if account.is_none() {
        // No account has this email: no identity to record the attempt under.
        state.unidentified.count(state, Unidentified::PortalSignIn, key).await;
    }
    let counted = state.portal_limit.record_failure(state, key).await?;
    let c = &state.config.customer_auth;
    let since = state.now() - Duration::minutes(c.signal_window_minutes.into());
    let accounts = state.store.failed_accounts_since(None, &who.ip.to_string(), since).await?;
    if accounts >= u64::from(c.signal_failed_accounts) && matches!(failure, CheckFailure::Mismatch(_)) {
        let detail = format!(
            "one client address failed portal sign-in on {accounts} accounts within {} minutes",
            c.signal_window_minutes
        );
        record_signal(state, "failures_across_accounts", account, who, detail).await;
    }
    let floor = std::time::Duration::from_millis(c.portal_failure_min_ms);
    tokio::time::sleep_until(arrived + floor + c.lockout_policy().delay(counted.failures)).await;
    Ok(login_refused())
}

/// Log in with the account email and password: opens an `online` interaction with
/// `password_verified` and sets the `cpniguard_session` cookie (HttpOnly,
/// SameSite=Strict, Secure when configured). Every failure has the same answer, so it
/// never reveals whether an account exists.
#[utoipa::path(
    post, path = "/api/v1/portal/login", tag = "portal",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = SessionView,
            headers(("set-cookie" = String, description = "cpniguard_session=<token>; Path=/api/v1; HttpOnly; SameSite=Strict; Max-Age=<seconds>"))),
        (status = 401, description = "The email address or password is not right (the same answer whatever the reason)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed checks from this source", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let arrived = tokio::time::Instant::now();
    let who = Actor { staff: None, ip: client.0 };
    let key = client.key();
    if let Some(wait) = state.portal_limit.blocked_secs(&state, &key).await? {
        return Err(Problem::rate_limited(wait));
    }
    let account = state.store.account_by_email(req.email.trim()).await?;
    if let Err(failure) = check_secret(&state, account, SecretKind::Password, req.password, &who).await {
        return Err(failed_sign_in(&state, &who, &key, account, failure, arrived).await?);
    }
    let Some(account) = account else { return Err(login_refused()) };
    let now = state.now();
    let lifetime = Duration::minutes(state.config.customer_auth.session_minutes.into());
    let interaction = Interaction {
        id: Uuid::now_v7(),
        account_id: account,
        channel: InteractionChannel::Online,
        staff_id: None,
        opened_at: now,
        expires_at: now + lifetime,
    };
    state.store.open_interaction(&interaction).await?;
    let evidence = Evidence { kind: EvidenceKind::PasswordVerified, detail: None, recorded_at: now };
    state.store.add_evidence(interaction.id, &evidence).await?;
    let token = tokens::generate();
    let session = PortalSession {
        account_id: account,
        interaction_id: interaction.id,
        created_at: now,
        expires_at: now + lifetime,
    };
    state.store.create_portal_session(&tokens::hash(&token), &session).await?;
    let cookie = session_cookie(&token, lifetime.num_seconds(), state.config.customer_auth.secure_cookies);
    let mut response = Json(SessionView { account_id: account, expires_at: session.expires_at }).into_response();
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|_| Problem::internal())?);
    Ok(response)
}

/// End the session and clear its cookie.
#[utoipa::path(
    post, path = "/api/v1/portal/logout", tag = "portal",
    responses(
        (status = 204, description = "Logged out; the cookie is cleared"),
        (status = 401, description = "No valid portal session", body = Problem, content_type = "application/problem+json"),
    ),
    security(("cpniguard_session" = []))
)]
pub async fn logout(State(state): State<AppState>, customer: CurrentCustomer) -> ApiResult<Response> {
    state.store.revoke_portal_session(&customer.session_hash, state.now()).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let cookie = cleared_cookie(state.config.customer_auth.secure_cookies);
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|_| Problem::internal())?);
    Ok(response)
}

/// The current session.
#[utoipa::path(
    get, path = "/api/v1/portal/session", tag = "portal",
    responses(
        (status = 200, body = SessionView),
        (status = 401, description = "No valid portal session", body = Problem, content_type = "application/problem+json"),
    ),
    security(("cpniguard_session" = []))
)]
pub async fn session(customer: CurrentCustomer) -> Json<SessionView> {
    Json(SessionView { account_id: customer.account_id, expires_at: customer.expires_at })
}

/// The customer sets a secret in their own (password-authenticated) session.
#[utoipa::path(
    post, path = "/api/v1/portal/credentials", tag = "portal",
    request_body = SetSecretRequest,
    responses(
        (status = 200, description = "Set; the account-change notice is queued", body = SecretSetView),
        (status = 401, description = "No valid portal session", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A trivial or biographical secret, with why", body = Problem, content_type = "application/problem+json"),
    ),
    security(("cpniguard_session" = []))
)]
pub async fn set_credential(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    ApiJson(req): ApiJson<SetSecretRequest>,
) -> ApiResult<Json<SecretSetView>> {
    let account = load_account(&state, customer.account_id).await?;
    let notices = store_secret(&state, &account, req.kind, req.secret, req.question, req.date_of_birth, None).await?;
    Ok(Json(SecretSetView { kind: req.kind, notices_queued: notices }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    #[schema(value_type = String)]
    pub detail: &'static str,
}

/// "Forgot password/PIN": a single-use code to the email address of record, if the
/// address given is that. The answer is the same whether or not it is.
#[utoipa::path(
    post, path = "/api/v1/portal/recovery", tag = "portal",
    request_body = RecoveryRequest,
    responses(
        (status = 202, description = "The same answer whether or not the address is of record", body = Accepted),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed checks from this source", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request_recovery(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(req): ApiJson<RecoveryRequest>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let accepted = (
        StatusCode::ACCEPTED,
        Json(Accepted {
            detail: "if this is the email address of record of an account, a recovery code was sent to it",
        }),
    );
    if let Some(wait) = state.portal_limit.blocked_secs(&state, &client.key()).await? {
        return Err(Problem::rate_limited(wait));
    }
    let Some(id) = state.store.account_by_email(req.email.trim()).await? else { return Ok(accepted) };
    let account = load_account(&state, id).await?;
    let now = state.now();
    let of_record = account.contact_points.iter().find_map(|c| match &c.value {
        ContactValue::Email(e) if c.is_of_record(now, of_record_rule(&state)) => Some(e.clone()),
        _ => None,
    });
    let Some(address) = of_record else {
        tracing::info!(account = %id, "recovery asked for an email address not yet of record: nothing sent");
        return Ok(accepted);
    };
    let token = tokens::generate();
    let expires_at = now + Duration::minutes(state.config.customer_auth.recovery_minutes.into());
    let notice = NewNotice {
        id: NoticeId::new(),
        account_id: Some(id),
        kind: NoticeKind::RecoveryCode,
        channel: Channel::Email,
        destination: Destination::Email { address },
        template: NoticeKind::RecoveryCode.template().to_owned(),
        language: account.profile.language,
        params: BTreeMap::from([
            ("change".to_owned(), NoticeKind::RecoveryCode.as_str().to_owned()),
            ("changed_at".to_owned(), now.to_rfc3339()),
            ("name".to_owned(), account.profile.name.clone()),
            ("code".to_owned(), token.clone()),
        ]),
        idempotency_key: format!("{id}:recovery:{}", Uuid::now_v7()),
        not_before: now,
    };
    let record = RecoveryToken { account_id: id, created_at: now, expires_at, used_at: None };
    let effects = SideEffects { notices: vec![notice], tasks: vec![] };
    state.store.create_recovery_token(&tokens::hash(&token), &record, &effects, now).await?;
    tracing::info!(account = %id, "recovery code queued to the email address of record");
    Ok(accepted)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRecoveryRequest {
    /// The single-use code sent to the email address of record.
    pub code: Secret,
    pub kind: SecretKind,
    pub secret: Secret,
    #[serde(default)]
    pub question: Option<String>,
}

fn bad_code() -> Problem {
    Problem::bad_request("invalid_recovery_code", "the recovery code is not valid: unknown, already used or expired")
}

/// Use a recovery code once to set a new secret (and queue its change notice).
#[utoipa::path(
    post, path = "/api/v1/portal/recovery/complete", tag = "portal",
    request_body = CompleteRecoveryRequest,
    responses(
        (status = 200, description = "The new secret is set and the code used up; the change notice is queued", body = SecretSetView),
        (status = 400, description = "`invalid_recovery_code`: unknown, already used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A trivial or biographical secret, with why", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed checks from this source", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn complete_recovery(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(req): ApiJson<CompleteRecoveryRequest>,
) -> ApiResult<Json<SecretSetView>> {
    let key = client.key();
    if let Some(wait) = state.portal_limit.blocked_secs(&state, &key).await? {
        return Err(Problem::rate_limited(wait));
    }
    let code = req.code.expose();
    let hash = tokens::hash(code);
    let token = if tokens::looks_like_token(code) { state.store.get_recovery_token(&hash).await? } else { None };
    let now = state.now();
    let Some(token) = token.filter(|t| t.used_at.is_none() && t.expires_at > now) else {
        state.portal_limit.record_failure(&state, &key).await?;
        return Err(bad_code());
    };
    let account = load_account(&state, token.account_id).await?;
    let notices =
        store_secret(&state, &account, req.kind, req.secret, req.question, None, Some(&hash)).await.map_err(|p| {
            if p.code == "validation_failed" && p.field.as_deref() == Some("token") { bad_code() } else { p }
        })?;
    Ok(Json(SecretSetView { kind: req.kind, notices_queued: notices }))
}

//! The customer portal: login by email + password (a session cookie), logout, the
//! session, setting a secret, and recovery by a single-use code sent to the email of
//! record. Login never says whether an account exists.

use super::{Actor, CheckFailure, ClientIp, check_secret, load_account, store_secret};
use crate::api::accounts::of_record_rule;
use crate::auth::customer::{CurrentCustomer, cleared_cookie, session_cookie};
use crate::auth::tokens;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel, Secret, SecretKind};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind, SideEffects};
use cpniguard_store::auth::{Evidence, Interaction, PortalSession, RecoveryToken};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: Secret,
}

#[derive(Debug, Serialize)]
pub struct SessionView {
    pub account_id: AccountId,
    pub expires_at: DateTime<Utc>,
}

/// The one answer to every failed login, whatever the reason.
fn login_refused() -> Problem {
    Problem::unauthenticated("the email address or password is not right")
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let who = Actor { staff: None, ip: client };
    let account = state.store.account_by_email(req.email.trim()).await?;
    let Some(account) = account else {
        if let Some(wait) = state.customer_limiter.blocked_for(who.ip) {
            return Err(Problem::rate_limited(wait.as_secs().max(1)));
        }
        // No such account: spend the time of a verification and count the failure,
        // exactly as for a wrong password.
        super::hasher(&state)?.verify_blocking(SecretKind::Password, None, req.password).await;
        state.customer_limiter.record_failure(who.ip);
        return Err(login_refused());
    };
    match check_secret(&state, account, SecretKind::Password, req.password, &who).await {
        Ok(()) => {}
        Err(CheckFailure::RateLimited(secs)) => return Err(Problem::rate_limited(secs)),
        Err(_) => return Err(login_refused()),
    }
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

pub async fn logout(State(state): State<AppState>, customer: CurrentCustomer) -> ApiResult<Response> {
    state.store.revoke_portal_session(&customer.session_hash, state.now()).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let cookie = cleared_cookie(state.config.customer_auth.secure_cookies);
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|_| Problem::internal())?);
    Ok(response)
}

pub async fn session(customer: CurrentCustomer) -> Json<SessionView> {
    Json(SessionView { account_id: customer.account_id, expires_at: customer.expires_at })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetSecretRequest {
    pub kind: SecretKind,
    pub secret: Secret,
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct SecretSetView {
    pub kind: SecretKind,
    pub notices_queued: Vec<NoticeId>,
}

/// The customer sets a secret in their own (password-authenticated) session.
pub async fn set_credential(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    ApiJson(req): ApiJson<SetSecretRequest>,
) -> ApiResult<Json<SecretSetView>> {
    let account = load_account(&state, customer.account_id).await?;
    let notices = store_secret(&state, &account, req.kind, req.secret, req.question, req.date_of_birth, None).await?;
    Ok(Json(SecretSetView { kind: req.kind, notices_queued: notices }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    pub email: String,
}

#[derive(Debug, Serialize)]
pub struct Accepted {
    pub detail: &'static str,
}

/// "Forgot password/PIN": a single-use code to the email address of record, if the
/// address given is that. The answer is the same whether or not it is.
pub async fn request_recovery(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(req): ApiJson<RecoveryRequest>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let accepted = (
        StatusCode::ACCEPTED,
        Json(Accepted {
            detail: "if this is the email address of record of an account, a recovery code was sent to it",
        }),
    );
    let source = client;
    if let Some(wait) = state.customer_limiter.blocked_for(source) {
        return Err(Problem::rate_limited(wait.as_secs().max(1)));
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteRecoveryRequest {
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
pub async fn complete_recovery(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(req): ApiJson<CompleteRecoveryRequest>,
) -> ApiResult<Json<SecretSetView>> {
    let source = client;
    if let Some(wait) = state.customer_limiter.blocked_for(source) {
        return Err(Problem::rate_limited(wait.as_secs().max(1)));
    }
    let code = req.code.expose();
    let hash = tokens::hash(code);
    let token = if tokens::looks_like_token(code) { state.store.get_recovery_token(&hash).await? } else { None };
    let now = state.now();
    let Some(token) = token.filter(|t| t.used_at.is_none() && t.expires_at > now) else {
        state.customer_limiter.record_failure(source);
        return Err(bad_code());
    };
    let account = load_account(&state, token.account_id).await?;
    let notices =
        store_secret(&state, &account, req.kind, req.secret, req.question, None, Some(&hash)).await.map_err(|p| {
            if p.code == "validation_failed" && p.field.as_deref() == Some("token") { bad_code() } else { p }
        })?;
    Ok(Json(SecretSetView { kind: req.kind, notices_queued: notices }))
}

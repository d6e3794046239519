//! The customer portal: login by email + password (a session cookie), logout, the
//! session, setting a secret, and recovery by a single-use code sent to the email of
//! record. Login never says whether an account exists.

use super::interactions::{SecretSetView, SetSecretRequest};
use super::{ClientIp, load_account, store_secret};
use crate::application::customer_session;
use crate::auth::customer::{CurrentCustomer, cleared_cookie, session_cookie};
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cpniguard_core::authn::{Secret, SecretKind};
use cpniguard_core::ids::AccountId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    let (token, session) = customer_session::sign_in(&state, client, req.email.trim(), req.password).await?;
    let lifetime = session.expires_at - session.created_at;
    let cookie = session_cookie(&token, lifetime.num_seconds(), state.config.customer_auth.secure_cookies);
    let mut response =
        Json(SessionView { account_id: session.account_id, expires_at: session.expires_at }).into_response();
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
    customer_session::sign_out(&state, &customer).await?;
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
    customer_session::request_recovery(&state, client, req.email.trim()).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { detail: customer_session::RECOVERY_ANSWER })))
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
    let notices =
        customer_session::complete_recovery(&state, client, &req.code, req.kind, req.secret, req.question).await?;
    Ok(Json(SecretSetView { kind: req.kind, notices_queued: notices }))
}

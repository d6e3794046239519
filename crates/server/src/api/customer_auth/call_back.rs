//! `POST /api/v1/telephony/call-backs/answered`: the telephony platform, authenticated
//! by the messaging webhook's shared secret, reports a call back answered
//! (`application::call_back` records it).

use super::ClientIp;
use crate::application::call_back::{self, AnsweredView};
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnsweredRequest {
    /// The `idempotency_key` of the voice call the platform was asked to place.
    pub idempotency_key: String,
}

/// The telephony platform reports a call back answered at the number of record: the
/// interaction gets `call_back_completed`, confirmed by the platform. Authenticated by
/// the messaging webhook's shared secret (`notices.webhook.auth_header` /
/// `auth_value`); unknown secrets count against the client like unknown staff tokens.
#[utoipa::path(
    post, path = "/api/v1/telephony/call-backs/answered", tag = "customer_authentication",
    request_body = AnsweredRequest,
    responses(
        (status = 200, description = "Recorded in the interaction", body = AnsweredView),
        (status = 401, description = "Not the configured telephony platform", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call back, or no voice channel is configured", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The interaction has expired", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many unknown secrets from this client", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn answered(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AnsweredRequest>,
) -> ApiResult<Json<AnsweredView>> {
    let webhook = &state.config.notices.webhook;
    let Some(secret) = webhook.auth_value.as_ref().filter(|_| webhook.enabled) else {
        return Err(Problem::not_found("telephony platform"));
    };
    let given = headers.get(webhook.auth_header.as_str()).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // Compared as SHA-256 digests, so the time taken says nothing about the secret.
    if crate::auth::tokens::hash(given) != crate::auth::tokens::hash(secret.expose()) {
        let key = client.key();
        if let Some(wait) = state.token_limit.blocked_secs(&state, &key).await? {
            return Err(Problem::rate_limited(wait));
        }
        state.token_limit.record_failure(&state, &key).await?;
        return Err(Problem::unauthenticated("not the configured telephony platform"));
    }
    Ok(Json(call_back::answered(&state, &req.idempotency_key).await?))
}

//! The material-change mailing over HTTP: how far it has got, and resuming a stopped
//! one (`application::policy_mailing` runs it).

use crate::application::policy_mailing::spawn_mailing;
use crate::extract::ApiPath;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_core::notice::NoticeStatus;
use cpniguard_store::publication::PolicyMailing;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// How far a material-change mailing has got.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingView {
    pub version: u32,
    /// Accounts with an email of record when the version was published.
    pub total: u64,
    /// Notices queued to the outbox so far.
    pub queued: u64,
    pub started_at: DateTime<Utc>,
    /// Set once every account has been queued.
    pub finished_at: Option<DateTime<Utc>>,
    /// The queued notices by outbox status (`queued`, `sending`, `sent`, `failed`, `abandoned`).
    pub delivery: BTreeMap<String, u64>,
}

impl From<PolicyMailing> for MailingView {
    fn from(m: PolicyMailing) -> Self {
        let delivery = m.delivery.iter().map(|(s, n): &(NoticeStatus, u64)| (s.as_str().to_owned(), *n)).collect();
        Self {
            version: m.version,
            total: m.total,
            queued: m.queued,
            started_at: m.started_at,
            finished_at: m.finished_at,
            delivery,
        }
    }
}

async fn mailing_of(state: &AppState, version: u32) -> ApiResult<PolicyMailing> {
    state.store.policy_mailing(version).await?.ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "no_policy_mailing",
            "No mailing",
            format!("policy version {version} is not a published material change, so it has no mailing"),
        )
    })
}

#[utoipa::path(
    get, path = "/api/v1/policy/versions/{version}/mailing", tag = "publication",
    params(("version" = u32, Path, description = "The policy version")),
    responses(
        (status = 200, description = "How far the material-change mailing has got", body = MailingView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn progress(State(state): State<AppState>, ApiPath(version): ApiPath<u32>) -> ApiResult<Json<MailingView>> {
    Ok(Json(mailing_of(&state, version).await?.into()))
}

#[utoipa::path(
    post, path = "/api/v1/policy/versions/{version}/mailing/resume", tag = "publication",
    params(("version" = u32, Path, description = "The policy version")),
    responses(
        (status = 202, description = "The mailing goes on in the background from where it stopped (nothing is queued twice)", body = MailingView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn resume(
    State(state): State<AppState>,
    ApiPath(version): ApiPath<u32>,
) -> ApiResult<(StatusCode, Json<MailingView>)> {
    let mailing = mailing_of(&state, version).await?;
    if mailing.finished_at.is_none() {
        spawn_mailing(&state, version);
    }
    Ok((StatusCode::ACCEPTED, Json(mailing.into())))
}

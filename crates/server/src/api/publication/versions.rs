//! Policy versions for the privacy office: drafts written and edited, then published
//! with one action. Publishing needs both languages and an effective date of today or
//! later (in the carrier's time zone); a published version is immutable.

use super::mailing::MailingView;
use crate::application::policy_mailing::{of_record_before, spawn_mailing};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::TimeZoneName;
use cpniguard_store::StoreError;
use cpniguard_store::publication::{PolicyDraft, PolicyText, PolicyVersion};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const MAX_SUMMARY_CHARS: usize = 2_000;
const MAX_BODY_CHARS: usize = 200_000;

/// The day it is in the carrier's time zone.
pub(crate) fn carrier_today(state: &AppState) -> ApiResult<NaiveDate> {
    let tz = TimeZoneName::parse(&state.config.carrier.time_zone)?.tz();
    Ok(state.now().with_timezone(&tz).date_naive())
}

/// The policy in one language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyTextBody {
    /// What changed, in a few sentences (plain text; goes into the customer's email).
    pub summary: String,
    /// The whole policy, Markdown (raw HTML is shown as text, never interpreted).
    pub body: String,
}

impl PolicyTextBody {
    fn validate(self, field: &str) -> Result<PolicyText, ValidationError> {
        let summary = self.summary.trim().to_owned();
        if summary.is_empty() || summary.chars().count() > MAX_SUMMARY_CHARS {
            return Err(ValidationError::new(
                format!("{field}.summary"),
                format!("1 to {MAX_SUMMARY_CHARS} characters"),
            ));
        }
        if self.body.trim().is_empty() || self.body.chars().count() > MAX_BODY_CHARS {
            return Err(ValidationError::new(format!("{field}.body"), format!("1 to {MAX_BODY_CHARS} characters")));
        }
        Ok(PolicyText { summary, body: self.body })
    }
}

/// A draft's content. Either language may be missing until publishing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyVersionRequest {
    /// The day it takes effect, in the carrier's time zone: today or later.
    pub effective_on: NaiveDate,
    /// A material change is emailed to every customer with an email of record and
    /// announced on the public home page.
    pub material: bool,
    pub en: Option<PolicyTextBody>,
    pub es: Option<PolicyTextBody>,
}

fn check_effective(effective_on: NaiveDate, today: NaiveDate) -> Result<(), ValidationError> {
    if effective_on < today {
        return Err(ValidationError::new(
            "effective_on",
            format!("the effective date must be today ({today}) or later"),
        ));
    }
    Ok(())
}

impl PolicyVersionRequest {
    fn into_draft(self, today: NaiveDate) -> Result<PolicyDraft, ValidationError> {
        check_effective(self.effective_on, today)?;
        Ok(PolicyDraft {
            effective_on: self.effective_on,
            material: self.material,
            en: self.en.map(|t| t.validate("en")).transpose()?,
            es: self.es.map(|t| t.validate("es")).transpose()?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersionView {
    pub version: u32,
    /// `draft` or `published`.
    pub status: &'static str,
    pub effective_on: NaiveDate,
    pub material: bool,
    pub en: Option<PolicyTextBody>,
    pub es: Option<PolicyTextBody>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The material-change mailing, once published.
    pub mailing: Option<MailingView>,
}

fn text_body(t: Option<PolicyText>) -> Option<PolicyTextBody> {
    t.map(|t| PolicyTextBody { summary: t.summary, body: t.body })
}

async fn view(state: &AppState, v: PolicyVersion) -> ApiResult<PolicyVersionView> {
    let mailing = match v.is_published() && v.material {
        true => state.store.policy_mailing(v.version).await?.map(MailingView::from),
        false => None,
    };
    Ok(PolicyVersionView {
        version: v.version,
        status: if v.is_published() { "published" } else { "draft" },
        effective_on: v.effective_on,
        material: v.material,
        en: text_body(v.en),
        es: text_body(v.es),
        created_by: v.created_by,
        created_at: v.created_at,
        updated_at: v.updated_at,
        published_by: v.published_by,
        published_at: v.published_at,
        mailing,
    })
}

/// A published version is immutable: 409 with a stable code.
fn published_refusal(e: StoreError, version: u32) -> Problem {
    match e {
        StoreError::Conflict("published policy version") => Problem::new(
            StatusCode::CONFLICT,
            "policy_version_published",
            "Published",
            format!("policy version {version} is published and cannot be changed; write a new version instead"),
        ),
        other => other.into(),
    }
}

#[utoipa::path(
    post, path = "/api/v1/policy/versions", tag = "publication",
    request_body = PolicyVersionRequest,
    responses(
        (status = 201, description = "The draft, numbered one more than the latest version", body = PolicyVersionView),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(req): ApiJson<PolicyVersionRequest>,
) -> ApiResult<(StatusCode, Json<PolicyVersionView>)> {
    let draft = req.into_draft(carrier_today(&state)?)?;
    let stored = state.store.create_policy_draft(&draft, staff.0.username.as_str(), state.now()).await?;
    tracing::info!(version = stored.version, "policy draft created");
    Ok((StatusCode::CREATED, Json(view(&state, stored).await?)))
}

#[utoipa::path(
    get, path = "/api/v1/policy/versions", tag = "publication",
    responses((status = 200, description = "Every version, drafts too, lowest number first", body = [PolicyVersionView])),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<PolicyVersionView>>> {
    let mut out = Vec::new();
    for v in state.store.list_policy_versions().await? {
        out.push(view(&state, v).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(
    get, path = "/api/v1/policy/versions/{version}", tag = "publication",
    params(("version" = u32, Path, description = "The policy version")),
    responses(
        (status = 200, body = PolicyVersionView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(version): ApiPath<u32>) -> ApiResult<Json<PolicyVersionView>> {
    let v = state.store.get_policy_version(version).await?.ok_or_else(|| Problem::not_found("policy version"))?;
    Ok(Json(view(&state, v).await?))
}

#[utoipa::path(
    put, path = "/api/v1/policy/versions/{version}", tag = "publication",
    params(("version" = u32, Path, description = "The policy version")),
    request_body = PolicyVersionRequest,
    responses(
        (status = 200, description = "The draft as edited", body = PolicyVersionView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is published (`policy_version_published`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    ApiPath(version): ApiPath<u32>,
    ApiJson(req): ApiJson<PolicyVersionRequest>,
) -> ApiResult<Json<PolicyVersionView>> {
    let draft = req.into_draft(carrier_today(&state)?)?;
    let stored = state
        .store
        .update_policy_draft(version, &draft, state.now())
        .await
        .map_err(|e| published_refusal(e, version))?;
    Ok(Json(view(&state, stored).await?))
}

#[utoipa::path(
    post, path = "/api/v1/policy/versions/{version}/publish", tag = "publication",
    params(("version" = u32, Path, description = "The policy version")),
    responses(
        (status = 200, description = "Published; a material change starts its mailing in the background", body = PolicyVersionView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already published (`policy_version_published`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A language is missing, or the effective date has passed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(version): ApiPath<u32>,
) -> ApiResult<Json<PolicyVersionView>> {
    let draft = state.store.get_policy_version(version).await?.ok_or_else(|| Problem::not_found("policy version"))?;
    if !draft.is_published() {
        check_effective(draft.effective_on, carrier_today(&state)?)?;
    }
    let now = state.now();
    let cut_off = of_record_before(&state.config, now);
    let published = state
        .store
        .publish_policy_version(version, staff.0.username.as_str(), now, cut_off)
        .await
        .map_err(|e| published_refusal(e, version))?;
    tracing::info!(version, material = published.material, "policy version published");
    if published.material {
        spawn_mailing(&state, version);
    }
    Ok(Json(view(&state, published).await?))
}

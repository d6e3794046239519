//! Complaints entered by staff (a call, a letter, an email) and their investigation:
//! listing with filters and keyset paging, the record with its log, the status changes
//! and the counts the certification reports. Never deleted: there is no route for it.

use crate::application::complaint_intake::{self as intake, Intake, MAX_DESCRIPTION, MAX_SUBJECT, required_text};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::ids::AccountId;
use cpniguard_store::complaints::{
    Complaint, ComplaintCategory, ComplaintChannel, ComplaintEvent, ComplaintIntake, ComplaintQuery, ComplaintStatus,
    ComplaintSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "category": "pretexting_attempt", "channel": "call", "subject": "A caller asked for my call records",
    "description": "Someone called the store claiming to be me and asked for last month's calls.",
    "contact": "+18015550100"
}))]
pub struct IntakeRequest {
    /// `unauthorised_release_of_cpni`, `pretexting_attempt`, `marketing_contact`,
    /// `access_request`, `billing_privacy` or `other`.
    pub category: ComplaintCategory,
    /// `call`, `letter` or `email` (the portal and the mailbox record their own).
    pub channel: ComplaintChannel,
    /// The customer's account, when known: the acknowledgement goes there.
    pub account_id: Option<AccountId>,
    pub subject: String,
    pub description: String,
    /// How to answer a complainant without an account.
    pub contact: Option<String>,
    /// When it was received (a letter's date of receipt); default now.
    pub received_at: Option<DateTime<Utc>>,
}

/// A complaint as recorded, and whether this request recorded it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeView {
    /// False when an earlier request with the same key (or the same message) recorded it.
    pub created: bool,
    pub complaint: Complaint,
}

impl From<ComplaintIntake> for IntakeView {
    fn from(i: ComplaintIntake) -> Self {
        IntakeView { created: i.created, complaint: i.complaint }
    }
}

/// 201 for a new complaint, 200 for a repeat.
pub(super) fn intake_response(out: ComplaintIntake) -> (StatusCode, Json<IntakeView>) {
    let status = if out.created { StatusCode::CREATED } else { StatusCode::OK };
    (status, Json(out.into()))
}

pub(super) fn by(staff: &CurrentStaff) -> String {
    format!("staff:{}", staff.0.id)
}

#[utoipa::path(
    post, path = "/api/v1/complaints", tag = "complaints",
    params(("Idempotency-Key" = Option<String>, Header, description = "A repeat records nothing new")),
    request_body = IntakeRequest,
    responses(
        (status = 201, description = "Recorded; the acknowledgement is queued", body = IntakeView),
        (status = 200, description = "A repeat of an earlier request", body = IntakeView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    staff: CurrentStaff,
    key: IdempotencyKey,
    ApiJson(req): ApiJson<IntakeRequest>,
) -> ApiResult<(StatusCode, Json<IntakeView>)> {
    if !matches!(req.channel, ComplaintChannel::Call | ComplaintChannel::Letter | ComplaintChannel::Email) {
        return Err(ValidationError::new("channel", "call, letter or email").into());
    }
    let now = state.now();
    let received_at = req.received_at.unwrap_or(now);
    if received_at > now {
        return Err(ValidationError::new("received_at", "cannot be in the future").into());
    }
    let account = match req.account_id {
        Some(id) => Some(state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))?),
        None => None,
    };
    let intake = Intake {
        category: req.category,
        channel: req.channel,
        account: account.as_ref(),
        candidate_accounts: Vec::new(),
        subject: required_text("subject", &req.subject, MAX_SUBJECT)?,
        description: required_text("description", &req.description, MAX_DESCRIPTION)?,
        contact: req.contact.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
        received_at,
        recorded_by: by(&staff),
        message_id: None,
        message_sha256: None,
        dedup_key: key.0.map(|k| format!("api:{}:{k}", staff.0.id)),
    };
    let (complaint, acknowledgement) = intake::build(&state.config, intake, now);
    let out = state.store.record_complaint(&complaint, &acknowledgement, now).await?;
    tracing::info!(complaint = %out.complaint.id, created = out.created, "complaint recorded");
    Ok(intake_response(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `open`, `investigating` or `resolved`.
    #[param(value_type = Option<String>)]
    pub status: Option<ComplaintStatus>,
    #[param(value_type = Option<String>)]
    pub category: Option<ComplaintCategory>,
    pub account_id: Option<AccountId>,
    /// Received at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Received before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
    /// Page size (default 50, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintList {
    /// Newest first.
    pub complaints: Vec<Complaint>,
    /// Set when another page follows.
    pub next_after: Option<Uuid>,
}

#[utoipa::path(
    get, path = "/api/v1/complaints", tag = "complaints", params(ListParams),
    responses((status = 200, body = ComplaintList), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> ApiResult<Json<ComplaintList>> {
    let query = ComplaintQuery {
        status: p.status,
        category: p.category,
        account: p.account_id,
        received_from: p.from,
        received_to: p.to,
        after: p.after,
        limit: crate::application::page_limit(p.limit, 50)?,
    };
    let page = state.store.list_complaints(&query).await?;
    Ok(Json(ComplaintList { complaints: page.complaints, next_after: page.next_after }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    pub complaint: Complaint,
    /// Its receipt and each status change, oldest first, with who made it.
    pub events: Vec<ComplaintEvent>,
}

async fn view(state: &AppState, complaint: Complaint) -> ApiResult<ComplaintView> {
    let events = state.store.complaint_events(complaint.id).await?;
    Ok(ComplaintView { complaint, events })
}

#[utoipa::path(
    get, path = "/api/v1/complaints/{id}", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses((status = 200, body = ComplaintView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<Json<ComplaintView>> {
    let complaint = state.store.get_complaint(id).await?.ok_or_else(|| Problem::not_found("complaint"))?;
    Ok(Json(view(&state, complaint).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestigateRequest {
    /// What the investigation starts with (optional).
    pub note: Option<String>,
    /// The category it belongs in, when it is not the one it was received in (a
    /// mailed complaint arrives as `other`).
    pub category: Option<ComplaintCategory>,
}

#[utoipa::path(
    post, path = "/api/v1/complaints/{id}/investigate", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")), request_body = InvestigateRequest,
    responses((status = 200, body = ComplaintView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not open", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn investigate(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<InvestigateRequest>,
) -> ApiResult<Json<ComplaintView>> {
    let note = req.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let c = state
        .store
        .advance_complaint(id, ComplaintStatus::Investigating, req.category, &by(&staff), note.as_deref(), state.now())
        .await?;
    Ok(Json(view(&state, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// How it was resolved (required).
    pub resolution: String,
    /// The category it turned out to belong in, if not its current one.
    pub category: Option<ComplaintCategory>,
}

#[utoipa::path(
    post, path = "/api/v1/complaints/{id}/resolve", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")), request_body = ResolveRequest,
    responses((status = 200, body = ComplaintView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not under investigation, or no resolution", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn resolve(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> ApiResult<Json<ComplaintView>> {
    let resolution = required_text("resolution", &req.resolution, MAX_DESCRIPTION)?;
    let c = state
        .store
        .advance_complaint(id, ComplaintStatus::Resolved, req.category, &by(&staff), Some(&resolution), state.now())
        .await?;
    Ok(Json(view(&state, c).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// Received at or after (RFC 3339).
    pub from: DateTime<Utc>,
    /// Received before (RFC 3339).
    pub to: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Counts by category, and of unauthorised releases of CPNI by status.
    pub received: ComplaintSummary,
    /// Complaints not yet resolved, whenever received.
    pub unresolved: u64,
}

#[utoipa::path(
    get, path = "/api/v1/complaints/summary", tag = "complaints", params(SummaryParams),
    responses((status = 200, body = SummaryView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn summary(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SummaryParams>,
) -> ApiResult<Json<SummaryView>> {
    if p.to <= p.from {
        return Err(ValidationError::new("to", "must be after from").into());
    }
    let received = state.store.complaint_summary(p.from, p.to).await?;
    let unresolved = state.store.open_complaints_count().await?;
    Ok(Json(SummaryView { from: p.from, to: p.to, received, unresolved }))
}

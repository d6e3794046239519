//! Review of privacy mail that could not become a complaint unattended (bounces,
//! automatic replies, failed sender authentication, unparseable): read it, then file
//! it as a complaint — keeping its Message-ID and SHA-256 as evidence — or dismiss it.

use super::handlers::{IntakeView, by};
use crate::api::consent::{QuarantineParams, QuarantineView};
use crate::application::complaint_intake::{self as intake, Intake, MAX_DESCRIPTION, MAX_SUBJECT, required_text};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use cpniguard_core::ids::AccountId;
use cpniguard_store::complaints::{ComplaintCategory, ComplaintChannel, PrivacyMail, PrivacyMailResolution};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A privacy-mail quarantine entry: the opt-out quarantine's view of the message
/// (`status` is `open`, `filed` or `dismissed` here; `account_ids` are the sender's
/// candidate accounts), and the complaint it was filed as.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyMailView {
    #[serde(flatten)]
    pub mail: QuarantineView,
    /// The complaint it was filed as.
    pub complaint_id: Option<Uuid>,
}

impl PrivacyMailView {
    fn new(entry: PrivacyMail, with_raw: bool) -> Self {
        PrivacyMailView { mail: QuarantineView::new(entry.mail, with_raw), complaint_id: entry.complaint_id }
    }
}

#[utoipa::path(
    get, path = "/api/v1/complaints/mail-quarantine", tag = "complaints", params(QuarantineParams),
    responses((status = 200, description = "Oldest first", body = [PrivacyMailView])), security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<QuarantineParams>,
) -> ApiResult<Json<Vec<PrivacyMailView>>> {
    let list = state.store.list_privacy_mail(!p.all.unwrap_or(false)).await?;
    Ok(Json(list.into_iter().map(|m| PrivacyMailView::new(m, false)).collect()))
}

#[utoipa::path(
    get, path = "/api/v1/complaints/mail-quarantine/{qid}", tag = "complaints",
    params(("qid" = Uuid, Path, description = "Quarantine entry")),
    responses((status = 200, body = PrivacyMailView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(qid): ApiPath<Uuid>) -> ApiResult<Json<PrivacyMailView>> {
    let entry = state.store.get_privacy_mail(qid).await?.ok_or_else(|| Problem::not_found("quarantined message"))?;
    Ok(Json(PrivacyMailView::new(entry, true)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileAsComplaintRequest {
    pub category: ComplaintCategory,
    /// The sender's account, once the privacy office has established it: acknowledged there.
    pub account_id: Option<AccountId>,
    /// The message's subject and what it says, as the reviewer read them.
    pub subject: String,
    pub description: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiledView {
    pub quarantine: PrivacyMailView,
    pub filed: IntakeView,
}

#[utoipa::path(
    post, path = "/api/v1/complaints/mail-quarantine/{qid}/file", tag = "complaints",
    params(("qid" = Uuid, Path, description = "Quarantine entry")), request_body = FileAsComplaintRequest,
    responses((status = 200, body = FiledView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Already closed, or invalid", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn file(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(qid): ApiPath<Uuid>,
    ApiJson(req): ApiJson<FileAsComplaintRequest>,
) -> ApiResult<Json<FiledView>> {
    let entry = state.store.get_privacy_mail(qid).await?.ok_or_else(|| Problem::not_found("quarantined message"))?;
    let account = match req.account_id {
        Some(id) => Some(state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))?),
        None => None,
    };
    let now = state.now();
    let mail = &entry.mail;
    let intake = Intake {
        category: req.category,
        channel: ComplaintChannel::Mailbox,
        account: account.as_ref(),
        candidate_accounts: Vec::new(),
        subject: required_text("subject", &req.subject, MAX_SUBJECT)?,
        description: required_text("description", &req.description, MAX_DESCRIPTION)?,
        contact: mail.sender.clone(),
        received_at: mail.received_at,
        recorded_by: by(&staff),
        message_id: mail.message_id.clone(),
        message_sha256: Some(mail.sha256.clone()),
        dedup_key: Some(format!("mail:{}", mail.message_id.clone().unwrap_or_else(|| mail.sha256.clone()))),
    };
    let (complaint, acknowledgement) = intake::build(&state.config, intake, now);
    let built = complaint.id;
    let resolution = PrivacyMailResolution::Filed { complaint: Box::new(complaint), acknowledgement };
    let done = state.store.resolve_privacy_mail(qid, &resolution, &by(&staff), req.note.as_deref(), now).await?;
    // The complaint filed: this one, or one the same message was already filed as.
    let id = done.complaint_id.unwrap_or(built);
    let filed = state.store.get_complaint(id).await?.ok_or_else(|| Problem::not_found("complaint"))?;
    Ok(Json(FiledView {
        quarantine: PrivacyMailView::new(done, false),
        filed: IntakeView { created: id == built, complaint: filed },
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    /// Why (a bounce, an automatic reply, spam, …).
    pub note: String,
}

#[utoipa::path(
    post, path = "/api/v1/complaints/mail-quarantine/{qid}/dismiss", tag = "complaints",
    params(("qid" = Uuid, Path, description = "Quarantine entry")), request_body = DismissRequest,
    responses((status = 200, body = PrivacyMailView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Already closed", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn dismiss(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(qid): ApiPath<Uuid>,
    ApiJson(req): ApiJson<DismissRequest>,
) -> ApiResult<Json<PrivacyMailView>> {
    let note = required_text("note", &req.note, MAX_DESCRIPTION)?;
    let done = state
        .store
        .resolve_privacy_mail(qid, &PrivacyMailResolution::Dismissed, &by(&staff), Some(&note), state.now())
        .await?;
    Ok(Json(PrivacyMailView::new(done, false)))
}

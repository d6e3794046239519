//! The customer's own complaints and questions on the portal (session cookie): filing
//! one, acknowledged in their language, and following what became of them.

use super::handlers::{IntakeView, intake_response};
use crate::application::complaint_intake::{self as intake, Intake, MAX_DESCRIPTION, MAX_SUBJECT, required_text};
use crate::auth::customer::CurrentCustomer;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_store::MAX_PAGE;
use cpniguard_store::complaints::{Complaint, ComplaintCategory, ComplaintChannel, ComplaintQuery, ComplaintStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalComplaintRequest {
    /// `unauthorised_release_of_cpni`, `pretexting_attempt`, `marketing_contact`,
    /// `access_request`, `billing_privacy` or `other`.
    pub category: ComplaintCategory,
    pub subject: String,
    pub description: String,
}

#[utoipa::path(
    post, path = "/api/v1/portal/complaints", tag = "complaints", request_body = PortalComplaintRequest,
    responses(
        (status = 201, description = "Recorded; the acknowledgement is queued", body = IntakeView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    ApiJson(req): ApiJson<PortalComplaintRequest>,
) -> ApiResult<(StatusCode, Json<IntakeView>)> {
    let account = state.store.get_account(customer.account_id).await?.ok_or_else(|| Problem::not_found("account"))?;
    let now = state.now();
    let intake = Intake {
        category: req.category,
        channel: ComplaintChannel::Portal,
        account: Some(&account),
        candidate_accounts: Vec::new(),
        subject: required_text("subject", &req.subject, MAX_SUBJECT)?,
        description: required_text("description", &req.description, MAX_DESCRIPTION)?,
        contact: None,
        received_at: now,
        recorded_by: "customer".to_owned(),
        message_id: None,
        message_sha256: None,
        dedup_key: None,
    };
    let (complaint, acknowledgement) = intake::build(&state.config, intake, now);
    let out = state.store.record_complaint(&complaint, &acknowledgement, now).await?;
    Ok(intake_response(out))
}

/// What the customer sees of a complaint: not who handled it inside the carrier.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalComplaint {
    pub id: Uuid,
    pub category: ComplaintCategory,
    pub status: ComplaintStatus,
    pub subject: String,
    pub received_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

impl From<Complaint> for PortalComplaint {
    fn from(c: Complaint) -> Self {
        PortalComplaint {
            id: c.id,
            category: c.category,
            status: c.status,
            subject: c.subject,
            received_at: c.received_at,
            resolved_at: c.resolved_at,
            resolution: c.resolution,
        }
    }
}

#[utoipa::path(
    get, path = "/api/v1/portal/complaints", tag = "complaints",
    responses((status = 200, description = "The account's complaints, newest first (at most 1000)", body = [PortalComplaint]),
        (status = 401, body = Problem, content_type = "application/problem+json"))
)]
pub async fn mine(State(state): State<AppState>, customer: CurrentCustomer) -> ApiResult<Json<Vec<PortalComplaint>>> {
    let query = ComplaintQuery { account: Some(customer.account_id), limit: MAX_PAGE, ..Default::default() };
    let page = state.store.list_complaints(&query).await?;
    Ok(Json(page.complaints.into_iter().map(PortalComplaint::from).collect()))
}

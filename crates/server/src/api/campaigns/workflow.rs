//! The campaign record and its review workflow: draft → submitted → approved or
//! rejected (with a written reason) → running → completed, or withdrawn. Marketing
//! staff create, edit and submit; a supervisor who neither created nor edited it
//! reviews (checked here and decided by the policy engine). Any change after approval
//! sends it back to review. Every transition is one versioned write plus one entry of
//! the review trail.

use crate::application::campaign_review;
use crate::application::campaigns::{CampaignView, event, load, load_open, save, view, wrong_state};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Days, NaiveDate};
use cpniguard_core::ValidationError;
use cpniguard_core::classification::CpniCategory;
use cpniguard_policy::ReviewDecision;
use cpniguard_store::campaigns::{AudienceCriteria, Campaign, CampaignState, MarketingChannel, Sponsor};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A campaign's facts as entered (creating it, or replacing them whole).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Long distance saver", "description": "Offer the saver plan to heavy long-distance callers",
    "sponsor": "carrier", "cpni_categories": ["call_detail"], "criteria": {"account_kind": "residential"},
    "offers": ["LD Saver"], "channels": ["email"], "starts_on": "2026-01-01", "ends_on": "2026-03-31"
}))]
pub struct CampaignRequest {
    pub name: String,
    pub description: String,
    /// carrier, agent, affiliate, joint_venture_partner, independent_contractor,
    /// third_party: decides the consent tier (opt-out for the first three, opt-in else).
    #[schema(value_type = String)]
    pub sponsor: Sponsor,
    /// The partner's name (required unless the sponsor is the carrier).
    pub sponsor_name: Option<String>,
    /// The specific CPNI used: services_and_configuration, rates, call_detail, billing,
    /// usage_summary.
    pub cpni_categories: Vec<String>,
    /// account_kind, language, service_type, long_distance_minutes {over, period},
    /// invoice_total {min_cents, max_cents, period}; periods default to the last quarter.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub criteria: AudienceCriteria,
    /// The products and services offered.
    pub offers: Vec<String>,
    /// email, text, call, post.
    #[schema(value_type = Vec<String>)]
    pub channels: Vec<MarketingChannel>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

fn text(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(ValidationError::new(field, format!("1 to {max} characters")));
    }
    Ok(())
}

impl CampaignRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        text("name", &self.name, 200)?;
        text("description", &self.description, 4000)?;
        match (&self.sponsor_name, self.sponsor) {
            (Some(n), _) => text("sponsor_name", n, 200)?,
            (None, Sponsor::Carrier) => {}
            (None, _) => return Err(ValidationError::new("sponsor_name", "name the partner sponsoring the campaign")),
        }
        if self.cpni_categories.is_empty() {
            return Err(ValidationError::new("cpni_categories", "name the CPNI the campaign uses"));
        }
        for (i, c) in self.cpni_categories.iter().enumerate() {
            if !CpniCategory::ALL.iter().any(|k| k.as_str() == c) {
                return Err(ValidationError::new(format!("cpni_categories[{i}]"), "not a CPNI category"));
            }
        }
        if self.offers.is_empty() {
            return Err(ValidationError::new("offers", "name the products and services offered"));
        }
        for (i, o) in self.offers.iter().enumerate() {
            text(&format!("offers[{i}]"), o, 200)?;
        }
        if self.channels.is_empty() {
            return Err(ValidationError::new("channels", "at least one channel"));
        }
        if self.ends_on < self.starts_on {
            return Err(ValidationError::new("ends_on", "before starts_on"));
        }
        self.criteria.validate().map_err(|e| e.within("criteria"))
    }

    fn apply(self, c: &mut Campaign) {
        c.name = self.name;
        c.description = self.description;
        c.sponsor = self.sponsor;
        c.sponsor_name = self.sponsor_name;
        c.cpni_categories = self.cpni_categories;
        c.criteria = self.criteria;
        c.offers = self.offers;
        c.channels = self.channels;
        c.starts_on = self.starts_on;
        c.ends_on = self.ends_on;
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// The version the change was made against.
    pub version: u64,
    pub campaign: CampaignRequest,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// approve or reject.
    #[schema(value_type = String)]
    pub decision: ReviewDecision,
    /// Required when rejecting: what must change.
    pub reason: Option<String>,
    /// The version reviewed: a campaign changed since is not approved.
    pub version: u64,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only campaigns in this state.
    #[param(value_type = Option<String>)]
    pub state: Option<CampaignState>,
}

/// Create a draft campaign.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignRequest,
    responses((status = 201, body = CampaignView), (status = 422, body = Problem, content_type = "application/problem+json", description = "invalid, with the field path")),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(body): ApiJson<CampaignRequest>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    body.validate().map_err(Problem::validation)?;
    let now = state.now();
    let author = staff.0.id.to_string();
    let mut c = Campaign {
        id: Uuid::now_v7(),
        version: 1,
        state: CampaignState::Draft,
        name: String::new(),
        description: String::new(),
        sponsor: Sponsor::Carrier,
        sponsor_name: None,
        cpni_categories: Vec::new(),
        criteria: AudienceCriteria::default(),
        offers: Vec::new(),
        channels: Vec::new(),
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        created_at: now,
        created_by: author.clone(),
        authors: vec![author],
        submitted_at: None,
        reviewed_by: None,
        reviewed_at: None,
        review_reason: None,
        closed_at: None,
        retain_until: None,
    };
    body.apply(&mut c);
    state.store.create_campaign(&c, &event(&c, &staff.0, now, "created")).await?;
    Ok((StatusCode::CREATED, Json(view(&state, c).await?)))
}

/// Replace a campaign's facts. After submission or approval it goes (back) to review.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns", request_body = EditRequest,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = Problem, content_type = "application/problem+json", description = "closed, or changed meanwhile")),
    security(("bearer" = [])))]
pub async fn edit(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<EditRequest>,
) -> ApiResult<Json<CampaignView>> {
    body.campaign.validate().map_err(|e| Problem::validation(e.within("campaign")))?;
    let mut c = load_open(&state, id).await?;
    if c.state == CampaignState::Running {
        return Err(wrong_state(&c, "changed", "withdrawn and drafted again"));
    }
    if c.version != body.version {
        return Err(Problem::conflict("version_conflict", "the campaign changed meanwhile; reload and retry"));
    }
    let before = c.state;
    body.campaign.apply(&mut c);
    c.state = match before {
        CampaignState::Draft | CampaignState::Rejected => CampaignState::Draft,
        _ => CampaignState::Submitted,
    };
    if before == CampaignState::Approved {
        c.submitted_at = Some(state.now());
    }
    c.reviewed_by = None;
    c.reviewed_at = None;
    c.review_reason = None;
    let me = staff.0.id.to_string();
    if !c.authors.contains(&me) {
        c.authors.push(me);
    }
    let detail = serde_json::json!({ "from": before.as_str() });
    Ok(Json(save(&state, &staff.0, c, body.version, "edited", detail).await?))
}

/// Submit a draft for supervisory review.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/submit", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = Problem, content_type = "application/problem+json", description = "not a draft")),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CampaignView>> {
    let mut c = load_open(&state, id).await?;
    if c.state != CampaignState::Draft {
        return Err(wrong_state(&c, "submitted", "a draft"));
    }
    let expected = c.version;
    c.state = CampaignState::Submitted;
    c.submitted_at = Some(state.now());
    Ok(Json(save(&state, &staff.0, c, expected, "submitted", serde_json::json!({})).await?))
}

/// Approve or reject a submitted campaign (supervisors; never one they created or edited).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/review", tag = "campaigns", request_body = ReviewRequest,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "separation of duties: the policy that refused it and what to do instead"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "not awaiting review, or changed since the version reviewed")),
    security(("bearer" = [])))]
pub async fn review(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReviewRequest>,
) -> ApiResult<Json<CampaignView>> {
    Ok(Json(campaign_review::review(&state, &staff.0, id, body.decision, body.version, body.reason.as_deref()).await?))
}

/// Start an approved campaign.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/start", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = Problem, content_type = "application/problem+json", description = "not approved")),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CampaignView>> {
    let mut c = load_open(&state, id).await?;
    if c.state != CampaignState::Approved {
        return Err(wrong_state(&c, "started", "approved"));
    }
    let expected = c.version;
    c.state = CampaignState::Running;
    Ok(Json(save(&state, &staff.0, c, expected, "started", serde_json::json!({})).await?))
}

/// Close the record: its retention period starts.
fn close(state: &AppState, c: &mut Campaign, to: CampaignState) {
    let now = state.now();
    c.state = to;
    c.closed_at = Some(now);
    c.retain_until = now.date_naive().checked_add_days(Days::new(u64::from(state.config.campaigns.retention_days)));
}

/// Complete a running campaign; its record is kept for the retention period from now.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/complete", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = Problem, content_type = "application/problem+json", description = "not running")),
    security(("bearer" = [])))]
pub async fn complete(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CampaignView>> {
    let mut c = load_open(&state, id).await?;
    if c.state != CampaignState::Running {
        return Err(wrong_state(&c, "completed", "running"));
    }
    let expected = c.version;
    close(&state, &mut c, CampaignState::Completed);
    Ok(Json(save(&state, &staff.0, c, expected, "completed", serde_json::json!({})).await?))
}

/// Withdraw a campaign that is not closed; its record is kept all the same.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/withdraw", tag = "campaigns", request_body = TransitionRequest,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = Problem, content_type = "application/problem+json", description = "already closed")),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> ApiResult<Json<CampaignView>> {
    let mut c = load_open(&state, id).await?;
    let expected = c.version;
    close(&state, &mut c, CampaignState::Withdrawn);
    Ok(Json(save(&state, &staff.0, c, expected, "withdrawn", serde_json::json!({ "note": body.note })).await?))
}

/// Delete a campaign's record, trail and snapshots once its retention period is over.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json", description = "still retained: the date it may be deleted")),
    security(("bearer" = [])))]
pub async fn delete(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<StatusCode> {
    state.store.delete_campaign(id, state.now().date_naive()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One campaign with its trail and snapshots.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_one(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<Json<CampaignView>> {
    let c = load(&state, id).await?;
    Ok(Json(view(&state, c).await?))
}

/// Campaigns, oldest first.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(ListQuery),
    responses((status = 200, body = Vec<Object>), (status = 422, body = Problem, content_type = "application/problem+json", description = "invalid input")),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Vec<Campaign>>> {
    Ok(Json(state.store.list_campaigns(q.state).await?))
}

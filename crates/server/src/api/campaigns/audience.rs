//! A campaign's audience: computed through the disclosure gate (one `use_for_marketing`
//! decision per campaign) and the bulk approval status of every matching account,
//! snapshotted with each account's approval and its basis, listed and exported through
//! the gate too. An audience is CPNI-derived (which customers matched a usage
//! criterion), so every read of its members is a decision in the audit log: marketing
//! and supervisors see the included accounts, the privacy office and auditors every
//! candidate with the approval that kept it out, for a compliance review.

use crate::application::campaigns::{event, load};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::gate::{GateRequest, Permit, RequestId, Target};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cpniguard_core::account::one_line_text;
use cpniguard_core::ids::CampaignId;
use cpniguard_notify::channels::postal::csv_row;
use cpniguard_policy::{Action, Purpose};
use cpniguard_store::campaigns::{
    AudienceContact, AudienceMember, AudienceSnapshot, Campaign, CampaignState, MarketingChannel,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Which campaign-level use is asked for.
#[derive(Clone, Copy)]
enum Use {
    /// Computing the audience, listing its included members, or handing it to the
    /// carrier's own marketing tool.
    Marketing,
    /// Handing the audience to a sponsor outside the carrier.
    Disclosure,
    /// The privacy office or an auditor looking at every candidate, for `reason`.
    Review,
}

/// The one place a campaign's audience passes the disclosure gate: one audited
/// decision per use, about the whole audience. The permit then reads what the decision
/// covers: included members for marketing, every candidate for a review.
async fn authorize_audience(
    state: &AppState,
    staff: &CurrentStaff,
    request_id: RequestId,
    c: &Campaign,
    use_: Use,
    refs: &[String],
) -> ApiResult<Permit> {
    let approved = matches!(c.state, CampaignState::Approved | CampaignState::Running);
    let (action, purpose) = match use_ {
        Use::Marketing => (Action::UseForMarketing, Purpose::MarketingWithApproval),
        Use::Disclosure => (Action::DiscloseToThirdParty, Purpose::MarketingWithApproval),
        Use::Review => (Action::ReviewAudience, Purpose::ComplianceReview),
    };
    let mut request = GateRequest::staff(&staff.0, action, purpose, Target::Audience(CampaignId(c.id)))
        .campaign_approved(approved)
        .record_ref(format!("campaign:{}", c.id))
        .request_id(request_id.0);
    for r in refs {
        request = request.record_ref(r.clone());
    }
    state.gate.authorize(state, request).await
}

/// A snapshot with the members the caller's decision covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceView {
    pub snapshot: AudienceSnapshot,
    /// Which members are listed: `included`, or `all` candidates (a review).
    pub view: MembersView,
    pub members: Vec<AudienceMember>,
    /// The audit entry of the decision that let the caller see them.
    pub audit_seq: u64,
}

impl AudienceView {
    fn new(snapshot: AudienceSnapshot, view: MembersView, members: Vec<AudienceMember>, permit: &Permit) -> Self {
        Self { snapshot, view, members, audit_seq: permit.audit_seq() }
    }
}

/// Snapshot `audience` of campaign `id`.
async fn find(state: &AppState, id: Uuid, audience: Uuid) -> ApiResult<AudienceSnapshot> {
    let snapshots = state.store.audience_snapshots(id).await?;
    snapshots.into_iter().find(|s| s.id == audience).ok_or_else(|| Problem::not_found("audience snapshot"))
}

/// Compute and snapshot the audience of an approved (or running) campaign.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/audiences", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 201, body = AudienceView, description = "the snapshot and its included accounts"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused: the campaign is not approved")),
    security(("bearer" = [])))]
pub async fn compute(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<(StatusCode, Json<AudienceView>)> {
    let c = load(&state, id).await?;
    let permit = authorize_audience(&state, &staff, request_id, &c, Use::Marketing, &[]).await?;
    let now = state.now();
    let criteria = c.criteria.resolve(now.date_naive());
    let policy = state.config.consent.policy();
    let computed = permit.compute_audience(&criteria, c.sponsor, &policy, now).await?;
    let snapshot = AudienceSnapshot {
        id: Uuid::now_v7(),
        campaign_id: c.id,
        campaign_version: c.version,
        computed_at: now,
        computed_by: staff.0.id.to_string(),
        scope: computed.scope,
        candidates: computed.candidates,
        included: computed.included,
        excluded: computed.excluded,
        decision_ref: Some(permit.audit_ref()),
    };
    let mut ev = event(&c, &staff.0, now, "audience_computed");
    ev.detail = serde_json::json!({
        "audience": snapshot.id, "candidates": snapshot.candidates, "included": snapshot.included,
        "excluded": snapshot.excluded, "criteria": criteria,
    });
    state.store.record_audience(&snapshot, &computed.members, &ev).await?;
    let members = computed.members.into_iter().filter(|m| m.included).collect();
    Ok((StatusCode::CREATED, Json(AudienceView::new(snapshot, MembersView::Included, members, &permit))))
}

/// How much of an audience to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembersView {
    /// The accounts the campaign may reach (marketing, supervisors).
    #[default]
    Included,
    /// Every candidate with the approval that kept it out: a compliance review by the
    /// privacy office or an auditor, with a reason.
    All,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MembersQuery {
    /// `included` (default) or `all`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub view: MembersView,
    /// Why every candidate is looked at (required with `view=all`, one line, at most
    /// 200 characters); kept in the audit entry.
    pub reason: Option<String>,
}

/// Most characters of a review's reason.
const MAX_REASON: usize = 200;

/// A snapshot and the members the caller may see, each read an audited decision.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/audiences/{audience}", tag = "campaigns",
    params(("id" = Uuid, Path), ("audience" = Uuid, Path), MembersQuery),
    responses((status = 200, body = AudienceView),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused, saying who may see what"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`view=all` without a reason")),
    security(("bearer" = [])))]
pub async fn members(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath((id, audience)): ApiPath<(Uuid, Uuid)>,
    ApiQuery(q): ApiQuery<MembersQuery>,
) -> ApiResult<Json<AudienceView>> {
    let (use_, refs) = match q.view {
        MembersView::Included => (Use::Marketing, vec![format!("audience:{audience}")]),
        MembersView::All => {
            let reason = one_line_text("reason", q.reason.as_deref().unwrap_or(""), MAX_REASON)?;
            (Use::Review, vec![format!("audience:{audience}"), format!("reason:{reason}")])
        }
    };
    let c = load(&state, id).await?;
    let snapshot = find(&state, id, audience).await?;
    let permit = authorize_audience(&state, &staff, request_id, &c, use_, &refs).await?;
    let members = permit.audience_members(&snapshot).await?;
    Ok(Json(AudienceView::new(snapshot, q.view, members, &permit)))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    #[serde(default)]
    pub format: ExportFormat,
}

/// One exported account: only the contact points the campaign's channels need.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportRow {
    pub account_id: String,
    pub name: String,
    pub language: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub postal: Option<Vec<serde_json::Value>>,
}

fn export_row(c: &Campaign, contact: AudienceContact) -> ExportRow {
    let has = |ch: MarketingChannel| c.channels.contains(&ch);
    ExportRow {
        account_id: contact.account_id.to_string(),
        name: contact.name,
        language: contact.language,
        email: has(MarketingChannel::Email).then_some(contact.emails),
        phone: (has(MarketingChannel::Text) || has(MarketingChannel::Call)).then_some(contact.phones),
        postal: has(MarketingChannel::Post).then_some(contact.postal),
    }
}

fn csv(c: &Campaign, rows: &[ExportRow]) -> String {
    let mut header = vec!["account_id", "name", "language"];
    let has = |ch: MarketingChannel| c.channels.contains(&ch);
    let (email, phone, post) = (
        has(MarketingChannel::Email),
        has(MarketingChannel::Text) || has(MarketingChannel::Call),
        has(MarketingChannel::Post),
    );
    header.extend(email.then_some("email"));
    header.extend(phone.then_some("phone"));
    header.extend(post.then_some("postal"));
    let mut out = csv_row(header);
    for r in rows {
        let mut fields = vec![r.account_id.clone(), r.name.clone(), r.language.clone()];
        fields.extend(r.email.as_ref().map(|v| v.join(" ")));
        fields.extend(r.phone.as_ref().map(|v| v.join(" ")));
        fields.extend(r.postal.as_ref().map(|v| v.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" ")));
        out.push_str(&csv_row(fields.iter().map(String::as_str)));
    }
    out
}

/// Export a snapshot's included accounts for the marketing tool: contact points, no
/// CPNI. A third-party sponsor's export passes the gate as a disclosure.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/audiences/{audience}/exports", tag = "campaigns",
    request_body = ExportRequest, params(("id" = Uuid, Path), ("audience" = Uuid, Path)),
    responses((status = 200, body = Vec<ExportRow>, description = "JSON, or text/csv when asked"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "the gate refused"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath((id, audience)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<ExportRequest>,
) -> ApiResult<Response> {
    let c = load(&state, id).await?;
    let snapshot = find(&state, id, audience).await?;
    let use_ = if c.sponsor.is_third_party() { Use::Disclosure } else { Use::Marketing };
    let permit = authorize_audience(&state, &staff, request_id, &c, use_, &[]).await?;
    let decision_ref = permit.audit_ref();
    let rows: Vec<ExportRow> =
        permit.audience_contacts(&snapshot).await?.into_iter().map(|contact| export_row(&c, contact)).collect();
    let mut ev = event(&c, &staff.0, state.now(), "audience_exported");
    ev.detail = serde_json::json!({
        "audience": snapshot.id, "accounts": rows.len(), "third_party": c.sponsor.is_third_party(),
        "sponsor_name": c.sponsor_name, "decision_ref": decision_ref,
    });
    state.store.log_campaign_event(&ev).await?;
    Ok(match body.format {
        ExportFormat::Json => Json(rows).into_response(),
        ExportFormat::Csv => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv(&c, &rows)).into_response(),
    })
}

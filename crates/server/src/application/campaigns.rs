//! The campaign record as every workflow step loads and writes it: its view with the
//! review trail and audience snapshots, a change refused once the campaign is closed,
//! and the next version written with one trail entry. The campaign API and the
//! supervisor's review (`campaign_review`) both go through these.

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::staff::Staff;
use cpniguard_policy::ReviewDecision;
use cpniguard_store::StoreError;
use cpniguard_store::campaigns::{AudienceSnapshot, Campaign, CampaignEvent};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A campaign with its review trail and its audience snapshots.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    #[schema(value_type = Object)]
    pub campaign: Campaign,
    #[schema(value_type = Vec<Object>)]
    pub trail: Vec<CampaignEvent>,
    pub audiences: Vec<AudienceSnapshot>,
}

pub async fn load(state: &AppState, id: Uuid) -> ApiResult<Campaign> {
    state.store.get_campaign(id).await?.ok_or_else(|| Problem::not_found("campaign"))
}

pub async fn view(state: &AppState, campaign: Campaign) -> ApiResult<CampaignView> {
    let trail = state.store.campaign_events(campaign.id).await?;
    let audiences = state.store.audience_snapshots(campaign.id).await?;
    Ok(CampaignView { campaign, trail, audiences })
}

pub fn event(c: &Campaign, staff: &Staff, at: DateTime<Utc>, kind: &str) -> CampaignEvent {
    CampaignEvent {
        id: Uuid::now_v7(),
        campaign_id: c.id,
        at,
        actor_id: staff.id.to_string(),
        actor: staff.username.to_string(),
        kind: kind.to_owned(),
        detail: serde_json::json!({ "state": c.state.as_str(), "version": c.version }),
    }
}

/// A campaign to change: any change to a closed one is refused with the date its
/// record may go.
pub async fn load_open(state: &AppState, id: Uuid) -> ApiResult<Campaign> {
    let c = load(state, id).await?;
    if !c.state.is_closed() {
        return Ok(c);
    }
    let until = c.retain_until.map(|d| d.to_string()).unwrap_or_default();
    Err(Problem::conflict(
        "campaign_record_retained",
        format!(
            "the campaign is {}; its record is kept unchanged through {until} and may be deleted (never edited) after that",
            c.state.as_str()
        ),
    ))
}

pub fn wrong_state(c: &Campaign, action: &str, needs: &str) -> Problem {
    Problem::conflict(
        "campaign_state",
        format!("a campaign cannot be {action} while {}; it must be {needs}", c.state.as_str()),
    )
}

/// Write the next version of `c` with a trail entry of `kind` carrying `detail`.
pub async fn save(
    state: &AppState,
    staff: &Staff,
    mut c: Campaign,
    expected: u64,
    kind: &str,
    detail: serde_json::Value,
) -> ApiResult<CampaignView> {
    c.version = expected + 1;
    let mut ev = event(&c, staff, state.now(), kind);
    if let (serde_json::Value::Object(into), serde_json::Value::Object(from)) = (&mut ev.detail, detail) {
        into.extend(from);
    }
    state.store.update_campaign(&c, expected, &ev).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            Problem::conflict("version_conflict", "the campaign changed meanwhile; reload and retry")
        }
        other => other.into(),
    })?;
    view(state, c).await
}

/// Write a review's outcome with its trail entry (the reason and the deciding policies).
pub async fn save_review(
    state: &AppState,
    staff: &Staff,
    c: Campaign,
    expected: u64,
    decision: ReviewDecision,
    reason: Option<String>,
    policy_ids: Vec<String>,
) -> ApiResult<CampaignView> {
    let kind = if decision == ReviewDecision::Approve { "approved" } else { "rejected" };
    let detail = serde_json::json!({ "reason": reason, "policy_ids": policy_ids });
    save(state, staff, c, expected, kind, detail).await
}

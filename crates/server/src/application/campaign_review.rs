//! The supervisor's review of a marketing campaign: the queue of submitted campaigns
//! with their audience size, and approving or rejecting one (a rejection says why in
//! writing). Separation of duties: no one reviews a campaign they created or edited —
//! checked here first and decided again by the policy engine, so a carrier's policy
//! set governs reviews too. The JSON API and the console both call these.

use crate::application::campaigns::{CampaignView, load_open, save_review, wrong_state};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::http::StatusCode;
use cpniguard_core::ValidationError;
use cpniguard_core::staff::Staff;
use cpniguard_policy::{CampaignFacts, CampaignReview, Principal, ReviewDecision};
use cpniguard_store::campaigns::{AudienceSnapshot, Campaign, CampaignState};
use uuid::Uuid;

/// A campaign awaiting review and its latest audience, if one was computed.
pub struct Awaiting {
    pub campaign: Campaign,
    pub audience: Option<AudienceSnapshot>,
}

/// Submitted campaigns, oldest first, with their latest audience.
pub async fn queue(state: &AppState) -> ApiResult<Vec<Awaiting>> {
    let mut out = Vec::new();
    for campaign in state.store.list_campaigns(Some(CampaignState::Submitted)).await? {
        let audience = state.store.audience_snapshots(campaign.id).await?.into_iter().max_by_key(|a| a.computed_at);
        out.push(Awaiting { campaign, audience });
    }
    Ok(out)
}

/// Approve or reject `version` of a submitted campaign.
pub async fn review(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    decision: ReviewDecision,
    version: u64,
    reason: Option<&str>,
) -> ApiResult<CampaignView> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if decision == ReviewDecision::Reject && reason.is_none() {
        return Err(Problem::validation(ValidationError::new("reason", "a rejection gives its reason in writing")));
    }
    let mut c = load_open(state, id).await?;
    let me = staff.id.to_string();
    if c.authors.contains(&me) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "separation_of_duties",
            "Forbidden",
            "you created or edited this campaign; it must be reviewed by another supervisor",
        ));
    }
    if c.state != CampaignState::Submitted {
        return Err(wrong_state(&c, "reviewed", "submitted"));
    }
    if c.version != version {
        return Err(Problem::conflict(
            "version_conflict",
            "the campaign changed since the version you reviewed; review it again",
        ));
    }
    let training = state.config.rules.training_validity_months;
    let roles: Vec<_> = staff.roles.iter().copied().collect();
    let request = CampaignReview {
        reviewer: Principal::staff(me.clone(), &roles, staff.training_current(state.now().date_naive(), training)),
        campaign: CampaignFacts {
            id: c.id.to_string(),
            state: c.state.as_str().to_owned(),
            authors: c.authors.clone(),
        },
        decision,
    };
    let verdict = state.gate.engine().decide_campaign_review(&request);
    if !verdict.allowed {
        let detail = format!(
            "refused by {}: {}",
            verdict.deciding_policy_ids.join(", "),
            verdict.advice_text().unwrap_or_else(|| verdict.reasons.join("; "))
        );
        return Err(Problem::new(StatusCode::FORBIDDEN, "policy_denied", "Forbidden", detail));
    }
    let expected = c.version;
    c.state = match decision {
        ReviewDecision::Approve => CampaignState::Approved,
        ReviewDecision::Reject => CampaignState::Rejected,
    };
    c.reviewed_by = Some(me);
    c.reviewed_at = Some(state.now());
    c.review_reason = reason.clone();
    save_review(state, staff, c, expected, decision, reason, verdict.deciding_policy_ids).await
}

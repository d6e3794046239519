//! Marketing campaigns under supervisory review, audience snapshots and their records
//! (issue 8; 47 CFR 64.2009(c), (d); seed policy S6).
//!
//! A campaign is one versioned document (its facts change together and are read
//! whole) with the columns queries and the retention rule need beside it. Its review
//! trail (`campaign_events`) and its audience snapshots (`campaign_audiences` and their
//! members) are append-only: the database refuses every `UPDATE`, and rows leave only
//! with their campaign once its retention date has passed.

mod criteria;

pub use criteria::{AudienceCriteria, InvoiceTotalRange, MinutesOver, Period, ResolvedCriteria};

use crate::consent::AccountApproval;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::consent::{ApprovalState, CARRIER_MARKETING, ConsentPolicy, PARTNER_SHARING, ScopeDef};
use cpniguard_core::ids::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// draft → submitted → approved | rejected → running → completed; or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Running,
    Completed,
    Withdrawn,
}

impl CampaignState {
    pub const ALL: &'static [CampaignState] = &[
        CampaignState::Draft,
        CampaignState::Submitted,
        CampaignState::Approved,
        CampaignState::Rejected,
        CampaignState::Running,
        CampaignState::Completed,
        CampaignState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Draft => "draft",
            CampaignState::Submitted => "submitted",
            CampaignState::Approved => "approved",
            CampaignState::Rejected => "rejected",
            CampaignState::Running => "running",
            CampaignState::Completed => "completed",
            CampaignState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// Completed or withdrawn: the record is closed and its retention runs.
    pub fn is_closed(self) -> bool {
        matches!(self, CampaignState::Completed | CampaignState::Withdrawn)
    }
}

/// Whose campaign it is: the carrier and its agents and affiliates market under the
/// customers' opt-out approval; everyone else needs their opt-in (47 CFR 64.2007(b)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sponsor {
    Carrier,
    Agent,
    Affiliate,
    JointVenturePartner,
    IndependentContractor,
    ThirdParty,
}

impl Sponsor {
    /// The consent scope whose approval the campaign's audience needs.
    pub fn consent_scope(self) -> &'static str {
        match self {
            Sponsor::Carrier | Sponsor::Agent | Sponsor::Affiliate => CARRIER_MARKETING,
            _ => PARTNER_SHARING,
        }
    }

    /// Whether handing the audience over is a disclosure to someone outside the carrier.
    pub fn is_third_party(self) -> bool {
        self != Sponsor::Carrier
    }
}

/// How customers are reached; decides which contact points an export carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketingChannel {
    Email,
    Text,
    Call,
    Post,
}

/// A marketing campaign as recorded. Never holds CPNI: the categories name kinds of
/// information, the criteria are thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: Uuid,
    /// Incremented by every change; a change names the version it was made against.
    pub version: u64,
    pub state: CampaignState,
    pub name: String,
    pub description: String,
    pub sponsor: Sponsor,
    /// Who the sponsor is when it is not the carrier (the partner's name).
    pub sponsor_name: Option<String>,
    /// `CpniCategory` names: the specific CPNI the campaign uses.
    pub cpni_categories: Vec<String>,
    pub criteria: AudienceCriteria,
    /// The products and services offered.
    pub offers: Vec<String>,
    pub channels: Vec<MarketingChannel>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Staff ids of everyone who created or edited it: none of them may review it.
    pub authors: Vec<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The reviewer's written reason (required for a rejection).
    pub review_reason: Option<String>,
    /// When it completed or was withdrawn.
    pub closed_at: Option<DateTime<Utc>>,
    /// Set when the campaign completes or is withdrawn: nothing of it is changed or
    /// deleted through this day.
    pub retain_until: Option<NaiveDate>,
}

/// One step of a campaign's review trail: who did what, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignEvent {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub at: DateTime<Utc>,
    /// The staff member's id and username.
    pub actor_id: String,
    pub actor: String,
    /// `created`, `edited`, `submitted`, `approved`, `rejected`, `started`,
    /// `completed`, `withdrawn`, `audience_computed`, `audience_exported`.
    pub kind: String,
    /// What changed (never CPNI).
    pub detail: serde_json::Value,
}

/// One account of a computed audience and why it is in or out. CPNI-derived: it says
/// the account matched the campaign's usage criteria.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceMember {
    pub account_id: AccountId,
    pub state: ApprovalState,
    pub usable: bool,
    /// The consent event the state rests on (the choice or the notice): the evidence.
    pub basis: Option<Uuid>,
    pub included: bool,
}

/// A computed audience: when, by whom, under which decision, and its counts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceSnapshot {
    pub id: Uuid,
    pub campaign_id: Uuid,
    /// The campaign version the audience was computed for.
    pub campaign_version: u64,
    pub computed_at: DateTime<Utc>,
    pub computed_by: String,
    pub scope: String,
    /// Accounts matching the criteria before consent.
    pub candidates: u64,
    pub included: u64,
    /// Excluded accounts by approval state (`opted_out`, `waiting`, ...).
    pub excluded: BTreeMap<String, u64>,
    /// The gate's audit reference for the `use_for_marketing` decision.
    pub decision_ref: Option<String>,
}

/// What an export needs of one included account: contact points, never CPNI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceContact {
    pub account_id: AccountId,
    pub name: String,
    pub language: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// Postal addresses as their JSON storage text.
    pub postal: Vec<serde_json::Value>,
}

/// Review work in a period, for the privacy office's certification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignReviewCounts {
    pub submitted: u64,
    pub approved: u64,
    pub rejected: u64,
    pub completed: u64,
}

/// The campaign reads that reveal CPNI: which accounts a usage-based criterion picks,
/// and who is in an audience and why. Apart from [`CampaignStore`] for the same reason
/// as [`CpniRecords`](crate::CpniRecords): the server's disclosure gate holds them and
/// lends them out only through a permit for the campaign it decided on.
#[async_trait]
pub trait AudienceRecords: Send + Sync {
    /// Accounts matching the criteria (closed accounts never), by id.
    async fn audience_candidates(&self, criteria: &ResolvedCriteria) -> StoreResult<Vec<AccountId>>;

    /// Every account matching the criteria, by id, with its approval for `scope` at
    /// `at`: the criteria and the consent history in one query (the candidates left
    /// joined to their events), folded as they stream in. The audience's cost is then
    /// one pass over the candidates' events on top of the criteria themselves.
    async fn audience_approvals(
        &self,
        criteria: &ResolvedCriteria,
        scope: &ScopeDef,
        policy: &ConsentPolicy,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<AccountApproval>>;

    /// A snapshot's members by account id (only the included ones when `included_only`).
    async fn audience_members(&self, audience: Uuid, included_only: bool) -> StoreResult<Vec<AudienceMember>>;

    /// The current contact points of a snapshot's included accounts, by account id.
    async fn audience_contacts(&self, audience: Uuid) -> StoreResult<Vec<AudienceContact>>;
}

#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// `Conflict("campaign")` when the id is taken.
    async fn create_campaign(&self, campaign: &Campaign, event: &CampaignEvent) -> StoreResult<()>;

    async fn get_campaign(&self, id: Uuid) -> StoreResult<Option<Campaign>>;

    /// Campaigns (in one state, if given), oldest first.
    async fn list_campaigns(&self, state: Option<CampaignState>) -> StoreResult<Vec<Campaign>>;

    /// Campaigns active in `[from, to)`: created before `to` and not completed or
    /// withdrawn before `from`. Oldest first.
    async fn campaigns_in_period(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Campaign>>;

    /// Replace the record (whose `version` is the new one) if the stored version is
    /// still `expected_version`, and log `event`, in one transaction.
    /// `Conflict("campaign version")` when someone changed it first; `NotFound`.
    async fn update_campaign(
        &self,
        campaign: &Campaign,
        expected_version: u64,
        event: &CampaignEvent,
    ) -> StoreResult<()>;

    /// The review trail, oldest first.
    async fn campaign_events(&self, id: Uuid) -> StoreResult<Vec<CampaignEvent>>;

    /// How many accounts match, by the same query (the baseline of the audience figure).
    async fn count_audience_candidates(&self, criteria: &ResolvedCriteria) -> StoreResult<u64>;

    /// Store a snapshot with its members and log `event`, in one transaction.
    /// `NotFound("campaign")`; `Conflict("campaign version")` when the campaign is no
    /// longer at the snapshot's version.
    async fn record_audience(
        &self,
        snapshot: &AudienceSnapshot,
        members: &[AudienceMember],
        event: &CampaignEvent,
    ) -> StoreResult<()>;

    /// A campaign's snapshots, oldest first.
    async fn audience_snapshots(&self, campaign: Uuid) -> StoreResult<Vec<AudienceSnapshot>>;

    /// Log an event on a campaign without changing it (an export).
    async fn log_campaign_event(&self, event: &CampaignEvent) -> StoreResult<()>;

    /// Delete the campaign, its trail and its snapshots. `Invalid` (naming the date)
    /// while it has no retention date yet or `today` is not after it; `NotFound`.
    async fn delete_campaign(&self, id: Uuid, today: NaiveDate) -> StoreResult<()>;

    /// Campaigns submitted and not yet reviewed.
    async fn campaigns_awaiting_review_count(&self) -> StoreResult<u64>;

    /// Submissions, approvals, rejections and completions logged in `[from, to)`.
    async fn campaign_review_counts(&self, from: DateTime<Utc>, to: DateTime<Utc>)
    -> StoreResult<CampaignReviewCounts>;
}

/// A computed (not yet recorded) audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputedAudience {
    pub scope: String,
    pub candidates: u64,
    pub included: u64,
    pub excluded: BTreeMap<String, u64>,
    pub members: Vec<AudienceMember>,
}

/// The audience of a campaign sponsored by `sponsor` at `at`: the accounts matching
/// the criteria, each with its approval for the sponsor's consent scope (the bulk
/// form); only accounts whose approval is usable are included, the others are kept
/// with their state and counted by it. One function for the API and the benchmark.
pub async fn compute_audience<S: AudienceRecords + ?Sized>(
    store: &S,
    criteria: &ResolvedCriteria,
    sponsor: Sponsor,
    policy: &ConsentPolicy,
    at: DateTime<Utc>,
) -> StoreResult<ComputedAudience> {
    let scope = policy.scope(sponsor.consent_scope()).ok_or_else(|| {
        StoreError::Invalid(cpniguard_core::ValidationError::new(
            "sponsor",
            format!("no consent scope {} is configured", sponsor.consent_scope()),
        ))
    })?;
    let approvals = store.audience_approvals(criteria, scope, policy, at).await?;
    let candidates = approvals.len() as u64;
    let mut excluded = BTreeMap::new();
    let members: Vec<AudienceMember> = approvals
        .into_iter()
        .map(|a| {
            if !a.usable {
                *excluded.entry(a.state.as_str().to_owned()).or_insert(0) += 1;
            }
            AudienceMember {
                account_id: a.account_id,
                state: a.state,
                usable: a.usable,
                basis: a.basis,
                included: a.usable,
            }
        })
        .collect();
    let included = members.iter().filter(|m| m.included).count() as u64;
    Ok(ComputedAudience { scope: scope.name.clone(), candidates, included, excluded, members })
}

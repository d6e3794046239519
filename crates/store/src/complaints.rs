//! Complaints and questions to the privacy office, and actions against data brokers (issue 9).
//!
//! A complaint is one document (its facts are always read whole) with the columns its
//! listings filter on beside it; every status change is also logged, append-only, with
//! who made it. Complaints are never deleted. Mail to the privacy address that cannot
//! become a complaint unattended (bounces, automatic replies, failed authentication,
//! unparseable) waits in its own quarantine until the privacy office files or dismisses it.

use crate::StoreResult;
use crate::consent::QuarantinedMail;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{NoticeId, SideEffects};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a complaint is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintCategory {
    /// CPNI was released to someone not entitled to it (counted in the annual certification).
    UnauthorisedReleaseOfCpni,
    PretextingAttempt,
    MarketingContact,
    AccessRequest,
    BillingPrivacy,
    Other,
}

impl ComplaintCategory {
    pub const ALL: [ComplaintCategory; 6] = [
        ComplaintCategory::UnauthorisedReleaseOfCpni,
        ComplaintCategory::PretextingAttempt,
        ComplaintCategory::MarketingContact,
        ComplaintCategory::AccessRequest,
        ComplaintCategory::BillingPrivacy,
        ComplaintCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintCategory::UnauthorisedReleaseOfCpni => "unauthorised_release_of_cpni",
            ComplaintCategory::PretextingAttempt => "pretexting_attempt",
            ComplaintCategory::MarketingContact => "marketing_contact",
            ComplaintCategory::AccessRequest => "access_request",
            ComplaintCategory::BillingPrivacy => "billing_privacy",
            ComplaintCategory::Other => "other",
        }
    }
}

/// How the complaint reached the carrier.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintChannel {
    Call,
    Letter,
    /// An email a member of staff entered by hand.
    Email,
    /// The customer on the portal.
    Portal,
    /// The privacy mailbox, ingested unattended.
    Mailbox,
}

/// open → investigating → resolved.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Open,
    Investigating,
    Resolved,
}

impl ComplaintStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Open => "open",
            ComplaintStatus::Investigating => "investigating",
            ComplaintStatus::Resolved => "resolved",
        }
    }

    /// The one status a complaint in this status may move to.
    pub fn next(self) -> Option<ComplaintStatus> {
        match self {
            ComplaintStatus::Open => Some(ComplaintStatus::Investigating),
            ComplaintStatus::Investigating => Some(ComplaintStatus::Resolved),
            ComplaintStatus::Resolved => None,
        }
    }
}

/// A complaint or question as recorded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: Uuid,
    pub category: ComplaintCategory,
    pub channel: ComplaintChannel,
    /// The customer's account, when known.
    pub account_id: Option<AccountId>,
    /// Accounts the sender's address matched when it matched several (none is assumed).
    #[serde(default)]
    pub candidate_accounts: Vec<AccountId>,
    pub status: ComplaintStatus,
    pub subject: String,
    pub description: String,
    /// How to answer a complainant without an account (as they gave it).
    pub contact: Option<String>,
    /// When the carrier received it (a letter's date of receipt may be earlier than recording).
    pub received_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// `staff:<id>`, `customer` or `mail-ingest`.
    pub recorded_by: String,
    pub investigating_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
    /// Evidence of a mailed complaint: its Message-ID and the SHA-256 of the raw message.
    pub message_id: Option<String>,
    pub message_sha256: Option<String>,
    /// The acknowledgement notices queued to the customer.
    #[serde(default)]
    pub acknowledgements: Vec<NoticeId>,
    /// Makes a repeated intake (the same message, a retried request) record nothing new.
    pub dedup_key: Option<String>,
}

/// One entry of a complaint's append-only log: its receipt and each status change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintEvent {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub status: ComplaintStatus,
    /// The category the complaint was put in at this step (none: unchanged).
    pub category: Option<ComplaintCategory>,
    pub note: Option<String>,
}

/// What recording a complaint did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintIntake {
    /// The complaint as stored: the new one, or the one already holding this dedup key.
    pub complaint: Complaint,
    pub created: bool,
}

/// Listing filters; every one optional. Newest first by id (ids are time-ordered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintQuery {
    pub status: Option<ComplaintStatus>,
    pub category: Option<ComplaintCategory>,
    pub account: Option<AccountId>,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before.
    pub received_to: Option<DateTime<Utc>>,
    /// Continue after this complaint (the `next_after` of the previous page).
    pub after: Option<Uuid>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintPage {
    pub complaints: Vec<Complaint>,
    pub next_after: Option<Uuid>,
}

/// Complaints received in a period, for the annual certification.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ComplaintSummary {
    pub total: u64,
    pub by_category: BTreeMap<String, u64>,
    pub unauthorised_release_by_status: BTreeMap<String, u64>,
}

/// What was done against a data broker or pretexter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerActionKind {
    CeaseAndDesist,
    LawEnforcementReferral,
    Lawsuit,
    AccountBlock,
    Other,
}

impl BrokerActionKind {
    /// The name in the API and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            BrokerActionKind::CeaseAndDesist => "cease_and_desist",
            BrokerActionKind::LawEnforcementReferral => "law_enforcement_referral",
            BrokerActionKind::Lawsuit => "lawsuit",
            BrokerActionKind::AccountBlock => "account_block",
            BrokerActionKind::Other => "other",
        }
    }
}

/// An action taken against a data broker or pretexter. Appended; only its outcome
/// is recorded later.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerAction {
    pub id: Uuid,
    /// The day the action was taken.
    pub taken_on: NaiveDate,
    /// Who it was taken against.
    pub party: String,
    pub action: BrokerActionKind,
    pub description: String,
    /// Pretexting signals (customer authentication) that led to it.
    pub signal_ids: Vec<Uuid>,
    /// A complaint that led to it.
    pub complaint_id: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub outcome: Option<String>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub outcome_by: Option<String>,
}

/// Mail to the privacy address waiting for review, and the complaint it was filed as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyMail {
    /// `status` is `open`, `filed` or `dismissed`.
    #[serde(flatten)]
    pub mail: QuarantinedMail,
    pub complaint_id: Option<Uuid>,
}

/// How the privacy office closes a quarantined privacy message.
#[derive(Debug, Clone)]
pub enum PrivacyMailResolution {
    /// File it as this complaint (with its acknowledgement), in the same transaction.
    Filed {
        complaint: Box<Complaint>,
        acknowledgement: SideEffects,
    },
    Dismissed,
}

#[async_trait]
pub trait ComplaintStore: Send + Sync {
    /// Record a new complaint (its status must be `open`) with its receipt event and
    /// the acknowledgement notices and privacy tasks in `acknowledgement`, in one
    /// transaction. When a complaint with the same `dedup_key` exists, nothing is
    /// written and that complaint is returned. `NotFound("account")` for an unknown account.
    async fn record_complaint(
        &self,
        complaint: &Complaint,
        acknowledgement: &SideEffects,
        now: DateTime<Utc>,
    ) -> StoreResult<ComplaintIntake>;

    async fn get_complaint(&self, id: Uuid) -> StoreResult<Option<Complaint>>;

    /// One page of complaints matching `query`, newest first.
    async fn list_complaints(&self, query: &ComplaintQuery) -> StoreResult<ComplaintPage>;

    /// Move a complaint to `to`, which must be the next status of its current one
    /// (`Invalid` otherwise, naming both); resolving needs a `resolution`. With
    /// `category`, the complaint is put in that category at the same step (a mailed
    /// complaint arrives as `other`). Logged with `by` and `note` (the resolution when
    /// resolving). `NotFound("complaint")`.
    async fn advance_complaint(
        &self,
        id: Uuid,
        to: ComplaintStatus,
        category: Option<ComplaintCategory>,
        by: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Complaint>;

    /// The log, oldest first.
    async fn complaint_events(&self, id: Uuid) -> StoreResult<Vec<ComplaintEvent>>;

    /// Complaints received in [from, to), counted by category and by status/outcome.
    async fn complaint_summary(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<ComplaintSummary>;

    /// Complaints not yet resolved (open or investigating).
    async fn open_complaints_count(&self) -> StoreResult<u64>;

    /// Keep a message to the privacy address for review. A message whose SHA-256 is
    /// already held is not stored again; the entry holding it is returned.
    async fn quarantine_privacy_mail(&self, mail: &QuarantinedMail) -> StoreResult<Uuid>;

    /// Entries, oldest first; only open ones when `open_only`.
    async fn list_privacy_mail(&self, open_only: bool) -> StoreResult<Vec<PrivacyMail>>;

    /// One entry with its raw message.
    async fn get_privacy_mail(&self, id: Uuid) -> StoreResult<Option<PrivacyMail>>;

    /// Close an open entry; filing records the complaint in the same transaction.
    /// `NotFound("quarantined message")`; `Invalid` when it is already closed.
    async fn resolve_privacy_mail(
        &self,
        id: Uuid,
        resolution: &PrivacyMailResolution,
        by: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<PrivacyMail>;

    /// Append an action. `NotFound("pretexting signal")` or `NotFound("complaint")`
    /// when a linked record does not exist; `Conflict("broker action")` on a taken id.
    async fn record_broker_action(&self, action: &BrokerAction) -> StoreResult<()>;

    async fn get_broker_action(&self, id: Uuid) -> StoreResult<Option<BrokerAction>>;

    /// Record (or correct) the outcome of an action. `NotFound("broker action")`.
    async fn record_broker_outcome(
        &self,
        id: Uuid,
        outcome: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<BrokerAction>;

    /// Actions against data brokers taken on days in [from, to] (inclusive dates), oldest first.
    async fn broker_actions_between(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<BrokerAction>>;
}

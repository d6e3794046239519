//! Breach incidents (issue 7): the incident record, its append-only event log, and the
//! customer notices queued for it. The record is one document (its facts change
//! together and are always read whole); the columns beside it are what queries and the
//! retention rule need.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::breach::record::ProtectedFacts;
use cpniguard_core::breach::{Agency, Harm, Regime};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{NewNotice, NoticeId, NoticeStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// open → agencies_notified → customers_notified (or not_required) → closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    Open,
    AgenciesNotified,
    CustomersNotified,
    NotRequired,
    Closed,
}

impl IncidentState {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentState::Open => "open",
            IncidentState::AgenciesNotified => "agencies_notified",
            IncidentState::CustomersNotified => "customers_notified",
            IncidentState::NotRequired => "not_required",
            IncidentState::Closed => "closed",
        }
    }
}

/// Whether the information was encrypted, and whether the key went with it: the facts
/// a safe-harbour argument rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptionFacts {
    pub encrypted: bool,
    pub key_compromised: bool,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgentNeed {
    pub declared_at: DateTime<Utc>,
    /// The agency consulted before telling customers early.
    pub agency: Agency,
    /// Who at the agency was consulted.
    pub consulted: String,
    pub reason: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayExtension {
    pub reference: String,
    pub until: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

/// An agency's written order not to tell customers or the public yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayOrder {
    pub id: Uuid,
    pub agency: Agency,
    pub reference: String,
    /// The last day of the order as first given.
    pub until: NaiveDate,
    pub extensions: Vec<DelayExtension>,
    /// The agency released the carrier from the order on this day.
    pub released_on: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
}

impl DelayOrder {
    /// The last day the order holds: the latest extension, or the day before release.
    pub fn effective_until(&self) -> NaiveDate {
        let until = self.extensions.iter().map(|e| e.until).fold(self.until, NaiveDate::max);
        match self.released_on.and_then(|r| r.pred_opt()) {
            Some(before) => until.min(before),
            None => until,
        }
    }
}

/// A report made to an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyNoticeMade {
    pub agency: Agency,
    pub reference: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A line of an imported affected-account list that names no account: kept on the
/// incident for the privacy office, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownAffected {
    /// The line in the import it was first seen on (1-based).
    pub line: u64,
    pub value: String,
    pub imported_at: DateTime<Utc>,
}

/// The incident was included in an annual summary filed with the FCC (2023 regime):
/// its annual-summary clock stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualSummaryFiling {
    /// The calendar year the summary covers.
    pub year: i32,
    /// The filing's reference (the FCC's confirmation number).
    pub reference: String,
    pub filed_on: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A breach incident as recorded. Never holds CPNI: the categories name kinds of
/// information, the accounts are ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachIncident {
    pub id: Uuid,
    /// Incremented by every change; a change names the version it was made against.
    pub version: u64,
    pub state: IncidentState,
    pub regime: Regime,
    pub created_at: DateTime<Utc>,
    pub discovered_at: DateTime<Utc>,
    pub determined_at: DateTime<Utc>,
    pub description: String,
    pub circumstances: String,
    /// `CpniCategory` names.
    pub categories: Vec<String>,
    /// How many accounts the incident lists as affected (the accounts themselves are
    /// rows of their own: [`BreachStore::breach_affected_accounts`]). Every write
    /// states the count it leaves, and the store checks it.
    #[serde(default)]
    pub affected_count: u64,
    /// When the accounts are not known one by one.
    pub approximate_affected: Option<u64>,
    pub harm: Harm,
    pub harm_reasoning: String,
    pub inadvertent: bool,
    pub encryption: EncryptionFacts,
    pub urgent_need: Option<UrgentNeed>,
    pub delay_orders: Vec<DelayOrder>,
    pub agency_notices: Vec<AgencyNoticeMade>,
    pub customers_notified_at: Option<DateTime<Utc>>,
    pub not_required_reason: Option<String>,
    /// Records made before this field existed have none.
    #[serde(default)]
    pub annual_summary_filing: Option<AnnualSummaryFiling>,
    /// Imported affected-account lines that named no account.
    #[serde(default)]
    pub unknown_affected: Vec<UnknownAffected>,
    /// The record (with its events and notices) is kept through this day.
    pub retain_until: NaiveDate,
}

impl BreachIncident {
    /// What `core::breach::record` protects in this record.
    pub fn protected_facts(&self) -> ProtectedFacts {
        ProtectedFacts {
            determined_at: self.determined_at,
            agency_notices: self.agency_notices.iter().map(|n| (n.agency.as_str().to_owned(), n.at)).collect(),
            customers_notified_at: self.customers_notified_at,
            retain_until: self.retain_until,
        }
    }
}

/// What deleting an incident removed with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeletedIncident {
    pub events: u64,
    pub affected_accounts: u64,
    /// Links to the notices sent (the notices stay in the outbox's history).
    pub notices: u64,
    /// Lifted legal holds on the incident (their placing and lifting stay in the
    /// audit chain).
    pub lifted_holds: u64,
}

/// One entry of an incident's append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreachEvent {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub at: DateTime<Utc>,
    /// The staff member's username.
    pub actor: String,
    pub kind: String,
    /// What changed (never CPNI).
    pub detail: serde_json::Value,
}

/// How far the notice to one affected account has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachNoticeProgress {
    pub account_id: AccountId,
    pub notice_id: NoticeId,
    pub status: NoticeStatus,
}

/// What a write does to an incident's affected accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AffectedChange<'a> {
    Keep,
    /// List these too (already listed ones are no change).
    Add(&'a [AccountId]),
    /// List exactly these.
    Replace(&'a [AccountId]),
}

/// The most rows one page of [`BreachStore::breach_affected_accounts`] or
/// [`BreachStore::breach_notice_progress`] returns.
pub const MAX_ROWS_PAGE: usize = 10_000;

#[async_trait]
pub trait BreachStore: Send + Sync {
    /// Record a new incident listing `affected` accounts. `Conflict("breach
    /// incident")` when the id is taken; `Conflict("breach affected accounts")` when
    /// the record's `affected_count` is not how many distinct accounts it lists.
    async fn create_breach_incident(
        &self,
        incident: &BreachIncident,
        event: &BreachEvent,
        affected: &[AccountId],
    ) -> StoreResult<()>;

    async fn get_breach_incident(&self, id: Uuid) -> StoreResult<Option<BreachIncident>>;

    /// Every incident, oldest first.
    async fn list_breach_incidents(&self) -> StoreResult<Vec<BreachIncident>>;

    /// Replace the record (whose `version` is the new one) if the stored version is
    /// still `expected_version`, change its affected accounts, and log `event`, in
    /// one transaction. `Invalid` (naming the field) when the change breaks the
    /// record's rules (`core::breach::record::check_change`: once notified, the
    /// determination and notification times are fixed; the retention date never moves
    /// earlier). `Conflict("breach incident version")` when someone else
    /// changed it first; `Conflict("breach affected accounts")` when the record's
    /// `affected_count` is not what the change leaves; `NotFound` when it does not
    /// exist.
    async fn update_breach_incident(
        &self,
        incident: &BreachIncident,
        expected_version: u64,
        event: &BreachEvent,
        affected: AffectedChange<'_>,
    ) -> StoreResult<()>;

    /// The incident's affected accounts by id, after `after`, at most `limit` (capped
    /// at [`MAX_ROWS_PAGE`]).
    async fn breach_affected_accounts(
        &self,
        id: Uuid,
        after: Option<AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>>;

    /// The update above plus notices queued to the outbox and linked to the incident
    /// per account, all in one transaction. Returns how many notices were new.
    async fn queue_breach_notices(
        &self,
        incident: &BreachIncident,
        expected_version: u64,
        event: &BreachEvent,
        notices: &[NewNotice],
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// The log, oldest first.
    async fn breach_events(&self, id: Uuid) -> StoreResult<Vec<BreachEvent>>;

    /// Per affected account by id, after `after`, at most `limit` (capped at
    /// [`MAX_ROWS_PAGE`]): the notice queued and its delivery status.
    async fn breach_notice_progress(
        &self,
        id: Uuid,
        after: Option<AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<BreachNoticeProgress>>;

    /// How many of the incident's notices are in each delivery status.
    async fn breach_notice_counts(&self, id: Uuid) -> StoreResult<Vec<(NoticeStatus, u64)>>;

    /// Delete the incident, its log, its affected accounts, its notice links and its
    /// lifted legal holds, and say how many of each went. `Invalid` (naming the date) while `today` is not
    /// after its retention date; `Conflict("legal hold")` while an active legal hold
    /// is on the incident or on an account it lists; `NotFound` when absent.
    async fn delete_breach_incident(&self, id: Uuid, today: NaiveDate) -> StoreResult<DeletedIncident>;

    /// Which of `refs` name an account, by account number or by account id (a list
    /// imported from elsewhere may use either): each ref found, with its account. At
    /// most [`MAX_REFS`] refs per call.
    async fn resolve_account_refs(&self, refs: &[String]) -> StoreResult<Vec<(String, AccountId)>>;
}

/// The most refs [`BreachStore::resolve_account_refs`] takes at once.
pub const MAX_REFS: usize = 10_000;

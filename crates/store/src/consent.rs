//! Consent: approval history per account and scope, notices served, opt-out mail
//! quarantine (issue 6).
//!
//! The history (`consent_events`) is append-only: the database refuses every
//! `UPDATE` and `DELETE` of it (triggers), so an approval status once derived can be
//! derived again from the same rows at any later time.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::consent::{ApprovalState, ConsentEvent, ConsentPolicy, ScopeDef};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{NewNotice, NoticeId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An opt-out message that could not be applied without a person looking at it (or
/// was applied to several accounts), kept with its raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedMail {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    /// `unmatched`, `ambiguous`, `auth_failed`, `unparseable`.
    pub reason: String,
    /// Human-readable detail (never the message body).
    pub detail: String,
    pub message_id: Option<String>,
    /// SHA-256 of `raw`, hex. The same message is quarantined once.
    pub sha256: String,
    pub sender: Option<String>,
    /// Accounts the message was matched to (and, for `ambiguous`, applied to).
    pub account_ids: Vec<AccountId>,
    /// `open`, `applied`, `dismissed`.
    pub status: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
    #[serde(skip)]
    pub raw: Vec<u8>,
}

/// One unit of consent work: events (for one or several accounts), the confirmation
/// notices they owe, and possibly a message to quarantine — all or nothing.
#[derive(Debug, Clone, Default)]
pub struct ConsentChange {
    pub events: Vec<ConsentEvent>,
    pub notices: Vec<NewNotice>,
    pub quarantine: Option<QuarantinedMail>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentChangeOutcome {
    /// Events newly recorded (an idempotency key already stored is skipped).
    pub recorded: Vec<Uuid>,
    pub notices: Vec<NoticeId>,
    /// The quarantine entry: the new one, or the one already holding this message.
    pub quarantine: Option<Uuid>,
}

/// How a privacy officer closes a quarantine entry.
#[derive(Debug, Clone)]
pub enum QuarantineResolution {
    /// Apply the opt-out: the events and notices to write with the resolution.
    Applied {
        change: Box<ConsentChange>,
    },
    Dismissed,
}

/// One account's approval for a scope in a bulk query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountApproval {
    pub account_id: AccountId,
    pub state: ApprovalState,
    pub usable: bool,
    /// The event the state rests on (the choice, or the notice): its evidence.
    pub basis: Option<Uuid>,
}

/// An opt-out path the system watches (issue 6, item 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptOutMechanism {
    /// Opt-out email piped or delivered to `cpniguard mail ingest|watch`.
    MailIngest,
    /// Opt-out email held in the quarantine until a privacy officer reviews it.
    MailReview,
    /// The customer's own opt-out on the portal.
    Portal,
}

impl OptOutMechanism {
    pub const ALL: [OptOutMechanism; 3] = [Self::MailIngest, Self::MailReview, Self::Portal];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MailIngest => "mail_ingest",
            Self::MailReview => "mail_review",
            Self::Portal => "portal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One attempt through an opt-out path and whether the path worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutObservation {
    pub id: Uuid,
    pub mechanism: OptOutMechanism,
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// What failed: an error kind, never a message body, an address or CPNI.
    pub detail: String,
    /// When the opt-out reached the carrier, if earlier than `at` and known (mail: the
    /// Maildir file's time, or the receiving server's `Received` header). The wait from
    /// it to `at` is what shows an outage after the fact: the mail system holds and
    /// redelivers what arrived while the database was away, and it then goes through.
    pub arrived_at: Option<DateTime<Utc>>,
}

impl OptOutObservation {
    /// The arrival, when it is known and before `at` (a clock that disagrees is ignored).
    pub fn known_arrival(&self) -> Option<DateTime<Utc>> {
        self.arrived_at.filter(|arrived| *arrived < self.at)
    }

    /// Whole seconds from arrival to `at` (0 without an arrival before it).
    pub fn waited_secs(&self) -> u64 {
        self.known_arrival().map_or(0, |arrived| u64::try_from((self.at - arrived).num_seconds()).unwrap_or(0))
    }
}

/// Opt-outs a path applied that had arrived after some time and waited longer than a
/// limit between their arrival and their application.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DelayedOptOuts {
    pub count: u64,
    /// The longest wait among them, in seconds.
    pub longest_secs: u64,
    /// When the first of them was applied.
    pub first_applied_at: Option<DateTime<Utc>>,
}

/// A mechanism's record as of a query: counts in a window, and the run of failures
/// since it last worked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptOutHealth {
    pub ok_since: u64,
    pub failed_since: u64,
    pub last_ok_at: Option<DateTime<Utc>>,
    /// The first failure after the last success (or ever, without one).
    pub failing_since: Option<DateTime<Utc>>,
    pub failures_since_last_ok: u64,
}

/// Opt-out mail waiting for a person: entries that may be a customer's opt-out not yet
/// applied (unmatched, failed authentication, unparseable).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuarantineBacklog {
    pub open: u64,
    pub oldest_received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptOutIncidentStatus {
    Open,
    Closed,
}

impl OptOutIncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

/// The fix for the failure and when it was (or will be) in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptOutRemedy {
    pub description: String,
    pub implemented_on: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Whether the state commissions were told, and what they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCommissionsNotice {
    pub notified: bool,
    /// Which commissions, and when.
    pub commissions: String,
    /// Any action they have taken.
    pub action_taken: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// The letter to the Commission as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptOutLetterSent {
    pub sent_on: NaiveDate,
    /// The filing or mail reference.
    pub reference: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// An opt-out failure incident (47 CFR 64.2009(f)): customers could not opt out through
/// `mechanism` for more than an anomaly; the Commission is owed a letter by `due_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptOutIncident {
    pub id: Uuid,
    /// Incremented by every change; a change names the version it was made against.
    pub version: u64,
    pub mechanism: OptOutMechanism,
    pub status: OptOutIncidentStatus,
    pub detected_at: DateTime<Utc>,
    /// The problem in words, as the check found it.
    pub problem: String,
    /// The figures behind it (counts, times, thresholds).
    pub evidence: serde_json::Value,
    /// Five federal business days after detection, in the carrier's time zone.
    pub due_on: NaiveDate,
    pub remedy: Option<OptOutRemedy>,
    pub state_commissions: Option<StateCommissionsNotice>,
    pub letter_sent: Option<OptOutLetterSent>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
}

#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Record `change` in one transaction. `NotFound("account")` when an event's
    /// account does not exist. An event or notice whose idempotency key is already
    /// stored is skipped; a quarantined message whose SHA-256 is already stored is
    /// not stored again (its entry is returned).
    async fn record_consent(&self, change: &ConsentChange, now: DateTime<Utc>) -> StoreResult<ConsentChangeOutcome>;

    /// An account's whole history, oldest first (by time, then id).
    async fn consent_history(&self, account: AccountId) -> StoreResult<Vec<ConsentEvent>>;

    /// The approval of `scope` at `at` for every account (`audience` = None) or the
    /// given ones, ordered by account id. Accounts with no events are `no_notice`.
    async fn bulk_approval(
        &self,
        scope: &ScopeDef,
        policy: &ConsentPolicy,
        at: DateTime<Utc>,
        audience: Option<&[AccountId]>,
    ) -> StoreResult<Vec<AccountApproval>>;

    /// A bare `SELECT count(*)` over the history (the baseline of the bulk figure).
    async fn count_consent_events(&self) -> StoreResult<u64>;

    /// Accounts whose current email address is `email` (ignoring case).
    async fn accounts_with_email(&self, email: &EmailAddress) -> StoreResult<Vec<AccountId>>;

    /// Quarantine entries, oldest first; only open ones when `open_only`.
    async fn list_quarantine(&self, open_only: bool) -> StoreResult<Vec<QuarantinedMail>>;

    /// One entry with its raw message.
    async fn get_quarantined(&self, id: Uuid) -> StoreResult<Option<QuarantinedMail>>;

    /// Close an open entry. `NotFound("quarantined message")`; `Invalid` when it is
    /// already closed. Applying writes the change in the same transaction.
    async fn resolve_quarantine(
        &self,
        id: Uuid,
        resolution: &QuarantineResolution,
        by: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<QuarantinedMail>;

    /// Remember one attempt through an opt-out path.
    async fn record_optout_observation(&self, observation: &OptOutObservation) -> StoreResult<()>;

    /// `mechanism`'s counts since `since`, its last success and the failures after it.
    async fn optout_health(&self, mechanism: OptOutMechanism, since: DateTime<Utc>) -> StoreResult<OptOutHealth>;

    /// Opt-outs through `mechanism` that arrived after `arrived_after` and were applied
    /// (observed working) more than `longer_than_secs` after they arrived.
    async fn delayed_optouts(
        &self,
        mechanism: OptOutMechanism,
        arrived_after: DateTime<Utc>,
        longer_than_secs: u64,
    ) -> StoreResult<DelayedOptOuts>;

    /// Open quarantine entries that may hold a customer's opt-out.
    async fn quarantine_backlog(&self) -> StoreResult<QuarantineBacklog>;

    /// Store a new incident unless one is already open for its mechanism: `false` then,
    /// and nothing is written.
    async fn open_optout_incident(&self, incident: &OptOutIncident) -> StoreResult<bool>;

    async fn get_optout_incident(&self, id: Uuid) -> StoreResult<Option<OptOutIncident>>;

    /// Incidents, oldest first; only open ones when `open_only`.
    async fn list_optout_incidents(&self, open_only: bool) -> StoreResult<Vec<OptOutIncident>>;

    /// Replace the record (whose `version` is the new one) if the stored version is
    /// still `expected_version`. `Conflict("opt-out incident version")`; `NotFound`.
    async fn update_optout_incident(&self, incident: &OptOutIncident, expected_version: u64) -> StoreResult<()>;

    /// How many incidents are open (the privacy-office dashboard).
    async fn open_optout_incidents_count(&self) -> StoreResult<u64>;
}

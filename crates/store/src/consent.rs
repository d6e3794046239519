//! Consent: approval history per account and scope, notices served, opt-out mail
//! quarantine (issue 6).
//!
//! The history (`consent_events`) is append-only: the database refuses every
//! `UPDATE` and `DELETE` of it (triggers), so an approval status once derived can be
//! derived again from the same rows at any later time.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
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
}

//! Limits on credential checks that must hold across processes, and the records that
//! keep staff honest (issue 18): per-source failure counters for unauthenticated
//! checks, who set each business-account contract exemption, the privacy office's
//! lifted locks, and secrets set on the strength of staff-attested evidence.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::authn::EvidenceKind;
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::{NoticeId, SideEffects};
use serde::Serialize;

/// A per-source limit: `allowed` failures within `window` block the source for `block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceRule {
    pub allowed: u32,
    pub window: Duration,
    pub block: Duration,
}

/// A source's count after one more failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFailures {
    /// Failures in the current window, this one included (the count that reached
    /// `allowed` when this failure blocked the source).
    pub failures: u32,
    /// Set while the source is blocked.
    pub blocked_until: Option<DateTime<Utc>>,
}

/// One setting, change or removal of an account's contract exemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExemptionGrant {
    pub account_id: AccountId,
    /// `None`: the exemption was removed.
    pub contract_reference: Option<String>,
    /// The carrier's dedicated account representative named in the contract.
    pub dedicated_representative: Option<String>,
    pub set_by: StaffId,
    pub set_at: DateTime<Utc>,
}

/// A lock lifted by the privacy office, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockLift {
    pub account_id: AccountId,
    pub lifted_by: StaffId,
    pub reason: String,
    pub lifted_at: DateTime<Utc>,
}

/// A secret set by a staff member in an interaction that only staff-attested evidence
/// (a photo ID, a call back) authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedChange {
    pub staff_id: StaffId,
    pub account_id: AccountId,
    pub evidence: EvidenceKind,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait AuthLimitStore: Send + Sync {
    /// Until when `key` is blocked under `limit` at `now`, if it is.
    async fn source_blocked_until(
        &self,
        limit: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// Count one failure of `key` under `limit` by `rule` (read and write in one
    /// transaction, so failures counted by several servers all add up). Reaching
    /// `allowed` within the window blocks the key for `block` and starts a new window.
    async fn record_source_failure(
        &self,
        limit: &str,
        key: &str,
        rule: &SourceRule,
        now: DateTime<Utc>,
    ) -> StoreResult<SourceFailures>;

    /// Forget the counters of `limit` whose window started before `before` and that
    /// are not blocked at `now`. How many were removed.
    async fn sweep_source_limits(&self, limit: &str, before: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64>;

    /// Set (or, with `contract_reference: None`, remove) the account's contract
    /// exemption, record who did it, and write `effects` (the account-change notices),
    /// all in one transaction. `NotFound("account")`.
    async fn set_business_exemption(&self, grant: &ExemptionGrant, effects: &SideEffects)
    -> StoreResult<Vec<NoticeId>>;

    /// Every exemption change of the account, oldest first (the last is in force).
    async fn exemption_history(&self, account: AccountId) -> StoreResult<Vec<ExemptionGrant>>;

    /// Clear the account's lock and failures and record who did it and why, in one
    /// transaction. `false` (and nothing recorded) when the account had no lock row.
    async fn lift_lock(&self, lift: &LockLift) -> StoreResult<bool>;

    /// The account's lifted locks, oldest first.
    async fn lock_lifts(&self, account: AccountId) -> StoreResult<Vec<LockLift>>;

    /// Record an attested change and answer on how many distinct accounts this staff
    /// member has made one since `since` (this one included).
    async fn record_attested_change(&self, change: &AttestedChange, since: DateTime<Utc>) -> StoreResult<u64>;

    /// How many pretexting signals of `kind` name `staff` since `since`.
    async fn count_staff_signals(&self, staff: StaffId, kind: &str, since: DateTime<Utc>) -> StoreResult<u64>;
}

//! Legal holds and the retention of call detail (issue 19): holds placed and lifted by
//! the privacy office on an account or a breach incident, and the bounded deletes the
//! retention run repeats until nothing old is left.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ids::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a legal hold keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum HoldTarget {
    Account(AccountId),
    /// A breach incident: every account it affected.
    Incident(Uuid),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    pub id: Uuid,
    pub target: HoldTarget,
    pub reason: String,
    /// The matter, order or case number the hold is for.
    pub reference: String,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<DateTime<Utc>>,
}

/// Rows one bounded retention delete removed, by the month (`YYYY-MM`, UTC) the call
/// started.
pub type MonthCounts = BTreeMap<String, u64>;

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Place a hold. `NotFound("account")` / `NotFound("breach incident")` when the
    /// target does not exist; `Invalid` for an empty reason or reference.
    async fn place_legal_hold(&self, hold: &LegalHold) -> StoreResult<()>;

    /// Lift an active hold. `NotFound("legal hold")`; `Conflict("lifted legal hold")`
    /// when it was lifted already.
    async fn lift_legal_hold(&self, id: Uuid, by: &str, now: DateTime<Utc>) -> StoreResult<LegalHold>;

    /// Holds, newest first; only the active ones when `active_only`.
    async fn list_legal_holds(&self, active_only: bool) -> StoreResult<Vec<LegalHold>>;

    /// Delete at most `limit` calls that started before `before`, oldest first, except
    /// those of accounts under an active hold or affected by a breach incident that is
    /// not closed, is retained through `today` or later, or is under an active hold.
    /// One short transaction per call, so readers and the audit writer never wait long.
    async fn delete_expired_calls(
        &self,
        before: DateTime<Utc>,
        today: NaiveDate,
        limit: u32,
    ) -> StoreResult<MonthCounts>;

    /// Delete at most `limit` import-quarantine entries for calls that started (or,
    /// without a start time, rows quarantined) before `before`.
    async fn delete_expired_quarantine(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<u64>;
}

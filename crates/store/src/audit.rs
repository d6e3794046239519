//! The audit chain: hash-linked entries for every disclosure decision, signed
//! checkpoints, retention truncation behind a checkpoint (issue 5).

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cpniguard_core::audit::{AuditEntry, AuditRecord, ChainHead, Checkpoint, Decision, PrincipalKind};
use cpniguard_core::ids::AccountId;

/// Audit entries matching every filter given, in seq order, after `after_seq`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    pub account: Option<AccountId>,
    pub principal: Option<(PrincipalKind, String)>,
    /// Inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    pub decision: Option<Decision>,
    /// Only entries of this action (`read_call_detail`, `audit.verified`, …).
    pub action: Option<String>,
    /// The cursor: only entries with a greater seq.
    pub after_seq: Option<u64>,
    pub limit: u32,
}

/// One page of entries; `next_after` is the cursor for the next page, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_after: Option<u64>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Append `records` in order, in ONE transaction: each gets the next seq and the
    /// previous entry's hash, read from the chain head inside that transaction (a
    /// lock on PostgreSQL, the one writer on SQLite), so concurrent appenders, in any
    /// number of processes, form one gap-free chain. Returns the sealed entries once
    /// committed. An empty slice writes nothing.
    async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<Vec<AuditEntry>>;

    /// The baseline `cpniguard bench audit` measures `append_audit` against (issue 23):
    /// entries sealed beforehand that continue the head, written as they are —
    /// multi-row `INSERT`s and the head moved, in one transaction, as durable as an
    /// append — with no head read under lock and no sealing. `Conflict` (nothing
    /// written) unless the first entry continues the head as it is now; `Invalid` unless
    /// the entries are one linked run. Not for the server: its entries are sealed by
    /// `append_audit` from the head it reads.
    async fn insert_sealed_audit(&self, entries: &[AuditEntry]) -> StoreResult<()>;

    /// The chain head as recorded with the last append (`None` before the first).
    /// Truncation keeps it.
    async fn audit_head(&self) -> StoreResult<Option<ChainHead>>;

    /// Up to `limit` (at most `MAX_PAGE`) entries with seq ≥ `from_seq`, in seq order.
    async fn audit_entries(&self, from_seq: u64, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    /// Entries matching a query, for privacy officers, auditors and customers.
    async fn search_audit(&self, query: &AuditQuery) -> StoreResult<AuditPage>;

    /// Store a signed checkpoint. `Invalid` unless an entry at its seq exists with its
    /// hash (the store cannot check the signature: it has no key); `Conflict` when
    /// one is stored at that seq already.
    async fn add_audit_checkpoint(&self, checkpoint: &Checkpoint) -> StoreResult<()>;

    /// Checkpoints with `from_seq ≤ seq ≤ to_seq`, in seq order.
    async fn audit_checkpoints(&self, from_seq: u64, to_seq: u64) -> StoreResult<Vec<Checkpoint>>;

    /// The checkpoint with the highest seq.
    async fn last_audit_checkpoint(&self) -> StoreResult<Option<Checkpoint>>;

    /// Delete the entries before `seq` (retention). Only behind a checkpoint: one must
    /// be stored at `seq - 1`, so the remaining chain starts at a signed hash;
    /// `Invalid` otherwise. Returns the number of entries deleted.
    async fn truncate_audit_before(&self, seq: u64) -> StoreResult<u64>;
}

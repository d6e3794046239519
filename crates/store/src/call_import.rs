//! Call detail imported from switches (issue 19): which accounts held a number when, the
//! import of one batch (calls plus the rows that could not become calls) as one
//! transaction, and the quarantine of those rows.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::cpni::CallDetailRecord;
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// A service that holds (or held) a telephone number, with its effective dates:
/// `[since, until)`, `until` exclusive, so a number moved on a day belongs to one
/// account only on that day (the new one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberHolder {
    pub account_id: AccountId,
    pub number: PhoneNumber,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl NumberHolder {
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.since <= day && self.until.is_none_or(|until| day < until)
    }
}

/// Why an import row is in the quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineKind {
    /// A record of the format, but no account held either number at the time.
    Unmatched,
    /// Not a record of the format (short row, bad time, cut mid-line, …).
    Malformed,
}

impl QuarantineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineKind::Unmatched => "unmatched",
            QuarantineKind::Malformed => "malformed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [QuarantineKind::Unmatched, QuarantineKind::Malformed].into_iter().find(|k| k.as_str() == s)
    }
}

/// A row to keep in the quarantine. `(source, row_key)` identifies it: the record's
/// de-duplication key for an unmatched row, a hash of the row for a malformed one, so
/// the same file imported twice keeps one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuarantineEntry {
    pub source: String,
    pub row_key: String,
    pub kind: QuarantineKind,
    pub file_name: String,
    /// 1-based line in the file.
    pub line_number: u64,
    pub reason: String,
    /// The row as read.
    pub row_text: String,
    /// The parsed record (JSON) of an unmatched row, which a later match stores.
    pub call: Option<String>,
    /// When the call started, where the row says so (retention goes by it).
    pub started_at: Option<DateTime<Utc>>,
}

/// A quarantined row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineEntry {
    pub id: i64,
    pub entry: NewQuarantineEntry,
    pub quarantined_at: DateTime<Utc>,
}

/// Which quarantine entries to list: by kind and source, in id order after `after`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarantineQuery {
    pub kind: Option<QuarantineKind>,
    pub source: Option<String>,
    pub after: Option<i64>,
    pub limit: u32,
}

/// One batch of an import, written in one transaction.
#[derive(Debug, Clone, Copy)]
pub struct CallImportBatch<'a> {
    /// The import source the quarantine keys below belong to.
    pub source: &'a str,
    /// Validated all before anything is written; a duplicate key is skipped.
    pub calls: &'a [CallDetailRecord],
    /// Added unless `(source, row_key)` is already quarantined.
    pub quarantine: &'a [NewQuarantineEntry],
    /// Row keys (of `source`) of rows now stored as calls: their quarantine entries,
    /// if any (a rematch, or a re-import after the number was assigned), are removed.
    pub resolved: &'a [String],
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallImportOutcome {
    /// One flag per call of the batch, in order: `true` when it was stored now,
    /// `false` when its key was already stored (or came earlier in the batch).
    pub inserted: Vec<bool>,
    /// Quarantine entries added (not already there).
    pub quarantined: u64,
    /// Quarantine entries removed as resolved.
    pub resolved: u64,
}

#[async_trait]
pub trait CallImportStore: Send + Sync {
    /// End the account's open services on `number` (`until` set, exclusive): the number
    /// left the account in a billing sync. Returns how many ended; services starting
    /// after `until` are left alone.
    async fn end_number_services(&self, account: AccountId, number: &PhoneNumber, until: NaiveDate)
    -> StoreResult<u64>;

    /// Every service, current or past, whose number is one of `numbers`.
    async fn number_holders(&self, numbers: &[PhoneNumber]) -> StoreResult<Vec<NumberHolder>>;

    /// Of the switch's record ids `ids`, those whose calls `source` already stored
    /// through [`import_calls`](Self::import_calls): a re-imported or overlapping file
    /// skips them before matching. It says only which of the caller's own ids are
    /// stored, nothing of the calls. A record missing from the answer is still never
    /// stored twice (the insert skips a key already stored).
    async fn imported_record_ids(&self, source: &str, ids: &[String]) -> StoreResult<Vec<String>>;

    /// Store one batch as one transaction: the calls (skipping a
    /// `(source_system, source_record_id, direction)` already stored), the new
    /// quarantine entries, and the removal of the resolved ones. Nothing is written when
    /// a call is invalid (`Invalid`) or names an unknown account (`NotFound`).
    async fn import_calls(&self, batch: &CallImportBatch<'_>, now: DateTime<Utc>) -> StoreResult<CallImportOutcome>;
}

/// The import quarantine's reads and its discard. The rows as read are CPNI (who called
/// whom, when), so, like [`CpniRecords`](crate::CpniRecords), this is not part of
/// [`Store`](crate::Store): the server's gate alone holds it and lends it out in a permit
/// after a recorded decision; the import's own rematch gets it from whoever opened the
/// store.
#[async_trait]
pub trait QuarantineRecords: Send + Sync {
    /// Quarantine entries in id order, at most `limit` (clamped to the page maximum).
    async fn list_import_quarantine(&self, query: &QuarantineQuery) -> StoreResult<Vec<QuarantineEntry>>;

    async fn get_import_quarantine(&self, id: i64) -> StoreResult<Option<QuarantineEntry>>;

    /// Remove one entry for good; `false` when there was none.
    async fn discard_import_quarantine(&self, id: i64) -> StoreResult<bool>;
}

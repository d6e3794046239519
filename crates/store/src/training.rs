//! Staff CPNI training and discipline records, and the annual certification filings
//! (issue 9), plus the counts over other concerns' tables that the certification and the
//! privacy office's dashboard rest on.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ids::StaffId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// One completed CPNI training course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingRecord {
    pub id: Uuid,
    pub staff_id: StaffId,
    pub course: String,
    pub completed_on: NaiveDate,
    /// After `completed_on`.
    pub expires_on: NaiveDate,
    /// `api` or `import`.
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A CSV row an import refused: kept with the reason so it can be corrected and sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingImportReject {
    pub id: Uuid,
    pub import_id: Uuid,
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    pub raw: String,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Disciplinary action taken against a staff member for misuse of CPNI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisciplinaryRecord {
    pub id: Uuid,
    pub staff_id: StaffId,
    pub occurred_on: NaiveDate,
    /// What was misused and how (never the CPNI itself).
    pub misuse: String,
    /// `warning`, `retraining`, `suspension`, `termination` or `other`.
    pub action: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// draft → signed → filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    Draft,
    Signed,
    Filed,
}

impl FilingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FilingStatus::Draft => "draft",
            FilingStatus::Signed => "signed",
            FilingStatus::Filed => "filed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [FilingStatus::Draft, FilingStatus::Signed, FilingStatus::Filed].into_iter().find(|f| f.as_str() == s)
    }
}

/// The annual CPNI certification of one calendar year, as tracked for filing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certification {
    pub year: i32,
    pub status: FilingStatus,
    /// March 1 of the following year.
    pub due_on: NaiveDate,
    pub officer_name: String,
    pub officer_title: String,
    /// The figures as drafted; what is signed is exactly these.
    pub figures: serde_json::Value,
    pub drafted_at: DateTime<Utc>,
    pub signed_by: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub filing_reference: Option<String>,
    pub filed_on: Option<NaiveDate>,
}

/// Counts over `[from, to)` from the records other concerns keep, each grouped by the
/// column named (a missing key is a zero).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    /// Notices created in the period, by `kind`.
    pub notices_by_kind: BTreeMap<String, u64>,
    /// Consent history events that happened in the period, by `scope:kind`.
    pub consent_events: BTreeMap<String, u64>,
    /// Customer-authentication interactions opened, by channel.
    pub auth_interactions_by_channel: BTreeMap<String, u64>,
    /// Authentication evidence recorded, by kind.
    pub auth_evidence_by_kind: BTreeMap<String, u64>,
    /// Failed customer credential checks, by kind.
    pub auth_failures_by_kind: BTreeMap<String, u64>,
    /// Pretexting signals raised, by kind.
    pub pretexting_signals_by_kind: BTreeMap<String, u64>,
    /// Training courses completed in the period.
    pub training_completions: u64,
    /// Disciplinary records for misuse that occurred in the period, by action.
    pub disciplinary_by_action: BTreeMap<String, u64>,
}

#[async_trait]
pub trait TrainingStore: Send + Sync {
    /// Record completed courses and refused import rows in one transaction. Each
    /// record's staff member gets `training_completed_on` raised to the record's
    /// `completed_on` when that is later, so the disclosure gate sees it at once.
    /// `NotFound("staff")` (and nothing written) when a record names no staff member;
    /// `Conflict("training record")` when an id is taken.
    async fn record_training(&self, records: &[TrainingRecord], rejects: &[TrainingImportReject]) -> StoreResult<()>;

    /// Training records, newest completion first; one member's only when `staff` is given.
    async fn list_training(&self, staff: Option<StaffId>) -> StoreResult<Vec<TrainingRecord>>;

    /// Refused import rows, newest first, at most `limit`.
    async fn list_training_rejects(&self, limit: u32) -> StoreResult<Vec<TrainingImportReject>>;

    /// `NotFound("staff")` when the member does not exist.
    async fn record_discipline(&self, record: &DisciplinaryRecord) -> StoreResult<()>;

    /// Disciplinary records, newest first; one member's only when `staff` is given.
    async fn list_discipline(&self, staff: Option<StaffId>) -> StoreResult<Vec<DisciplinaryRecord>>;

    /// Store a draft for its year, replacing an earlier draft.
    /// `Conflict("signed certification")` when the year is already signed or filed.
    async fn save_certification_draft(&self, draft: &Certification) -> StoreResult<Certification>;

    async fn get_certification(&self, year: i32) -> StoreResult<Option<Certification>>;

    /// Every tracked year, newest first.
    async fn list_certifications(&self) -> StoreResult<Vec<Certification>>;

    /// draft → signed. `NotFound("certification")`; `Conflict("certification status")`
    /// when it is not a draft.
    async fn sign_certification(&self, year: i32, by: &str, at: DateTime<Utc>) -> StoreResult<Certification>;

    /// signed → filed. `NotFound("certification")`; `Conflict("certification status")`
    /// when it is not signed.
    async fn file_certification(&self, year: i32, reference: &str, filed_on: NaiveDate) -> StoreResult<Certification>;

    /// The counts the certification is built from, over `[from, to)` (dates for the
    /// date-valued records: `[from_day, to_day)`).
    async fn record_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        from_day: NaiveDate,
        to_day: NaiveDate,
    ) -> StoreResult<RecordCounts>;

    /// Opt-out mail quarantine entries still open (for the dashboard).
    async fn open_quarantine_count(&self) -> StoreResult<u64>;
}

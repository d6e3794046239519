//! Legal process and fraud cases recorded by the privacy office (issue 5). The
//! disclosure gate reads them to decide requests made under the `legal_process` and
//! `fraud_protection` purposes: a disclosure under legal process is allowed only within
//! the recorded scope (account and date range), and one under fraud protection only
//! for an account of an open case.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ids::{AccountId, StaffId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of compulsory process was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalProcessKind {
    Subpoena,
    CourtOrder,
    Warrant,
    /// Another written demand under law (e.g. a national security letter).
    Other,
}

impl LegalProcessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LegalProcessKind::Subpoena => "subpoena",
            LegalProcessKind::CourtOrder => "court_order",
            LegalProcessKind::Warrant => "warrant",
            LegalProcessKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Subpoena, Self::CourtOrder, Self::Warrant, Self::Other].into_iter().find(|k| k.as_str() == s)
    }
}

/// A subpoena, court order or warrant as recorded by a privacy officer. Immutable once
/// recorded: a corrected document is a new record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalProcess {
    pub id: Uuid,
    pub kind: LegalProcessKind,
    /// The court, agency or official who issued it.
    pub issuing_authority: String,
    /// The docket, case or order number.
    pub reference: String,
    pub issued_on: NaiveDate,
    /// The one account it covers.
    pub account_id: AccountId,
    /// The records it covers: those dated in `[scope_from, scope_to)`.
    pub scope_from: DateTime<Utc>,
    pub scope_to: DateTime<Utc>,
    /// SHA-256 (hex) of the scanned document.
    pub document_sha256: String,
    pub recorded_by: StaffId,
    pub recorded_at: DateTime<Utc>,
}

impl LegalProcess {
    /// Whether records of `account` dated in `[from, to)` fall within this process.
    /// `None` dates mean "the account's records of any date", which only a scope
    /// without limits could cover — so they are out of scope.
    pub fn covers(&self, account: AccountId, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
        match (from, to) {
            (Some(from), Some(to)) => {
                account == self.account_id && self.scope_from <= from && to <= self.scope_to && from <= to
            }
            _ => false,
        }
    }
}

/// A fraud case opened by a privacy officer: CPNI of its accounts may be used to protect
/// the carrier, its customers and other carriers while it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FraudCase {
    pub id: Uuid,
    /// The case reference (internal or law-enforcement).
    pub reference: String,
    pub reason: String,
    /// The accounts under investigation (at least one).
    pub account_ids: Vec<AccountId>,
    pub opened_by: StaffId,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl FraudCase {
    /// Whether the case is open and concerns `account`.
    pub fn covers(&self, account: AccountId) -> bool {
        self.closed_at.is_none() && self.account_ids.contains(&account)
    }
}

#[async_trait]
pub trait SpecialPurposeStore: Send + Sync {
    /// Record a legal process. `NotFound("account")` when its account does not exist;
    /// `Conflict` when one with the same authority and reference is recorded already.
    async fn record_legal_process(&self, process: &LegalProcess) -> StoreResult<()>;

    /// One legal process, or `None`.
    async fn legal_process(&self, id: Uuid) -> StoreResult<Option<LegalProcess>>;

    /// Legal processes, newest first; only those of `account` when given.
    async fn list_legal_processes(&self, account: Option<AccountId>) -> StoreResult<Vec<LegalProcess>>;

    /// Open a fraud case. `NotFound("account")` when one of its accounts does not exist;
    /// `Conflict` when an open case has the same reference.
    async fn open_fraud_case(&self, case: &FraudCase) -> StoreResult<()>;

    /// One fraud case, or `None`.
    async fn fraud_case(&self, id: Uuid) -> StoreResult<Option<FraudCase>>;

    /// Fraud cases, newest first; only open ones when `open_only`.
    async fn list_fraud_cases(&self, open_only: bool) -> StoreResult<Vec<FraudCase>>;

    /// Close a case at `at`. `NotFound("fraud case")`; `Conflict` when already closed.
    async fn close_fraud_case(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()>;
}

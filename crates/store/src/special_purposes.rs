//! Legal process and fraud cases recorded by the privacy office (issue 5), kept here;
//! what each covers is decided in `cpniguard_core::special_purpose`. The disclosure
//! gate reads them to decide requests made under the `legal_process` and
//! `fraud_protection` purposes.

use crate::{AccountPage, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cpniguard_core::account::AccountNumber;
use cpniguard_core::ids::AccountId;
use uuid::Uuid;

pub use cpniguard_core::special_purpose::{FraudCase, LegalProcess, LegalProcessKind};

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

    /// A page of the accounts whose directory choice is `listed`, in account-number
    /// order after `after`, at most `limit` (capped at `MAX_PAGE`), with their current
    /// contact points: the source of the directory-listing export. Unlisted and
    /// non-published accounts are never returned (the filter is in the statement).
    async fn listed_accounts(&self, after: Option<&AccountNumber>, limit: u32) -> StoreResult<AccountPage>;
}

//! Storage for CPNI Guard. The [`Store`] trait is the only way the rest of the system
//! reaches the database; it has one implementation per backend (SQLite, the embedded
//! default, and PostgreSQL, the scale-out store) and one conformance suite
//! (`conformance`, with fresh test databases in `testing`, both behind the `testing`
//! feature) that both must pass, so behaviour is the same whichever is used.
//!
//! Every method is one unit of work: it either commits entirely or changes nothing.
//! Times are parameters (`now`), never read from the clock here, so callers and tests
//! decide what "now" is.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod auth_limits;
pub mod breach;
pub mod call_import;
pub mod campaigns;
pub mod complaints;
#[cfg(feature = "testing")]
pub mod conformance;
pub mod consent;
pub mod console;
mod error;
mod open;
pub mod postgres;
pub mod publication;
mod records;
pub mod retention;
mod shared;
pub mod special_purposes;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
pub mod training;
mod types;
#[cfg(test)]
mod upgrade_tests;

pub use audit::AuditStore;
pub use auth::CustomerAuthStore;
pub use auth_limits::AuthLimitStore;
pub use breach::BreachStore;
pub use call_import::CallImportStore;
pub use campaigns::CampaignStore;
pub use complaints::ComplaintStore;
pub use consent::ConsentStore;
pub use console::{ConsoleSession, ConsoleStore};
pub use error::StoreError;
pub use open::{Backend, StoreOptions, open};
pub use publication::PublicationStore;
pub use records::{CpniRecords, StoreWithRecords};
pub use retention::RetentionStore;
pub use shared::calls::CALL_PAGE_SQL;
pub use special_purposes::SpecialPurposeStore;
pub use training::TrainingStore;
pub use types::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cpniguard_core::account::{Account, AccountNumber, AccountProfile, NewAccount};
use cpniguard_core::contact::{ContactChange, ContactChangePlan, ContactPoint};
use cpniguard_core::cpni::{CallDetailRecord, Invoice, Service};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::{NewNotice, Notice, NoticeId, NoticeStatus, PrivacyTask, SideEffects};
use cpniguard_core::staff::{NewStaff, Staff, Username};

pub type StoreResult<T> = Result<T, StoreError>;

/// Computes, inside a contact-change transaction, what else the change must write:
/// given the account before the change and the plan, the notices and tasks it causes.
pub type ContactEffects<'a> = dyn Fn(&Account, &ContactChangePlan) -> SideEffects + Send + Sync + 'a;

/// No side effects (for bulk loads and tests that are not about notices).
pub fn no_effects(_: &Account, _: &ContactChangePlan) -> SideEffects {
    SideEffects::default()
}

/// The store: one trait per concern, each implemented by both backends. Everything
/// else reaches the database through `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    CustomerAuthStore
    + AuthLimitStore
    + ConsentStore
    + AuditStore
    + BreachStore
    + SpecialPurposeStore
    + PublicationStore
    + ComplaintStore
    + TrainingStore
    + CampaignStore
    + CallImportStore
    + RetentionStore
    + ConsoleStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// Apply the migrations compiled into the binary for this backend.
    async fn migrate(&self) -> StoreResult<()>;

    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Row counts of the main tables (for the demo summary and operations).
    async fn counts(&self) -> StoreResult<StoreCounts>;

    // --- accounts -------------------------------------------------------------------

    /// Open an account with its first contact points, all associated at `now`.
    /// `StoreError::Conflict` when the account number is taken.
    async fn create_account(&self, id: AccountId, new: &NewAccount, now: DateTime<Utc>) -> StoreResult<Account>;

    /// Open many accounts at once, each as [`Store::create_account`] would at its
    /// `opened_at`, with its services: one transaction and a few multi-row inserts
    /// per call, for billing-system loads and the demo carrier. Nothing is written
    /// when any account is invalid or its number is taken (`Conflict`).
    async fn load_accounts(&self, accounts: &[AccountLoad]) -> StoreResult<()>;

    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>>;

    /// What a disclosure decision about `account` rests on: its profile, its consent
    /// history (as [`ConsentStore::consent_history`]) and, when `interaction` is given
    /// and exists (of whichever account), that interaction with its evidence oldest
    /// first. `None` when the account does not exist. Two statements on one
    /// connection, not one snapshot (the gate's reads never were one).
    async fn disclosure_facts(
        &self,
        account: AccountId,
        interaction: Option<uuid::Uuid>,
    ) -> StoreResult<Option<DisclosureFacts>>;

    async fn get_account_by_number(&self, number: &AccountNumber) -> StoreResult<Option<Account>>;

    /// The accounts among `ids` that exist, with their current contact points, by id
    /// (read a page at a time, each page one snapshot): the bulk form of
    /// [`Store::get_account`] for actions over many accounts, such as breach notices.
    async fn get_accounts(&self, ids: &[AccountId]) -> StoreResult<Vec<Account>>;

    /// Replace the non-contact attributes. The account number may change if unused.
    async fn update_profile(&self, id: AccountId, profile: &AccountProfile, now: DateTime<Utc>)
    -> StoreResult<Account>;

    /// Apply a contact change: the ended points get `dissociated_at = now`, the new
    /// ones start at `now`. `effects` is called inside the transaction with the account
    /// as it was *before* the change and the plan; the notices and tasks it returns are
    /// written in the same transaction (a notice whose idempotency key is already queued
    /// is skipped). When the plan is empty nothing is written and `effects` is not
    /// called.
    async fn change_contact_points(
        &self,
        id: AccountId,
        change: &ContactChange,
        now: DateTime<Utc>,
        effects: &ContactEffects<'_>,
    ) -> StoreResult<ContactChangeOutcome>;

    /// Every contact point the account has had, oldest association first.
    async fn contact_history(&self, id: AccountId) -> StoreResult<Vec<ContactPoint>>;

    /// Search by account number prefix, current telephone number, or name fragment
    /// (case-insensitive). Ordered by account number; `after` continues a page.
    async fn search_accounts(&self, query: &AccountQuery) -> StoreResult<AccountPage>;

    // --- CPNI (writes only: the reads are `CpniRecords`, which only the gate holds) ---

    async fn add_service(&self, service: &Service) -> StoreResult<()>;

    /// Bulk insert of call detail records (multi-row inserts on SQLite, `COPY` on
    /// PostgreSQL). A record whose `(source_system, source_record_id, direction)` is already
    /// stored is skipped and counted as a duplicate (with the direction: one switch record
    /// is two calls when both ends are customers), so a re-sent billing feed is safe.
    async fn insert_calls(&self, calls: &[CallDetailRecord]) -> StoreResult<BulkInsertOutcome>;

    /// Insert invoices with their lines (one transaction for the whole slice).
    async fn insert_invoices(&self, invoices: &[Invoice]) -> StoreResult<()>;

    // --- staff ----------------------------------------------------------------------

    /// `StoreError::Conflict` when the username is taken.
    async fn create_staff(&self, id: StaffId, new: &NewStaff, now: DateTime<Utc>) -> StoreResult<Staff>;

    async fn get_staff_by_username(&self, username: &Username) -> StoreResult<Option<Staff>>;

    async fn list_staff(&self) -> StoreResult<Vec<Staff>>;

    /// Activate or deactivate a staff member; an inactive member's tokens stop
    /// working until reactivated. `StoreError::NotFound` when there is no such member.
    async fn set_staff_active(&self, staff: StaffId, active: bool) -> StoreResult<()>;

    /// Store the SHA-256 hash of a new API token for a staff member. The token itself
    /// is never stored.
    async fn add_staff_token(
        &self,
        staff: StaffId,
        token_hash: &TokenHash,
        label: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The active staff member owning an unrevoked token with this hash.
    async fn staff_by_token_hash(&self, token_hash: &TokenHash) -> StoreResult<Option<Staff>>;

    /// Revoke every token of a staff member; returns how many were revoked.
    async fn revoke_staff_tokens(&self, staff: StaffId, now: DateTime<Utc>) -> StoreResult<u64>;

    // --- notices outbox -------------------------------------------------------------

    /// Queue notices outside any other change (e.g. a retry from the API, a campaign of
    /// notices). Returns how many were new; an already-queued idempotency key is skipped.
    async fn enqueue_notices(&self, notices: &[NewNotice], now: DateTime<Utc>) -> StoreResult<u64>;

    /// Claim up to `claim.limit` notices that are due: `queued` or `failed` with
    /// `next_attempt_at <= now`, or `sending` whose lease has expired (a worker died).
    /// Claimed notices become `sending` under `claim.worker` until `now + lease`, with
    /// `attempts` incremented. Safe with several workers: on PostgreSQL rows are taken
    /// with `FOR UPDATE SKIP LOCKED`; SQLite serialises writers. Oldest due first.
    async fn claim_notices(&self, claim: &NoticeClaim) -> StoreResult<Vec<Notice>>;

    /// Record a delivery outcome for a notice this worker holds. Returns `false` (and
    /// changes nothing) when the worker no longer holds it: its lease expired and
    /// another worker claimed it.
    async fn finish_notice(
        &self,
        id: NoticeId,
        worker: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    async fn get_notice(&self, id: NoticeId) -> StoreResult<Option<Notice>>;

    /// Notices matching the query, newest first.
    async fn list_notices(&self, query: &NoticeQuery) -> StoreResult<NoticePage>;

    /// Put an `abandoned` (or `failed`) notice back in the queue now, with its attempt
    /// count reset. `NotFound("notice")`; `Invalid` when it is queued, sending or sent.
    async fn requeue_notice(&self, id: NoticeId, now: DateTime<Utc>) -> StoreResult<Notice>;

    /// How many notices are in each status (every status listed, zeros included).
    async fn notice_status_counts(&self) -> StoreResult<Vec<(NoticeStatus, u64)>>;

    /// Privacy-office tasks, oldest first; only unresolved ones when `open_only`.
    async fn list_privacy_tasks(&self, open_only: bool) -> StoreResult<Vec<PrivacyTask>>;

    // --- benchmark baseline ---------------------------------------------------------

    /// The naive way to load call detail: one `INSERT` statement per row, all in one
    /// transaction. Exists only so benchmarks can measure `insert_calls` against it on
    /// the same database in the same run.
    async fn insert_calls_row_by_row(&self, calls: &[CallDetailRecord]) -> StoreResult<u64>;
}

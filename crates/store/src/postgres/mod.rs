//! The PostgreSQL backend, the scale-out store. Native column types; call detail is
//! bulk-loaded with `COPY`. Reads of more than one statement run in one
//! repeatable-read snapshot, so an account and its contact points (or an invoice and
//! its lines) are always consistent with each other.

mod accounts;
mod audit;
mod auth;
mod auth_limits;
mod breach;
mod call_import;
mod calls;
mod campaigns;
mod complaints;
mod consent;
mod console;
mod invoices;
mod notices;
mod partitions;
mod publication;
mod retention;
mod services;
mod special_purposes;
mod staff;
mod training;

use crate::shared::{self, DbTime};
use crate::{
    AccountLoad, AccountPage, AccountQuery, Backend, BulkInsertOutcome, CallPage, CallQuery, ContactChangeOutcome,
    ContactEffects, DeliveryOutcome, NoticeClaim, NoticePage, NoticeQuery, Store, StoreCounts, StoreError,
    StoreOptions, StoreResult, TokenHash,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cpniguard_core::account::{Account, AccountNumber, AccountProfile, NewAccount};
use cpniguard_core::contact::{ContactChange, ContactPoint};
use cpniguard_core::cpni::{CallDetailRecord, Invoice, Service};
use cpniguard_core::ids::{AccountId, InvoiceId, StaffId};
use cpniguard_core::notice::{NewNotice, Notice, NoticeId, NoticeStatus, PrivacyTask};
use cpniguard_core::staff::{NewStaff, Staff, Username};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    pub(crate) pool: PgPool,
    /// The months of audit entries this process has seen a partition for, so that an
    /// append asks the database to make one only for a month new to it.
    audit_months: partitions::KnownMonths,
}

impl PgStore {
    /// Connect to the database a `postgres:` URL names. It must exist; run
    /// [`Store::migrate`] to create the tables.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect(url)
            .await?;
        Ok(Self { pool, audit_months: partitions::KnownMonths::default() })
    }
}

/// Begin a read-only transaction whose statements all see one snapshot.
async fn begin_read(pool: &PgPool) -> StoreResult<Transaction<'static, Postgres>> {
    Ok(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?)
}

/// A write transaction. PostgreSQL needs nothing special: the statements inside take
/// the row locks they need. (The backends' shared implementations call it by this name,
/// as SQLite's, which must take the write lock up front.)
async fn begin_write(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> StoreResult<()> {
        Ok(MIGRATOR.run(&self.pool).await?)
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn counts(&self) -> StoreResult<StoreCounts> {
        shared::counts_from(sqlx::query_as(shared::COUNTS).fetch_one(&self.pool).await?)
    }

    async fn create_account(&self, id: AccountId, new: &NewAccount, now: DateTime<Utc>) -> StoreResult<Account> {
        accounts::create(&self.pool, id, new, DbTime::from(now)).await
    }

    async fn load_accounts(&self, accounts: &[AccountLoad]) -> StoreResult<()> {
        accounts::load_many(&self.pool, accounts).await
    }

    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        accounts::get(&self.pool, id).await
    }

    async fn disclosure_facts(
        &self,
        account: AccountId,
        interaction: Option<uuid::Uuid>,
    ) -> StoreResult<Option<crate::DisclosureFacts>> {
        accounts::disclosure_facts(&self.pool, account, interaction).await
    }

    async fn get_account_by_number(&self, number: &AccountNumber) -> StoreResult<Option<Account>> {
        accounts::get_by_number(&self.pool, number).await
    }

    async fn get_accounts(&self, ids: &[AccountId]) -> StoreResult<Vec<Account>> {
        accounts::get_many(&self.pool, ids).await
    }

    async fn update_profile(
        &self,
        id: AccountId,
        profile: &AccountProfile,
        now: DateTime<Utc>,
    ) -> StoreResult<Account> {
        accounts::update_profile(&self.pool, id, profile, DbTime::from(now)).await
    }

    async fn change_contact_points(
        &self,
        id: AccountId,
        change: &ContactChange,
        now: DateTime<Utc>,
        effects: &ContactEffects<'_>,
    ) -> StoreResult<ContactChangeOutcome> {
        accounts::change_contact_points(&self.pool, id, change, DbTime::from(now), effects).await
    }

    async fn contact_history(&self, id: AccountId) -> StoreResult<Vec<ContactPoint>> {
        accounts::contact_history(&self.pool, id).await
    }

    async fn search_accounts(&self, query: &AccountQuery) -> StoreResult<AccountPage> {
        accounts::search(&self.pool, query).await
    }

    async fn add_service(&self, service: &Service) -> StoreResult<()> {
        services::add(&self.pool, service).await
    }

    async fn insert_calls(&self, calls: &[CallDetailRecord]) -> StoreResult<BulkInsertOutcome> {
        calls::insert(&self.pool, calls).await
    }

    async fn insert_invoices(&self, invoices: &[Invoice]) -> StoreResult<()> {
        invoices::insert(&self.pool, invoices).await
    }

    async fn create_staff(&self, id: StaffId, new: &NewStaff, now: DateTime<Utc>) -> StoreResult<Staff> {
        staff::create(&self.pool, id, new, DbTime::from(now)).await
    }

    async fn get_staff_by_username(&self, username: &Username) -> StoreResult<Option<Staff>> {
        staff::get_by_username(&self.pool, username).await
    }

    async fn list_staff(&self) -> StoreResult<Vec<Staff>> {
        staff::list(&self.pool).await
    }

    async fn set_staff_active(&self, staff: StaffId, active: bool) -> StoreResult<()> {
        staff::set_active(&self.pool, staff, active).await
    }

    async fn add_staff_token(
        &self,
        staff: StaffId,
        token_hash: &TokenHash,
        label: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        staff::add_token(&self.pool, staff, token_hash, label, DbTime::from(now)).await
    }

    async fn staff_by_token_hash(&self, token_hash: &TokenHash) -> StoreResult<Option<Staff>> {
        staff::by_token_hash(&self.pool, token_hash).await
    }

    async fn revoke_staff_tokens(&self, staff: StaffId, now: DateTime<Utc>) -> StoreResult<u64> {
        staff::revoke_tokens(&self.pool, staff, DbTime::from(now)).await
    }

    async fn enqueue_notices(&self, notices: &[NewNotice], now: DateTime<Utc>) -> StoreResult<u64> {
        notices::enqueue(&self.pool, notices, DbTime::from(now)).await
    }

    async fn claim_notices(&self, claim: &NoticeClaim) -> StoreResult<Vec<Notice>> {
        notices::claim(&self.pool, claim).await
    }

    async fn finish_notice(
        &self,
        id: NoticeId,
        worker: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        notices::finish(&self.pool, id, worker, outcome, DbTime::from(now)).await
    }

    async fn get_notice(&self, id: NoticeId) -> StoreResult<Option<Notice>> {
        notices::get(&self.pool, id).await
    }

    async fn list_notices(&self, query: &NoticeQuery) -> StoreResult<NoticePage> {
        notices::list(&self.pool, query).await
    }

    async fn requeue_notice(&self, id: NoticeId, now: DateTime<Utc>) -> StoreResult<Notice> {
        notices::requeue(&self.pool, id, DbTime::from(now)).await
    }

    async fn notice_status_counts(&self) -> StoreResult<Vec<(NoticeStatus, u64)>> {
        notices::status_counts(&self.pool).await
    }

    async fn list_privacy_tasks(&self, open_only: bool) -> StoreResult<Vec<PrivacyTask>> {
        notices::list_tasks(&self.pool, open_only).await
    }

    async fn insert_calls_row_by_row(&self, calls: &[CallDetailRecord]) -> StoreResult<u64> {
        calls::insert_row_by_row(&self.pool, calls).await
    }
}

/// The CPNI reads, kept out of [`Store`] so that only the holder of the records (the
/// server's disclosure gate) can make them.
#[async_trait]
impl crate::CpniRecords for PgStore {
    async fn list_services(&self, account: AccountId) -> StoreResult<Vec<Service>> {
        services::list(&self.pool, account).await
    }

    async fn list_calls(&self, query: &CallQuery) -> StoreResult<CallPage> {
        calls::list(&self.pool, query).await
    }

    async fn list_invoices(&self, account: AccountId) -> StoreResult<Vec<Invoice>> {
        invoices::list(&self.pool, account).await
    }

    async fn get_invoice(&self, account: AccountId, id: InvoiceId) -> StoreResult<Option<Invoice>> {
        invoices::get(&self.pool, account, id).await
    }
}

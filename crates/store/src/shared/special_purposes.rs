//! Legal process, fraud cases and the directory-listing page: statements (the same in
//! both dialects), rows, and the whole implementation as a macro each backend expands
//! with its pool and its way of beginning a write transaction.

use super::DbTime;
use super::accounts::account_columns;
use crate::special_purposes::{FraudCase, LegalProcess, LegalProcessKind};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use cpniguard_core::ValidationError;
use cpniguard_core::ids::{AccountId, StaffId};
use uuid::Uuid;

macro_rules! legal_columns {
    () => {
        "id, kind, issuing_authority, reference, issued_on, account_id, scope_from, scope_to, \
         document_sha256, recorded_by, recorded_at"
    };
}

pub(crate) const INSERT_LEGAL: &str = concat!(
    "INSERT INTO legal_processes (",
    legal_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
);
pub(crate) const LEGAL_BY_ID: &str = concat!("SELECT ", legal_columns!(), " FROM legal_processes WHERE id = $1");
pub(crate) const LEGAL_ALL: &str =
    concat!("SELECT ", legal_columns!(), " FROM legal_processes ORDER BY recorded_at DESC, id DESC");
pub(crate) const LEGAL_OF_ACCOUNT: &str = concat!(
    "SELECT ",
    legal_columns!(),
    " FROM legal_processes WHERE account_id = $1 ORDER BY recorded_at DESC, id DESC"
);

pub(crate) const INSERT_CASE: &str =
    "INSERT INTO fraud_cases (id, reference, reason, opened_by, opened_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6)";
pub(crate) const INSERT_CASE_ACCOUNT: &str = "INSERT INTO fraud_case_accounts (case_id, account_id) VALUES ($1, $2)";
/// Binds: id, closing time. Affects no row when the case is missing or closed.
pub(crate) const CLOSE_CASE: &str = "UPDATE fraud_cases SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL";
pub(crate) const CASE_EXISTS: &str = "SELECT COUNT(*) FROM fraud_cases WHERE id = $1";

// A case comes back as one row per account; [`cases_from`] folds them.
macro_rules! case_select {
    () => {
        "SELECT c.id, c.reference, c.reason, c.opened_by, c.opened_at, c.closed_at, a.account_id \
         FROM fraud_cases c JOIN fraud_case_accounts a ON a.case_id = c.id"
    };
}
pub(crate) const CASE_BY_ID: &str = concat!(case_select!(), " WHERE c.id = $1 ORDER BY a.account_id");
pub(crate) const CASES_ALL: &str = concat!(case_select!(), " ORDER BY c.opened_at DESC, c.id DESC, a.account_id");
pub(crate) const CASES_OPEN: &str =
    concat!(case_select!(), " WHERE c.closed_at IS NULL ORDER BY c.opened_at DESC, c.id DESC, a.account_id");

/// Binds: the account number to continue after ('' for the first page), the limit.
/// The `listed` filter is in the statement: unlisted and non-published accounts never
/// leave the store through the directory export.
pub(crate) const LISTED_PAGE: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts WHERE directory_listing = 'listed' AND account_number > $1 \
     ORDER BY account_number LIMIT $2"
);

/// The checks the tables cannot express, made before anything is written.
pub(crate) fn validate_legal(p: &LegalProcess) -> StoreResult<()> {
    if p.scope_from >= p.scope_to {
        return Err(ValidationError::new("scope_to", "must be after scope_from").into());
    }
    if p.document_sha256.len() != 64 || !p.document_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ValidationError::new("document_sha256", "64 hexadecimal digits").into());
    }
    Ok(())
}

pub(crate) fn validate_case(c: &FraudCase) -> StoreResult<()> {
    if c.account_ids.is_empty() {
        return Err(ValidationError::new("account_ids", "at least one account").into());
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct LegalRow {
    id: Uuid,
    kind: String,
    issuing_authority: String,
    reference: String,
    issued_on: String,
    account_id: Uuid,
    scope_from: DbTime,
    scope_to: DbTime,
    document_sha256: String,
    recorded_by: Uuid,
    recorded_at: DbTime,
}

impl LegalRow {
    pub(crate) fn into_process(self) -> StoreResult<LegalProcess> {
        let corrupt = |reason: &str| StoreError::corrupt("legal_processes", reason);
        Ok(LegalProcess {
            id: self.id,
            kind: LegalProcessKind::parse(&self.kind).ok_or_else(|| corrupt("unknown kind"))?,
            issuing_authority: self.issuing_authority,
            reference: self.reference,
            issued_on: NaiveDate::parse_from_str(&self.issued_on, "%Y-%m-%d")
                .map_err(|_| corrupt("issued_on is not a date"))?,
            account_id: AccountId(self.account_id),
            scope_from: self.scope_from.time(),
            scope_to: self.scope_to.time(),
            document_sha256: self.document_sha256,
            recorded_by: StaffId(self.recorded_by),
            recorded_at: self.recorded_at.time(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseAccountRow {
    id: Uuid,
    reference: String,
    reason: String,
    opened_by: Uuid,
    opened_at: DbTime,
    closed_at: Option<DbTime>,
    account_id: Uuid,
}

/// Fold rows of [`case_select`] (ordered by case, then account) into cases, keeping
/// the order of the cases.
pub(crate) fn cases_from(rows: Vec<CaseAccountRow>) -> Vec<FraudCase> {
    let mut cases: Vec<FraudCase> = Vec::new();
    for row in rows {
        match cases.last_mut() {
            Some(case) if case.id == row.id => case.account_ids.push(AccountId(row.account_id)),
            _ => cases.push(FraudCase {
                id: row.id,
                reference: row.reference,
                reason: row.reason,
                account_ids: vec![AccountId(row.account_id)],
                opened_by: StaffId(row.opened_by),
                opened_at: row.opened_at.time(),
                closed_at: row.closed_at.map(DbTime::time),
            }),
        }
    }
    cases
}

macro_rules! special_purposes_backend {
    ($store:ty, $db:ty, $begin:path) => {
        use crate::error::{reading, writing};
        use crate::shared::accounts::{self as asql, AccountRow, ContactRow};
        use crate::shared::special_purposes::{self as sql, CaseAccountRow, LegalRow};
        use crate::shared::{DbTime, fetch_limit, page_limit};
        use crate::special_purposes::{FraudCase, LegalProcess, SpecialPurposeStore};
        use crate::{AccountPage, StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use cpniguard_core::account::AccountNumber;
        use cpniguard_core::ids::AccountId;
        use uuid::Uuid;

        #[async_trait]
        impl SpecialPurposeStore for $store {
            async fn record_legal_process(&self, p: &LegalProcess) -> StoreResult<()> {
                sql::validate_legal(p)?;
                sqlx::query(sql::INSERT_LEGAL)
                    .bind(p.id)
                    .bind(p.kind.as_str())
                    .bind(p.issuing_authority.as_str())
                    .bind(p.reference.as_str())
                    .bind(p.issued_on.format("%Y-%m-%d").to_string())
                    .bind(p.account_id.0)
                    .bind(DbTime::from(p.scope_from))
                    .bind(DbTime::from(p.scope_to))
                    .bind(p.document_sha256.to_ascii_lowercase())
                    .bind(p.recorded_by.0)
                    .bind(DbTime::from(p.recorded_at))
                    .execute(&self.pool)
                    .await
                    .map_err(writing("legal process", "account"))?;
                Ok(())
            }

            async fn legal_process(&self, id: Uuid) -> StoreResult<Option<LegalProcess>> {
                let row = sqlx::query_as::<_, LegalRow>(sql::LEGAL_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("legal_processes"))?;
                row.map(LegalRow::into_process).transpose()
            }

            async fn list_legal_processes(&self, account: Option<AccountId>) -> StoreResult<Vec<LegalProcess>> {
                let query = match account {
                    Some(a) => sqlx::query_as::<_, LegalRow>(sql::LEGAL_OF_ACCOUNT).bind(a.0),
                    None => sqlx::query_as::<_, LegalRow>(sql::LEGAL_ALL),
                };
                let rows = query.fetch_all(&self.pool).await.map_err(reading("legal_processes"))?;
                rows.into_iter().map(LegalRow::into_process).collect()
            }

            async fn open_fraud_case(&self, c: &FraudCase) -> StoreResult<()> {
                sql::validate_case(c)?;
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::INSERT_CASE)
                    .bind(c.id)
                    .bind(c.reference.as_str())
                    .bind(c.reason.as_str())
                    .bind(c.opened_by.0)
                    .bind(DbTime::from(c.opened_at))
                    .bind(c.closed_at.map(DbTime::from))
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("open fraud case with this reference", "account"))?;
                for account in &c.account_ids {
                    sqlx::query(sql::INSERT_CASE_ACCOUNT)
                        .bind(c.id)
                        .bind(account.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(writing("fraud case account", "account"))?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn fraud_case(&self, id: Uuid) -> StoreResult<Option<FraudCase>> {
                let rows = sqlx::query_as::<_, CaseAccountRow>(sql::CASE_BY_ID)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("fraud_cases"))?;
                Ok(sql::cases_from(rows).pop())
            }

            async fn list_fraud_cases(&self, open_only: bool) -> StoreResult<Vec<FraudCase>> {
                let statement = if open_only { sql::CASES_OPEN } else { sql::CASES_ALL };
                let rows = sqlx::query_as::<_, CaseAccountRow>(statement)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("fraud_cases"))?;
                Ok(sql::cases_from(rows))
            }

            async fn close_fraud_case(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                let done = sqlx::query(sql::CLOSE_CASE).bind(id).bind(DbTime::from(at)).execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    let exists: i64 = sqlx::query_scalar(sql::CASE_EXISTS).bind(id).fetch_one(&mut *tx).await?;
                    return Err(if exists == 0 {
                        StoreError::NotFound("fraud case")
                    } else {
                        StoreError::Conflict("closure of this fraud case")
                    });
                }
                tx.commit().await?;
                Ok(())
            }

            async fn listed_accounts(&self, after: Option<&AccountNumber>, limit: u32) -> StoreResult<AccountPage> {
                let limit = page_limit(limit);
                // One snapshot for the accounts and their contact points.
                let mut tx = self.pool.begin().await?;
                let rows = sqlx::query_as::<_, AccountRow>(sql::LISTED_PAGE)
                    .bind(after.map_or("", AccountNumber::as_str))
                    .bind(fetch_limit(limit))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(reading("accounts"))?;
                let (rows, next_after) = asql::split(rows, limit)?;
                let points = match asql::current_points_of::<$db>(&rows) {
                    Some(mut q) => {
                        q.build_query_as::<ContactRow>().fetch_all(&mut *tx).await.map_err(reading("contact_points"))?
                    }
                    None => Vec::new(),
                };
                tx.commit().await?;
                Ok(AccountPage { accounts: asql::assemble(rows, points)?, next_after })
            }
        }
    };
}

pub(crate) use special_purposes_backend;

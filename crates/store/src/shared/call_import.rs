//! Call import: statements (the same in both dialects), rows, and the implementation as
//! a macro each backend expands with its pool and its way of beginning a write.

use super::DbTime;
use crate::call_import::{NewQuarantineEntry, NumberHolder, QuarantineEntry, QuarantineKind, QuarantineQuery};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use sqlx::encode::Encode;
use sqlx::{Database, QueryBuilder, Type};
use std::collections::HashMap;
use uuid::Uuid;

/// Calls per multi-row `INSERT`: 11 values each stays under both backends' limits.
pub(crate) const CALLS_PER_STATEMENT: usize = 1000;
/// Values per `IN` list (numbers to look up, resolved keys to delete).
pub(crate) const NUMBERS_PER_STATEMENT: usize = 1000;

pub(crate) const INSERT_QUARANTINE: &str = "INSERT INTO call_import_quarantine \
    (source, row_key, kind, file_name, line_number, reason, row_text, call, started_at, quarantined_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (source, row_key) DO NOTHING";
macro_rules! quarantine_select {
    () => {
        "SELECT id, source, row_key, kind, file_name, line_number, reason, row_text, call, started_at, \
         quarantined_at FROM call_import_quarantine"
    };
}
/// Binds: kind or NULL, source or NULL, after id, limit.
pub(crate) const LIST_QUARANTINE: &str = concat!(
    quarantine_select!(),
    " WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR source = $2) AND id > $3 ORDER BY id LIMIT $4"
);
pub(crate) const GET_QUARANTINE: &str = concat!(quarantine_select!(), " WHERE id = $1");
/// Binds: account, number, until.
pub(crate) const END_NUMBER_SERVICES: &str = "UPDATE services SET until = $3 \
    WHERE account_id = $1 AND service_number = $2 AND until IS NULL AND since <= $3";
pub(crate) const DISCARD_QUARANTINE: &str = "DELETE FROM call_import_quarantine WHERE id = $1";

/// `SELECT … FROM services WHERE service_number IN (…)` for one chunk of numbers.
pub(crate) fn holders_query<DB>(numbers: &[PhoneNumber]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    let mut qb =
        QueryBuilder::new("SELECT account_id, service_number, since, until FROM services WHERE service_number IN (");
    let mut list = qb.separated(", ");
    for n in numbers {
        list.push_bind(n.as_str().to_owned());
    }
    qb.push(")");
    qb
}

/// The ids among `ids` (one chunk) whose calls `source` stored, from the calls' own
/// de-duplication key (SQLite; PostgreSQL keeps the keys in a table of their own).
pub(crate) fn imported_ids_query<DB>(source: &str, ids: &[String]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new("SELECT DISTINCT source_record_id FROM calls WHERE source_system = ");
    qb.push_bind(source.to_owned()).push(" AND source_record_id IN (");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
    qb.push(")");
    qb
}

/// `DELETE` the quarantine entries of `source` whose keys are `keys` (one chunk).
pub(crate) fn delete_resolved<DB>(source: &str, keys: &[String]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new("DELETE FROM call_import_quarantine WHERE source = ");
    qb.push_bind(source.to_owned()).push(" AND row_key IN (");
    let mut list = qb.separated(", ");
    for key in keys {
        list.push_bind(key.clone());
    }
    qb.push(")");
    qb
}

#[derive(sqlx::FromRow)]
pub(crate) struct HolderRow {
    account_id: Uuid,
    service_number: String,
    since: NaiveDate,
    until: Option<NaiveDate>,
}

impl HolderRow {
    pub(crate) fn into_holder(self) -> StoreResult<NumberHolder> {
        Ok(NumberHolder {
            account_id: AccountId(self.account_id),
            number: PhoneNumber::parse(&self.service_number)
                .map_err(|_| StoreError::corrupt("services", "service_number is not a telephone number"))?,
            since: self.since,
            until: self.until,
        })
    }
}

/// Which calls of a batch the `RETURNING` keys say were stored: the first call with
/// each returned key (a later one with the same key in the batch was skipped).
pub(crate) fn inserted_flags(
    calls: &[cpniguard_core::cpni::CallDetailRecord],
    returned: Vec<(String, String)>,
) -> Vec<bool> {
    let mut left: HashMap<(String, String), u32> = HashMap::with_capacity(returned.len());
    for key in returned {
        *left.entry(key).or_default() += 1;
    }
    calls
        .iter()
        .map(|c| {
            let key = (c.source_record_id.clone(), c.direction.as_str().to_owned());
            match left.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        })
        .collect()
}

/// The values of [`INSERT_QUARANTINE`] that are not plain text.
pub(crate) fn quarantine_binds(e: &NewQuarantineEntry) -> StoreResult<(i64, Option<DbTime>)> {
    let line = i64::try_from(e.line_number)
        .map_err(|_| cpniguard_core::ValidationError::new("line_number", "out of range"))?;
    Ok((line, e.started_at.map(DbTime::from)))
}

pub(crate) fn list_binds(q: &QuarantineQuery) -> (Option<&'static str>, Option<&str>, i64, i64) {
    (
        q.kind.map(QuarantineKind::as_str),
        q.source.as_deref(),
        q.after.unwrap_or(0),
        i64::from(super::page_limit(q.limit)),
    )
}

#[derive(sqlx::FromRow)]
pub(crate) struct QuarantineRow {
    id: i64,
    source: String,
    row_key: String,
    kind: String,
    file_name: String,
    line_number: i64,
    reason: String,
    row_text: String,
    call: Option<String>,
    started_at: Option<DbTime>,
    quarantined_at: DbTime,
}

impl QuarantineRow {
    pub(crate) fn into_entry(self) -> StoreResult<QuarantineEntry> {
        Ok(QuarantineEntry {
            id: self.id,
            entry: NewQuarantineEntry {
                source: self.source,
                row_key: self.row_key,
                kind: QuarantineKind::parse(&self.kind)
                    .ok_or_else(|| StoreError::corrupt("call_import_quarantine", "unknown kind"))?,
                file_name: self.file_name,
                line_number: super::unsigned("call_import_quarantine", "line_number", self.line_number)?,
                reason: self.reason,
                row_text: self.row_text,
                call: self.call,
                started_at: self.started_at.map(DbTime::time),
            },
            quarantined_at: self.quarantined_at.time(),
        })
    }
}

macro_rules! call_import_backend {
    ($store:ty, $pool:ty, $db:ty, $begin:path, $insert_stored_keys:path, $imported_record_ids:path) => {
        use crate::StoreResult;
        use crate::call_import::{
            CallImportBatch, CallImportOutcome, CallImportStore, NumberHolder, QuarantineEntry, QuarantineQuery,
            QuarantineRecords,
        };
        use crate::error::reading;
        use crate::shared::call_import::{self as sql, HolderRow, QuarantineRow};
        use crate::shared::{DbTime, calls as call_sql};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use cpniguard_core::phone::PhoneNumber;

        #[async_trait]
        impl CallImportStore for $store {
            async fn end_number_services(
                &self,
                account: cpniguard_core::ids::AccountId,
                number: &PhoneNumber,
                until: chrono::NaiveDate,
            ) -> StoreResult<u64> {
                let mut tx = $begin(&self.pool).await?;
                let done = sqlx::query(sql::END_NUMBER_SERVICES)
                    .bind(account.0)
                    .bind(number.as_str())
                    .bind(until)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn number_holders(&self, numbers: &[PhoneNumber]) -> StoreResult<Vec<NumberHolder>> {
                let mut holders = Vec::new();
                for chunk in numbers.chunks(sql::NUMBERS_PER_STATEMENT) {
                    let rows: Vec<HolderRow> = sql::holders_query::<$db>(chunk)
                        .build_query_as()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(reading("services"))?;
                    for row in rows {
                        holders.push(row.into_holder()?);
                    }
                }
                Ok(holders)
            }

            async fn imported_record_ids(&self, source: &str, ids: &[String]) -> StoreResult<Vec<String>> {
                $imported_record_ids(&self.pool, source, ids).await
            }

            async fn import_calls(
                &self,
                batch: &CallImportBatch<'_>,
                now: DateTime<Utc>,
            ) -> StoreResult<CallImportOutcome> {
                call_sql::validate_all(batch.calls)?;
                self.make_room_for_calls(batch.calls).await?;
                let mut tx = $begin(&self.pool).await?;
                let mut returned: Vec<(String, String)> = Vec::with_capacity(batch.calls.len());
                for chunk in batch.calls.chunks(sql::CALLS_PER_STATEMENT) {
                    returned.extend($insert_stored_keys(&mut *tx, chunk).await?);
                }
                let mut quarantined = 0;
                for e in batch.quarantine {
                    let (line, started_at) = sql::quarantine_binds(e)?;
                    let done = sqlx::query(sql::INSERT_QUARANTINE)
                        .bind(&e.source)
                        .bind(&e.row_key)
                        .bind(e.kind.as_str())
                        .bind(&e.file_name)
                        .bind(line)
                        .bind(&e.reason)
                        .bind(&e.row_text)
                        .bind(e.call.as_deref())
                        .bind(started_at)
                        .bind(DbTime::from(now))
                        .execute(&mut *tx)
                        .await?;
                    quarantined += done.rows_affected();
                }
                let mut resolved = 0;
                for keys in batch.resolved.chunks(sql::NUMBERS_PER_STATEMENT) {
                    let done = sql::delete_resolved::<$db>(batch.source, keys).build().execute(&mut *tx).await?;
                    resolved += done.rows_affected();
                }
                tx.commit().await?;
                Ok(CallImportOutcome { inserted: sql::inserted_flags(batch.calls, returned), quarantined, resolved })
            }
        }

        #[async_trait]
        impl QuarantineRecords for $store {
            async fn list_import_quarantine(&self, query: &QuarantineQuery) -> StoreResult<Vec<QuarantineEntry>> {
                let (kind, source, after, limit) = sql::list_binds(query);
                let rows: Vec<QuarantineRow> = sqlx::query_as(sql::LIST_QUARANTINE)
                    .bind(kind)
                    .bind(source)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("call_import_quarantine"))?;
                rows.into_iter().map(QuarantineRow::into_entry).collect()
            }

            async fn get_import_quarantine(&self, id: i64) -> StoreResult<Option<QuarantineEntry>> {
                let row: Option<QuarantineRow> = sqlx::query_as(sql::GET_QUARANTINE)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("call_import_quarantine"))?;
                row.map(QuarantineRow::into_entry).transpose()
            }

            async fn discard_import_quarantine(&self, id: i64) -> StoreResult<bool> {
                let mut tx = $begin(&self.pool).await?;
                let done = sqlx::query(sql::DISCARD_QUARANTINE).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use call_import_backend;

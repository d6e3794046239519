//! Call detail on SQLite. The bulk path sends many rows per statement: each
//! statement is a round trip to the connection's worker thread, which costs more
//! than SQLite inserting a row.

use super::begin_write;
use crate::error::{reading, reference_is};
use crate::shared::calls as sql;
use crate::shared::page_limit;
use crate::{BulkInsertOutcome, CallPage, CallQuery, StoreResult};
use cpniguard_core::cpni::CallDetailRecord;
use sqlx::{Sqlite, SqlitePool};

/// Rows per multi-row `INSERT`. SQLite allows 32766 bound values per statement;
/// from about a thousand rows on, bigger statements were no faster.
const ROWS_PER_STATEMENT: usize = 1000;
const _: () = assert!(ROWS_PER_STATEMENT * sql::BINDS_PER_CALL <= 32766);

#[tracing::instrument(skip_all, fields(rows = calls.len()))]
pub(super) async fn insert(pool: &SqlitePool, calls: &[CallDetailRecord]) -> StoreResult<BulkInsertOutcome> {
    sql::validate_all(calls)?;
    let mut tx = begin_write(pool).await?;
    let mut inserted = 0;
    for chunk in calls.chunks(ROWS_PER_STATEMENT) {
        let done = sql::insert::<Sqlite>("", chunk).build().execute(&mut *tx).await.map_err(reference_is("account"))?;
        inserted += done.rows_affected();
    }
    tx.commit().await?;
    let outcome = sql::outcome(calls.len(), inserted);
    tracing::debug!(inserted = outcome.inserted, duplicates = outcome.duplicates, "call detail loaded");
    Ok(outcome)
}

pub(super) async fn insert_row_by_row(pool: &SqlitePool, calls: &[CallDetailRecord]) -> StoreResult<u64> {
    sql::validate_all(calls)?;
    let mut tx = begin_write(pool).await?;
    let mut inserted = 0;
    for call in calls {
        let done = sql::insert::<Sqlite>("", std::slice::from_ref(call))
            .build()
            .execute(&mut *tx)
            .await
            .map_err(reference_is("account"))?;
        inserted += done.rows_affected();
    }
    tx.commit().await?;
    Ok(inserted)
}

pub(super) async fn list(pool: &SqlitePool, query: &CallQuery) -> StoreResult<CallPage> {
    let limit = page_limit(query.limit);
    let rows = sql::list::<Sqlite>(query, limit).fetch_all(pool).await.map_err(reading("calls"))?;
    sql::page(rows, limit)
}

/// Of `ids`, those whose calls `source` stored: SQLite's de-duplication key
/// `(source_system, source_record_id, direction)` answers it from its index.
pub(crate) async fn imported_record_ids(pool: &SqlitePool, source: &str, ids: &[String]) -> StoreResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(crate::shared::call_import::NUMBERS_PER_STATEMENT) {
        let rows: Vec<(String,)> = crate::shared::call_import::imported_ids_query::<Sqlite>(source, chunk)
            .build_query_as()
            .fetch_all(pool)
            .await
            .map_err(reading("calls"))?;
        found.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(found)
}

/// Insert one chunk of an import and say which of its calls were stored, as (record id,
/// direction). Not with `RETURNING`: the SQLite driver hands each returned row over from
/// its worker thread on its own, and on `cpniguard bench import` that hand-over cost the
/// import more than the insert (profiled with perf). The import's write transaction
/// holds SQLite's one write lock, so the rows above the largest id before the insert are
/// this insert's: one statement reads their keys back as one JSON value.
pub(crate) async fn insert_stored_keys(
    conn: &mut sqlx::SqliteConnection,
    calls: &[CallDetailRecord],
) -> StoreResult<Vec<(String, String)>> {
    let before: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM calls").fetch_one(&mut *conn).await?;
    sql::insert::<Sqlite>("", calls).build().execute(&mut *conn).await.map_err(reference_is("account"))?;
    let keys: String =
        sqlx::query_scalar("SELECT json_group_array(json_array(source_record_id, direction)) FROM calls WHERE id > ?1")
            .bind(before.unwrap_or(0))
            .fetch_one(&mut *conn)
            .await
            .map_err(reading("calls"))?;
    serde_json::from_str(&keys).map_err(|_| crate::StoreError::corrupt("calls", "stored keys"))
}

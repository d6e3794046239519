//! Call detail on PostgreSQL. The bulk path streams the records with `COPY` into a
//! temporary staging table and moves them into `calls` with one `INSERT … SELECT`,
//! which is where duplicates are skipped: `COPY` itself has no `ON CONFLICT`.

use crate::error::{reading, reference_is};
use crate::shared::calls as sql;
use crate::shared::{DbTime, page_limit};
use crate::{BulkInsertOutcome, CallPage, CallQuery, StoreResult};
use cpniguard_core::cpni::CallDetailRecord;
use sqlx::postgres::PgCopyIn;
use sqlx::{PgConnection, PgPool, Postgres};
use std::fmt::Write;

/// Dropped with the transaction. `seq` keeps the batch order, so call ids are
/// assigned in the order the records came, as on SQLite. The time travels as
/// microseconds, which converts exactly.
const CREATE_STAGING: &str = "CREATE TEMP TABLE call_staging (\
    seq bigint NOT NULL, account_id uuid NOT NULL, service_number text NOT NULL, \
    started_at_micros bigint NOT NULL, duration_secs bigint NOT NULL, direction text NOT NULL, \
    other_party text NOT NULL, destination text NOT NULL, call_type text NOT NULL, \
    charge_cents bigint, source_system text NOT NULL, source_record_id text NOT NULL\
    ) ON COMMIT DROP";

const COPY_STAGING: &str = "COPY call_staging FROM STDIN (FORMAT text)";

const MOVE_STAGED: &str = "INSERT INTO calls (account_id, service_number, started_at, duration_secs, direction, \
    other_party, destination, call_type, charge_cents, source_system, source_record_id) \
    SELECT account_id, service_number, \
        timestamptz 'epoch' + started_at_micros * interval '1 microsecond', \
        duration_secs, direction, other_party, destination, call_type, charge_cents, \
        source_system, source_record_id \
    FROM call_staging ORDER BY seq \
    ON CONFLICT DO NOTHING";

/// How much `COPY` data to buffer before sending it.
const COPY_CHUNK_BYTES: usize = 1 << 20;

#[tracing::instrument(skip_all, fields(rows = calls.len()))]
pub(super) async fn insert(pool: &PgPool, calls: &[CallDetailRecord]) -> StoreResult<BulkInsertOutcome> {
    sql::validate_all(calls)?;
    if calls.is_empty() {
        return Ok(BulkInsertOutcome::default());
    }
    super::partitions::make_room(pool, calls).await?;
    let mut tx = pool.begin().await?;
    sqlx::query(CREATE_STAGING).execute(&mut *tx).await?;
    copy_to_staging(&mut tx, calls).await?;
    let moved = sqlx::query(MOVE_STAGED).execute(&mut *tx).await.map_err(reference_is("account"))?;
    tx.commit().await?;
    let outcome = sql::outcome(calls.len(), moved.rows_affected());
    tracing::debug!(inserted = outcome.inserted, duplicates = outcome.duplicates, "call detail loaded");
    Ok(outcome)
}

async fn copy_to_staging(conn: &mut PgConnection, calls: &[CallDetailRecord]) -> StoreResult<()> {
    let mut copy = conn.copy_in_raw(COPY_STAGING).await?;
    match send_rows(&mut copy, calls).await {
        Ok(()) => {
            copy.finish().await?;
            Ok(())
        }
        Err(e) => {
            // The connection must leave COPY mode before it is used again. The
            // send error is the one worth reporting; if aborting fails too, the
            // connection is broken and the pool discards it.
            let _ = copy.abort("sending the call records failed").await;
            Err(e.into())
        }
    }
}

async fn send_rows(copy: &mut PgCopyIn<&mut PgConnection>, calls: &[CallDetailRecord]) -> sqlx::Result<()> {
    let mut buf = String::with_capacity(COPY_CHUNK_BYTES + 1024);
    for (seq, call) in calls.iter().enumerate() {
        push_copy_row(&mut buf, seq, call);
        if buf.len() >= COPY_CHUNK_BYTES {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await?;
    }
    Ok(())
}

/// One line of `COPY … (FORMAT text)` in the column order of `call_staging`.
fn push_copy_row(out: &mut String, seq: usize, c: &CallDetailRecord) {
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "{seq}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        c.account_id.0,
        CopyText(c.service_number.as_str()),
        DbTime::from(c.started_at).micros(),
        c.duration_secs,
        c.direction.as_str(),
        CopyText(&c.other_party),
        CopyText(&c.destination),
        c.call_type.as_str(),
        CopyCents(c.charge),
        CopyText(&c.source_system),
        CopyText(&c.source_record_id),
    );
}

/// A charge in `COPY` text format: `\N` is NULL, an unknown charge.
struct CopyCents(Option<cpniguard_core::money::Cents>);

impl std::fmt::Display for CopyCents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(cents) => write!(f, "{}", cents.0),
            None => f.write_str("\\N"),
        }
    }
}

/// A text field escaped for `COPY` text format: backslash starts an escape, and tab,
/// newline and carriage return would end the field or the row.
struct CopyText<'a>(&'a str);

impl std::fmt::Display for CopyText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['\\', '\t', '\n', '\r']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'\\' => "\\\\",
                b'\t' => "\\t",
                b'\n' => "\\n",
                _ => "\\r",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

pub(super) async fn insert_row_by_row(pool: &PgPool, calls: &[CallDetailRecord]) -> StoreResult<u64> {
    sql::validate_all(calls)?;
    super::partitions::make_room(pool, calls).await?;
    let mut tx = pool.begin().await?;
    let mut inserted = 0;
    for call in calls {
        let done = sql::insert::<Postgres>("", std::slice::from_ref(call))
            .build()
            .execute(&mut *tx)
            .await
            .map_err(reference_is("account"))?;
        inserted += done.rows_affected();
    }
    tx.commit().await?;
    Ok(inserted)
}

pub(super) async fn list(pool: &PgPool, query: &CallQuery) -> StoreResult<CallPage> {
    let limit = page_limit(query.limit);
    let rows = sql::list::<Postgres>(query, limit).fetch_all(pool).await.map_err(reading("calls"))?;
    sql::page(rows, limit)
}

/// Insert one chunk of an import and say which of its calls were stored, as (record id,
/// direction): `RETURNING` them. The same statement records each stored record's key
/// in `call_import_keys` (migration 0026), where a re-import finds it.
pub(crate) async fn insert_stored_keys(
    conn: &mut PgConnection,
    calls: &[CallDetailRecord],
) -> StoreResult<Vec<(String, String)>> {
    let mut qb = sql::insert::<Postgres>("WITH stored AS (", calls);
    qb.push(
        " RETURNING source_system, source_record_id, direction, started_at), \
         keys AS (INSERT INTO call_import_keys (source, record_id, started_at) \
             SELECT DISTINCT ON (source_system, source_record_id) source_system, source_record_id, started_at \
             FROM stored ON CONFLICT DO NOTHING) \
         SELECT source_record_id, direction FROM stored",
    );
    qb.build_query_as().fetch_all(&mut *conn).await.map_err(reference_is("account"))
}

/// Of `ids`, those whose calls `source` stored through the import: one probe of the
/// key table's primary key with the ids as one array. Not the partitioned `calls`
/// table, whose key also holds the start time: probing it month by month with a
/// thousand ids made a first import of a million rows crawl (commit 05afce2).
pub(crate) async fn imported_record_ids(pool: &PgPool, source: &str, ids: &[String]) -> StoreResult<Vec<String>> {
    sqlx::query_scalar("SELECT record_id FROM call_import_keys WHERE source = $1 AND record_id = ANY($2)")
        .bind(source)
        .bind(ids)
        .fetch_all(pool)
        .await
        .map_err(reading("call_import_keys"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_row() {
        assert_eq!(CopyText("plain, \"quoted\" é").to_string(), "plain, \"quoted\" é");
        assert_eq!(CopyText("a\\b\tc\nd\re\\N").to_string(), "a\\\\b\\tc\\nd\\re\\\\N");
        assert_eq!(CopyText("").to_string(), "");
    }
}

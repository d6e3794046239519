//! Call detail records.

use super::{DbTime, fetch_limit, split_page, unsigned};
use crate::{BulkInsertOutcome, CallCursor, CallPage, CallQuery, StoreError, StoreResult};
use cpniguard_core::cpni::{CallDetailRecord, CallType, Direction};
use cpniguard_core::ids::{AccountId, CallId};
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use sqlx::encode::Encode;
use sqlx::query::QueryAs;
use sqlx::{Database, QueryBuilder, Type};
use std::sync::Arc;
use uuid::Uuid;

/// Check every record before any is written, so one bad record refuses the batch.
pub(crate) fn validate_all(calls: &[CallDetailRecord]) -> StoreResult<()> {
    for (i, call) in calls.iter().enumerate() {
        call.validate().map_err(|e| e.within(&format!("calls[{i}]")))?;
    }
    Ok(())
}

/// The outcome of inserting `submitted` records of which `inserted` were new.
pub(crate) fn outcome(submitted: usize, inserted: u64) -> BulkInsertOutcome {
    BulkInsertOutcome { inserted, duplicates: (submitted as u64).saturating_sub(inserted) }
}

/// Values bound per call by [`insert`].
pub(crate) const BINDS_PER_CALL: usize = 11;

/// One multi-row `INSERT` of `calls`. A call whose `(source_system,
/// source_record_id, direction)` is already stored, or appears earlier in the same statement,
/// is skipped; the statement's rows-affected count is the number inserted. Only
/// that uniqueness rule is waived: any other violation still fails the statement.
/// `prefix` goes before the `INSERT`: empty, or the start of a `WITH` clause the insert
/// is part of.
pub(crate) fn insert<DB>(prefix: &str, calls: &[CallDetailRecord]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> Arc<str>: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(format!(
        "{prefix}INSERT INTO calls (account_id, service_number, started_at, duration_secs, direction, \
         other_party, destination, call_type, charge_cents, source_system, source_record_id) "
    ));
    // Text is bound as `Arc<str>`: SQLite's driver keeps it as it is, where a `&str`
    // would be copied into a `String` and then boxed in an `Arc`. One allocation per
    // value instead of two shows on loads of millions of rows.
    let text = |s: &str| Arc::<str>::from(s);
    qb.push_values(calls, |mut row, c| {
        row.push_bind(c.account_id.0)
            .push_bind(text(c.service_number.as_str()))
            .push_bind(DbTime::from(c.started_at))
            .push_bind(i64::from(c.duration_secs))
            .push_bind(text(c.direction.as_str()))
            .push_bind(text(c.other_party.as_str()))
            .push_bind(text(c.destination.as_str()))
            .push_bind(text(c.call_type.as_str()))
            .push_bind(c.charge.map(|c| c.0))
            .push_bind(text(c.source_system.as_str()))
            .push_bind(text(c.source_record_id.as_str()));
    });
    // The de-duplication key is the only unique constraint a new row can meet (its
    // columns differ by backend: PostgreSQL's includes the start time, see migration 0018).
    qb.push(" ON CONFLICT DO NOTHING");
    qb
}

/// The statement of a page of one account's calls in `(started_at, id)` order. Binds:
/// account, the exclusive lower bound `(started_at, id)` (see `lower_bound`), the
/// exclusive end of the range, the number of rows to fetch. `started_at >= $2` says
/// again what the row comparison implies, in the form PostgreSQL prunes month
/// partitions by: without it the page probes every month before the range's end.
/// Public for the scale bench, which shows its plan.
pub const CALL_PAGE_SQL: &str = "SELECT id, account_id, service_number, started_at, duration_secs, direction, \
     other_party, destination, call_type, charge_cents, source_system, source_record_id \
     FROM calls WHERE account_id = $1 AND started_at >= $2 AND (started_at, id) > ($2, $3) AND started_at < $4 \
     ORDER BY started_at, id LIMIT $5";

/// A page of one account's calls in `(started_at, id)` order, one row more than the
/// page (see [`super::split_page`]).
pub(crate) fn list<'q, DB>(query: &CallQuery, page_limit: u32) -> QueryAs<'q, DB, CallRow, DB::Arguments>
where
    DB: Database,
    for<'r> CallRow: sqlx::FromRow<'r, DB::Row>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let (from_time, from_id) = lower_bound(query);
    sqlx::query_as(CALL_PAGE_SQL)
        .bind(query.account.0)
        .bind(from_time)
        .bind(from_id)
        .bind(DbTime::from(query.range.to))
        .bind(fetch_limit(page_limit))
}

/// Where a page starts, exclusive, as `(started_at, id)`: just after the cursor, or
/// just before the first possible call at `range.from` when there is no cursor or it
/// lies before the range. One bound makes one statement, served by the
/// `(account_id, started_at, id)` index.
fn lower_bound(query: &CallQuery) -> (DbTime, i64) {
    let range_start = (DbTime::from(query.range.from), i64::MIN);
    match query.after {
        Some(cursor) => range_start.max((DbTime::from(cursor.started_at), cursor.id.0)),
        None => range_start,
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CallRow {
    id: i64,
    account_id: Uuid,
    service_number: String,
    started_at: DbTime,
    duration_secs: i64,
    direction: String,
    other_party: String,
    destination: String,
    call_type: String,
    charge_cents: Option<i64>,
    source_system: String,
    source_record_id: String,
}

impl CallRow {
    fn into_record(self) -> StoreResult<CallDetailRecord> {
        let corrupt = |reason: &str| StoreError::corrupt("calls", reason);
        Ok(CallDetailRecord {
            id: Some(CallId(self.id)),
            account_id: AccountId(self.account_id),
            service_number: PhoneNumber::parse(&self.service_number)
                .map_err(|_| corrupt("service_number is not a telephone number"))?,
            started_at: self.started_at.time(),
            duration_secs: unsigned("calls", "duration_secs", self.duration_secs)?,
            direction: Direction::parse(&self.direction).ok_or_else(|| corrupt("unknown direction"))?,
            other_party: self.other_party,
            destination: self.destination,
            call_type: CallType::parse(&self.call_type).ok_or_else(|| corrupt("unknown call_type"))?,
            charge: self.charge_cents.map(Cents),
            source_system: self.source_system,
            source_record_id: self.source_record_id,
        })
    }
}

/// A page from the rows [`list`] fetched.
pub(crate) fn page(rows: Vec<CallRow>, page_limit: u32) -> StoreResult<CallPage> {
    let (rows, next_after) =
        split_page(rows, page_limit, |row| CallCursor { started_at: row.started_at.time(), id: CallId(row.id) });
    let calls = rows.into_iter().map(CallRow::into_record).collect::<StoreResult<_>>()?;
    Ok(CallPage { calls, next_after })
}

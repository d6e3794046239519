//! The notices outbox and privacy-office tasks: rows, statements, binding and the
//! conversions both backends share. Only the claim differs by dialect (PostgreSQL
//! skips rows other workers hold; SQLite has one writer at a time), and both claim
//! statements are built here from the same pieces.

use super::{DbTime, fetch_limit, split_page};
use crate::{DeliveryOutcome, NoticeClaim, NoticePage, NoticeQuery, StoreError, StoreResult};
use cpniguard_core::ValidationError;
use cpniguard_core::account::Language;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{
    Channel, Destination, NewNotice, Notice, NoticeId, NoticeKind, NoticeStatus, PrivacyTask,
};
use sqlx::encode::Encode;
use sqlx::query::{Query, QueryAs};
use sqlx::types::Json;
use sqlx::{Database, QueryBuilder, Type};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

// The columns [`NoticeRow`] reads. A macro, so `concat!` can build each statement as
// a `&'static str`, the SQL sqlx accepts without asserting it is safe.
macro_rules! notice_columns {
    () => {
        "id, account_id, kind, channel, destination, template, language, params, idempotency_key, \
         status, attempts, next_attempt_at, lease_until, last_error, provider_message_id, \
         created_at, updated_at, sent_at"
    };
}

macro_rules! task_columns {
    () => {
        "id, account_id, kind, detail, created_at, resolved_at"
    };
}

/// The notices a claim at `$1` may take: queued or failed ones that are due, and
/// sending ones whose worker's lease has run out.
macro_rules! due {
    () => {
        "(status IN ('queued', 'failed') AND next_attempt_at <= $1) \
         OR (status = 'sending' AND lease_until <= $1)"
    };
}

/// Claims up to `$4` due notices, oldest due first, for worker `$3` until `$2`.
/// `$lock` is appended to the inner select.
macro_rules! claim {
    ($lock:literal) => {
        concat!(
            "UPDATE notices SET status = 'sending', lease_until = $2, claimed_by = $3, \
             attempts = attempts + 1, updated_at = $1 \
             WHERE id IN (SELECT id FROM notices WHERE ",
            due!(),
            " ORDER BY next_attempt_at, id LIMIT $4",
            $lock,
            ") RETURNING ",
            notice_columns!()
        )
    };
}

/// The claim for SQLite, run in a `BEGIN IMMEDIATE` transaction: it is the only
/// writer while it runs.
pub(crate) const CLAIM: &str = claim!("");

/// The claim for PostgreSQL: rows another worker's claim has locked are skipped, so
/// concurrent claims take disjoint notices without waiting for each other.
pub(crate) const CLAIM_SKIP_LOCKED: &str = claim!(" FOR UPDATE SKIP LOCKED");

pub(crate) const SELECT_BY_ID: &str = concat!("SELECT ", notice_columns!(), " FROM notices WHERE id = $1");

/// Binds: id. The status of a notice, to say why a requeue did not happen.
pub(crate) const STATUS_OF: &str = "SELECT status FROM notices WHERE id = $1";

/// Binds: id, now.
pub(crate) const REQUEUE: &str = concat!(
    "UPDATE notices SET status = 'queued', attempts = 0, next_attempt_at = $2, lease_until = NULL, \
     claimed_by = NULL, updated_at = $2 WHERE id = $1 AND status IN ('abandoned', 'failed') RETURNING ",
    notice_columns!()
);

pub(crate) const STATUS_COUNTS: &str = "SELECT status, COUNT(*) FROM notices GROUP BY status";

pub(crate) const ALL_TASKS: &str = concat!("SELECT ", task_columns!(), " FROM privacy_tasks ORDER BY created_at, id");

pub(crate) const OPEN_TASKS: &str =
    concat!("SELECT ", task_columns!(), " FROM privacy_tasks WHERE resolved_at IS NULL ORDER BY created_at, id");

/// The most of an error message kept with a notice, in characters.
pub(crate) const MAX_ERROR_CHARS: usize = 1000;

/// Values bound per notice by [`insert`].
pub(crate) const BINDS_PER_NOTICE: usize = 12;

/// Rows per multi-row `INSERT`, well within both backends' bound-value limits
/// (SQLite 32766, PostgreSQL 65535).
pub(crate) const ROWS_PER_STATEMENT: usize = 500;
const _: () = assert!(ROWS_PER_STATEMENT * BINDS_PER_NOTICE <= 32766);

/// One multi-row `INSERT` of queued notices, created at `now`, returning the ids of
/// those inserted. A notice whose idempotency key is already stored, or appears
/// earlier in the same statement, is skipped; any other violation (an id taken, an
/// unknown account) still fails the statement.
pub(crate) fn insert<DB>(notices: &[NewNotice], now: DbTime) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> Option<Uuid>: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Json<&'a Destination>: Encode<'a, DB> + Type<DB>,
    for<'a> Json<&'a BTreeMap<String, String>>: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(
        "INSERT INTO notices (id, account_id, kind, channel, destination, template, language, params, \
         idempotency_key, next_attempt_at, created_at, updated_at, status, attempts) ",
    );
    qb.push_values(notices, |mut row, n| {
        row.push_bind(n.id.0)
            .push_bind(n.account_id.map(|a| a.0))
            .push_bind(n.kind.as_str())
            .push_bind(n.channel.as_str())
            .push_bind(Json(&n.destination))
            .push_bind(n.template.as_str())
            .push_bind(n.language.as_str())
            .push_bind(Json(&n.params))
            .push_bind(n.idempotency_key.as_str())
            .push_bind(DbTime::from(n.not_before))
            .push_bind(now)
            .push_bind(now)
            .push("'queued'")
            .push("0");
    });
    qb.push(" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id");
    qb
}

/// The ids of `notices` that [`insert`] returned as inserted, in the given order.
pub(crate) fn inserted_ids(notices: &[NewNotice], returned: &[Uuid]) -> Vec<NoticeId> {
    let returned: HashSet<&Uuid> = returned.iter().collect();
    notices.iter().map(|n| n.id).filter(|id| returned.contains(&id.0)).collect()
}

/// One multi-row `INSERT` of privacy-office tasks, returning the ids inserted. A
/// task whose id is already stored is skipped (the same task raised again).
pub(crate) fn insert_tasks<DB>(tasks: &[PrivacyTask]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> Option<Uuid>: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
    for<'a> Option<DbTime>: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(concat!("INSERT INTO privacy_tasks (", task_columns!(), ") "));
    qb.push_values(tasks, |mut row, t| {
        row.push_bind(t.id)
            .push_bind(t.account_id.map(|a| a.0))
            .push_bind(t.kind.as_str())
            .push_bind(t.detail.as_str())
            .push_bind(DbTime::from(t.created_at))
            .push_bind(t.resolved_at.map(DbTime::from));
    });
    qb.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
    qb
}

/// The ids of `tasks` that [`insert_tasks`] returned as inserted, in the given order.
pub(crate) fn inserted_task_ids(tasks: &[PrivacyTask], returned: &[Uuid]) -> Vec<Uuid> {
    let returned: HashSet<&Uuid> = returned.iter().collect();
    tasks.iter().map(|t| t.id).filter(|id| returned.contains(id)).collect()
}

/// The claim statement `sql` ([`CLAIM`] or [`CLAIM_SKIP_LOCKED`]) bound for `claim`.
/// `Invalid` when the lease reaches beyond representable time.
pub(crate) fn claim<'q, DB>(
    sql: &'static str,
    claim: &'q NoticeClaim,
) -> StoreResult<QueryAs<'q, DB, NoticeRow, DB::Arguments>>
where
    DB: Database,
    for<'r> NoticeRow: sqlx::FromRow<'r, DB::Row>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let lease_until = chrono::TimeDelta::from_std(claim.lease)
        .ok()
        .and_then(|lease| claim.now.checked_add_signed(lease))
        .ok_or_else(|| ValidationError::new("lease", "too long"))?;
    Ok(sqlx::query_as(sql)
        .bind(DbTime::from(claim.now))
        .bind(DbTime::from(lease_until))
        .bind(claim.worker.as_str())
        .bind(i64::from(claim.limit.min(crate::MAX_PAGE))))
}

/// The notices a claim returned, oldest due first (`RETURNING` keeps no order).
pub(crate) fn claimed(rows: Vec<NoticeRow>) -> StoreResult<Vec<Notice>> {
    let mut notices = rows.into_iter().map(NoticeRow::into_notice).collect::<StoreResult<Vec<_>>>()?;
    notices.sort_by_key(|n| (n.next_attempt_at, n.id));
    Ok(notices)
}

/// Record `outcome` for notice `id` if `worker` still holds it; the statement
/// affects no row otherwise.
pub(crate) fn finish<'q, DB>(
    id: NoticeId,
    worker: &str,
    outcome: &DeliveryOutcome,
    now: DbTime,
) -> Query<'q, DB, DB::Arguments>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    // Only the worker holding the notice may record its outcome.
    macro_rules! held {
        ($set:literal) => {
            concat!("UPDATE notices SET ", $set, " WHERE id = $1 AND status = 'sending' AND claimed_by = $2")
        };
    }
    let bound = |sql: &'static str| sqlx::query(sql).bind(id.0).bind(worker).bind(now);
    match outcome {
        DeliveryOutcome::Sent { provider_message_id } => bound(held!(
            "status = 'sent', sent_at = $3, provider_message_id = $4, lease_until = NULL, last_error = NULL, \
             updated_at = $3"
        ))
        .bind(provider_message_id.as_deref()),
        DeliveryOutcome::Retry { at, error } => bound(held!(
            "status = 'failed', next_attempt_at = $4, last_error = $5, lease_until = NULL, updated_at = $3"
        ))
        .bind(DbTime::from(*at))
        .bind(truncate_error(error)),
        DeliveryOutcome::Abandon { error } => {
            bound(held!("status = 'abandoned', last_error = $4, lease_until = NULL, updated_at = $3"))
                .bind(truncate_error(error))
        }
    }
}

/// An error message as kept: at most [`MAX_ERROR_CHARS`] characters.
fn truncate_error(error: &str) -> &str {
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        Some((end, _)) => &error[..end],
        None => error,
    }
}

/// Why a requeue changed nothing, from the notice's status (`None`: no such notice).
pub(crate) fn requeue_refused(status: Option<String>) -> StoreError {
    match status {
        None => StoreError::NotFound("notice"),
        Some(_) => ValidationError::new("status", "only an abandoned or failed notice can be retried").into(),
    }
}

/// A page of notices, newest first, matching every criterion given, one row more
/// than the page (see [`super::split_page`]).
pub(crate) fn list<DB>(query: &NoticeQuery, page_limit: u32) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(concat!("SELECT ", notice_columns!(), " FROM notices WHERE TRUE"));
    if let Some(account) = query.account {
        qb.push(" AND account_id = ");
        qb.push_bind(account.0);
    }
    if let Some(status) = query.status {
        qb.push(" AND status = ");
        qb.push_bind(status.as_str());
    }
    if let Some(kind) = query.kind {
        qb.push(" AND kind = ");
        qb.push_bind(kind.as_str());
    }
    // Ids are UUIDv7, so their byte order (which both backends compare by) is the
    // order they were made in.
    if let Some(after) = query.after {
        qb.push(" AND id < ");
        qb.push_bind(after.0);
    }
    qb.push(" ORDER BY id DESC LIMIT ");
    qb.push_bind(fetch_limit(page_limit));
    qb
}

/// A page from the rows [`list`] fetched.
pub(crate) fn page(rows: Vec<NoticeRow>, page_limit: u32) -> StoreResult<NoticePage> {
    let (rows, next_after) = split_page(rows, page_limit, |row| NoticeId(row.id));
    let notices = rows.into_iter().map(NoticeRow::into_notice).collect::<StoreResult<_>>()?;
    Ok(NoticePage { notices, next_after })
}

/// Every status in [`NoticeStatus::ALL`] order with its count from the rows of
/// [`STATUS_COUNTS`], zero when it has none.
pub(crate) fn status_counts(rows: Vec<(String, i64)>) -> StoreResult<Vec<(NoticeStatus, u64)>> {
    let mut counts: Vec<(NoticeStatus, u64)> = NoticeStatus::ALL.iter().map(|&s| (s, 0)).collect();
    for (status, count) in rows {
        let status = NoticeStatus::parse(&status).ok_or_else(|| corrupt("unknown status"))?;
        let count = u64::try_from(count).map_err(|_| corrupt("a status count is negative"))?;
        if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == status) {
            entry.1 = count;
        }
    }
    Ok(counts)
}

fn corrupt(reason: &str) -> StoreError {
    StoreError::corrupt("notices", reason)
}

#[derive(sqlx::FromRow)]
pub(crate) struct NoticeRow {
    id: Uuid,
    account_id: Option<Uuid>,
    kind: String,
    channel: String,
    destination: Json<serde_json::Value>,
    template: String,
    language: String,
    params: Json<serde_json::Value>,
    idempotency_key: String,
    status: String,
    attempts: i64,
    next_attempt_at: DbTime,
    lease_until: Option<DbTime>,
    last_error: Option<String>,
    provider_message_id: Option<String>,
    created_at: DbTime,
    updated_at: DbTime,
    sent_at: Option<DbTime>,
}

impl NoticeRow {
    /// The notice as stored. A value that does not parse is corrupt data; the reason
    /// names the column, never the value (destinations are contact information).
    pub(crate) fn into_notice(self) -> StoreResult<Notice> {
        Ok(Notice {
            id: NoticeId(self.id),
            account_id: self.account_id.map(AccountId),
            kind: NoticeKind::parse(&self.kind).ok_or_else(|| corrupt("unknown kind"))?,
            channel: Channel::parse(&self.channel).ok_or_else(|| corrupt("unknown channel"))?,
            destination: serde_json::from_value(self.destination.0)
                .map_err(|_| corrupt("destination is not a valid destination"))?,
            template: self.template,
            language: Language::parse(&self.language).ok_or_else(|| corrupt("unknown language"))?,
            params: serde_json::from_value(self.params.0).map_err(|_| corrupt("params is not an object of strings"))?,
            idempotency_key: self.idempotency_key,
            status: NoticeStatus::parse(&self.status).ok_or_else(|| corrupt("unknown status"))?,
            attempts: u32::try_from(self.attempts).map_err(|_| corrupt("attempts is out of range"))?,
            next_attempt_at: self.next_attempt_at.time(),
            lease_until: self.lease_until.map(DbTime::time),
            last_error: self.last_error,
            provider_message_id: self.provider_message_id,
            created_at: self.created_at.time(),
            updated_at: self.updated_at.time(),
            sent_at: self.sent_at.map(DbTime::time),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    id: Uuid,
    account_id: Option<Uuid>,
    kind: String,
    detail: String,
    created_at: DbTime,
    resolved_at: Option<DbTime>,
}

impl TaskRow {
    pub(crate) fn into_task(self) -> PrivacyTask {
        PrivacyTask {
            id: self.id,
            account_id: self.account_id.map(AccountId),
            kind: self.kind,
            detail: self.detail,
            created_at: self.created_at.time(),
            resolved_at: self.resolved_at.map(DbTime::time),
        }
    }
}

#[cfg(test)]
mod tests;

//! The notices outbox on PostgreSQL. Claims lock the rows they take and skip rows
//! another claim holds (`FOR UPDATE SKIP LOCKED`), so concurrent workers take
//! disjoint notices without waiting for each other.

use crate::error::{reading, writing};
use crate::shared::notices::{self as sql, NoticeRow, TaskRow};
use crate::shared::{DbTime, page_limit};
use crate::{DeliveryOutcome, NoticeClaim, NoticePage, NoticeQuery, StoreResult};
use cpniguard_core::notice::{NewNotice, Notice, NoticeId, NoticeStatus, PrivacyTask, SideEffects};
use sqlx::{PgConnection, PgPool, Postgres};
use uuid::Uuid;

/// Write what a change causes besides itself, in the caller's transaction. Returns
/// the ids of the notices and tasks newly written (repeats excluded).
pub(super) async fn write_effects(
    conn: &mut PgConnection,
    effects: &SideEffects,
    now: DbTime,
) -> StoreResult<(Vec<NoticeId>, Vec<Uuid>)> {
    let notices = insert(conn, &effects.notices, now).await?;
    let mut tasks = Vec::with_capacity(effects.tasks.len());
    for chunk in effects.tasks.chunks(sql::ROWS_PER_STATEMENT) {
        let returned: Vec<Uuid> = sql::insert_tasks::<Postgres>(chunk)
            .build_query_scalar()
            .fetch_all(&mut *conn)
            .await
            .map_err(writing("privacy task", "account"))?;
        tasks.extend(sql::inserted_task_ids(chunk, &returned));
    }
    Ok((notices, tasks))
}

async fn insert(conn: &mut PgConnection, notices: &[NewNotice], now: DbTime) -> StoreResult<Vec<NoticeId>> {
    let mut ids = Vec::with_capacity(notices.len());
    for chunk in notices.chunks(sql::ROWS_PER_STATEMENT) {
        let returned: Vec<Uuid> = sql::insert::<Postgres>(chunk, now)
            .build_query_scalar()
            .fetch_all(&mut *conn)
            .await
            .map_err(writing("notice", "account"))?;
        ids.extend(sql::inserted_ids(chunk, &returned));
    }
    Ok(ids)
}

pub(super) async fn enqueue(pool: &PgPool, notices: &[NewNotice], now: DbTime) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let inserted = insert(&mut tx, notices, now).await?;
    tx.commit().await?;
    Ok(inserted.len() as u64)
}

pub(super) async fn claim(pool: &PgPool, claim: &NoticeClaim) -> StoreResult<Vec<Notice>> {
    if claim.limit == 0 {
        return Ok(Vec::new());
    }
    let query = sql::claim::<Postgres>(sql::CLAIM_SKIP_LOCKED, claim)?;
    let mut tx = pool.begin().await?;
    let rows = query.fetch_all(&mut *tx).await.map_err(reading("notices"))?;
    // Read back before committing: a row that does not read leaves it unclaimed.
    let notices = sql::claimed(rows)?;
    tx.commit().await?;
    Ok(notices)
}

pub(super) async fn finish(
    pool: &PgPool,
    id: NoticeId,
    worker: &str,
    outcome: &DeliveryOutcome,
    now: DbTime,
) -> StoreResult<bool> {
    let done = sql::finish::<Postgres>(id, worker, outcome, now).execute(pool).await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn get(pool: &PgPool, id: NoticeId) -> StoreResult<Option<Notice>> {
    let row = sqlx::query_as::<_, NoticeRow>(sql::SELECT_BY_ID)
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(reading("notices"))?;
    row.map(NoticeRow::into_notice).transpose()
}

pub(super) async fn list(pool: &PgPool, query: &NoticeQuery) -> StoreResult<NoticePage> {
    let limit = page_limit(query.limit);
    let rows = sql::list::<Postgres>(query, limit)
        .build_query_as::<NoticeRow>()
        .fetch_all(pool)
        .await
        .map_err(reading("notices"))?;
    sql::page(rows, limit)
}

pub(super) async fn requeue(pool: &PgPool, id: NoticeId, now: DbTime) -> StoreResult<Notice> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as::<_, NoticeRow>(sql::REQUEUE)
        .bind(id.0)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(reading("notices"))?;
    let Some(row) = row else {
        let status = sqlx::query_scalar::<_, String>(sql::STATUS_OF).bind(id.0).fetch_optional(&mut *tx).await?;
        return Err(sql::requeue_refused(status));
    };
    let notice = row.into_notice()?;
    tx.commit().await?;
    Ok(notice)
}

pub(super) async fn status_counts(pool: &PgPool) -> StoreResult<Vec<(NoticeStatus, u64)>> {
    let rows = sqlx::query_as(sql::STATUS_COUNTS).fetch_all(pool).await.map_err(reading("notices"))?;
    sql::status_counts(rows)
}

pub(super) async fn list_tasks(pool: &PgPool, open_only: bool) -> StoreResult<Vec<PrivacyTask>> {
    let statement = if open_only { sql::OPEN_TASKS } else { sql::ALL_TASKS };
    let rows = sqlx::query_as::<_, TaskRow>(statement).fetch_all(pool).await.map_err(reading("privacy_tasks"))?;
    Ok(rows.into_iter().map(TaskRow::into_task).collect())
}

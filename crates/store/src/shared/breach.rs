//! Breach incidents: statements (the same in both dialects) and the whole
//! implementation as a macro each backend expands with its pool and its way of
//! beginning a write transaction.

use super::DbTime;
use crate::breach::{BreachEvent, BreachIncident, BreachNoticeProgress};
use crate::{StoreError, StoreResult};
use cpniguard_core::breach::record::{
    DeletionRefusal, HoldInForce, check_change as check_change_of_facts, check_deletion as check_deletion_of_record,
};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{NoticeId, NoticeStatus};
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) const INSERT: &str =
    "INSERT INTO breach_incidents (id, version, state, retain_until, record) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const UPDATE: &str = "UPDATE breach_incidents SET version = $2, state = $3, retain_until = $4, record = $5 WHERE id = $1 AND version = $6";
pub(crate) const EXISTS: &str = "SELECT COUNT(*) FROM breach_incidents WHERE id = $1";
pub(crate) const GET: &str = "SELECT version, record FROM breach_incidents WHERE id = $1";
pub(crate) const LIST: &str = "SELECT version, record FROM breach_incidents ORDER BY id";
pub(crate) const INSERT_EVENT: &str =
    "INSERT INTO breach_events (id, incident_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)";
pub(crate) const EVENTS: &str =
    "SELECT id, incident_id, at, actor, kind, detail FROM breach_events WHERE incident_id = $1 ORDER BY at, id";
/// Links notices to an incident's accounts: `VALUES` rows follow, then [`LINK_NOTICES_END`].
pub(crate) const LINK_NOTICES: &str = "INSERT INTO breach_notices (incident_id, account_id, notice_id) ";
pub(crate) const LINK_NOTICES_END: &str = " ON CONFLICT (incident_id, account_id) DO NOTHING";
pub(crate) const PROGRESS_FIRST: &str = "SELECT b.account_id, b.notice_id, n.status FROM breach_notices b \
     JOIN notices n ON n.id = b.notice_id WHERE b.incident_id = $1 ORDER BY b.account_id LIMIT $2";
pub(crate) const PROGRESS_NEXT: &str = "SELECT b.account_id, b.notice_id, n.status FROM breach_notices b \
     JOIN notices n ON n.id = b.notice_id WHERE b.incident_id = $1 AND b.account_id > $3 \
     ORDER BY b.account_id LIMIT $2";
pub(crate) const NOTICE_COUNTS: &str = "SELECT n.status, COUNT(*) FROM breach_notices b \
     JOIN notices n ON n.id = b.notice_id WHERE b.incident_id = $1 GROUP BY n.status ORDER BY n.status";
/// Lists accounts as affected: `VALUES` rows follow, then [`ADD_AFFECTED_END`].
pub(crate) const ADD_AFFECTED: &str = "INSERT INTO breach_affected_accounts (incident_id, account_id) ";
pub(crate) const ADD_AFFECTED_END: &str = " ON CONFLICT (incident_id, account_id) DO NOTHING";
/// Affected-account rows per multi-row `INSERT` (2 parameters each).
pub(crate) const AFFECTED_PER_INSERT: usize = 5_000;
pub(crate) const CLEAR_AFFECTED: &str = "DELETE FROM breach_affected_accounts WHERE incident_id = $1";
pub(crate) const COUNT_AFFECTED: &str = "SELECT COUNT(*) FROM breach_affected_accounts WHERE incident_id = $1";
pub(crate) const AFFECTED_FIRST: &str =
    "SELECT account_id FROM breach_affected_accounts WHERE incident_id = $1 ORDER BY account_id LIMIT $2";
pub(crate) const AFFECTED_NEXT: &str = "SELECT account_id FROM breach_affected_accounts \
     WHERE incident_id = $1 AND account_id > $3 ORDER BY account_id LIMIT $2";
pub(crate) const RETAIN_UNTIL: &str = "SELECT retain_until FROM breach_incidents WHERE id = $1";
pub(crate) const DELETE_LINKS: &str = "DELETE FROM breach_notices WHERE incident_id = $1";
pub(crate) const DELETE_AFFECTED: &str = CLEAR_AFFECTED;
pub(crate) const DELETE_EVENTS: &str = "DELETE FROM breach_events WHERE incident_id = $1";
/// Lifted holds on the incident go with it (the audit chain keeps their placing and
/// lifting); an active one has refused the deletion before this runs.
pub(crate) const DELETE_LIFTED_HOLDS: &str = "DELETE FROM legal_holds WHERE incident_id = $1 AND lifted_at IS NOT NULL";
pub(crate) const DELETE: &str = "DELETE FROM breach_incidents WHERE id = $1";
/// Active legal holds on the incident or on an account it lists.
pub(crate) const HOLDS: &str = "SELECT reference, placed_at FROM legal_holds WHERE lifted_at IS NULL \
     AND (incident_id = $1 OR account_id IN (SELECT account_id FROM breach_affected_accounts WHERE incident_id = $1))";

pub(crate) const REFS_BY_NUMBER: &str = "SELECT account_number, id FROM accounts WHERE account_number IN (";
pub(crate) const REFS_BY_ID: &str = "SELECT id FROM accounts WHERE id IN (";
/// Binds per statement of a ref lookup (well under both backends' limits).
pub(crate) const REFS_PER_STATEMENT: usize = 1_000;

const TABLE: &str = "breach_incidents";

/// A page size within [`crate::breach::MAX_ROWS_PAGE`], as a bind.
pub(crate) fn page_limit(limit: usize) -> i64 {
    limit.clamp(1, crate::breach::MAX_ROWS_PAGE) as i64
}

pub(crate) fn db_version(v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(cpniguard_core::ValidationError::new("version", "too large")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct IncidentRow {
    version: i64,
    record: Json<BreachIncident>,
}

impl IncidentRow {
    pub(crate) fn into_incident(self) -> StoreResult<BreachIncident> {
        let mut incident = self.record.0;
        // The column is authoritative: the document is written with it.
        incident.version = super::unsigned(TABLE, "version", self.version)?;
        Ok(incident)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    incident_id: Uuid,
    at: DbTime,
    actor: String,
    kind: String,
    detail: Json<serde_json::Value>,
}

impl EventRow {
    pub(crate) fn into_event(self) -> BreachEvent {
        BreachEvent {
            id: self.id,
            incident_id: self.incident_id,
            at: self.at.time(),
            actor: self.actor,
            kind: self.kind,
            detail: self.detail.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProgressRow {
    account_id: Uuid,
    notice_id: Uuid,
    status: String,
}

impl ProgressRow {
    pub(crate) fn into_progress(self) -> StoreResult<BreachNoticeProgress> {
        Ok(BreachNoticeProgress {
            account_id: AccountId(self.account_id),
            notice_id: NoticeId(self.notice_id),
            status: NoticeStatus::parse(&self.status)
                .ok_or_else(|| StoreError::corrupt("notices", "unknown status"))?,
        })
    }
}

/// The refusal of a change the record's rules forbid (`core::breach::record`).
pub(crate) fn check_change(before: &BreachIncident, after: &BreachIncident) -> StoreResult<()> {
    check_change_of_facts(&before.protected_facts(), &after.protected_facts()).map_err(|refusal| {
        StoreError::Invalid(cpniguard_core::ValidationError::new(refusal.field(), refusal.to_string()))
    })
}

/// The refusal of a deletion before the retention date (`Invalid`, naming the date)
/// or under a legal hold (`Conflict("legal hold")`).
pub(crate) fn check_deletion(
    retain_until: &str,
    today: chrono::NaiveDate,
    holds: Vec<(String, DbTime)>,
) -> StoreResult<()> {
    let until = chrono::NaiveDate::parse_from_str(retain_until, "%Y-%m-%d")
        .map_err(|_| StoreError::corrupt(TABLE, "retain_until is not a date"))?;
    let holds: Vec<HoldInForce> =
        holds.into_iter().map(|(reference, at)| HoldInForce { reference, placed_at: at.time() }).collect();
    match check_deletion_of_record(until, today, &holds) {
        Ok(()) => Ok(()),
        Err(refusal @ DeletionRefusal::Retained { .. }) => {
            Err(StoreError::Invalid(cpniguard_core::ValidationError::new("retain_until", refusal.to_string())))
        }
        Err(DeletionRefusal::LegalHold { .. }) => Err(StoreError::Conflict("legal hold")),
    }
}

macro_rules! breach_backend {
    ($store:ty, $pool:ty, $db:ty, $conn:ty, $begin:path) => {
        use crate::breach::{
            AffectedChange, BreachEvent, BreachIncident, BreachNoticeProgress, BreachStore, DeletedIncident,
        };
        use crate::error::{reading, unique_is, writing};
        use crate::shared::breach::{self as sql, EventRow, IncidentRow, ProgressRow};
        use crate::shared::{DbTime, notices as nsql};
        use crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, Utc};
        use cpniguard_core::ids::AccountId;
        use cpniguard_core::notice::{NewNotice, NoticeStatus};
        use sqlx::types::Json;
        use uuid::Uuid;

        async fn insert_event(conn: &mut $conn, e: &BreachEvent) -> StoreResult<()> {
            sqlx::query(sql::INSERT_EVENT)
                .bind(e.id)
                .bind(e.incident_id)
                .bind(DbTime::from(e.at))
                .bind(e.actor.as_str())
                .bind(e.kind.as_str())
                .bind(Json(&e.detail))
                .execute(&mut *conn)
                .await
                .map_err(writing("breach event", "breach incident"))?;
            Ok(())
        }

        /// Replace the record at `expected`, if the record's rules allow the change.
        async fn update(conn: &mut $conn, i: &BreachIncident, expected: u64) -> StoreResult<()> {
            // No lock needed: the update below applies only at the version read here.
            let stored = sqlx::query_as::<_, IncidentRow>(sql::GET)
                .bind(i.id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(reading("breach_incidents"))?
                .ok_or(StoreError::NotFound("breach incident"))?
                .into_incident()?;
            if stored.version != expected {
                return Err(StoreError::Conflict("breach incident version"));
            }
            sql::check_change(&stored, i)?;
            let done = sqlx::query(sql::UPDATE)
                .bind(i.id)
                .bind(sql::db_version(i.version)?)
                .bind(i.state.as_str())
                .bind(i.retain_until.to_string())
                .bind(Json(i))
                .bind(sql::db_version(expected)?)
                .execute(&mut *conn)
                .await?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            let exists: i64 = sqlx::query_scalar(sql::EXISTS).bind(i.id).fetch_one(&mut *conn).await?;
            Err(if exists == 0 {
                StoreError::NotFound("breach incident")
            } else {
                StoreError::Conflict("breach incident version")
            })
        }

        /// Apply `change` to the incident's affected accounts and check that the
        /// record's count is what it leaves.
        async fn change_affected(conn: &mut $conn, i: &BreachIncident, change: AffectedChange<'_>) -> StoreResult<()> {
            let added = match change {
                AffectedChange::Keep => &[][..],
                AffectedChange::Add(accounts) => accounts,
                AffectedChange::Replace(accounts) => {
                    sqlx::query(sql::CLEAR_AFFECTED).bind(i.id).execute(&mut *conn).await?;
                    accounts
                }
            };
            for rows in added.chunks(sql::AFFECTED_PER_INSERT) {
                let mut q = sqlx::QueryBuilder::<$db>::new(sql::ADD_AFFECTED);
                q.push_values(rows, |mut row, account| {
                    row.push_bind(i.id).push_bind(account.0);
                });
                q.push(sql::ADD_AFFECTED_END);
                q.build().execute(&mut *conn).await?;
            }
            let listed: i64 = sqlx::query_scalar(sql::COUNT_AFFECTED).bind(i.id).fetch_one(&mut *conn).await?;
            let listed: u64 = crate::shared::unsigned("breach_affected_accounts", "count", listed)?;
            if listed != i.affected_count {
                return Err(StoreError::Conflict("breach affected accounts"));
            }
            Ok(())
        }

        #[async_trait]
        impl BreachStore for $store {
            async fn create_breach_incident(
                &self,
                i: &BreachIncident,
                event: &BreachEvent,
                affected: &[AccountId],
            ) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::INSERT)
                    .bind(i.id)
                    .bind(sql::db_version(i.version)?)
                    .bind(i.state.as_str())
                    .bind(i.retain_until.to_string())
                    .bind(Json(i))
                    .execute(&mut *tx)
                    .await
                    .map_err(unique_is("breach incident"))?;
                change_affected(&mut tx, i, AffectedChange::Add(affected)).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_breach_incident(&self, id: Uuid) -> StoreResult<Option<BreachIncident>> {
                let row = sqlx::query_as::<_, IncidentRow>(sql::GET)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("breach_incidents"))?;
                row.map(IncidentRow::into_incident).transpose()
            }

            async fn list_breach_incidents(&self) -> StoreResult<Vec<BreachIncident>> {
                let rows = sqlx::query_as::<_, IncidentRow>(sql::LIST)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("breach_incidents"))?;
                rows.into_iter().map(IncidentRow::into_incident).collect()
            }

            async fn update_breach_incident(
                &self,
                i: &BreachIncident,
                expected_version: u64,
                event: &BreachEvent,
                affected: AffectedChange<'_>,
            ) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                update(&mut tx, i, expected_version).await?;
                change_affected(&mut tx, i, affected).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn breach_affected_accounts(
                &self,
                id: Uuid,
                after: Option<AccountId>,
                limit: usize,
            ) -> StoreResult<Vec<AccountId>> {
                let q = match after {
                    None => sqlx::query_scalar(sql::AFFECTED_FIRST),
                    Some(_) => sqlx::query_scalar(sql::AFFECTED_NEXT),
                };
                let q = q.bind(id).bind(sql::page_limit(limit));
                let q = match after {
                    None => q,
                    Some(a) => q.bind(a.0),
                };
                let ids: Vec<Uuid> = q.fetch_all(&self.pool).await.map_err(reading("breach_affected_accounts"))?;
                Ok(ids.into_iter().map(AccountId).collect())
            }

            async fn queue_breach_notices(
                &self,
                i: &BreachIncident,
                expected_version: u64,
                event: &BreachEvent,
                notices: &[NewNotice],
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let mut tx = $begin(&self.pool).await?;
                update(&mut tx, i, expected_version).await?;
                insert_event(&mut tx, event).await?;
                let mut queued = 0;
                for chunk in notices.chunks(nsql::ROWS_PER_STATEMENT) {
                    let returned: Vec<Uuid> = nsql::insert::<$db>(chunk, DbTime::from(now))
                        .build_query_scalar()
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(writing("notice", "account"))?;
                    // The notices this statement inserted (the others were queued before).
                    let inserted: std::collections::HashSet<Uuid> = returned.into_iter().collect();
                    let links: Vec<(Uuid, Uuid)> = chunk
                        .iter()
                        .filter(|n| inserted.contains(&n.id.0))
                        .filter_map(|n| n.account_id.map(|a| (a.0, n.id.0)))
                        .collect();
                    if !links.is_empty() {
                        let mut link = sqlx::QueryBuilder::<$db>::new(sql::LINK_NOTICES);
                        link.push_values(&links, |mut row, (account, notice)| {
                            row.push_bind(i.id).push_bind(*account).push_bind(*notice);
                        });
                        link.push(sql::LINK_NOTICES_END);
                        link.build().execute(&mut *tx).await?;
                    }
                    queued += inserted.len() as u64;
                }
                tx.commit().await?;
                Ok(queued)
            }

            async fn breach_events(&self, id: Uuid) -> StoreResult<Vec<BreachEvent>> {
                let rows = sqlx::query_as::<_, EventRow>(sql::EVENTS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("breach_events"))?;
                Ok(rows.into_iter().map(EventRow::into_event).collect())
            }

            async fn breach_notice_progress(
                &self,
                id: Uuid,
                after: Option<AccountId>,
                limit: usize,
            ) -> StoreResult<Vec<BreachNoticeProgress>> {
                let q = match after {
                    None => sqlx::query_as::<_, ProgressRow>(sql::PROGRESS_FIRST),
                    Some(_) => sqlx::query_as::<_, ProgressRow>(sql::PROGRESS_NEXT),
                };
                let q = q.bind(id).bind(sql::page_limit(limit));
                let q = match after {
                    None => q,
                    Some(a) => q.bind(a.0),
                };
                let rows = q.fetch_all(&self.pool).await.map_err(reading("breach_notices"))?;
                rows.into_iter().map(ProgressRow::into_progress).collect()
            }

            async fn breach_notice_counts(&self, id: Uuid) -> StoreResult<Vec<(NoticeStatus, u64)>> {
                let rows: Vec<(String, i64)> = sqlx::query_as(sql::NOTICE_COUNTS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("breach_notices"))?;
                rows.into_iter()
                    .map(|(status, n)| {
                        let status = NoticeStatus::parse(&status)
                            .ok_or_else(|| StoreError::corrupt("notices", "unknown status"))?;
                        Ok((status, crate::shared::unsigned("notices", "count", n)?))
                    })
                    .collect()
            }

            async fn resolve_account_refs(&self, refs: &[String]) -> StoreResult<Vec<(String, AccountId)>> {
                if refs.len() > crate::breach::MAX_REFS {
                    return Err(cpniguard_core::ValidationError::new("refs", "too many at once").into());
                }
                let mut found = Vec::new();
                for chunk in refs.chunks(sql::REFS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(sql::REFS_BY_NUMBER);
                    let mut list = q.separated(", ");
                    for r in chunk {
                        list.push_bind(r.as_str());
                    }
                    q.push(")");
                    let rows: Vec<(String, Uuid)> =
                        q.build_query_as().fetch_all(&self.pool).await.map_err(reading("accounts"))?;
                    found.extend(rows.into_iter().map(|(number, id)| (number, AccountId(id))));
                    let ids: Vec<(&String, Uuid)> =
                        chunk.iter().filter_map(|r| Uuid::parse_str(r).ok().map(|id| (r, id))).collect();
                    if ids.is_empty() {
                        continue;
                    }
                    let mut q = sqlx::QueryBuilder::<$db>::new(sql::REFS_BY_ID);
                    let mut list = q.separated(", ");
                    for (_, id) in &ids {
                        list.push_bind(*id);
                    }
                    q.push(")");
                    let known: Vec<Uuid> =
                        q.build_query_scalar().fetch_all(&self.pool).await.map_err(reading("accounts"))?;
                    let known: std::collections::HashSet<Uuid> = known.into_iter().collect();
                    found.extend(
                        ids.into_iter().filter(|(_, id)| known.contains(id)).map(|(r, id)| (r.clone(), AccountId(id))),
                    );
                }
                Ok(found)
            }

            async fn delete_breach_incident(&self, id: Uuid, today: NaiveDate) -> StoreResult<DeletedIncident> {
                let mut tx = $begin(&self.pool).await?;
                let until: Option<String> =
                    sqlx::query_scalar(sql::RETAIN_UNTIL).bind(id).fetch_optional(&mut *tx).await?;
                let until = until.ok_or(StoreError::NotFound("breach incident"))?;
                let holds: Vec<(String, DbTime)> = sqlx::query_as(sql::HOLDS).bind(id).fetch_all(&mut *tx).await?;
                sql::check_deletion(&until, today, holds)?;
                let mut deleted = [0; 4];
                let statements =
                    [sql::DELETE_LINKS, sql::DELETE_AFFECTED, sql::DELETE_EVENTS, sql::DELETE_LIFTED_HOLDS];
                for (n, statement) in statements.into_iter().enumerate() {
                    deleted[n] = sqlx::query(statement).bind(id).execute(&mut *tx).await?.rows_affected();
                }
                sqlx::query(sql::DELETE).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                let [notices, affected_accounts, events, lifted_holds] = deleted;
                Ok(DeletedIncident { events, affected_accounts, notices, lifted_holds })
            }
        }
    };
}

pub(crate) use breach_backend;

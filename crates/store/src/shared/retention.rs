//! Legal holds and retention deletes: statements (the same in both dialects), rows, and
//! the implementation as a macro each backend expands.

use super::DbTime;
use crate::retention::{HoldTarget, LegalHold, MonthCounts};
use crate::{StoreError, StoreResult};
use cpniguard_core::ids::AccountId;
use uuid::Uuid;

pub(crate) const INSERT_HOLD: &str = "INSERT INTO legal_holds \
    (id, account_id, incident_id, reason, reference, placed_by, placed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const LIFT_HOLD: &str =
    "UPDATE legal_holds SET lifted_by = $2, lifted_at = $3 WHERE id = $1 AND lifted_at IS NULL";
macro_rules! hold_select {
    () => {
        "SELECT id, account_id, incident_id, reason, reference, placed_by, placed_at, lifted_by, lifted_at \
         FROM legal_holds"
    };
}
pub(crate) const GET_HOLD: &str = concat!(hold_select!(), " WHERE id = $1");
/// Binds: active only.
pub(crate) const LIST_HOLDS: &str =
    concat!(hold_select!(), " WHERE (NOT $1 OR lifted_at IS NULL) ORDER BY placed_at DESC, id DESC");

/// Binds: before, today, limit. Returns the deleted calls' start times. Which accounts
/// retention keeps is repeated in PostgreSQL's `cpniguard_drop_expired_call_months`
/// (migration 0018): change both together.
pub(crate) const DELETE_EXPIRED_CALLS: &str = "DELETE FROM calls WHERE id IN ( \
    SELECT c.id FROM calls c WHERE c.started_at < $1 \
    AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.lifted_at IS NULL AND h.account_id = c.account_id) \
    AND NOT EXISTS (SELECT 1 FROM breach_affected_accounts a JOIN breach_incidents i ON i.id = a.incident_id \
        WHERE a.account_id = c.account_id AND (i.state <> 'closed' OR i.retain_until >= $2 \
            OR EXISTS (SELECT 1 FROM legal_holds h WHERE h.lifted_at IS NULL AND h.incident_id = i.id))) \
    ORDER BY c.started_at, c.id LIMIT $3) RETURNING started_at";

/// Binds: before, limit.
pub(crate) const DELETE_EXPIRED_QUARANTINE: &str = "DELETE FROM call_import_quarantine WHERE id IN ( \
    SELECT id FROM call_import_quarantine WHERE COALESCE(started_at, quarantined_at) < $1 ORDER BY id LIMIT $2)";

pub(crate) fn check(hold: &LegalHold) -> StoreResult<()> {
    cpniguard_core::account::one_line_text("reason", &hold.reason, 500)?;
    cpniguard_core::account::one_line_text("reference", &hold.reference, 200)?;
    Ok(())
}

pub(crate) fn target_ids(target: HoldTarget) -> (Option<Uuid>, Option<Uuid>) {
    match target {
        HoldTarget::Account(a) => (Some(a.0), None),
        HoldTarget::Incident(i) => (None, Some(i)),
    }
}

pub(crate) fn by_month(started: Vec<DbTime>) -> MonthCounts {
    let mut months = MonthCounts::new();
    for t in started {
        *months.entry(t.time().format("%Y-%m").to_string()).or_default() += 1;
    }
    months
}

#[derive(sqlx::FromRow)]
pub(crate) struct HoldRow {
    id: Uuid,
    account_id: Option<Uuid>,
    incident_id: Option<Uuid>,
    reason: String,
    reference: String,
    placed_by: String,
    placed_at: DbTime,
    lifted_by: Option<String>,
    lifted_at: Option<DbTime>,
}

impl HoldRow {
    pub(crate) fn into_hold(self) -> StoreResult<LegalHold> {
        let target = match (self.account_id, self.incident_id) {
            (Some(a), None) => HoldTarget::Account(AccountId(a)),
            (None, Some(i)) => HoldTarget::Incident(i),
            _ => return Err(StoreError::corrupt("legal_holds", "a hold has one target")),
        };
        Ok(LegalHold {
            id: self.id,
            target,
            reason: self.reason,
            reference: self.reference,
            placed_by: self.placed_by,
            placed_at: self.placed_at.time(),
            lifted_by: self.lifted_by,
            lifted_at: self.lifted_at.map(DbTime::time),
        })
    }
}

macro_rules! retention_backend {
    ($store:ty, $begin:path) => {
        use crate::error::reading;
        use crate::retention::{HoldTarget, LegalHold, MonthCounts, RetentionStore};
        use crate::shared::DbTime;
        use crate::shared::retention::{self as sql, HoldRow};
        use crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, Utc};
        use uuid::Uuid;

        #[async_trait]
        impl RetentionStore for $store {
            async fn place_legal_hold(&self, hold: &LegalHold) -> StoreResult<()> {
                sql::check(hold)?;
                let (account, incident) = sql::target_ids(hold.target);
                let missing = match hold.target {
                    HoldTarget::Account(_) => "account",
                    HoldTarget::Incident(_) => "breach incident",
                };
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::INSERT_HOLD)
                    .bind(hold.id)
                    .bind(account)
                    .bind(incident)
                    .bind(&hold.reason)
                    .bind(&hold.reference)
                    .bind(&hold.placed_by)
                    .bind(DbTime::from(hold.placed_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::error::writing("legal hold", missing))?;
                tx.commit().await?;
                Ok(())
            }

            async fn lift_legal_hold(&self, id: Uuid, by: &str, now: DateTime<Utc>) -> StoreResult<LegalHold> {
                let mut tx = $begin(&self.pool).await?;
                let done =
                    sqlx::query(sql::LIFT_HOLD).bind(id).bind(by).bind(DbTime::from(now)).execute(&mut *tx).await?;
                let row: Option<HoldRow> = sqlx::query_as(sql::GET_HOLD)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(reading("legal_holds"))?;
                let hold = row.ok_or(StoreError::NotFound("legal hold"))?.into_hold()?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict("lifted legal hold"));
                }
                tx.commit().await?;
                Ok(hold)
            }

            async fn list_legal_holds(&self, active_only: bool) -> StoreResult<Vec<LegalHold>> {
                let rows: Vec<HoldRow> = sqlx::query_as(sql::LIST_HOLDS)
                    .bind(active_only)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("legal_holds"))?;
                rows.into_iter().map(HoldRow::into_hold).collect()
            }

            async fn delete_expired_calls(
                &self,
                before: DateTime<Utc>,
                today: NaiveDate,
                limit: u32,
            ) -> StoreResult<MonthCounts> {
                // Whole months first, where the backend keeps them apart (PostgreSQL);
                // then one bounded batch of the rest.
                let mut months = self.drop_expired_call_months(before, today).await?;
                let mut tx = $begin(&self.pool).await?;
                let started: Vec<DbTime> = sqlx::query_scalar(sql::DELETE_EXPIRED_CALLS)
                    .bind(DbTime::from(before))
                    // `retain_until` is stored as YYYY-MM-DD text on both backends.
                    .bind(today.format("%Y-%m-%d").to_string())
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                for (month, n) in sql::by_month(started) {
                    *months.entry(month).or_default() += n;
                }
                Ok(months)
            }

            async fn delete_expired_quarantine(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
                let mut tx = $begin(&self.pool).await?;
                let done = sqlx::query(sql::DELETE_EXPIRED_QUARANTINE)
                    .bind(DbTime::from(before))
                    .bind(i64::from(limit))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(crate) use retention_backend;

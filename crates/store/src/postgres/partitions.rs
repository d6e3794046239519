//! Call detail (migration 0018) and audit entries (0021) by month on PostgreSQL: each
//! insert first makes the partitions of its months, and retention drops whole months
//! before deleting rows.

use super::PgStore;
use crate::StoreResult;
use crate::retention::MonthCounts;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use cpniguard_core::cpni::CallDetailRecord;
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Make the partitions of the months (UTC) `calls` start in, where missing. A statement
/// of its own, outside the insert's transaction: making a partition locks `calls` for a
/// moment, and only the first batch of a month does.
pub(super) async fn make_room(pool: &PgPool, calls: &[CallDetailRecord]) -> StoreResult<()> {
    let mut months: Vec<DateTime<Utc>> = calls.iter().filter_map(|c| month_start(c.started_at)).collect();
    months.sort_unstable();
    months.dedup();
    if !months.is_empty() {
        sqlx::query("SELECT cpniguard_call_months($1)").bind(months).execute(pool).await?;
    }
    Ok(())
}

/// Months (their first instant, UTC) known to have a partition of `audit_entries`.
/// Only this process's retention drops audit months, and it forgets them all when it
/// does; another process's cache can name a dropped month only for entries dated
/// before the retention period, which appends never are (an entry is dated when it is
/// decided). Should one be, its insert fails and nothing is written.
#[derive(Default)]
pub(super) struct KnownMonths(Mutex<BTreeSet<DateTime<Utc>>>);

impl KnownMonths {
    fn missing(&self, months: &[DateTime<Utc>]) -> bool {
        let known = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        months.iter().any(|m| !known.contains(m))
    }

    fn add(&self, months: &[DateTime<Utc>]) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(months.iter().copied());
    }

    fn forget(&self) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// Make the partitions of the months `records` are dated in, where this process has not
/// seen them yet (the group-commit writer's batches almost always fall in a known one).
pub(super) async fn make_audit_months(store: &PgStore, times: impl Iterator<Item = DateTime<Utc>>) -> StoreResult<()> {
    let mut months: Vec<DateTime<Utc>> = times.filter_map(month_start).collect();
    months.sort_unstable();
    months.dedup();
    if store.audit_months.missing(&months) {
        sqlx::query("SELECT cpniguard_month_partitions('audit_entries', $1)")
            .bind(&months)
            .execute(&store.pool)
            .await?;
        store.audit_months.add(&months);
    }
    Ok(())
}

/// Drop the months of audit entries wholly before `keep_from`, inside the truncation's
/// transaction; the entries they held.
pub(super) async fn drop_audit_months_before(
    store: &PgStore,
    tx: &mut PgConnection,
    keep_from: i64,
) -> StoreResult<u64> {
    store.audit_months.forget();
    let dropped: i64 =
        sqlx::query_scalar("SELECT cpniguard_drop_audit_months_before($1)").bind(keep_from).fetch_one(tx).await?;
    Ok(u64::try_from(dropped).unwrap_or(0))
}

/// The first instant (UTC) after the month `YYYY-MM`.
fn month_after(month: &str) -> Option<DateTime<Utc>> {
    let (year, month) = month.split_once('-')?;
    let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single()
}

fn month_start(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0).single()
}

impl PgStore {
    pub(crate) async fn make_room_for_calls(&self, calls: &[CallDetailRecord]) -> StoreResult<()> {
        make_room(&self.pool, calls).await
    }

    /// Drop every month wholly before `before` that holds no call retention keeps;
    /// the calls dropped, by month. The import keys (migration 0026) of records that
    /// started before the last month dropped go with them, in one statement: it runs
    /// only on the day a month is dropped.
    pub(crate) async fn drop_expired_call_months(
        &self,
        before: DateTime<Utc>,
        today: NaiveDate,
    ) -> StoreResult<MonthCounts> {
        let dropped: Vec<(String, i64)> =
            sqlx::query_as("SELECT call_month, call_count FROM cpniguard_drop_expired_call_months($1, $2)")
                .bind(before)
                .bind(today.format("%Y-%m-%d").to_string())
                .fetch_all(&self.pool)
                .await?;
        let last_dropped = dropped.iter().filter_map(|(month, _)| month_after(month)).max();
        if let Some(end) = last_dropped {
            sqlx::query("DELETE FROM call_import_keys WHERE started_at < $1").bind(end).execute(&self.pool).await?;
        }
        Ok(dropped.into_iter().map(|(month, n)| (month, u64::try_from(n).unwrap_or(0))).collect())
    }
}

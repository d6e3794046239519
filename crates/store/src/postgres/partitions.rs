//! Call detail by month on PostgreSQL (migration 0018): each insert first makes the
//! partitions of its months, and retention drops whole months before deleting rows.

use super::PgStore;
use crate::StoreResult;
use crate::retention::MonthCounts;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use cpniguard_core::cpni::CallDetailRecord;
use sqlx::PgPool;

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

fn month_start(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0).single()
}

impl PgStore {
    pub(crate) async fn make_room_for_calls(&self, calls: &[CallDetailRecord]) -> StoreResult<()> {
        make_room(&self.pool, calls).await
    }

    /// Drop every month wholly before `before` that holds no call retention keeps;
    /// the calls dropped, by month.
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
        Ok(dropped.into_iter().map(|(month, n)| (month, u64::try_from(n).unwrap_or(0))).collect())
    }
}

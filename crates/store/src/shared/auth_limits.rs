//! The `AuthLimitStore` statements in the common dialect and, in
//! [`auth_limit_impl!`], its one implementation for each backend (they differ only in
//! how a writing transaction begins and whether the counter row is read `FOR UPDATE`).

use super::DbTime;
use crate::auth_limits::{ExemptionGrant, LockLift, SourceFailures, SourceRule};
use cpniguard_core::ids::{AccountId, StaffId};
use uuid::Uuid;

pub(crate) const BLOCKED_UNTIL: &str = "SELECT blocked_until FROM auth_source_limits \
    WHERE limit_name = $1 AND source_key = $2 AND blocked_until > $3";
pub(crate) const ENSURE_COUNTER: &str = "INSERT INTO auth_source_limits \
    (limit_name, source_key, window_start, failures) VALUES ($1, $2, $3, 0) \
    ON CONFLICT (limit_name, source_key) DO NOTHING";
pub(crate) const UPSERT_COUNTER: &str = "INSERT INTO auth_source_limits \
    (limit_name, source_key, window_start, failures, blocked_until) VALUES ($1, $2, $3, $4, $5) \
    ON CONFLICT (limit_name, source_key) DO UPDATE SET window_start = excluded.window_start, \
    failures = excluded.failures, blocked_until = excluded.blocked_until";
pub(crate) const SWEEP: &str = "DELETE FROM auth_source_limits \
    WHERE limit_name = $1 AND window_start < $2 AND (blocked_until IS NULL OR blocked_until <= $3)";
pub(crate) const SET_EXEMPTION: &str =
    "UPDATE accounts SET business_exemption_contract = $2, updated_at = $3 WHERE id = $1";
pub(crate) const INSERT_GRANT: &str = "INSERT INTO business_exemption_grants \
    (account_id, contract_reference, dedicated_representative, set_by, set_at) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const GRANTS: &str = "SELECT account_id, contract_reference, dedicated_representative, set_by, set_at \
    FROM business_exemption_grants WHERE account_id = $1 ORDER BY id";
pub(crate) const CLEAR_LOCK: &str = "DELETE FROM auth_lockouts WHERE account_id = $1";
pub(crate) const INSERT_LIFT: &str =
    "INSERT INTO auth_lock_lifts (account_id, lifted_by, reason, lifted_at) VALUES ($1, $2, $3, $4)";
pub(crate) const LIFTS: &str =
    "SELECT account_id, lifted_by, reason, lifted_at FROM auth_lock_lifts WHERE account_id = $1 ORDER BY id";
pub(crate) const INSERT_ATTESTED: &str =
    "INSERT INTO attested_credential_changes (staff_id, account_id, evidence, at) VALUES ($1, $2, $3, $4)";
pub(crate) const ATTESTED_ACCOUNTS: &str =
    "SELECT COUNT(DISTINCT account_id) FROM attested_credential_changes WHERE staff_id = $1 AND at >= $2";
pub(crate) const STAFF_SIGNALS: &str =
    "SELECT COUNT(*) FROM pretexting_signals WHERE staff_id = $1 AND kind = $2 AND created_at >= $3";

pub(crate) type CounterRow = (DbTime, i64, Option<DbTime>);
pub(crate) type GrantRow = (Uuid, Option<String>, Option<String>, Uuid, DbTime);
pub(crate) type LiftRow = (Uuid, Uuid, String, DbTime);

/// A counter row after one more failure.
pub(crate) struct NextCounter {
    pub window_start: DbTime,
    /// What is stored: zero again when this failure blocked the source.
    pub stored_failures: u32,
    pub blocked_until: Option<DbTime>,
    /// What the caller is told.
    pub outcome: SourceFailures,
}

/// The counter after one more failure at `now` (`row`: the counter so far, if any).
pub(crate) fn after_failure(row: Option<CounterRow>, rule: &SourceRule, now: DbTime) -> NextCounter {
    let t = now.time();
    let (start, failures, blocked) = match row {
        Some((start, failures, blocked)) if t - start.time() < rule.window => {
            (start, u32::try_from(failures).unwrap_or(u32::MAX), blocked)
        }
        Some((_, _, blocked)) => (now, 0, blocked),
        None => (now, 0, None),
    };
    let failures = failures.saturating_add(1);
    let (window_start, stored_failures, blocked_until) = if failures >= rule.allowed {
        (now, 0, Some(DbTime::from(t + rule.block)))
    } else {
        (start, failures, blocked.filter(|b| b.time() > t))
    };
    NextCounter {
        window_start,
        stored_failures,
        blocked_until,
        outcome: SourceFailures { failures, blocked_until: blocked_until.map(DbTime::time) },
    }
}

pub(crate) fn grant(row: GrantRow) -> ExemptionGrant {
    let (account, contract_reference, dedicated_representative, set_by, set_at) = row;
    ExemptionGrant {
        account_id: AccountId(account),
        contract_reference,
        dedicated_representative,
        set_by: StaffId(set_by),
        set_at: set_at.time(),
    }
}

pub(crate) fn lift(row: LiftRow) -> LockLift {
    let (account, by, reason, at) = row;
    LockLift { account_id: AccountId(account), lifted_by: StaffId(by), reason, lifted_at: at.time() }
}

/// The `AuthLimitStore` implementation for one backend. `$begin` begins a writing
/// transaction on `&self.pool`; `$for_update` is appended to the counter read.
macro_rules! auth_limit_impl {
    ($store:ty, $begin:path, $for_update:literal) => {
        use chrono::{DateTime, Utc};
        use cpniguard_core::ids::{AccountId, StaffId};
        use cpniguard_core::notice::{NoticeId, SideEffects};
        use $crate::auth_limits::*;
        use $crate::error::{reading, writing};
        use $crate::shared::DbTime;
        use $crate::shared::auth_limits as sql;
        use $crate::{StoreError, StoreResult};

        #[async_trait::async_trait]
        impl AuthLimitStore for $store {
            async fn source_blocked_until(
                &self,
                limit: &str,
                key: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<DateTime<Utc>>> {
                let row = sqlx::query_scalar::<_, Option<DbTime>>(sql::BLOCKED_UNTIL)
                    .bind(limit)
                    .bind(key)
                    .bind(DbTime::from(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("auth_source_limits"))?;
                Ok(row.flatten().map(DbTime::time))
            }

            #[tracing::instrument(skip_all)]
            async fn record_source_failure(
                &self,
                limit: &str,
                key: &str,
                rule: &SourceRule,
                now: DateTime<Utc>,
            ) -> StoreResult<SourceFailures> {
                let now = DbTime::from(now);
                let mut tx = $begin(&self.pool).await?;
                // The row exists before it is read for update, so concurrent first
                // failures of a source wait for each other instead of both inserting.
                sqlx::query(sql::ENSURE_COUNTER).bind(limit).bind(key).bind(now).execute(&mut *tx).await?;
                let row = sqlx::query_as::<_, sql::CounterRow>(concat!(
                    "SELECT window_start, failures, blocked_until FROM auth_source_limits \
                     WHERE limit_name = $1 AND source_key = $2",
                    $for_update
                ))
                .bind(limit)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
                let next = sql::after_failure(row, rule, now);
                sqlx::query(sql::UPSERT_COUNTER)
                    .bind(limit)
                    .bind(key)
                    .bind(next.window_start)
                    .bind(i64::from(next.stored_failures))
                    .bind(next.blocked_until)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(next.outcome)
            }

            async fn sweep_source_limits(
                &self,
                limit: &str,
                before: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let done = sqlx::query(sql::SWEEP)
                    .bind(limit)
                    .bind(DbTime::from(before))
                    .bind(DbTime::from(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            #[tracing::instrument(skip_all)]
            async fn set_business_exemption(
                &self,
                grant: &ExemptionGrant,
                effects: &SideEffects,
            ) -> StoreResult<Vec<NoticeId>> {
                let at = DbTime::from(grant.set_at);
                let mut tx = $begin(&self.pool).await?;
                let updated = sqlx::query(sql::SET_EXEMPTION)
                    .bind(grant.account_id.0)
                    .bind(grant.contract_reference.as_deref())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::NotFound("account"));
                }
                sqlx::query(sql::INSERT_GRANT)
                    .bind(grant.account_id.0)
                    .bind(grant.contract_reference.as_deref())
                    .bind(grant.dedicated_representative.as_deref())
                    .bind(grant.set_by.0)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("exemption", "account"))?;
                let (notices, _) = super::notices::write_effects(&mut tx, effects, at).await?;
                tx.commit().await?;
                Ok(notices)
            }

            async fn exemption_history(&self, account: AccountId) -> StoreResult<Vec<ExemptionGrant>> {
                let rows = sqlx::query_as::<_, sql::GrantRow>(sql::GRANTS)
                    .bind(account.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("business_exemption_grants"))?;
                Ok(rows.into_iter().map(sql::grant).collect())
            }

            async fn lift_lock(&self, lift: &LockLift) -> StoreResult<bool> {
                let mut tx = $begin(&self.pool).await?;
                let cleared = sqlx::query(sql::CLEAR_LOCK).bind(lift.account_id.0).execute(&mut *tx).await?;
                if cleared.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(sql::INSERT_LIFT)
                    .bind(lift.account_id.0)
                    .bind(lift.lifted_by.0)
                    .bind(lift.reason.as_str())
                    .bind(DbTime::from(lift.lifted_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("lock lift", "account"))?;
                tx.commit().await?;
                Ok(true)
            }

            async fn lock_lifts(&self, account: AccountId) -> StoreResult<Vec<LockLift>> {
                let rows = sqlx::query_as::<_, sql::LiftRow>(sql::LIFTS)
                    .bind(account.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("auth_lock_lifts"))?;
                Ok(rows.into_iter().map(sql::lift).collect())
            }

            async fn record_attested_change(&self, change: &AttestedChange, since: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::INSERT_ATTESTED)
                    .bind(change.staff_id.0)
                    .bind(change.account_id.0)
                    .bind(change.evidence.as_str())
                    .bind(DbTime::from(change.at))
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("attested change", "account"))?;
                let n: i64 = sqlx::query_scalar(sql::ATTESTED_ACCOUNTS)
                    .bind(change.staff_id.0)
                    .bind(DbTime::from(since))
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                $crate::shared::unsigned("attested_credential_changes", "count", n)
            }

            async fn count_staff_signals(&self, staff: StaffId, kind: &str, since: DateTime<Utc>) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(sql::STAFF_SIGNALS)
                    .bind(staff.0)
                    .bind(kind)
                    .bind(DbTime::from(since))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(reading("pretexting_signals"))?;
                $crate::shared::unsigned("pretexting_signals", "count", n)
            }
        }
    };
}
pub(crate) use auth_limit_impl;

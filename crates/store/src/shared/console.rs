//! `ConsoleStore` statements in the common dialect and, in [`console_impl!`], its one
//! implementation for each backend (they differ in nothing but the store type).

pub(crate) const UPSERT_PASSWORD: &str = "INSERT INTO staff_passwords (staff_id, hash, updated_at) \
    SELECT id, $2, $3 FROM staff WHERE id = $1 \
    ON CONFLICT (staff_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at";
pub(crate) const GET_PASSWORD: &str = "SELECT hash FROM staff_passwords WHERE staff_id = $1";
pub(crate) const INSERT_SESSION: &str = "INSERT INTO console_sessions \
    (token_hash, staff_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)";
/// The live session and its active staff member. Binds: hash, now, idle since.
pub(crate) const LIVE_SESSION: &str = "SELECT c.created_at AS session_created_at, c.expires_at, c.last_seen_at, \
    s.id, s.username, s.display_name, s.roles, s.training_completed_on, s.active, s.created_at \
    FROM console_sessions c JOIN staff s ON s.id = c.staff_id \
    WHERE c.token_hash = $1 AND c.ended_at IS NULL AND c.expires_at > $2 AND c.last_seen_at >= $3 AND s.active";
/// Record a use, moving the last use only forward. Binds: hash, now.
pub(crate) const MARK_USED: &str = "UPDATE console_sessions SET last_seen_at = $2 \
    WHERE token_hash = $1 AND ended_at IS NULL AND last_seen_at < $2";

/// A use is written back at most this often: reading a page is then a read, not a write,
/// and the idle limit holds to within this much.
pub(crate) const USE_GRANULARITY_SECS: i64 = 60;

#[derive(sqlx::FromRow)]
pub(crate) struct LiveSession {
    pub session_created_at: super::DbTime,
    pub expires_at: super::DbTime,
    pub last_seen_at: super::DbTime,
    #[sqlx(flatten)]
    pub staff: super::staff::StaffRow,
}
pub(crate) const END_SESSION: &str =
    "UPDATE console_sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL";

macro_rules! console_impl {
    ($store:ty) => {
        use chrono::{DateTime, Utc};
        use cpniguard_core::ids::StaffId;
        use $crate::console::{ConsoleSession, ConsoleStore};
        use $crate::error::{reading, writing};
        use $crate::shared::DbTime;
        use $crate::shared::console as sql;
        use $crate::{StoreError, StoreResult, TokenHash};

        #[async_trait::async_trait]
        impl ConsoleStore for $store {
            async fn set_staff_password(&self, staff: StaffId, phc_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
                let done = sqlx::query(sql::UPSERT_PASSWORD)
                    .bind(staff.0)
                    .bind(phc_hash)
                    .bind(DbTime::from(now))
                    .execute(&self.pool)
                    .await
                    .map_err(writing("password", "staff"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("staff"));
                }
                Ok(())
            }

            async fn staff_password(&self, staff: StaffId) -> StoreResult<Option<String>> {
                sqlx::query_scalar::<_, String>(sql::GET_PASSWORD)
                    .bind(staff.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("staff_passwords"))
            }

            async fn create_console_session(
                &self,
                token_hash: &TokenHash,
                staff: StaffId,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(sql::INSERT_SESSION)
                    .bind(&token_hash[..])
                    .bind(staff.0)
                    .bind(DbTime::from(now))
                    .bind(DbTime::from(expires_at))
                    .execute(&self.pool)
                    .await
                    .map_err(writing("console session", "staff"))?;
                Ok(())
            }

            async fn touch_console_session(
                &self,
                token_hash: &TokenHash,
                now: DateTime<Utc>,
                idle_since: DateTime<Utc>,
            ) -> StoreResult<Option<ConsoleSession>> {
                let live = sqlx::query_as::<_, sql::LiveSession>(sql::LIVE_SESSION)
                    .bind(&token_hash[..])
                    .bind(DbTime::from(now))
                    .bind(DbTime::from(idle_since))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("console_sessions"))?;
                let Some(live) = live else { return Ok(None) };
                if now - live.last_seen_at.time() >= chrono::Duration::seconds(sql::USE_GRANULARITY_SECS) {
                    sqlx::query(sql::MARK_USED)
                        .bind(&token_hash[..])
                        .bind(DbTime::from(now))
                        .execute(&self.pool)
                        .await?;
                }
                Ok(Some(ConsoleSession {
                    staff: live.staff.into_staff()?,
                    created_at: live.session_created_at.time(),
                    expires_at: live.expires_at.time(),
                }))
            }

            async fn end_console_session(&self, token_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query(sql::END_SESSION)
                    .bind(&token_hash[..])
                    .bind(DbTime::from(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

pub(crate) use console_impl;

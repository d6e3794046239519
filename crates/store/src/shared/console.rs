//! `ConsoleStore` statements in the common dialect and, in [`console_impl!`], its one
//! implementation for each backend (they differ in nothing but the store type).

pub(crate) const UPSERT_PASSWORD: &str = "INSERT INTO staff_passwords (staff_id, hash, updated_at) \
    SELECT id, $2, $3 FROM staff WHERE id = $1 \
    ON CONFLICT (staff_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at";
pub(crate) const GET_PASSWORD: &str = "SELECT hash FROM staff_passwords WHERE staff_id = $1";
pub(crate) const INSERT_SESSION: &str = "INSERT INTO console_sessions \
    (token_hash, staff_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)";
pub(crate) const TOUCH_SESSION: &str = "UPDATE console_sessions SET last_seen_at = $2 \
    WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > $2 AND last_seen_at >= $3 \
    RETURNING staff_id, created_at, expires_at";
pub(crate) const GET_STAFF: &str = "SELECT id, username, display_name, roles, training_completed_on, active, \
    created_at FROM staff WHERE id = $1 AND active";
pub(crate) const END_SESSION: &str =
    "UPDATE console_sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL";

macro_rules! console_impl {
    ($store:ty) => {
        use chrono::{DateTime, Utc};
        use cpniguard_core::ids::StaffId;
        use uuid::Uuid;
        use $crate::console::{ConsoleSession, ConsoleStore};
        use $crate::error::{reading, writing};
        use $crate::shared::DbTime;
        use $crate::shared::console as sql;
        use $crate::shared::staff::StaffRow;
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
                let touched = sqlx::query_as::<_, (Uuid, DbTime, DbTime)>(sql::TOUCH_SESSION)
                    .bind(&token_hash[..])
                    .bind(DbTime::from(now))
                    .bind(DbTime::from(idle_since))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("console_sessions"))?;
                let Some((staff_id, created_at, expires_at)) = touched else {
                    return Ok(None);
                };
                let staff = sqlx::query_as::<_, StaffRow>(sql::GET_STAFF)
                    .bind(staff_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("staff"))?;
                let Some(staff) = staff else { return Ok(None) };
                Ok(Some(ConsoleSession {
                    staff: staff.into_staff()?,
                    created_at: created_at.time(),
                    expires_at: expires_at.time(),
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

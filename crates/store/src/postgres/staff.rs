use crate::error::{reading, unique_is, writing};
use crate::shared::DbTime;
use crate::shared::staff::{self as sql, StaffRow};
use crate::{StoreError, StoreResult, TokenHash};
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::{NewStaff, Staff, Username};
use sqlx::{PgPool, Postgres};

pub(super) async fn create(pool: &PgPool, id: StaffId, new: &NewStaff, now: DbTime) -> StoreResult<Staff> {
    new.validate()?;
    sql::insert::<Postgres>(id, new, now).fetch_one(pool).await.map_err(unique_is("username"))?.into_staff()
}

pub(super) async fn get_by_username(pool: &PgPool, username: &Username) -> StoreResult<Option<Staff>> {
    let row = sqlx::query_as::<_, StaffRow>(sql::BY_USERNAME)
        .bind(username.as_str())
        .fetch_optional(pool)
        .await
        .map_err(reading("staff"))?;
    row.map(StaffRow::into_staff).transpose()
}

pub(super) async fn list(pool: &PgPool) -> StoreResult<Vec<Staff>> {
    let rows = sqlx::query_as::<_, StaffRow>(sql::LIST).fetch_all(pool).await.map_err(reading("staff"))?;
    rows.into_iter().map(StaffRow::into_staff).collect()
}

pub(super) async fn set_active(pool: &PgPool, staff: StaffId, active: bool) -> StoreResult<()> {
    let done = sqlx::query(sql::SET_ACTIVE).bind(staff.0).bind(active).execute(pool).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("staff"));
    }
    Ok(())
}

pub(super) async fn add_token(
    pool: &PgPool,
    staff: StaffId,
    token_hash: &TokenHash,
    label: &str,
    now: DbTime,
) -> StoreResult<()> {
    sql::insert_token::<Postgres>(staff, token_hash, label, now)
        .execute(pool)
        .await
        .map_err(writing("token", "staff"))?;
    Ok(())
}

pub(super) async fn by_token_hash(pool: &PgPool, token_hash: &TokenHash) -> StoreResult<Option<Staff>> {
    let row = sqlx::query_as::<_, StaffRow>(sql::BY_TOKEN_HASH)
        .bind(&token_hash[..])
        .fetch_optional(pool)
        .await
        .map_err(reading("staff"))?;
    row.map(StaffRow::into_staff).transpose()
}

pub(super) async fn revoke_tokens(pool: &PgPool, staff: StaffId, now: DbTime) -> StoreResult<u64> {
    let done = sqlx::query(sql::REVOKE_TOKENS).bind(staff.0).bind(now).execute(pool).await?;
    Ok(done.rows_affected())
}

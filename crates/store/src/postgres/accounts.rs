use super::begin_read;
use crate::error::{reading, unique_is};
use crate::shared::accounts::{self as sql, AccountRow, ContactRow};
use crate::shared::{DbTime, page_limit};
use crate::{AccountLoad, AccountPage, AccountQuery, ContactChangeOutcome, ContactEffects, StoreError, StoreResult};
use cpniguard_core::account::{Account, AccountNumber, AccountProfile, NewAccount};
use cpniguard_core::contact::{ContactChange, ContactPoint};
use cpniguard_core::ids::AccountId;
use sqlx::{PgConnection, PgPool, Postgres};
use uuid::Uuid;

crate::shared::disclosure_facts::disclosure_facts_fn!(PgPool);

pub(super) async fn create(pool: &PgPool, id: AccountId, new: &NewAccount, now: DbTime) -> StoreResult<Account> {
    new.validate()?;
    let mut tx = pool.begin().await?;
    sql::insert::<Postgres>(&[(id, &new.profile, now)])
        .build()
        .execute(&mut *tx)
        .await
        .map_err(unique_is("account number"))?;
    for value in new.initial_contact_points() {
        sql::insert_point::<Postgres>(id, &value, now).execute(&mut *tx).await?;
    }
    let account = load(&mut tx, id).await?.ok_or(StoreError::NotFound("account"))?;
    tx.commit().await?;
    Ok(account)
}

pub(super) async fn load_many(pool: &PgPool, accounts: &[AccountLoad]) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sql::load_into::<Postgres>(&mut tx, accounts).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn get(pool: &PgPool, id: AccountId) -> StoreResult<Option<Account>> {
    let mut tx = begin_read(pool).await?;
    let account = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(account)
}

pub(super) async fn get_by_number(pool: &PgPool, number: &AccountNumber) -> StoreResult<Option<Account>> {
    let mut tx = begin_read(pool).await?;
    let row = sqlx::query_as::<_, AccountRow>(sql::SELECT_BY_NUMBER)
        .bind(number.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(reading("accounts"))?;
    let account = with_points(&mut tx, row).await?;
    tx.commit().await?;
    Ok(account)
}

pub(super) async fn update_profile(
    pool: &PgPool,
    id: AccountId,
    profile: &AccountProfile,
    now: DbTime,
) -> StoreResult<Account> {
    profile.validate()?;
    let mut tx = pool.begin().await?;
    let updated = sql::update_profile::<Postgres>(id, profile, now)
        .build()
        .execute(&mut *tx)
        .await
        .map_err(unique_is("account number"))?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound("account"));
    }
    let account = load(&mut tx, id).await?.ok_or(StoreError::NotFound("account"))?;
    tx.commit().await?;
    Ok(account)
}

pub(super) async fn change_contact_points(
    pool: &PgPool,
    id: AccountId,
    change: &ContactChange,
    now: DbTime,
    effects: &ContactEffects<'_>,
) -> StoreResult<ContactChangeOutcome> {
    // Locking the account row serialises changes to one account, so the points read
    // here stay current until the change commits.
    let mut tx = pool.begin().await?;
    let exists = sqlx::query_scalar::<_, Uuid>("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("account"));
    }
    let writes = sql::plan_change(current_points(&mut tx, id.0).await?, change)?;
    let (mut notices, mut tasks) = (Vec::new(), Vec::new());
    if !writes.plan.is_empty() {
        // What the change causes is decided from the account as it is before it.
        let before = load(&mut tx, id).await?.ok_or(StoreError::NotFound("account"))?;
        let caused = effects(&before, &writes.plan);
        for row in &writes.end_rows {
            sqlx::query(sql::END_POINT).bind(row).bind(now).execute(&mut *tx).await?;
        }
        for value in &writes.plan.started {
            sql::insert_point::<Postgres>(id, value, now).execute(&mut *tx).await?;
        }
        sqlx::query(sql::TOUCH).bind(id.0).bind(now).execute(&mut *tx).await?;
        (notices, tasks) = super::notices::write_effects(&mut tx, &caused, now).await?;
    }
    let account = load(&mut tx, id).await?.ok_or(StoreError::NotFound("account"))?;
    tx.commit().await?;
    Ok(ContactChangeOutcome { account, plan: writes.plan, notices, tasks })
}

pub(super) async fn contact_history(pool: &PgPool, id: AccountId) -> StoreResult<Vec<ContactPoint>> {
    let rows = sqlx::query_as::<_, ContactRow>(sql::ALL_POINTS)
        .bind(id.0)
        .fetch_all(pool)
        .await
        .map_err(reading("contact_points"))?;
    sql::history(rows)
}

pub(super) async fn search(pool: &PgPool, query: &AccountQuery) -> StoreResult<AccountPage> {
    let limit = page_limit(query.limit);
    let mut tx = begin_read(pool).await?;
    let rows = sql::search::<Postgres>(query, limit)
        .build_query_as::<AccountRow>()
        .fetch_all(&mut *tx)
        .await
        .map_err(reading("accounts"))?;
    let (rows, next_after) = sql::split(rows, limit)?;
    let accounts = with_current_points(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(AccountPage { accounts, next_after })
}

pub(super) async fn get_many(pool: &PgPool, ids: &[AccountId]) -> StoreResult<Vec<Account>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut accounts = Vec::with_capacity(ids.len());
    for page in ids.chunks(sql::IDS_PER_PAGE) {
        let mut tx = begin_read(pool).await?;
        let rows = sql::by_ids::<Postgres>(page)
            .build_query_as::<AccountRow>()
            .fetch_all(&mut *tx)
            .await
            .map_err(reading("accounts"))?;
        accounts.extend(with_current_points(&mut tx, rows).await?);
        tx.commit().await?;
    }
    Ok(accounts)
}

/// The accounts of `rows` with their current contact points, read in one query.
async fn with_current_points(conn: &mut PgConnection, rows: Vec<AccountRow>) -> StoreResult<Vec<Account>> {
    let points = match sql::current_points_of::<Postgres>(&rows) {
        Some(mut points) => {
            points.build_query_as::<ContactRow>().fetch_all(&mut *conn).await.map_err(reading("contact_points"))?
        }
        None => Vec::new(),
    };
    sql::assemble(rows, points)
}

async fn load(conn: &mut PgConnection, id: AccountId) -> StoreResult<Option<Account>> {
    let row = sqlx::query_as::<_, AccountRow>(sql::SELECT_BY_ID)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(reading("accounts"))?;
    with_points(conn, row).await
}

/// The account of `row`, with its current contact points.
async fn with_points(conn: &mut PgConnection, row: Option<AccountRow>) -> StoreResult<Option<Account>> {
    let Some(row) = row else { return Ok(None) };
    let points = current_points(conn, row.id()).await?;
    row.into_account(points).map(Some)
}

async fn current_points(conn: &mut PgConnection, account: Uuid) -> StoreResult<Vec<ContactRow>> {
    sqlx::query_as(sql::CURRENT_POINTS).bind(account).fetch_all(conn).await.map_err(reading("contact_points"))
}

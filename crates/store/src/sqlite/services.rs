use crate::StoreResult;
use crate::error::{reading, writing};
use crate::shared::services::{self as sql, ServiceRow};
use cpniguard_core::cpni::Service;
use cpniguard_core::ids::AccountId;
use sqlx::{Sqlite, SqlitePool};

pub(super) async fn add(pool: &SqlitePool, service: &Service) -> StoreResult<()> {
    service.validate()?;
    sql::insert::<Sqlite>(&[service]).build().execute(pool).await.map_err(writing("service", "account"))?;
    Ok(())
}

pub(super) async fn list(pool: &SqlitePool, account: AccountId) -> StoreResult<Vec<Service>> {
    let rows = sqlx::query_as::<_, ServiceRow>(sql::LIST)
        .bind(account.0)
        .fetch_all(pool)
        .await
        .map_err(reading("services"))?;
    rows.into_iter().map(ServiceRow::into_service).collect()
}

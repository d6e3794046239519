//! Complaints and questions to the privacy office, and actions against data brokers on
//! PostgreSQL: the shared implementation.

use super::PgStore;

async fn begin_write(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

crate::shared::complaints::complaints_backend!(PgStore, sqlx::PgPool, sqlx::Postgres, sqlx::PgConnection, begin_write);

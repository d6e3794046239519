//! Staff CPNI training and discipline records, and the annual certification filings on
//! PostgreSQL: the shared implementation.

use super::PgStore;

async fn begin_write(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

crate::shared::training::training_backend!(PgStore, sqlx::PgPool, sqlx::Postgres, begin_write);

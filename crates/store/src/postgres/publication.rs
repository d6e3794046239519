//! Published CPNI policy versions in English and Spanish, and material-change mailings on
//! PostgreSQL: the shared implementation.

use super::PgStore;

async fn begin_write(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

crate::shared::publication::publication_backend!(
    PgStore,
    sqlx::PgPool,
    sqlx::Postgres,
    sqlx::PgConnection,
    begin_write
);

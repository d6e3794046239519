//! Legal process, fraud cases and the directory-listing page on PostgreSQL: the
//! shared implementation.

use super::PgStore;

async fn begin_write(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

crate::shared::special_purposes::special_purposes_backend!(PgStore, sqlx::Postgres, begin_write);

//! Customer authentication on PostgreSQL: the shared implementation, with the lock
//! row read `FOR UPDATE` so concurrent failures on one account all count.

use super::PgStore;

async fn begin_write(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

crate::shared::auth::customer_auth_impl!(PgStore, begin_write, " FOR UPDATE");

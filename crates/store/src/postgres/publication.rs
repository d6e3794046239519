//! Published CPNI policy versions in English and Spanish, and material-change mailings on
//! PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::publication::publication_backend!(
    PgStore,
    sqlx::PgPool,
    sqlx::Postgres,
    sqlx::PgConnection,
    begin_write
);

//! Breach incidents on PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::breach::breach_backend!(PgStore, sqlx::PgPool, sqlx::Postgres, sqlx::PgConnection, begin_write);

//! Staff CPNI training and discipline records, and the annual certification filings on
//! PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::training::training_backend!(PgStore, sqlx::PgPool, sqlx::Postgres, begin_write);

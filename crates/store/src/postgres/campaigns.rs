//! Marketing campaigns under supervisory review, audience snapshots and their records on
//! PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::campaigns::campaigns_backend!(PgStore, sqlx::PgPool, sqlx::Postgres, sqlx::PgConnection, begin_write);

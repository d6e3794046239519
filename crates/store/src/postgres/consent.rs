//! Consent history and the mail quarantine on PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::consent::consent_backend!(PgStore, sqlx::PgPool, sqlx::Postgres, sqlx::PgConnection, begin_write);

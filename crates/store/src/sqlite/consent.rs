//! Consent history and the mail quarantine on SQLite: the shared implementation,
//! with writes under `BEGIN IMMEDIATE`.

use super::{SqliteStore, begin_write};

crate::shared::consent::consent_backend!(
    SqliteStore,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    sqlx::SqliteConnection,
    begin_write
);

//! Breach incidents on SQLite: the shared implementation, with writes under
//! `BEGIN IMMEDIATE`.

use super::{SqliteStore, begin_write};

crate::shared::breach::breach_backend!(
    SqliteStore,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    sqlx::SqliteConnection,
    begin_write
);

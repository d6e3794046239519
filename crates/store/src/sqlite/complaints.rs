//! Complaints and questions to the privacy office, and actions against data brokers on
//! SQLite: the shared implementation, with writes under `BEGIN IMMEDIATE`.

use super::{SqliteStore, begin_write};

crate::shared::complaints::complaints_backend!(
    SqliteStore,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    sqlx::SqliteConnection,
    begin_write
);

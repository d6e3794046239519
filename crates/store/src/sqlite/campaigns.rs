//! Marketing campaigns under supervisory review, audience snapshots and their records on
//! SQLite: the shared implementation, with writes under `BEGIN IMMEDIATE`.

use super::{SqliteStore, begin_write};

crate::shared::campaigns::campaigns_backend!(
    SqliteStore,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    sqlx::SqliteConnection,
    begin_write
);

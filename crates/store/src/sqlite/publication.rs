//! Published CPNI policy versions in English and Spanish, and material-change mailings on
//! SQLite: the shared implementation, with writes under `BEGIN IMMEDIATE`.

use super::{SqliteStore, begin_write};

crate::shared::publication::publication_backend!(
    SqliteStore,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    sqlx::SqliteConnection,
    begin_write
);

//! Staff CPNI training and discipline records, and the annual certification filings on
//! SQLite: the shared implementation, with writes under `BEGIN IMMEDIATE`.

use super::{SqliteStore, begin_write};

crate::shared::training::training_backend!(SqliteStore, sqlx::SqlitePool, sqlx::Sqlite, begin_write);

//! Legal process, fraud cases and the directory-listing page on SQLite: the shared
//! implementation, with writes under `BEGIN IMMEDIATE`.

use super::{SqliteStore, begin_write};

crate::shared::special_purposes::special_purposes_backend!(SqliteStore, sqlx::Sqlite, begin_write);

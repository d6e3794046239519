//! Call import and its quarantine on SQLite: the shared implementation.

use super::{SqliteStore, begin_write};

crate::shared::call_import::call_import_backend!(
    SqliteStore,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    begin_write,
    super::calls::insert_stored_keys,
    super::calls::imported_record_ids
);

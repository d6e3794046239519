//! Call import and its quarantine on PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::call_import::call_import_backend!(
    PgStore,
    sqlx::PgPool,
    sqlx::Postgres,
    begin_write,
    super::calls::insert_stored_keys,
    super::calls::imported_record_ids
);

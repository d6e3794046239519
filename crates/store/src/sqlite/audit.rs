//! The audit chain on SQLite: the shared implementation. Appends run under
//! `BEGIN IMMEDIATE`, the database's one write lock, so the head they read is the
//! head they extend.

use super::{SqliteStore, begin_write};

crate::shared::audit::audit_backend!(SqliteStore, sqlx::Sqlite, begin_write, crate::shared::audit::HEAD);

//! Legal holds and retention deletes on SQLite: the shared implementation.

use super::{SqliteStore, begin_write};

crate::shared::retention::retention_backend!(SqliteStore, begin_write);

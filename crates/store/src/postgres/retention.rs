//! Legal holds and retention deletes on PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::retention::retention_backend!(PgStore, begin_write);

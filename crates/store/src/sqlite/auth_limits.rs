//! Authentication limits on SQLite: the shared implementation, with writes under
//! `BEGIN IMMEDIATE` (which serialises them, so no row lock is spelled out).

use super::{SqliteStore, begin_write};

crate::shared::auth_limits::auth_limit_impl!(SqliteStore, begin_write, "");

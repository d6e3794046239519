//! The console sign-in store on SQLite: the shared implementation.

use super::SqliteStore;

crate::shared::console::console_impl!(SqliteStore);

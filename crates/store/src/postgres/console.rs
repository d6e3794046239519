//! The console sign-in store on PostgreSQL: the shared implementation.

use super::PgStore;

crate::shared::console::console_impl!(PgStore);

//! Authentication limits on PostgreSQL: the shared implementation, with the counter
//! row read `FOR UPDATE` so failures counted by several servers all add up.

use super::{PgStore, begin_write};

crate::shared::auth_limits::auth_limit_impl!(PgStore, begin_write, " FOR UPDATE");

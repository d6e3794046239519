//! Customer authentication on PostgreSQL: the shared implementation, with the lock
//! row read `FOR UPDATE` so concurrent failures on one account all count.

use super::{PgStore, begin_write};

crate::shared::auth::customer_auth_impl!(PgStore, begin_write, " FOR UPDATE");

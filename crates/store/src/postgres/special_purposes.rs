//! Legal process, fraud cases and the directory-listing page on PostgreSQL: the
//! shared implementation.

use super::{PgStore, begin_write};

crate::shared::special_purposes::special_purposes_backend!(PgStore, sqlx::Postgres, begin_write);

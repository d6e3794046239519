//! The audit chain on PostgreSQL: the shared implementation. An append locks the
//! one-row chain head (`SELECT … FOR UPDATE`) for its transaction, so appends from any
//! number of connections and server processes queue on it and each extends the head
//! the previous one committed.

use super::{PgStore, begin_write};

crate::shared::audit::audit_backend!(PgStore, sqlx::Postgres, begin_write, crate::shared::audit::HEAD_FOR_UPDATE);

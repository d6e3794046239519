//! The audit chain on PostgreSQL: the shared implementation. An append locks the
//! one-row chain head (`SELECT … FOR UPDATE`) for its transaction, so appends from any
//! number of connections and server processes queue on it and each extends the head
//! the previous one committed. Entries are partitioned by month (migration 0021): an
//! append first makes its months (`partitions.rs`), and retention drops whole months.

use super::partitions::{drop_audit_months_before, make_audit_months};
use super::{PgStore, begin_write};

crate::shared::audit::audit_backend!(
    PgStore,
    sqlx::Postgres,
    begin_write,
    crate::shared::audit::HEAD_FOR_UPDATE,
    by_month: make_audit_months,
    drop_audit_months_before
);

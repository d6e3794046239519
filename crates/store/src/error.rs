use cpniguard_core::ValidationError;
use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing to change does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule would be broken (`what` names it, e.g. "account number").
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The change is not valid against the stored state.
    #[error("invalid: {0}")]
    Invalid(#[from] ValidationError),
    /// The database could not be reached or timed out; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back into domain types (a bug or manual edit).
    #[error("corrupt row in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(ref db) if db.code().is_some_and(|code| server_going_away(&code)) => {
                StoreError::Unavailable(e.to_string())
            }
            other => StoreError::Database(other),
        }
    }
}

/// SQLSTATEs a database server answers with while it stops, restarts or cannot take a
/// connection: class 08 (connection exception) and 57P01-57P03 (shut down by the
/// administrator, crashed, cannot connect now). They say nothing about the request, so
/// they are an outage (503, retry), not a failure of the request (500).
fn server_going_away(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

impl StoreError {
    pub fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> Self {
        StoreError::Corrupt { table, reason: reason.to_string() }
    }
}

/// What a failed read means. A value that does not decode is corrupt data in
/// `table`; the reason names the column, never the value, which may be CPNI.
pub(crate) fn reading(table: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match e {
        sqlx::Error::ColumnDecode { index, .. } => {
            StoreError::corrupt(table, format!("column {index} does not hold a value of its type"))
        }
        sqlx::Error::Decode(_) => StoreError::corrupt(table, "a value does not decode"),
        other => other.into(),
    }
}

/// For a write whose only uniqueness rule is `conflict`.
pub(crate) fn unique_is(conflict: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| failed_write(e, Some(conflict), None)
}

/// For a write that can only fail on its reference to `missing`, which does not exist.
pub(crate) fn reference_is(missing: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| failed_write(e, None, Some(missing))
}

/// For a write that can break the uniqueness rule `conflict` or refer to a `missing`
/// thing.
pub(crate) fn writing(conflict: &'static str, missing: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| failed_write(e, Some(conflict), Some(missing))
}

/// The database's classification of the violated constraint decides, not its
/// message.
fn failed_write(e: sqlx::Error, conflict: Option<&'static str>, missing: Option<&'static str>) -> StoreError {
    let kind = e.as_database_error().map(|d| d.kind());
    match (kind, conflict, missing) {
        (Some(ErrorKind::UniqueViolation), Some(what), _) => StoreError::Conflict(what),
        (Some(ErrorKind::ForeignKeyViolation), _, Some(what)) => StoreError::NotFound(what),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::server_going_away;

    #[test]
    fn a_server_stopping_or_refusing_connections_is_an_outage() {
        for code in ["08000", "08006", "08P01", "57P01", "57P02", "57P03"] {
            assert!(server_going_away(code), "{code}");
        }
        // A unique violation, a serialization failure, a cancelled statement: the request's.
        for code in ["23505", "40001", "57014"] {
            assert!(!server_going_away(code), "{code}");
        }
    }
}

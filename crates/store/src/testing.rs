//! Fresh, migrated stores for tests (feature `testing`): a database file in a
//! temporary directory, or a brand-new PostgreSQL database when
//! `CPNIGUARD_TEST_POSTGRES_URL` names a server (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each call gets its own database,
//! so tests run in parallel without seeing each other's data.
//!
//! These helpers panic on failure: they are for tests, where a panic is the report.

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::{Store, StoreOptions, StoreWithRecords};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::io::Write;
use std::sync::{Arc, Once};
use std::time::Duration;
use tempfile::TempDir;

/// The environment variable naming the PostgreSQL server tests may create
/// databases on.
pub const POSTGRES_URL_VAR: &str = "CPNIGUARD_TEST_POSTGRES_URL";

/// Small pools: many tests run at once against one server.
fn test_options() -> StoreOptions {
    StoreOptions { max_connections: 4, acquire_timeout: Duration::from_secs(30) }
}

/// A migrated SQLite store in a new temporary directory, deleted when the
/// `TempDir` is dropped (keep it alive as long as the store).
pub async fn fresh_sqlite() -> (TempDir, Arc<dyn StoreWithRecords>) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("cpniguard.db").display());
    let store = SqliteStore::connect(&url, &test_options()).await.expect("open the SQLite test database");
    store.migrate().await.expect("migrate the SQLite test database");
    (dir, Arc::new(store))
}

/// The server URL from `CPNIGUARD_TEST_POSTGRES_URL`, or `None` (with a one-time
/// note on stderr) when PostgreSQL tests are to be skipped.
pub fn postgres_test_url() -> Option<String> {
    static SKIP_NOTE: Once = Once::new();
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            // Written to stderr directly: the test harness captures `eprintln!`.
            SKIP_NOTE.call_once(|| {
                let _ =
                    writeln!(std::io::stderr(), "note: {POSTGRES_URL_VAR} is not set; PostgreSQL tests are skipped");
            });
            None
        }
    }
}

/// A PostgreSQL database created for one test, dropped with this value.
pub struct PgTestDb {
    server_url: String,
    name: String,
}

impl PgTestDb {
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgTestDb {
    /// Drops the database, best effort. `Drop` cannot await and may run on a Tokio
    /// runtime's only thread, so the `DROP DATABASE` runs on a thread of its own
    /// with its own runtime; waiting for it keeps a test process that exits right
    /// after from leaving the database behind. `WITH (FORCE)` ends the test's own
    /// connections, which its pool may not have closed yet.
    fn drop(&mut self) {
        let server_url = self.server_url.clone();
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&server_url).await?;
                sqlx::query(AssertSqlSafe(statement)).execute(&mut conn).await?;
                conn.close().await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

/// Create an empty, uniquely named database on the test server; returns its URL and
/// the guard that drops it. `None` when PostgreSQL tests are skipped.
pub async fn create_fresh_postgres_database() -> Option<(String, PgTestDb)> {
    let server_url = postgres_test_url()?;
    // Lower-case hex only, so the name needs no quoting.
    let name = format!("cpg_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&server_url).await.expect("connect to the PostgreSQL test server");
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create a PostgreSQL test database");
    conn.close().await.expect("disconnect from the PostgreSQL test server");
    let url = with_database(&server_url, &name);
    Some((url, PgTestDb { server_url, name }))
}

/// A migrated store on a new PostgreSQL database, or `None` when PostgreSQL tests
/// are skipped. Keep the `PgTestDb` alive as long as the store.
pub async fn fresh_postgres() -> Option<(PgTestDb, Arc<dyn StoreWithRecords>)> {
    let (url, db) = create_fresh_postgres_database().await?;
    let store = PgStore::connect(&url, &test_options()).await.expect("connect to the PostgreSQL test database");
    store.migrate().await.expect("migrate the PostgreSQL test database");
    Some((db, Arc::new(store)))
}

/// `url` with its database name replaced by `name`, keeping any query parameters.
fn with_database(url: &str, name: &str) -> String {
    let (base, params) = match url.split_once('?') {
        Some((base, params)) => (base, Some(params)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match params {
        Some(params) => format!("{server}/{name}?{params}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_or_added() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(with_database("postgres://u:p@db:5432", "t1"), "postgres://u:p@db:5432/t1");
        assert_eq!(with_database("postgresql://db/x?sslmode=disable", "t1"), "postgresql://db/t1?sslmode=disable");
    }
}

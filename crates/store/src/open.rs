use crate::{StoreError, StoreWithRecords, postgres::PgStore, sqlite::SqliteStore};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(5) }
    }
}

/// Open the store a URL names: `sqlite://path/to/file.db` (created if missing) or
/// `postgres://…`. Migrations are not run here; call [`Store::migrate`](crate::Store::migrate).
/// The result holds the CPNI reads too: give the `Arc<dyn Store>` it coerces to to
/// everything but the disclosure gate.
pub async fn open(url: &str, options: &StoreOptions) -> Result<Arc<dyn StoreWithRecords>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url, options).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::connect(url, options).await?))
    } else {
        Err(StoreError::Unavailable("the database URL must start with sqlite: or postgres:".to_owned()))
    }
}

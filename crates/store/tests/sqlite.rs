//! The conformance suite on SQLite, each test on its own database file.

use cpniguard_store::Store;
use cpniguard_store::testing::fresh_sqlite;
use std::sync::Arc;
use tempfile::TempDir;

async fn fresh() -> Option<(TempDir, Arc<dyn Store>)> {
    Some(fresh_sqlite().await)
}

cpniguard_store::conformance_suite!(fresh);

//! The conformance suite on SQLite, each test on its own database file.

use cpniguard_store::StoreWithRecords;
use cpniguard_store::testing::fresh_sqlite;
use std::sync::Arc;
use tempfile::TempDir;

async fn fresh() -> Option<(TempDir, Arc<dyn StoreWithRecords>)> {
    Some(fresh_sqlite().await)
}

cpniguard_store::conformance_suite!(fresh);

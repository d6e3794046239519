//! The conformance suite on SQLite, each test on its own database file.

#[macro_use]
#[path = "shared/breach_trigger.rs"]
mod breach_trigger;

use cpniguard_store::StoreWithRecords;
use cpniguard_store::testing::fresh_sqlite;
use std::sync::Arc;
use tempfile::TempDir;

async fn fresh() -> Option<(TempDir, Arc<dyn StoreWithRecords>)> {
    Some(fresh_sqlite().await)
}

cpniguard_store::conformance_suite!(fresh);

/// Migration 0020 on its own, from a writer other than the store: raw SQL that moves a
/// breach record's retain-until date earlier is refused by the trigger; later, the same
/// date, or another column changed is accepted.
#[tokio::test]
async fn breach_retention_date_only_moves_later_whoever_writes_it() {
    let (dir, _store) = fresh_sqlite().await;
    let url = format!("sqlite://{}", dir.path().join("cpniguard.db").display());
    breach_retention_only_moves_later!(sqlx::SqlitePool::connect(&url).await.unwrap());
}

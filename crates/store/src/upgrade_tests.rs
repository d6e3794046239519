//! Upgrades that move data: a database migrated to the version before, holding what
//! an older release wrote, is migrated to the end and checked.

use crate::StoreOptions;
use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use serde_json::{Value, json};
use sqlx::types::Json;
use uuid::Uuid;

/// The version before breach incidents' affected accounts became rows (0013).
const BEFORE_AFFECTED_ROWS: i64 = 12;

const OLD_INCIDENT: &str =
    "INSERT INTO breach_incidents (id, version, state, retain_until, record) VALUES ($1, 1, 'open', '2030-01-01', $2)";
const AFFECTED_ROWS: &str =
    "SELECT account_id FROM breach_affected_accounts WHERE incident_id = $1 ORDER BY account_id";
const RECORD: &str = "SELECT record FROM breach_incidents WHERE id = $1";

/// An incident as 0006 to 0012 stored it (the list inside the record), one with an
/// empty list, and what both must look like after the upgrade.
fn old_incidents() -> [(Uuid, Value, Vec<Uuid>); 2] {
    let (listed, empty) = (Uuid::now_v7(), Uuid::now_v7());
    let mut accounts = vec![Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    accounts.sort();
    [
        (listed, json!({ "id": listed, "description": "old", "affected_accounts": accounts }), accounts),
        (empty, json!({ "id": empty, "description": "none yet", "affected_accounts": [] }), vec![]),
    ]
}

fn check_record(record: &Value, expected: &[Uuid]) {
    assert_eq!(record["affected_count"], json!(expected.len()), "{record}");
    assert!(record.get("affected_accounts").is_none(), "the list left the record: {record}");
    assert!(record["description"].is_string(), "the rest of the record is kept: {record}");
}

/// Migrate `$pool` to just before 0013 with `$migrator`, store old incidents, migrate
/// to the end, and check rows and records.
macro_rules! check_affected_lists_move {
    ($pool:expr, $migrator:path) => {{
        let pool = $pool;
        $migrator.run_to(BEFORE_AFFECTED_ROWS, pool).await.unwrap();
        let incidents = old_incidents();
        for (id, record, _) in &incidents {
            sqlx::query(OLD_INCIDENT).bind(id).bind(Json(record)).execute(pool).await.unwrap();
        }
        $migrator.run(pool).await.unwrap();
        for (id, _, expected) in &incidents {
            let rows: Vec<Uuid> = sqlx::query_scalar(AFFECTED_ROWS).bind(id).fetch_all(pool).await.unwrap();
            assert_eq!(&rows, expected);
            let record: Json<Value> = sqlx::query_scalar(RECORD).bind(id).fetch_one(pool).await.unwrap();
            check_record(&record.0, expected);
        }
    }};
}

#[tokio::test]
async fn sqlite_affected_lists_move_out_of_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("upgrade.db").display());
    let store = SqliteStore::connect(&url, &StoreOptions::default()).await.unwrap();
    check_affected_lists_move!(&store.pool, crate::sqlite::MIGRATOR);
}

#[tokio::test]
async fn postgres_affected_lists_move_out_of_the_record() {
    let Some((url, _db)) = crate::testing::create_fresh_postgres_database().await else { return };
    let store = PgStore::connect(&url, &StoreOptions::default()).await.unwrap();
    check_affected_lists_move!(&store.pool, crate::postgres::MIGRATOR);
}

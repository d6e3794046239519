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

/// The version before audit entries were partitioned by month (0021).
const BEFORE_AUDIT_MONTHS: i64 = 20;

/// Entries an older release wrote into the single audit table, across three months,
/// with a checkpoint over the last: after the upgrade they sit in month partitions,
/// the chain verifies with the old checkpoint, and appends go on from its head.
#[tokio::test]
async fn postgres_audit_entries_move_into_months_and_the_chain_still_verifies() {
    use crate::AuditStore;
    use crate::conformance::{audit_record, audit_test_key};
    use crate::shared::audit as sql;
    use cpniguard_core::audit::{ChainHead, Checkpoint, verify_chain};
    let Some((url, _db)) = crate::testing::create_fresh_postgres_database().await else { return };
    let store = PgStore::connect(&url, &StoreOptions::default()).await.unwrap();
    crate::postgres::MIGRATOR.run_to(BEFORE_AUDIT_MONTHS, &store.pool).await.unwrap();
    let records: Vec<_> = (1..=45u32)
        .map(|n| {
            let mut r = audit_record(n);
            // 15 entries in each of January, February and March 2025.
            r.at += chrono::Duration::days(i64::from((n - 1) / 15) * 31);
            r
        })
        .collect();
    let old = sql::seal(ChainHead { seq: 0, hash: cpniguard_core::audit::ChainHash::GENESIS }, &records);
    sql::insert::<sqlx::Postgres>(&old).unwrap().build().execute(&store.pool).await.unwrap();
    let last = old.last().unwrap();
    sqlx::query(sql::SET_HEAD).bind(45i64).bind(last.hash.0.to_vec()).execute(&store.pool).await.unwrap();
    let checkpoint = Checkpoint::sign(last.seq, last.hash, last.record.at, &audit_test_key());
    store.add_audit_checkpoint(&checkpoint).await.unwrap();

    crate::postgres::MIGRATOR.run(&store.pool).await.unwrap();
    let months: Vec<(String, i64)> =
        sqlx::query_as("SELECT tableoid::regclass::text, count(*) FROM audit_entries GROUP BY 1 ORDER BY 1")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    let expected = [("audit_entries_y2025m01", 15), ("audit_entries_y2025m02", 15), ("audit_entries_y2025m03", 15)];
    assert_eq!(months, expected.map(|(m, n)| (m.to_owned(), n)));
    let stored = store.audit_entries(1, 100).await.unwrap();
    assert_eq!(stored, old, "every entry moved unchanged");
    let key = audit_test_key().verifying_key();
    let report = verify_chain(&stored, std::slice::from_ref(&checkpoint), &key, None).unwrap();
    assert_eq!((report.entries, report.last_checkpoint, report.unsealed), (45, Some(45), 0));

    let next = store.append_audit(&[audit_record(46)]).await.unwrap();
    assert_eq!((next[0].seq, next[0].prev_hash), (46, last.hash));
    let stored = store.audit_entries(1, 100).await.unwrap();
    verify_chain(&stored, &[checkpoint], &key, None).unwrap();
}

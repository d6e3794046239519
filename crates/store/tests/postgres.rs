//! The conformance suite on PostgreSQL, each test on its own new database. Skipped
//! unless `CPNIGUARD_TEST_POSTGRES_URL` names a server, for example
//! `postgres://postgres@127.0.0.1:5432/postgres`.

#[macro_use]
#[path = "shared/breach_trigger.rs"]
mod breach_trigger;

use cpniguard_store::testing::fresh_postgres;

cpniguard_store::conformance_suite!(fresh_postgres);

/// Call detail is partitioned by month: inserts make the months they need, and retention
/// drops a month whose calls all went (`retention_deletes_whole_months` checks the counts).
#[tokio::test]
async fn call_detail_months_are_partitions_retention_drops() {
    use chrono::{TimeZone, Utc};
    use cpniguard_store::{StoreOptions, testing::create_fresh_postgres_database};
    let Some((url, _db)) = create_fresh_postgres_database().await else { return };
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let partitions = || partitions_of(&pool, "calls");
    assert!(partitions().await.is_empty());
    let account = account(store.as_ref()).await;
    let call = |at, id: &str| outbound_call(account, at, id);
    // The last second of May (UTC) and the first of June are different months.
    let may = Utc.with_ymd_and_hms(2023, 5, 31, 23, 59, 59).unwrap();
    let june = Utc.with_ymd_and_hms(2023, 6, 1, 0, 0, 0).unwrap();
    store.insert_calls(&[call(may, "1"), call(june, "2")]).await.unwrap();
    assert_eq!(partitions().await, ["calls_y2023m05", "calls_y2023m06"]);
    // Before the end of June: May goes whole, June stays.
    let dropped = store.delete_expired_calls(june, june.date_naive(), 100).await.unwrap();
    assert_eq!(dropped, [("2023-05".to_owned(), 1)].into());
    assert_eq!(partitions().await, ["calls_y2023m06"]);
}

/// The import's keys (migration 0026) are written with the calls they stand for, and
/// retention drops them with their month.
#[tokio::test]
async fn import_keys_follow_their_calls_and_leave_with_their_month() {
    use chrono::{TimeZone, Utc};
    use cpniguard_store::call_import::CallImportBatch;
    use cpniguard_store::{StoreOptions, testing::create_fresh_postgres_database};
    let Some((url, _db)) = create_fresh_postgres_database().await else { return };
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let account = account(store.as_ref()).await;
    let call = |at, id: &str| outbound_call(account, at, id);
    let may = Utc.with_ymd_and_hms(2023, 5, 31, 23, 59, 59).unwrap();
    let june = Utc.with_ymd_and_hms(2023, 6, 1, 0, 0, 0).unwrap();
    let calls = [call(may, "may-1"), call(june, "june-1")];
    let batch = CallImportBatch { source: "pbx", calls: &calls, quarantine: &[], resolved: &[] };
    assert_eq!(store.import_calls(&batch, june).await.unwrap().inserted, [true, true]);
    let ids = ["june-1".to_owned(), "may-1".to_owned()];
    let mut stored = store.imported_record_ids("pbx", &ids).await.unwrap();
    stored.sort();
    assert_eq!(stored, ids);

    let dropped = store.delete_expired_calls(june, june.date_naive(), 100).await.unwrap();
    assert_eq!(dropped, [("2023-05".to_owned(), 1)].into());
    assert_eq!(store.imported_record_ids("pbx", &ids).await.unwrap(), ["june-1"], "May's key went with May");
}

/// An outbound call of `account` from source `pbx` with switch record id `id`.
fn outbound_call(
    account: cpniguard_core::ids::AccountId,
    at: chrono::DateTime<chrono::Utc>,
    id: &str,
) -> cpniguard_core::cpni::CallDetailRecord {
    cpniguard_core::cpni::CallDetailRecord {
        id: None,
        account_id: account,
        service_number: cpniguard_core::phone::PhoneNumber::parse("+18015557001").unwrap(),
        started_at: at,
        duration_secs: 60,
        direction: cpniguard_core::cpni::Direction::Outbound,
        other_party: "+13035550100".into(),
        destination: String::new(),
        call_type: cpniguard_core::cpni::CallType::LongDistance,
        charge: None,
        source_system: "pbx".into(),
        source_record_id: id.into(),
    }
}

/// The partitions of `parent`, by name.
async fn partitions_of(pool: &sqlx::PgPool, parent: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = $1::regclass ORDER BY 1",
    )
    .bind(parent)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Audit entries are partitioned by month (migration 0021): appends make the months
/// they need, a search by time reads only its months, the seq stays unique across
/// months without an index that could say so, and retention behind a checkpoint drops
/// the months wholly before it and deletes the rest row by row.
#[tokio::test]
async fn audit_months_are_partitions_the_chain_spans_them_retention_drops_them() {
    use chrono::Duration;
    use cpniguard_core::audit::{Checkpoint, verify_chain};
    use cpniguard_store::StoreOptions;
    use cpniguard_store::conformance::{audit_record, audit_test_key};
    use cpniguard_store::testing::create_fresh_postgres_database;
    let Some((url, _db)) = create_fresh_postgres_database().await else { return };
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    assert!(partitions_of(&pool, "audit_entries").await.is_empty());
    // Ten entries in each of January, February and March 2025, in two appends.
    let records: Vec<_> = (1..=30u32)
        .map(|n| {
            let mut r = audit_record(n);
            r.at += Duration::days(i64::from((n - 1) / 10) * 31);
            r
        })
        .collect();
    let mut entries = store.append_audit(&records[..15]).await.unwrap();
    entries.extend(store.append_audit(&records[15..]).await.unwrap());
    let months = ["audit_entries_y2025m01", "audit_entries_y2025m02", "audit_entries_y2025m03"];
    assert_eq!(partitions_of(&pool, "audit_entries").await, months);

    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT seq FROM audit_entries WHERE at >= '2025-02-01T00:00:00Z' AND at < '2025-03-01T00:00:00Z'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("audit_entries_y2025m02"), "{plan}");
    assert!(!plan.contains("m01") && !plan.contains("m03"), "a month's search reads that month only: {plan}");

    // Seq 12 is in February; a forged row with that seq dated in March is refused.
    let forged = sqlx::query(
        "INSERT INTO audit_entries SELECT seq, at + interval '40 days', principal_kind, principal_id, \
         principal_role, action, account_id, purpose, channel, interaction_id, legal_ref, fraud_ref, decision, \
         policy_ids, policy_set_hash, request_id, record_refs, prev_hash, hash FROM audit_entries WHERE seq = 12",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    let refused = forged.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned());
    assert_eq!(refused.as_deref(), Some("23505"), "{forged}");

    // Retention keeps from seq 16 (checkpoint at 15): January goes as a partition,
    // February's first five entries as rows.
    let key = audit_test_key();
    let checkpoint = |e: &cpniguard_core::audit::AuditEntry| Checkpoint::sign(e.seq, e.hash, e.record.at, &key);
    store.add_audit_checkpoint(&checkpoint(&entries[14])).await.unwrap();
    store.add_audit_checkpoint(&checkpoint(&entries[29])).await.unwrap();
    assert_eq!(store.truncate_audit_before(16).await.unwrap(), 15);
    assert_eq!(partitions_of(&pool, "audit_entries").await, months[1..]);
    let remaining = store.audit_entries(1, 100).await.unwrap();
    assert_eq!(remaining.first().map(|e| e.seq), Some(16));
    let checkpoints = store.audit_checkpoints(0, u64::MAX).await.unwrap();
    let report = verify_chain(&remaining, &checkpoints, &key.verifying_key(), None).unwrap();
    assert_eq!((report.entries, report.unsealed), (15, 0));
    // Appends go on after the head; a dropped month this process forgot is made again.
    let next = store.append_audit(&[audit_record(31)]).await.unwrap();
    assert_eq!((next[0].seq, next[0].prev_hash), (31, entries[29].hash));
}

async fn account(store: &dyn cpniguard_store::Store) -> cpniguard_core::ids::AccountId {
    use cpniguard_core::account::*;
    let new = NewAccount {
        profile: AccountProfile {
            account_number: AccountNumber::parse("ACC-7001").unwrap(),
            kind: AccountKind::Residential,
            name: "Ana Ruiz".into(),
            language: Language::En,
            time_zone: TimeZoneName::parse("America/Denver").unwrap(),
            status: AccountStatus::Active,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: None,
        },
        postal_address: PostalAddress {
            line1: "10 Main St".into(),
            line2: None,
            city: "Provo".into(),
            state: "UT".into(),
            zip: "84601".into(),
            country: "US".into(),
        },
        email: None,
        telephone_numbers: vec![cpniguard_core::phone::PhoneNumber::parse("+18015557001").unwrap()],
    };
    let id = cpniguard_core::ids::AccountId::new();
    store.create_account(id, &new, chrono::Utc::now()).await.unwrap();
    id
}

/// Migration 0020 on its own, from a writer other than the store: raw SQL that moves a
/// breach record's retain-until date earlier is refused by the trigger; later, the same
/// date, or another column changed is accepted.
#[tokio::test]
async fn breach_retention_date_only_moves_later_whoever_writes_it() {
    use cpniguard_store::{StoreOptions, testing::create_fresh_postgres_database};
    let Some((url, _db)) = create_fresh_postgres_database().await else { return };
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    breach_retention_only_moves_later!(sqlx::PgPool::connect(&url).await.unwrap());
}

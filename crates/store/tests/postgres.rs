//! The conformance suite on PostgreSQL, each test on its own new database. Skipped
//! unless `CPNIGUARD_TEST_POSTGRES_URL` names a server, for example
//! `postgres://postgres@127.0.0.1:5432/postgres`.

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
    let partitions = || async {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'calls'::regclass ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        names
    };
    assert!(partitions().await.is_empty());
    let account = account(store.as_ref()).await;
    let call = |at, id: &str| cpniguard_core::cpni::CallDetailRecord {
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
    };
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

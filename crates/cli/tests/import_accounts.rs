//! `cpniguard import accounts` (billing sync) on both backends: a first load keeps the
//! billing system's association dates and sends no notice; a later change of the email
//! of record notifies the previous address exactly as an API change would; a newly
//! assigned number gets its service and the unmatched call detail on it is matched; a
//! re-run changes nothing.

use chrono::{NaiveDate, TimeZone, Utc};
use cpniguard_core::account::AccountNumber;
use cpniguard_core::contact::ContactValue;
use cpniguard_core::notice::Destination;
use cpniguard_store::{NoticeQuery, StoreOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cdr").join(name)
}

fn run(url: &str, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .args(args)
        .args(["--database-url", url])
        .env_remove("CPNIGUARD_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = stdout.lines().last().and_then(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
    (out.status.code().unwrap(), summary, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn sync(url: &str, file: &str) -> Value {
    let (code, summary, err) = run(url, &["import", "accounts", "--format", "csv", fixture(file).to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    summary
}

async fn scenario(url: &str) {
    let store = cpniguard_store::open(url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();

    let first = sync(url, "billing-first.csv");
    assert_eq!(
        (first["read"].as_u64(), first["inserted"].as_u64(), first["malformed"].as_u64()),
        (Some(3), Some(2), Some(1)),
        "{first}"
    );
    let ann = store.get_account_by_number(&AccountNumber::parse("BIL-0001").unwrap()).await.unwrap().unwrap();
    let email_since =
        ann.contact_points.iter().find(|p| matches!(p.value, ContactValue::Email(_))).unwrap().associated_at;
    assert_eq!(email_since, Utc.with_ymd_and_hms(2023, 2, 1, 0, 0, 0).unwrap(), "the billing system's date");
    let services = store.list_services(ann.id).await.unwrap();
    assert_eq!(services[0].since, NaiveDate::from_ymd_opt(2021, 6, 15).unwrap());
    let all = NoticeQuery { account: None, status: None, kind: None, after: None, limit: 100 };
    assert!(store.list_notices(&all).await.unwrap().notices.is_empty(), "a first load sends no notice");

    // A call from a number nobody holds yet.
    let (code, cdr, err) = run(
        url,
        &["import", "cdr", "--format", "asterisk-csv", "--source", "pbx1", fixture("new-line.csv").to_str().unwrap()],
    );
    assert_eq!((code, cdr["unmatched"].as_u64()), (0, Some(1)), "{cdr} {err}");

    let second = sync(url, "billing-second.csv");
    assert_eq!(second["updated"].as_u64(), Some(2), "{second}");
    assert_eq!(second["calls_rematched"]["inserted"], 1, "{second}");
    // Whatever the routing sends for these changes, as the API would: counted, and never
    // to the new email address.
    let queued = store.list_notices(&all).await.unwrap().notices;
    assert_eq!(second["notices_queued"].as_u64(), Some(queued.len() as u64), "{second}");
    let notices = store.list_notices(&NoticeQuery { account: Some(ann.id), ..all }).await.unwrap().notices;
    let to = |email: &str| {
        notices
            .iter()
            .filter(|n| matches!(&n.destination, Destination::Email { address } if address.as_str() == email))
            .count()
    };
    assert_eq!((to("ann@example.com"), to("ann.lee@example.net")), (1, 0), "{notices:?}");
    let chan = store.get_account_by_number(&AccountNumber::parse("BIL-0002").unwrap()).await.unwrap().unwrap();
    let range =
        cpniguard_core::cpni::TimeRange::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(), Utc::now()).unwrap();
    let calls = store
        .list_calls(&cpniguard_store::CallQuery { account: chan.id, range, after: None, limit: 10 })
        .await
        .unwrap();
    assert_eq!(calls.calls.len(), 1, "the call on the newly assigned number");

    let again = sync(url, "billing-second.csv");
    assert_eq!((again["duplicates"].as_u64(), again["notices_queued"].as_u64()), (Some(2), Some(0)), "{again}");

    let (code, _, err) = run(url, &["import", "accounts", "--format", "csv", fixture("Master.csv").to_str().unwrap()]);
    assert_eq!(code, 65, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn billing_sync_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(&format!("sqlite://{}", dir.path().join("db.sqlite").display())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn billing_sync_on_postgres() {
    if let Some((url, _db)) = cpniguard_store::testing::create_fresh_postgres_database().await {
        scenario(&url).await;
    }
}

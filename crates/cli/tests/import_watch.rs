//! `cpniguard import watch` on a directory as Asterisk and logrotate leave it, on both
//! backends, each pass a fresh process (a restart): the appended file followed a
//! complete line at a time (a half-written last line waits), a rename rotation finished
//! from where following got to, a copytruncate rotation re-read without storing a row
//! twice, a file of another format moved to failed/; every row stored once.

mod mail_env;

use chrono::{NaiveDate, TimeZone, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::cpni::TimeRange;
use cpniguard_core::ids::AccountId;
use cpniguard_store::{CallQuery, StoreOptions, StoreWithRecords};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// An Asterisk line (uniqueid and userfield logged): +1 212 555 0143 calls `dst`.
fn line(dst: &str, minute: u32, uniqueid: &str) -> String {
    let start = format!("2024-06-01 14:{minute:02}:00");
    format!(
        "\"\",\"2125550143\",\"{dst}\",\"from-internal\",\"\"\"Ann Lee\"\" <2125550143>\",\"PJSIP/2125550143-1\",\"PJSIP/trunk-2\",\"Dial\",\"PJSIP/{dst}@trunk,30\",\"{start}\",\"{start}\",\"{start}\",60,60,\"ANSWERED\",\"DOCUMENTATION\",\"{uniqueid}\",\"\"\n"
    )
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
}

/// One pass of `import watch` in a new process: the JSON lines it printed.
fn pass(url: &str, dir: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .args(["import", "watch", "--format", "asterisk-csv", "--source", "pbx1", "--once", "--settle", "0"])
        .arg("--dir")
        .arg(dir)
        .args(["--database-url", url])
        .env_remove("CPNIGUARD_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// (file name, read, inserted, duplicates, malformed, moved_to folder) of each step.
fn summary(steps: &[Value]) -> Vec<(String, u64, u64, u64, u64, Option<String>)> {
    steps
        .iter()
        .map(|s| {
            let file = Path::new(s["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            let moved = s["moved_to"]
                .as_str()
                .map(|m| Path::new(m).parent().unwrap().file_name().unwrap().to_string_lossy().into_owned());
            let n = |k: &str| s[k].as_u64().unwrap();
            (file, n("read"), n("inserted"), n("duplicates"), n("malformed"), moved)
        })
        .collect()
}

fn step(
    file: &str,
    read: u64,
    inserted: u64,
    duplicates: u64,
    moved: Option<&str>,
) -> (String, u64, u64, u64, u64, Option<String>) {
    (file.to_owned(), read, inserted, duplicates, 0, moved.map(str::to_owned))
}

async fn calls(store: &dyn StoreWithRecords, account: AccountId) -> usize {
    let range = TimeRange::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(), Utc::now()).unwrap();
    store.list_calls(&CallQuery { account, range, after: None, limit: 100 }).await.unwrap().calls.len()
}

async fn scenario(url: &str) {
    let store = cpniguard_store::open(url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let ann = AccountId::new();
    store
        .create_account(ann, &mail_env::new_account("W-0001", "+12125550143", None, Language::En), Utc::now())
        .await
        .unwrap();
    let since = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    store.add_service(&mail_env::voip_line(ann, "+12125550143", since)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("Master.csv");

    // Two complete lines and a third being written: the third waits.
    let third = line("3035550103", 3, "u3");
    append(&master, &[line("3035550101", 1, "u1"), line("3035550102", 2, "u2"), third[..40].to_owned()].concat());
    assert_eq!(summary(&pass(url, dir.path())), [step("Master.csv", 2, 2, 0, None)]);
    assert!(pass(url, dir.path()).is_empty(), "nothing new, nothing read again");

    // The line is finished and another added; a new process goes on from the offset.
    append(&master, &[&third[40..], &line("3035550104", 4, "u4")].concat());
    assert_eq!(summary(&pass(url, dir.path())), [step("Master.csv", 2, 2, 0, None)]);

    // logrotate `create`: one more line, then the file is renamed and a new one begun.
    append(&master, &line("3035550105", 5, "u5"));
    std::fs::rename(&master, dir.path().join("Master.csv.1")).unwrap();
    append(&master, &line("3035550106", 6, "u6"));
    assert_eq!(
        summary(&pass(url, dir.path())),
        [step("Master.csv.1", 1, 1, 0, Some("done")), step("Master.csv", 1, 1, 0, None)],
        "the rotated file is finished from where following got to"
    );
    assert!(dir.path().join("done/Master.csv.1").exists());

    // logrotate `copytruncate`: a line not yet imported goes into the copy, the file is
    // emptied and written again.
    append(&master, &line("3035550107", 7, "u7"));
    std::fs::copy(&master, dir.path().join("Master.csv.2")).unwrap();
    std::fs::OpenOptions::new().write(true).truncate(true).open(&master).unwrap();
    append(&master, &line("3035550108", 8, "u8"));
    assert_eq!(
        summary(&pass(url, dir.path())),
        [step("Master.csv.2", 2, 1, 1, Some("done")), step("Master.csv", 1, 1, 0, None)],
        "the copy's rows already stored are duplicates; the truncated file is followed from its start"
    );

    // A file dropped in that is not Asterisk's goes to failed/, untouched.
    std::fs::write(dir.path().join("other.csv"), "caller,called\n1,2\n").unwrap();
    let steps = pass(url, dir.path());
    assert_eq!(summary(&steps), [step("other.csv", 0, 0, 0, Some("failed"))]);
    assert!(steps[0]["failure"].as_str().unwrap().contains("column"), "{steps:?}");

    assert_eq!(calls(store.as_ref(), ann).await, 8, "every line stored once");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_follows_rotates_and_restarts_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(&format!("sqlite://{}", dir.path().join("db.sqlite").display())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_follows_rotates_and_restarts_on_postgres() {
    if let Some((url, _db)) = cpniguard_store::testing::create_fresh_postgres_database().await {
        scenario(&url).await;
    }
}

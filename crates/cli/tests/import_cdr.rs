//! `cpniguard import cdr` on files as Asterisk and FreeSWITCH write them, on both
//! backends: every row accounted for, calls on both customers' accounts, DST, quoted
//! commas, short rows, a file cut mid-line, re-runs that insert nothing twice, a file
//! of another format refused (65), an unreachable database (75), an unknown number
//! matched once it is assigned, and the quarantine listed, shown and discarded by the
//! privacy office through the disclosure gate (each a recorded decision; a CSR refused).

mod mail_env;

use chrono::{NaiveDate, TimeZone, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::cpni::{Direction, Service, TimeRange};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_store::{CallQuery, Store, StoreOptions, StoreWithRecords};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cdr").join(name)
}

/// Runs `cpniguard ARGS --database-url URL [FILES]`, optionally with `stdin`:
/// (exit code, the JSON summary line or Null, stderr).
fn run(url: &str, args: &[&str], files: &[&Path], stdin: Option<&[u8]>) -> (i32, Value, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
    cmd.args(args).arg("--database-url").arg(url).args(files).env_remove("CPNIGUARD_CONFIG");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = stdout.lines().last().and_then(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
    (out.status.code().unwrap(), summary, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn counts(summary: &Value) -> [u64; 5] {
    ["read", "inserted", "duplicates", "unmatched", "malformed"].map(|k| summary[k].as_u64().unwrap_or(u64::MAX))
}

async fn account(store: &dyn Store, number: &str, phone: &str) -> AccountId {
    let id = AccountId::new();
    store.create_account(id, &mail_env::new_account(number, phone, None, Language::En), Utc::now()).await.unwrap();
    store.add_service(&line(id, phone, "2020-01-01")).await.unwrap();
    id
}

fn line(account: AccountId, phone: &str, since: &str) -> Service {
    mail_env::voip_line(account, phone, NaiveDate::parse_from_str(since, "%Y-%m-%d").unwrap())
}

async fn calls_of(store: &dyn StoreWithRecords, account: AccountId) -> Vec<cpniguard_core::cpni::CallDetailRecord> {
    let range = TimeRange::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(), Utc::now()).unwrap();
    store.list_calls(&CallQuery { account, range, after: None, limit: 100 }).await.unwrap().calls
}

async fn scenario(url: &str) {
    let store = cpniguard_store::open(url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let ann = account(store.as_ref(), "CDR-0001", "+12125550143").await;
    let bo = account(store.as_ref(), "CDR-0002", "+13125550199").await;
    let master = fixture("Master.csv");
    let asterisk = ["import", "cdr", "--format", "asterisk-csv", "--source", "pbx1"];

    // A rerun after a failure imports the rest exactly once: the first three lines
    // went in before the "failure".
    let dir = tempfile::tempdir().unwrap();
    let head = dir.path().join("Master-head.csv");
    let text = std::fs::read_to_string(&master).unwrap();
    std::fs::write(&head, text.lines().take(3).map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let (code, first, err) = run(url, &asterisk, &[&head], None);
    assert_eq!((code, counts(&first)), (0, [3, 3, 0, 0, 0]), "{first} {err}");

    // 8 rows: 4 calls stored (one more now), the accountlogs-style repeat, an unknown
    // number, a short row and the line cut mid-write.
    let (code, summary, err) = run(url, &asterisk, &[&master], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(counts(&summary), [8, 1, 4, 1, 2], "{summary}");
    assert_eq!(summary["source"], "pbx1");
    assert!(summary["seconds"].as_f64().is_some());

    let ann_calls = calls_of(store.as_ref(), ann).await;
    assert_eq!(ann_calls.len(), 4, "{ann_calls:?}");
    let to_bo = &ann_calls[0];
    assert_eq!(
        (to_bo.direction, to_bo.other_party.as_str(), to_bo.duration_secs),
        (Direction::Outbound, "+13125550199", 120)
    );
    assert_eq!(to_bo.started_at, Utc.with_ymd_and_hms(2024, 6, 1, 14, 0, 0).unwrap(), "usegmtime: UTC");
    assert_eq!(to_bo.charge, None, "a raw switch record has no price");
    assert_eq!((ann_calls[2].direction, ann_calls[2].other_party.as_str()), (Direction::Inbound, "+13035550111"));
    assert_eq!((ann_calls[3].other_party.as_str(), ann_calls[3].duration_secs), ("411", 0), "unanswered");
    let bo_calls = calls_of(store.as_ref(), bo).await;
    assert_eq!(
        (bo_calls.len(), bo_calls[0].direction),
        (1, Direction::Inbound),
        "the call between customers is on both"
    );

    // Again, from standard input: nothing new, nothing quarantined twice.
    let bytes = std::fs::read(&master).unwrap();
    let (code, again, _) = run(url, &[&asterisk[..], &["-"]].concat(), &[], Some(&bytes));
    assert_eq!((code, counts(&again)), (0, [8, 0, 5, 1, 2]), "{again}");

    // FreeSWITCH in Chicago time across both DST changes.
    let fs = fixture("freeswitch-Master.csv");
    let freeswitch =
        ["import", "cdr", "--format", "freeswitch-csv", "--source", "fs1", "--timezone", "America/Chicago"];
    let (code, summary, err) = run(url, &freeswitch, &[&fs], None);
    assert_eq!((code, counts(&summary)), (0, [3, 2, 0, 0, 1]), "{summary} {err}");
    let ann_calls = calls_of(store.as_ref(), ann).await;
    let spring = ann_calls.iter().find(|c| c.source_system == "fs1" && c.direction == Direction::Outbound).unwrap();
    assert_eq!(spring.started_at, Utc.with_ymd_and_hms(2024, 3, 10, 7, 59, 0).unwrap());
    let fall = ann_calls.iter().find(|c| c.source_system == "fs1" && c.direction == Direction::Inbound).unwrap();
    assert_eq!(fall.started_at, Utc.with_ymd_and_hms(2024, 11, 3, 7, 30, 0).unwrap(), "the second 01:30 (CST)");

    // The FreeSWITCH file is not an Asterisk one: refused whole, 65.
    let (code, refused, err) = run(url, &asterisk, &[&fs], None);
    assert_eq!(code, 65, "{err}");
    assert_eq!(refused["read"], 0);
    assert_eq!(refused["not_the_format"], json!([fs.display().to_string()]));
    assert!(err.contains("not a asterisk-csv file"), "{err}");

    // Quarantine: the unknown number, two malformed Asterisk rows, the DST-gap row.
    let cfg = Reviewing::set_up(store.as_ref()).await;
    let listed = quarantine_list(url, &cfg, &[]);
    assert_eq!(listed.len(), 4, "{listed:?}");
    let cut = listed.iter().find(|e| e["line_number"] == 8).unwrap();
    assert!(cut["reason"].as_str().unwrap().contains("cut mid-line"), "{cut}");
    let gap = listed.iter().find(|e| e["source"] == "fs1").unwrap();
    assert!(gap["reason"].as_str().unwrap().contains("never happened"), "{gap}");
    assert!(listed.iter().all(|e| e.get("row").is_none()), "a list shows no rows: {listed:?}");
    let unmatched = quarantine_list(url, &cfg, &["--kind", "unmatched"]);
    assert_eq!(unmatched.len(), 1);
    let id = unmatched[0]["id"].as_i64().unwrap().to_string();
    let before = decisions(store.as_ref()).await.len();
    let shown = reviewer_run(url, &cfg, "privacy.office", &["show", &id]);
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let recorded = decisions(store.as_ref()).await;
    assert_eq!(recorded.len(), before + 1, "the read is a recorded decision");
    let entry = recorded.last().unwrap();
    assert_eq!(entry.decision, cpniguard_core::audit::Decision::Allow);
    assert!(entry.record_refs.contains(&format!("import_quarantine:entry:{id}")), "{:?}", entry.record_refs);
    // A CSR is refused by the gate (77), and the refusal is recorded too.
    let refused = reviewer_run(url, &cfg, "csr.quarantine", &["show", &id]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(77), "{err}");
    assert!(refused.stdout.is_empty() && err.contains("default-deny"), "{err}");
    let recorded = decisions(store.as_ref()).await;
    assert_eq!(recorded.last().unwrap().decision, cpniguard_core::audit::Decision::Deny);
    assert_eq!(recorded.len(), before + 2);
    assert!(shown["row"].as_str().unwrap().contains("4155550100"), "{shown}");
    assert_eq!((shown["file_name"].as_str(), shown["line_number"].as_u64()), (Some(master.to_str().unwrap()), Some(4)));

    // The unknown number is assigned: rematch stores the call and empties its entry.
    let cy = AccountId::new();
    store
        .create_account(cy, &mail_env::new_account("CDR-0003", "+14155550100", None, Language::En), Utc::now())
        .await
        .unwrap();
    store.add_service(&line(cy, "+14155550100", "2024-05-01")).await.unwrap();
    let (code, rematched, err) = run(url, &["import", "rematch"], &[], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rematched, json!({"examined": 1, "inserted": 1, "duplicates": 0, "still_unmatched": 0}));
    assert_eq!(calls_of(store.as_ref(), cy).await.len(), 1);
    assert!(quarantine_list(url, &cfg, &["--kind", "unmatched"]).is_empty());

    // Discard one malformed entry; a second discard of it fails.
    let malformed_id = quarantine_list(url, &cfg, &["--kind", "malformed"])[0]["id"].as_i64().unwrap();
    let out = reviewer_run(url, &cfg, "privacy.office", &["discard", &malformed_id.to_string()]);
    let discarded: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(discarded["discarded"], malformed_id, "{discarded}");
    let out = reviewer_run(url, &cfg, "privacy.office", &["discard", &malformed_id.to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(quarantine_list(url, &cfg, &[]).len(), 2);
}

/// `[audit]` with the key `cpniguard init --dir DIR` made, and the external anchor in
/// `dir` too (not in the working directory).
fn audit_config(dir: &Path) -> String {
    let key = dir.join("audit-signing.key").display().to_string();
    let anchor = dir.join("audit-anchor.json").display().to_string();
    format!("[audit]\nsigning_key_file = {key:?}\nanchor_file = {anchor:?}\n")
}

/// What the quarantine commands need: the carrier's signing key (they write audit
/// entries) and the staff acting, a trained privacy officer and a trained CSR.
struct Reviewing {
    _dir: tempfile::TempDir,
    config: PathBuf,
}

impl Reviewing {
    async fn set_up(store: &dyn Store) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let init = Command::new(env!("CARGO_BIN_EXE_cpniguard")).args(["init", "--dir"]).arg(dir.path()).output();
        assert!(init.unwrap().status.success());
        let config = dir.path().join("cpniguard.toml");
        std::fs::write(&config, audit_config(dir.path())).unwrap();
        for (username, role) in [("privacy.office", Role::PrivacyOfficer), ("csr.quarantine", Role::Csr)] {
            let new = NewStaff {
                username: Username::parse(username).unwrap(),
                display_name: username.to_owned(),
                roles: [role].into(),
                training_completed_on: Utc::now().date_naive().checked_sub_days(chrono::Days::new(10)),
            };
            store.create_staff(StaffId::new(), &new, Utc::now()).await.unwrap();
        }
        Self { _dir: dir, config }
    }
}

/// `cpniguard import quarantine ARGS --as USERNAME`.
fn reviewer_run(url: &str, cfg: &Reviewing, username: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .args(["import", "quarantine"])
        .args(args)
        .args(["--as", username, "--database-url", url, "--config"])
        .arg(&cfg.config)
        .env_remove("CPNIGUARD_CONFIG")
        .output()
        .unwrap()
}

fn quarantine_list(url: &str, cfg: &Reviewing, filters: &[&str]) -> Vec<Value> {
    let out = reviewer_run(url, cfg, "privacy.office", &[&["list"], filters].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The gate's decisions about the import quarantine, oldest first.
async fn decisions(store: &dyn Store) -> Vec<cpniguard_core::audit::AuditRecord> {
    let query = cpniguard_store::audit::AuditQuery { limit: 1000, ..Default::default() };
    let mut entries = store.search_audit(&query).await.unwrap().entries;
    entries.sort_by_key(|e| e.seq);
    entries.into_iter().map(|e| e.record).filter(|r| r.action == "review_import_quarantine").collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn switch_files_import_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(&format!("sqlite://{}", dir.path().join("db.sqlite").display())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn switch_files_import_on_postgres() {
    if let Some((url, _db)) = cpniguard_store::testing::create_fresh_postgres_database().await {
        scenario(&url).await;
    }
}

#[test]
fn an_unreachable_database_is_a_temporary_failure() {
    let (code, _, err) = run(
        "postgres://postgres@127.0.0.1:1/none",
        &["import", "cdr", "--format", "asterisk-csv"],
        &[&fixture("Master.csv")],
        None,
    );
    assert_eq!(code, 75, "{err}");
}

/// `cpniguard retention run`: calls past the retention go, counted by month in a signed
/// audit entry; a held account keeps its calls; a second run deletes nothing.
async fn retention(url: &str) {
    let store = cpniguard_store::open(url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_cpniguard")).args(["init", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let held = account(store.as_ref(), "RET-0001", "+12125550401").await;
    let free = account(store.as_ref(), "RET-0002", "+12125550402").await;
    let old = Utc::now() - chrono::Duration::days(600);
    let call = |account, id: &str, started_at| cpniguard_core::cpni::CallDetailRecord {
        id: None,
        account_id: account,
        service_number: PhoneNumber::parse("+12125550401").unwrap(),
        started_at,
        duration_secs: 60,
        direction: Direction::Outbound,
        other_party: "+13035550100".into(),
        destination: String::new(),
        call_type: cpniguard_core::cpni::CallType::LongDistance,
        charge: None,
        source_system: "pbx1".into(),
        source_record_id: id.into(),
    };
    let recent = Utc::now() - chrono::Duration::days(3);
    store.insert_calls(&[call(held, "1", old), call(free, "2", old), call(free, "3", recent)]).await.unwrap();
    let hold = cpniguard_store::retention::LegalHold {
        id: uuid::Uuid::now_v7(),
        target: cpniguard_store::retention::HoldTarget::Account(held),
        reason: "litigation".into(),
        reference: "Case 1".into(),
        placed_by: "privacy".into(),
        placed_at: Utc::now(),
        lifted_by: None,
        lifted_at: None,
    };
    store.place_legal_hold(&hold).await.unwrap();

    let config = dir.path().join("cpniguard.toml");
    std::fs::write(&config, audit_config(dir.path())).unwrap();
    let run_retention = || {
        let out = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
            .args(["retention", "run", "--database-url", url, "--config"])
            .arg(&config)
            .env_remove("CPNIGUARD_CONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let report = run_retention();
    let month = old.format("%Y-%m").to_string();
    assert_eq!(report["calls_by_month"], json!({ month.clone(): 1 }), "{report}");
    let seq = report["audit_seq"].as_u64().unwrap();
    let entries =
        store.search_audit(&cpniguard_store::audit::AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
    let entry = entries.entries.iter().find(|e| e.seq == seq).unwrap();
    assert_eq!(entry.record.action, "retention.delete");
    assert!(entry.record.record_refs.contains(&format!("calls:{month}=1")), "{:?}", entry.record.record_refs);
    assert_eq!(calls_of(store.as_ref(), held).await.len(), 1, "held");
    assert_eq!(calls_of(store.as_ref(), free).await.len(), 1, "recent");
    let again = run_retention();
    assert_eq!((again["calls_by_month"].clone(), again["audit_seq"].clone()), (json!({}), Value::Null));
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    retention(&format!("sqlite://{}", dir.path().join("db.sqlite").display())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_on_postgres() {
    if let Some((url, _db)) = cpniguard_store::testing::create_fresh_postgres_database().await {
        retention(&url).await;
    }
}

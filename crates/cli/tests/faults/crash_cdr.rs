//! `cpniguard import cdr` killed with SIGKILL after some of its batches committed and
//! while the switch was still writing to it, then the whole file imported again: every
//! record stored exactly once, the rerun counting what the killed run stored as
//! duplicates.

use crate::env::{backends, kill_hard};
use chrono::{NaiveDate, TimeZone, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::cpni::TimeRange;
use cpniguard_core::ids::AccountId;
use cpniguard_store::{CallQuery, StoreWithRecords};
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

const ROWS: usize = 1500;
const BATCH: usize = 50;
const PHONE: &str = "+12125550143";

/// One answered outbound call per minute of 1 June 2024, in Asterisk's cdr_csv.
fn row(i: usize) -> String {
    let start = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(i as i64);
    let (t0, t1) = (start.format("%Y-%m-%d %H:%M:%S"), (start + chrono::Duration::seconds(65)).format("%F %T"));
    format!(
        "\"\",\"2125550143\",\"3035550100\",\"from-internal\",\"\"\"Ann Lee\"\" <2125550143>\",\
         \"PJSIP/2125550143-{i:08}\",\"PJSIP/trunk-{i:08}\",\"Dial\",\"PJSIP/3035550100@trunk,30\",\
         \"{t0}\",\"{t0}\",\"{t1}\",65,60,\"ANSWERED\",\"DOCUMENTATION\",\"1717200000.{i}\",\"\"\n"
    )
}

async fn customer(store: &dyn StoreWithRecords) -> AccountId {
    let id = AccountId::new();
    store
        .create_account(id, &crate::mail_env::new_account("CDR-CRASH", PHONE, None, Language::En), Utc::now())
        .await
        .unwrap();
    let since = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    store.add_service(&crate::mail_env::voip_line(id, PHONE, since)).await.unwrap();
    id
}

/// The account's calls and how many distinct switch records they come from.
async fn stored(store: &dyn StoreWithRecords, account: AccountId) -> (usize, usize) {
    let range = TimeRange::new(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(), Utc::now()).unwrap();
    let (mut calls, mut starts, mut after) = (0, std::collections::BTreeSet::new(), None);
    loop {
        let page = store.list_calls(&CallQuery { account, range, after, limit: 1000 }).await.unwrap();
        calls += page.calls.len();
        starts.extend(page.calls.iter().map(|c| c.started_at));
        match page.next_after {
            Some(next) => after = Some(next),
            None => return (calls, starts.len()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_between_batches_stores_every_record_once_when_rerun() {
    for b in backends().await {
        let account = customer(&*b.store).await;
        let text: String = (0..ROWS).map(row).collect();
        let file = b.dir.path().join("Master.csv");
        std::fs::write(&file, &text).unwrap();
        let args = ["import", "cdr", "--format", "asterisk-csv", "--source", "pbx1"];
        let batch = BATCH.to_string();

        // The switch is still writing: two thirds of the file reach the import, the
        // rest never does; the kill comes once some batches are in.
        let mut child = b
            .cpniguard(&args)
            .arg("-")
            .env("CPNIGUARD_IMPORT__BATCH_ROWS", &batch)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        for line in text.lines().take(ROWS * 2 / 3) {
            input.write_all(line.as_bytes()).unwrap();
            input.write_all(b"\n").unwrap();
        }
        input.flush().unwrap();
        let started = std::time::Instant::now();
        while stored(&*b.store, account).await.0 < ROWS / 3 {
            assert!(started.elapsed() < Duration::from_secs(120), "{}: the import did not commit", b.name);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        kill_hard(&mut child);
        drop(input);
        let (at_kill, _) = stored(&*b.store, account).await;
        assert!(at_kill > 0 && at_kill < ROWS, "{}: {at_kill} stored at the kill", b.name);
        assert_eq!(at_kill % BATCH, 0, "{}: whole batches only, never part of one", b.name);

        let out = b.cpniguard(&args).env("CPNIGUARD_IMPORT__BATCH_ROWS", &batch).arg(&file).output().unwrap();
        assert!(out.status.success(), "{}: {}", b.name, String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let summary: Value = stdout.lines().last().and_then(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
        let count = |k: &str| summary[k].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(count("read"), ROWS, "{summary}");
        assert_eq!((count("inserted"), count("duplicates")), (ROWS - at_kill, at_kill), "{}: {summary}", b.name);
        assert_eq!(stored(&*b.store, account).await, (ROWS, ROWS), "{}: every record once", b.name);
        println!("{}: killed with {at_kill} of {ROWS} records stored", b.name);
    }
}

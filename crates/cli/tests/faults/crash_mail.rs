//! `mail watch` killed with SIGKILL part way through a Maildir of opt-outs, then run
//! again: every opt-out applied exactly once (both marketing scopes, one confirmation
//! each), whichever message was between its commit and its move to `cur` at the kill.
//! And mail held up by an outage is seen by its wait once applied.

use crate::env::{Backend, backends, kill_hard, wait_for};
use chrono::{Duration, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::consent::ConsentEventKind;
use cpniguard_core::ids::AccountId;
use cpniguard_server::config::OptOutHealthConfig;
use cpniguard_server::consent_jobs::{Failure, failures};
use cpniguard_store::consent::OptOutMechanism;
use cpniguard_store::{NoticeQuery, Store};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

const MESSAGES: usize = 200;

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// An opt-out from customer `i`, as the carrier's MTA delivers it.
fn opt_out_message(i: usize, received: &str) -> String {
    format!(
        "Received: from mail.example.com by mx.carrier.example; {received}\r\n\
         From: Customer {i} <customer{i}@example.com>\r\n\
         To: marketing@carrier.example\r\n\
         Subject: Stop\r\n\
         Message-ID: <stop-{i}@example.com>\r\n\
         Content-Type: text/plain\r\n\r\n\
         Please stop using my information for marketing.\r\n"
    )
}

async fn customers(store: &dyn Store, n: usize) -> Vec<AccountId> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = AccountId::new();
        let email = format!("customer{i}@example.com");
        let phone = format!("+1801555{i:04}");
        let account = crate::mail_env::new_account(&format!("OPT-{i:04}"), &phone, Some(&email), Language::En);
        store.create_account(id, &account, Utc::now()).await.unwrap();
        ids.push(id);
    }
    ids
}

fn watch(b: &Backend, maildir: &Path, once: bool) -> Command {
    let mut c = b.cpniguard(&["mail", "watch", "--poll-ms", "20", "--maildir"]);
    c.arg(maildir).env("CPNIGUARD_CONSENT__TRUSTED_AUTHSERV_ID", crate::mail_env::TRUSTED);
    if once {
        c.arg("--once");
    }
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_watch_killed_mid_maildir_applies_every_opt_out_exactly_once() {
    for b in backends().await {
        let ids = customers(&*b.store, MESSAGES).await;
        let maildir = b.dir.path().join("Maildir");
        std::fs::create_dir_all(maildir.join("new")).unwrap();
        let now = Utc::now().to_rfc2822();
        for i in 0..MESSAGES {
            std::fs::write(maildir.join(format!("new/{i:04}.host")), opt_out_message(i, &now)).unwrap();
        }
        let mut child = watch(&b, &maildir, false).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let cur = maildir.join("cur");
        wait_for("a quarter of the mail processed", std::time::Duration::from_secs(120), || {
            count(&cur) >= MESSAGES / 4
        })
        .await;
        kill_hard(&mut child);
        let left = count(&maildir.join("new"));
        assert!(left > 0, "{}: killed after the last message; the test proves nothing", b.name);

        let out = watch(&b, &maildir, true).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}: {}", b.name, String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).lines().count() >= left, "the rest processed");
        assert_eq!((count(&maildir.join("new")), count(&cur)), (0, MESSAGES), "{}", b.name);

        for (i, id) in ids.iter().enumerate() {
            let history = b.store.consent_history(*id).await.unwrap();
            assert_eq!(history.len(), 2, "{}: customer {i}: one opt-out per marketing scope", b.name);
            assert!(history.iter().all(|e| e.kind == ConsentEventKind::OptOut));
            let query = NoticeQuery { account: Some(*id), limit: 10, ..Default::default() };
            let notices = b.store.list_notices(&query).await.unwrap().notices;
            assert_eq!(notices.len(), 1, "{}: customer {i}: one confirmation", b.name);
        }
        println!("{}: killed with {left} of {MESSAGES} messages waiting", b.name);
    }
}

fn arrived_late(found: &[Failure]) -> bool {
    found.iter().any(|f| f.mechanism == OptOutMechanism::MailIngest && f.problem.contains("applied late"))
}

#[tokio::test]
async fn maildir_mail_held_up_by_an_outage_is_seen_by_its_wait() {
    for b in backends().await {
        customers(&*b.store, 1).await;
        // Delivered to the Maildir five hours ago, while the database was away.
        let maildir = b.dir.path().join("Maildir");
        std::fs::create_dir_all(maildir.join("new")).unwrap();
        let file = maildir.join("new/0000.host");
        std::fs::write(&file, opt_out_message(0, &Utc::now().to_rfc2822())).unwrap();
        let five_hours_ago = SystemTime::now() - std::time::Duration::from_secs(5 * 3600);
        std::fs::File::options().write(true).open(&file).unwrap().set_modified(five_hours_ago).unwrap();
        let out = watch(&b, &maildir, true).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let found = failures(&*b.store, &OptOutHealthConfig::default(), Utc::now()).await.unwrap();
        assert!(arrived_late(&found), "{}: {found:?}", b.name);
        let health = b.store.optout_health(OptOutMechanism::MailIngest, Utc::now() - Duration::days(1)).await.unwrap();
        assert_eq!(health.failures_since_last_ok, 0, "by its failures it looked healthy");
    }
}

#[tokio::test]
async fn piped_mail_is_judged_by_its_received_header() {
    let e = crate::mail_env::env().await;
    customers(&*e.store, 2).await;
    let limits = OptOutHealthConfig::default();
    let received = (Utc::now() - Duration::hours(3)).to_rfc2822();
    let (code, out) = crate::mail_env::ingest(&e.url, opt_out_message(1, &received).as_bytes());
    assert_eq!((code, out["outcome"].as_str()), (0, Some("applied")), "{out}");
    assert!(!arrived_late(&failures(&*e.store, &limits, Utc::now()).await.unwrap()), "3 hours is within 4");
    let received = (Utc::now() - Duration::hours(6)).to_rfc2822();
    let (code, out) = crate::mail_env::ingest(&e.url, opt_out_message(0, &received).as_bytes());
    assert_eq!((code, out["outcome"].as_str()), (0, Some("applied")), "{out}");
    assert!(arrived_late(&failures(&*e.store, &limits, Utc::now()).await.unwrap()), "6 hours is not");
}

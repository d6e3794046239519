//! Two `cpniguard serve` processes on one PostgreSQL database, as behind a load
//! balancer: both answer gated call-detail reads at once while both notice workers
//! drain one outbox. Their group-commit writers interleave batches in the one audit
//! chain, which `cpniguard audit verify` then checks end to end (links, hashes, both
//! servers' signed checkpoints); every notice reaches the SMTP server exactly once;
//! and a staff token revoked while both run is refused by both within a second.
//! Skipped without `CPNIGUARD_TEST_POSTGRES_URL`.

use chrono::{Days, Utc};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel};
use cpniguard_core::ids::StaffId;
use cpniguard_core::notice::NewNotice;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_notify::testing::SmtpSink;
use cpniguard_server::auth::tokens;
use cpniguard_store::auth::{Evidence, Interaction};
use cpniguard_store::postgres::PgStore;
use cpniguard_store::testing::create_fresh_postgres_database;
use cpniguard_store::{AccountQuery, AuditStore, CustomerAuthStore, Store, StoreOptions};
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(dir: &std::path::Path, url: &str, port: u16, smtp: SocketAddr) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .current_dir(dir)
        .env_remove("CPNIGUARD_CONFIG")
        .env("CPNIGUARD_DATABASE__URL", url)
        .env("CPNIGUARD_NOTICES__WORKER__POLL_INTERVAL_MS", "50")
        .env("CPNIGUARD_NOTICES__WORKER__BATCH_SIZE", "10")
        .env("CPNIGUARD_NOTICES__EMAIL__ENABLED", "true")
        .env("CPNIGUARD_NOTICES__EMAIL__SMTP_HOST", smtp.ip().to_string())
        .env("CPNIGUARD_NOTICES__EMAIL__SMTP_PORT", smtp.port().to_string())
        .env("CPNIGUARD_NOTICES__EMAIL__TLS", "none")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cpniguard serve")
}

async fn wait_ready(http: &reqwest::Client, port: u16) {
    let started = Instant::now();
    while http.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "server on {port} never came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stop(mut child: Child) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success(), "a clean shutdown");
}

const NOTICES: usize = 200;

/// A privacy-office reminder: a notice with no account, delivered by email.
fn reminder(i: usize, now: chrono::DateTime<Utc>) -> NewNotice {
    cpniguard_notify::testing::reminder_notice(format!("two-servers:{i}"), now)
}

/// A trained CSR and a token for them.
async fn staff_token(store: &PgStore, username: &str, now: chrono::DateTime<Utc>) -> (StaffId, String) {
    let new = NewStaff {
        username: Username::parse(username).unwrap(),
        display_name: username.to_owned(),
        roles: [Role::Csr].into(),
        training_completed_on: now.date_naive().checked_sub_days(Days::new(5)),
    };
    let staff = store.create_staff(StaffId::new(), &new, now).await.unwrap();
    let token = tokens::generate();
    store.add_staff_token(staff.id, &tokens::hash(&token), "test", now).await.unwrap();
    (staff.id, token)
}

async fn search(http: &reqwest::Client, port: u16, token: &str) -> reqwest::StatusCode {
    let url = format!("http://127.0.0.1:{port}/api/v1/accounts?limit=1");
    http.get(url).bearer_auth(token).send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_keep_one_verifiable_chain() {
    let Some((url, _db)) = create_fresh_postgres_database().await else { return };
    let store = PgStore::connect(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let now = Utc::now();
    cpniguard_demo::seed(&store, &cpniguard_demo::DemoSpec::new(4, 3, now), &|_| {}).await.unwrap();
    let (csr, token) = staff_token(&store, "two.csr", now).await;
    let account = store.search_accounts(&AccountQuery { limit: 1, ..AccountQuery::default() }).await.unwrap();
    let account = account.accounts[0].id;
    let visit = Interaction {
        id: Uuid::now_v7(),
        account_id: account,
        channel: InteractionChannel::InStore,
        staff_id: Some(csr),
        opened_at: now,
        expires_at: now + chrono::Duration::hours(2),
    };
    store.open_interaction(&visit).await.unwrap();
    let evidence = Evidence { kind: EvidenceKind::PhotoIdChecked, detail: None, recorded_at: now };
    store.add_evidence(visit.id, &evidence).await.unwrap();

    // Job load: notices queued for the workers of both servers.
    let notices: Vec<NewNotice> = (0..NOTICES).map(|i| reminder(i, now)).collect();
    assert_eq!(store.enqueue_notices(&notices, now).await.unwrap(), NOTICES as u64);
    let sink = SmtpSink::start();
    let smtp = SocketAddr::new(sink.email_config().smtp_host.parse().unwrap(), sink.email_config().smtp_port);
    let (_, revoked) = staff_token(&store, "two.leaver", now).await;

    let dir = tempfile::tempdir().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_cpniguard")).args(["init", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(init.status.success());
    let ports = [free_port(), free_port()];
    let servers: Vec<Child> = ports.iter().map(|p| serve(dir.path(), &url, *p, smtp)).collect();
    let http = reqwest::Client::new();
    for port in ports {
        wait_ready(&http, port).await;
    }

    const PER_SERVER: usize = 60;
    let mut reads = Vec::new();
    for i in 0..PER_SERVER * 2 {
        let port = ports[i % 2];
        let url = format!(
            "http://127.0.0.1:{port}/api/v1/accounts/{account}/calls?limit=5&purpose=service_and_support&interaction={}",
            visit.id
        );
        let http = http.clone();
        let token = token.clone();
        reads.push(tokio::spawn(async move { http.get(url).bearer_auth(token).send().await.unwrap().status() }));
    }
    for read in reads {
        assert_eq!(read.await.unwrap(), reqwest::StatusCode::OK);
    }

    // Revoked while both run: refused by both within a second.
    for port in ports {
        assert_eq!(search(&http, port, &revoked).await, reqwest::StatusCode::OK, "the token works before");
    }
    let revoke = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .env_remove("CPNIGUARD_CONFIG")
        .env("CPNIGUARD_DATABASE__URL", &url)
        .args(["staff", "revoke", "--username", "two.leaver"])
        .output()
        .unwrap();
    assert!(revoke.status.success(), "{}", String::from_utf8_lossy(&revoke.stderr));
    let revoked_at = Instant::now();
    for port in ports {
        while search(&http, port, &revoked).await != reqwest::StatusCode::UNAUTHORIZED {
            assert!(revoked_at.elapsed() < Duration::from_secs(1), "server on {port} still accepts a revoked token");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // Every message the two servers sent (the queued notices, and whatever their daily
    // jobs queued) arrives once; each queued notice is among them.
    let expected: Vec<String> = notices.iter().map(|n| format!("{}@carrier.example", n.id)).collect();
    let started = Instant::now();
    let received = || sink.messages().into_iter().filter_map(|m| m.message_id()).collect::<Vec<_>>();
    while !expected.iter().all(|id| received().contains(id)) {
        assert!(started.elapsed() < Duration::from_secs(60), "not every notice was delivered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a duplicate to arrive before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut per_message: BTreeMap<String, usize> = BTreeMap::new();
    for id in received() {
        *per_message.entry(id).or_default() += 1;
    }
    let repeated: Vec<_> = per_message.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "delivered more than once: {repeated:?}");

    for server in servers {
        stop(server);
    }

    // One entry per read, none lost; and the revoked token each server refused once,
    // counted per source and minute and written at the latest when the server stopped.
    let entries = store.audit_entries(1, 1000).await.unwrap();
    let head = store.audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, entries.len() as u64);
    let reads = entries.iter().filter(|e| e.record.action == "read_call_detail").count();
    assert_eq!(reads, PER_SERVER * 2, "one entry per read, none lost");
    let refused: u64 = entries
        .iter()
        .filter(|e| e.record.action == "auth.unidentified_failures")
        .flat_map(|e| e.record.record_refs.iter().filter_map(|r| r.strip_prefix("count:")?.parse::<u64>().ok()))
        .sum();
    assert_eq!(refused, 2, "the revoked token, refused once by each server");
    let verify = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .current_dir(dir.path())
        .env_remove("CPNIGUARD_CONFIG")
        .env("CPNIGUARD_DATABASE__URL", &url)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout).into_owned() + &String::from_utf8_lossy(&verify.stderr);
    assert!(verify.status.success(), "{out}");
}

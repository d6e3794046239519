//! Two `cpniguard serve` processes on one PostgreSQL database, both answering gated
//! call-detail reads at once: their group-commit writers interleave batches in the one
//! audit chain, which `cpniguard audit verify` then checks end to end (links, hashes,
//! both servers' signed checkpoints). Skipped without `CPNIGUARD_TEST_POSTGRES_URL`.

use chrono::{Days, Utc};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel};
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_server::auth::tokens;
use cpniguard_store::auth::{Evidence, Interaction};
use cpniguard_store::postgres::PgStore;
use cpniguard_store::testing::create_fresh_postgres_database;
use cpniguard_store::{AccountQuery, AuditStore, CustomerAuthStore, Store, StoreOptions};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(dir: &std::path::Path, url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .current_dir(dir)
        .env_remove("CPNIGUARD_CONFIG")
        .env("CPNIGUARD_DATABASE__URL", url)
        .env("CPNIGUARD_NOTICES__WORKER__ENABLED", "false")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_keep_one_verifiable_chain() {
    let Some((url, _db)) = create_fresh_postgres_database().await else { return };
    let store = PgStore::connect(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let now = Utc::now();
    cpniguard_demo::seed(&store, &cpniguard_demo::DemoSpec::new(4, 3, now), &|_| {}).await.unwrap();
    let csr = NewStaff {
        username: Username::parse("two.csr").unwrap(),
        display_name: "CSR".into(),
        roles: [Role::Csr].into(),
        training_completed_on: now.date_naive().checked_sub_days(Days::new(5)),
    };
    let csr = store.create_staff(StaffId::new(), &csr, now).await.unwrap();
    let token = tokens::generate();
    store.add_staff_token(csr.id, &tokens::hash(&token), "test", now).await.unwrap();
    let account = store.search_accounts(&AccountQuery { limit: 1, ..AccountQuery::default() }).await.unwrap();
    let account = account.accounts[0].id;
    let visit = Interaction {
        id: Uuid::now_v7(),
        account_id: account,
        channel: InteractionChannel::InStore,
        staff_id: Some(csr.id),
        opened_at: now,
        expires_at: now + chrono::Duration::hours(2),
    };
    store.open_interaction(&visit).await.unwrap();
    let evidence = Evidence { kind: EvidenceKind::PhotoIdChecked, detail: None, recorded_at: now };
    store.add_evidence(visit.id, &evidence).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_cpniguard")).args(["init", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(init.status.success());
    let ports = [free_port(), free_port()];
    let servers: Vec<Child> = ports.iter().map(|p| serve(dir.path(), &url, *p)).collect();
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
    for server in servers {
        stop(server);
    }

    let head = store.audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, (PER_SERVER * 2) as u64, "one entry per read, none lost");
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

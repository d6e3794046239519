//! What the fault tests share: a fresh database per backend, the real `cpniguard`
//! binary run against it, a server with a CSR who may read call detail, and the
//! checks every test ends with (the chain verifies; waiting for a condition).

use chrono::{DateTime, Days, Utc};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_server::auth::tokens;
use cpniguard_store::auth::{Evidence, Interaction};
use cpniguard_store::testing::{PgTestDb, create_fresh_postgres_database};
use cpniguard_store::{AccountQuery, StoreOptions, StoreWithRecords};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A fresh, migrated database; the directory holds the SQLite file (or nothing) and
/// the signing key and anchor of the servers run on it.
pub struct Backend {
    pub name: &'static str,
    pub url: String,
    pub store: Arc<dyn StoreWithRecords>,
    pub dir: tempfile::TempDir,
    _postgres: Option<PgTestDb>,
}

/// SQLite always; PostgreSQL too when `CPNIGUARD_TEST_POSTGRES_URL` is set.
pub async fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    out.push(backend("sqlite", url, dir, None).await);
    if let Some((url, db)) = create_fresh_postgres_database().await {
        out.push(backend("postgres", url, tempfile::tempdir().unwrap(), Some(db)).await);
    }
    out
}

async fn backend(name: &'static str, url: String, dir: tempfile::TempDir, pg: Option<PgTestDb>) -> Backend {
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    Backend { name, url, store, dir, _postgres: pg }
}

impl Backend {
    /// A database made elsewhere (a private cluster), migrated already.
    pub fn from_parts(
        name: &'static str,
        url: String,
        store: Arc<dyn StoreWithRecords>,
        dir: tempfile::TempDir,
    ) -> Backend {
        Backend { name, url, store, dir, _postgres: None }
    }

    /// `cpniguard ARGS` on this database, in the backend's directory (where `init`
    /// wrote the key), with no configuration file.
    pub fn cpniguard(&self, args: &[&str]) -> Command {
        cpniguard_at(self.dir.path(), &self.url, args)
    }

    /// The carrier's audit signing key, made once per backend.
    pub fn init(&self) {
        let out = self.cpniguard(&["init", "--dir"]).arg(self.dir.path()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// `cpniguard audit verify` passes.
    pub fn assert_chain_verifies(&self) {
        let out = self.cpniguard(&["audit", "verify"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: audit verify: {text}", self.name);
    }
}

pub fn cpniguard_at(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
    c.current_dir(dir).env_remove("CPNIGUARD_CONFIG").env("CPNIGUARD_DATABASE__URL", url).args(args);
    c
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `cpniguard serve` on `port`, its logs in `log` (read when a test fails).
pub fn serve(dir: &Path, url: &str, port: u16, log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    cpniguard_at(dir, url, &["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start cpniguard serve")
}

pub async fn wait_ready(http: &reqwest::Client, port: u16) {
    let started = Instant::now();
    while http.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "server on {port} never came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `kill -9`: no shutdown path runs, nothing is flushed.
pub fn kill_hard(child: &mut Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `kill -TERM` and a clean exit.
pub fn stop(mut child: Child) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success(), "a clean shutdown");
}

/// Polls `done` every few milliseconds until it holds; fails after `limit`.
pub async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A CSR with a token, in a visit with the customer's photo ID checked: what a gated
/// call-detail read needs. Returns the token and the read's path (without query end).
pub struct Reader {
    pub token: String,
    pub path: String,
}

pub async fn call_detail_reader(store: &dyn StoreWithRecords, now: DateTime<Utc>) -> Reader {
    cpniguard_demo::seed(store, &cpniguard_demo::DemoSpec::new(4, 3, now), &|_| {}).await.unwrap();
    let staff = NewStaff {
        username: Username::parse("fault.csr").unwrap(),
        display_name: "Fault CSR".to_owned(),
        roles: [Role::Csr].into(),
        training_completed_on: now.date_naive().checked_sub_days(Days::new(5)),
    };
    let staff = store.create_staff(StaffId::new(), &staff, now).await.unwrap();
    let token = tokens::generate();
    store.add_staff_token(staff.id, &tokens::hash(&token), "test", now).await.unwrap();
    let account: AccountId =
        store.search_accounts(&AccountQuery { limit: 1, ..AccountQuery::default() }).await.unwrap().accounts[0].id;
    let visit = Interaction {
        id: Uuid::now_v7(),
        account_id: account,
        channel: InteractionChannel::InStore,
        staff_id: Some(staff.id),
        opened_at: now,
        expires_at: now + chrono::Duration::hours(3),
    };
    store.open_interaction(&visit).await.unwrap();
    let evidence = Evidence { kind: EvidenceKind::PhotoIdChecked, detail: None, recorded_at: now };
    store.add_evidence(visit.id, &evidence).await.unwrap();
    let path = format!("/api/v1/accounts/{account}/calls?limit=5&purpose=service_and_support&interaction={}", visit.id);
    Reader { token, path }
}

/// The server's log, for a failure message.
pub fn log_of(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

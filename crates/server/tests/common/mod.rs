#![allow(dead_code)] // Each test binary uses a different part of this harness.
//! A real server on port 0 with a fresh database, driven over HTTP as a client would.

use chrono::{Days, Utc};
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_server::auth::tokens;
use cpniguard_server::serve::serve;
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

pub struct TestServer {
    pub backend: &'static str,
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub admin: String,
    pub csr: String,
    pub marketing: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _db: Box<dyn std::any::Any + Send>,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(token)
    }
}

pub async fn staff_token(store: &dyn Store, username: &str, role: Role) -> String {
    let new = NewStaff {
        username: Username::parse(username).unwrap(),
        display_name: username.to_owned(),
        roles: [role].into(),
        training_completed_on: Utc::now().date_naive().checked_sub_days(Days::new(10)),
    };
    let staff = store.create_staff(StaffId::new(), &new, Utc::now()).await.unwrap();
    let token = tokens::generate();
    store.add_staff_token(staff.id, &tokens::hash(&token), "test", Utc::now()).await.unwrap();
    token
}

async fn start(
    backend: &'static str,
    store: Arc<dyn Store>,
    db: Box<dyn std::any::Any + Send>,
    config: Config,
) -> TestServer {
    let admin = staff_token(store.as_ref(), "admin.test", Role::Admin).await;
    let csr = staff_token(store.as_ref(), "csr.test", Role::Csr).await;
    let marketing = staff_token(store.as_ref(), "marketing.test", Role::Marketing).await;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(store.clone(), config, Arc::new(SystemClock));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve(state, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    TestServer {
        backend,
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        store,
        admin,
        csr,
        marketing,
        _shutdown: tx,
        _db: db,
    }
}

/// One server per available backend: SQLite always, PostgreSQL when
/// `CPNIGUARD_TEST_POSTGRES_URL` is set (CI sets it).
pub async fn servers_with(config: impl Fn() -> Config) -> Vec<TestServer> {
    let mut out = Vec::new();
    let (dir, store) = cpniguard_store::testing::fresh_sqlite().await;
    out.push(start("sqlite", store, Box::new(dir), config()).await);
    if let Some((db, store)) = cpniguard_store::testing::fresh_postgres().await {
        out.push(start("postgres", store, Box::new(db), config()).await);
    }
    out
}

pub async fn servers() -> Vec<TestServer> {
    servers_with(Config::default).await
}

pub fn new_account_body(number: &str, phone: &str) -> serde_json::Value {
    serde_json::json!({
        "account_number": number,
        "kind": "residential",
        "name": "María López",
        "language": "es",
        "postal_address": {"line1": "10 Main St", "city": "Provo", "state": "UT", "zip": "84601"},
        "email": "maria@example.com",
        "telephone_numbers": [phone]
    })
}

#![allow(dead_code)] // Each test binary uses a different part of this harness.
//! A real server on port 0 with a fresh database, driven over HTTP as a client would.

pub mod browser;
pub mod console;
pub mod routes;

use chrono::{Days, Duration, Utc};
use cpniguard_core::account::{
    AccountKind, AccountProfile, AccountStatus, BusinessExemption, DirectoryListing, Language, NewAccount, PicFreeze,
    PostalAddress, TimeZoneName,
};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::ids::StaffId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_server::auth::tokens;
use cpniguard_server::serve::serve;
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::{Store, StoreWithRecords};
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
    /// The state the server runs on, for tests that look at its router.
    pub state: AppState,
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

async fn staff_token(store: &dyn Store, username: &str, role: Role) -> String {
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
    store: Arc<dyn StoreWithRecords>,
    db: Box<dyn std::any::Any + Send>,
    config: Config,
) -> TestServer {
    let admin = staff_token(store.as_ref(), "admin.test", Role::Admin).await;
    let csr = staff_token(store.as_ref(), "csr.test", Role::Csr).await;
    let marketing = staff_token(store.as_ref(), "marketing.test", Role::Marketing).await;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::with_throwaway_key(store.clone(), config, Arc::new(SystemClock));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    tokio::spawn(async move {
        serve(served, listener, async {
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
        state,
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

impl TestServer {
    /// A new trained staff member with `role`; their API token.
    pub async fn staff_token(&self, username: &str, role: Role) -> String {
        staff_token(self.store.as_ref(), username, role).await
    }

    /// An interaction `token`'s holder opens with the customer of `account` on
    /// `channel`; its id.
    pub async fn open_interaction(&self, token: &str, account: &str, channel: &str) -> String {
        let r = self
            .post(&format!("/api/v1/accounts/{account}/interactions"), token)
            .json(&serde_json::json!({"channel": channel}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::CREATED);
        let v: serde_json::Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_owned()
    }

    /// An in-store interaction in which `token`'s holder checked a valid photo ID: it
    /// opens call detail (47 CFR 64.2010(d)); its id.
    pub async fn in_store_with_photo_id(&self, token: &str, account: &str) -> String {
        let interaction = self.open_interaction(token, account, "in_store").await;
        let expires = (Utc::now() + Days::new(300)).date_naive();
        let r = self
            .post(&format!("/api/v1/interactions/{interaction}/photo-id"), token)
            .json(&serde_json::json!({"id_type": "drivers_license", "last4": "A123", "expires_on": expires, "name_matched": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        interaction
    }
}

impl TestServer {
    /// A new staff member with `role` and CPNI training completed on `trained_on`; their token.
    pub async fn staff(&self, username: &str, role: Role, trained_on: Option<chrono::NaiveDate>) -> String {
        let new = NewStaff {
            username: Username::parse(username).unwrap(),
            display_name: username.to_owned(),
            roles: [role].into(),
            training_completed_on: trained_on,
        };
        let staff = self.store.create_staff(StaffId::new(), &new, Utc::now()).await.unwrap();
        let token = tokens::generate();
        self.store.add_staff_token(staff.id, &tokens::hash(&token), "test", Utc::now()).await.unwrap();
        token
    }

    /// The CSR sets the customer's online password in store, after a photo ID.
    pub async fn set_password(&self, account: &str, password: &str) {
        let visit = self.in_store_with_photo_id(&self.csr, account).await;
        let r = self
            .post(&format!("/api/v1/interactions/{visit}/credentials"), &self.csr)
            .json(&serde_json::json!({"kind": "password", "secret": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
    }

    /// Log in to the portal; the `cookie` header value of the session.
    pub async fn portal_login(&self, email: &str, password: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/v1/portal/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
    }
}

impl TestServer {
    /// An account opened `days_ago` days ago (so its contact points are that old).
    pub async fn account_opened(
        &self,
        number: &str,
        phone: &str,
        email: &str,
        days_ago: i64,
        business: bool,
    ) -> AccountId {
        let new = NewAccount {
            profile: AccountProfile {
                account_number: cpniguard_core::account::AccountNumber::parse(number).unwrap(),
                kind: if business { AccountKind::Business } else { AccountKind::Residential },
                name: "Ana Ruiz".into(),
                language: Language::En,
                time_zone: TimeZoneName::parse("America/Denver").unwrap(),
                status: AccountStatus::Active,
                pic_freeze: PicFreeze::default(),
                directory_listing: DirectoryListing::Listed,
                business_exemption: business.then(|| BusinessExemption { contract_reference: "MSA-2024-17".into() }),
            },
            postal_address: PostalAddress {
                line1: "10 Main St".into(),
                line2: None,
                city: "Provo".into(),
                state: "UT".into(),
                zip: "84601".into(),
                country: "US".into(),
            },
            email: Some(EmailAddress::parse(email).unwrap()),
            telephone_numbers: vec![PhoneNumber::parse(phone).unwrap()],
        };
        let id = AccountId::new();
        self.store.create_account(id, &new, Utc::now() - Duration::days(days_ago)).await.unwrap();
        id
    }
}

/// A portal session for the account: in a store visit with a valid photo ID the customer
/// sets `password`, then logs in with `email`. Returns the session cookie (`name=value`).
pub async fn portal_session(s: &TestServer, account_id: &str, email: &str, password: &str) -> String {
    s.set_password(account_id, password).await;
    s.portal_login(email, password).await
}

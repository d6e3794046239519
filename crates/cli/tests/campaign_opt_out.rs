//! End to end, on every backend: a customer in an approved campaign's audience opts out
//! by sending an email to the marketing address (`cpniguard mail ingest`, the real
//! binary), and the campaign's next audience, computed over HTTP by the real server on
//! the same database, leaves them out — while the first snapshot still proves they were
//! targeted then, and the database refuses to change it.

mod mail_env;

use chrono::{Days, Duration, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::consent::{
    CARRIER_MARKETING, ConsentChannel, ConsentEvent, ConsentEventKind, Evidence, NoticeMedium, NoticeServed,
};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_server::auth::tokens;
use cpniguard_server::serve::serve;
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::consent::ConsentChange;
use cpniguard_store::{Store, StoreOptions};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use uuid::Uuid;

/// An opt-out notice e-mailed 60 days ago: the carrier's marketing is approved now.
fn notice(account: AccountId) -> ConsentEvent {
    let at = Utc::now() - Duration::days(60);
    ConsentEvent {
        id: Uuid::now_v7(),
        account_id: account,
        scope: CARRIER_MARKETING.to_owned(),
        kind: ConsentEventKind::NoticeServed,
        at,
        channel: ConsentChannel::Email,
        recorded_by: "staff:test".to_owned(),
        recorded_at: at,
        evidence: Evidence::default(),
        notice: Some(NoticeServed { version: "v1".to_owned(), medium: NoticeMedium::Electronic }),
        refers_to: None,
        idempotency_key: None,
    }
}

async fn token(store: &dyn Store, username: &str, role: Role) -> String {
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

/// `cpniguard mail ingest` with the fixture on stdin: (exit code, the JSON line).
fn ingest(url: &str, fixture: &str) -> (i32, Value) {
    let raw = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail").join(fixture)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .args(["mail", "ingest", "--database-url", url])
        .env_remove("CPNIGUARD_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&raw).unwrap();
    let out = child.wait_with_output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("null").to_owned();
    (out.status.code().unwrap(), serde_json::from_str(&line).unwrap_or(Value::Null))
}

/// Raw SQL that changes a snapshot row: the database must refuse it.
async fn try_to_change_the_snapshot(url: &str) -> Result<u64, sqlx::Error> {
    let statement = "UPDATE campaign_audience_members SET included = FALSE";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await?;
        Ok(sqlx::query(statement).execute(&pool).await?.rows_affected())
    } else {
        let pool = sqlx::PgPool::connect(url).await?;
        Ok(sqlx::query(statement).execute(&pool).await?.rows_affected())
    }
}

async fn run(url: &str) {
    let store = cpniguard_store::open(url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let rosa = AccountId::new();
    let luis = AccountId::new();
    store
        .create_account(
            rosa,
            &mail_env::new_account("OPT-1", "+18015557101", Some("rosa@example.com"), Language::Es),
            Utc::now(),
        )
        .await
        .unwrap();
    store
        .create_account(
            luis,
            &mail_env::new_account("OPT-2", "+18015557102", Some("luis@example.com"), Language::Es),
            Utc::now(),
        )
        .await
        .unwrap();
    let events = vec![notice(rosa), notice(luis)];
    store.record_consent(&ConsentChange { events, ..Default::default() }, Utc::now()).await.unwrap();
    let marketing = token(store.as_ref(), "marketing.e2e", Role::Marketing).await;
    let supervisor = token(store.as_ref(), "supervisor.e2e", Role::Supervisor).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let state = AppState::with_throwaway_key(store.clone(), Config::default(), Arc::new(SystemClock));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(state, listener, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let post =
        |path: String, token: &str, body: Value| http.post(format!("{base}{path}")).bearer_auth(token).json(&body);
    let json = async |r: reqwest::RequestBuilder| -> Value { r.send().await.unwrap().json().await.unwrap() };

    let campaign = json!({
        "name": "Ofertas de larga distancia", "description": "Long-distance offers in Spanish",
        "sponsor": "carrier", "cpni_categories": ["call_detail"],
        "criteria": {"language": "es"}, "offers": ["LD Saver"], "channels": ["email"],
        "starts_on": "2026-01-01", "ends_on": "2026-12-31"
    });
    let v = json(post("/campaigns".into(), &marketing, campaign)).await;
    let id = v["campaign"]["id"].as_str().unwrap().to_owned();
    let v = json(post(format!("/campaigns/{id}/submit"), &marketing, json!(null))).await;
    let review = json!({"decision": "approve", "version": v["campaign"]["version"]});
    let v = json(post(format!("/campaigns/{id}/review"), &supervisor, review)).await;
    assert_eq!(v["campaign"]["state"], "approved", "{v}");

    let first = json(post(format!("/campaigns/{id}/audiences"), &marketing, json!(null))).await;
    assert_eq!(first["snapshot"]["included"], 2, "{first}");

    // Rosa writes to the marketing address.
    let (code, out) = ingest(url, "plain.eml");
    assert_eq!(code, 0, "{out}");
    assert_eq!((&out["outcome"], &out["account_ids"]), (&json!("applied"), &json!([rosa.to_string()])), "{out}");

    let next = json(post(format!("/campaigns/{id}/audiences"), &marketing, json!(null))).await;
    assert_eq!(next["snapshot"]["included"], 1, "{next}");
    assert_eq!(next["snapshot"]["excluded"], json!({"opted_out": 1}));
    assert_eq!(next["members"][0]["account_id"], luis.to_string());

    // The first snapshot still proves who was targeted then, and cannot be changed.
    let audience = first["snapshot"]["id"].as_str().unwrap();
    let kept = json(http.get(format!("{base}/campaigns/{id}/audiences/{audience}")).bearer_auth(&supervisor)).await;
    let rosa_then = kept["members"].as_array().unwrap().iter().find(|m| m["account_id"] == rosa.to_string()).unwrap();
    assert_eq!(
        (rosa_then["state"].as_str(), rosa_then["included"].as_bool()),
        (Some("approved_by_notice"), Some(true))
    );
    let refused = try_to_change_the_snapshot(url).await;
    assert!(refused.as_ref().is_err_and(|e| e.to_string().contains("append-only")), "{refused:?}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_opt_out_by_email_leaves_the_customer_out_of_the_next_audience() {
    let dir = tempfile::tempdir().unwrap();
    run(&format!("sqlite://{}", dir.path().join("db.sqlite").display())).await;
    if let Some((url, _db)) = cpniguard_store::testing::create_fresh_postgres_database().await {
        run(&url).await;
    }
}

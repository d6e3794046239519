//! `cpniguard bench breach`: breach notices to N affected accounts, in one run against
//! one in-process SMTP server (`cpniguard_notify::testing::SmtpSink`):
//!
//! (a) queue: the incident's `notify-customers` action over HTTP (read every affected
//!     account, pick the email of record, queue one notice each through the outbox in
//!     the incident's transaction);
//! (b) deliver: one notice `Worker` (claim, render, send, record) until all are sent;
//! (c) baseline: a minimal lettre loop sending N equivalent messages (the same
//!     rendered breach notice, text and HTML parts) over one pooled transport with the
//!     worker's concurrency.
//!
//! Prints one JSON line. Accounts are created first through the store (not timed).

use super::bench::{BenchTarget, open_target};
use anyhow::{Context as _, bail, ensure};
use chrono::{Duration, Utc};
use clap::Args;
use cpniguard_core::account::{
    AccountKind, AccountNumber, AccountProfile, AccountStatus, DirectoryListing, Language, NewAccount, PicFreeze,
    PostalAddress, TimeZoneName,
};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::NoticeKind;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_notify::testing::SmtpSink;
use cpniguard_notify::{Renderer, Worker};
use cpniguard_server::auth::tokens;
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::Store;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: std::time::Duration = std::time::Duration::from_secs(3600);

#[derive(Args, Debug)]
pub struct BreachBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Affected accounts (creation through the store runs at ~1,000/s on 2 cores).
    #[arg(long, default_value_t = 20_000)]
    pub accounts: u32,
    /// Concurrent tasks creating the accounts.
    #[arg(long, default_value_t = 8)]
    pub tasks: u32,
}

fn new_account(i: u32) -> anyhow::Result<NewAccount> {
    Ok(NewAccount {
        profile: AccountProfile {
            account_number: AccountNumber::parse(&format!("BRB-{i:07}"))?,
            kind: AccountKind::Residential,
            name: format!("Customer {i}"),
            language: if i.is_multiple_of(2) { Language::En } else { Language::Es },
            time_zone: TimeZoneName::parse("America/Denver")?,
            status: AccountStatus::Active,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: None,
        },
        postal_address: PostalAddress {
            line1: format!("{i} Main St"),
            line2: None,
            city: "Provo".into(),
            state: "UT".into(),
            zip: "84601".into(),
            country: "US".into(),
        },
        email: Some(EmailAddress::parse(&format!("c{i}@example.com"))?),
        telephone_numbers: vec![PhoneNumber::parse(&format!("+1801{:07}", 5_000_000 + i))?],
    })
}

/// Accounts opened 40 days ago (so their contact points are of record).
async fn create_accounts(store: &Arc<dyn Store>, n: u32, tasks: u32) -> anyhow::Result<Vec<AccountId>> {
    let opened = Utc::now() - Duration::days(40);
    let tasks = tasks.max(1);
    let mut set = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let store = store.clone();
        set.spawn(async move {
            let mut ids = Vec::new();
            for i in (t..n).step_by(tasks as usize) {
                let id = AccountId::new();
                store.create_account(id, &new_account(i)?, opened).await?;
                ids.push(id);
            }
            anyhow::Ok(ids)
        });
    }
    let mut ids = Vec::with_capacity(n as usize);
    while let Some(r) = set.join_next().await {
        ids.extend(r??);
    }
    Ok(ids)
}

/// One request over a fresh connection (the bench needs three; no HTTP client here).
async fn post(addr: SocketAddr, path: &str, token: &str, body: &serde_json::Value) -> anyhow::Result<String> {
    let body = serde_json::to_vec(body)?;
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await?;
    let text = String::from_utf8_lossy(&out).into_owned();
    if !text.starts_with("HTTP/1.1 20") {
        bail!("POST {path}: {}", text.lines().next().unwrap_or_default());
    }
    Ok(text)
}

pub async fn run(args: BreachBenchArgs) -> anyhow::Result<serde_json::Value> {
    let n = args.accounts;
    ensure!(n > 0, "--accounts must be at least 1");
    let (_dir, store, backend) = open_target(&args.target).await?;
    let sink = SmtpSink::start();
    let mut config = Config::default();
    config.notices.email = sink.email_config();
    config.server.max_body_bytes = 1 << 30;
    config.server.request_timeout_secs = 3600;
    let concurrency = config.notices.worker.concurrency as usize;

    let started = Instant::now();
    let accounts = create_accounts(&store, n, args.tasks).await?;
    let create_secs = started.elapsed().as_secs_f64();

    let staff = NewStaff {
        username: Username::parse("bench.admin")?,
        display_name: "bench".into(),
        roles: [Role::Admin].into(),
        training_completed_on: Utc::now().date_naive().pred_opt(),
    };
    let staff = store.create_staff(StaffId::new(), &staff, Utc::now()).await?;
    let token = tokens::generate();
    store.add_staff_token(staff.id, &tokens::hash(&token), "bench", Utc::now()).await?;

    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let state = AppState::with_throwaway_key(store.clone(), config.clone(), Arc::new(SystemClock));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cpniguard_server::serve::serve(state, listener, async {
        let _ = stopped.await;
    }));

    let determined = Utc::now() - Duration::hours(1);
    let body = serde_json::json!({
        "discovered_at": determined - Duration::hours(2),
        "determined_at": determined,
        "description": "bench: an employee read accounts without a customer's request",
        "categories": ["call_detail", "billing"],
        "affected_accounts": accounts,
        "harm": "likely",
    });
    let created = post(addr, "/api/v1/breach/incidents", &token, &body).await?;
    let id = created
        .split("\"id\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("the new incident's id")?
        .to_owned();
    let urgent = serde_json::json!({"agency": "usss", "consulted": "Agent Roe", "reason": "bench"});
    post(addr, &format!("/api/v1/breach/incidents/{id}/urgent-need"), &token, &urgent).await?;

    // (a) Queue.
    let started = Instant::now();
    post(addr, &format!("/api/v1/breach/incidents/{id}/notify-customers"), &token, &serde_json::json!({})).await?;
    let queue_secs = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await??;

    // (b) Deliver with one worker.
    let worker = Worker::new(store.clone(), config.notices.clone(), config.carrier_info())?;
    let started = Instant::now();
    let mut sent = 0usize;
    while sent < n as usize {
        let tick = worker.run_once(Utc::now()).await?;
        ensure!(tick.claimed > 0 && tick.sent == tick.claimed, "undelivered notices: {tick:?}");
        sent += tick.sent as usize;
    }
    sink.wait_for(n as usize, WAIT).await;
    let deliver_secs = started.elapsed().as_secs_f64();

    // (c) The same messages through lettre alone.
    let params = BTreeMap::from([
        ("change".to_owned(), NoticeKind::BreachNotice.as_str().to_owned()),
        ("changed_at".to_owned(), determined.to_rfc3339()),
        ("name".to_owned(), "Customer 0".to_owned()),
        ("categories".to_owned(), "records of your calls; your bills".to_owned()),
    ]);
    let rendered = Renderer::new().render("breach-notice", Language::En, &params, &config.carrier_info())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(sink.addr().ip().to_string())
        .port(sink.addr().port())
        .pool_config(PoolConfig::new().max_size(config.notices.email.pool_max))
        .build();
    let from: Mailbox = "Example Carrier <notices@carrier.example>".parse()?;
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for t in 0..concurrency {
        let (transport, from, rendered) = (transport.clone(), from.clone(), rendered.clone());
        set.spawn(async move {
            for i in (t..n as usize).step_by(concurrency) {
                let message = Message::builder()
                    .from(from.clone())
                    .to(format!("c{i}@example.com").parse()?)
                    .subject(rendered.subject.as_str())
                    .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))?;
                transport.send(message).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    sink.wait_for(2 * n as usize, WAIT).await;
    let lettre_secs = started.elapsed().as_secs_f64();

    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    Ok(serde_json::json!({
        "bench": "breach-notices",
        "backend": backend,
        "accounts": n,
        "concurrency": concurrency,
        "create_accounts_s": round(create_secs),
        "queue_s": round(queue_secs),
        "deliver_s": round(deliver_secs),
        "queue_and_deliver_s": round(queue_secs + deliver_secs),
        "lettre_s": round(lettre_secs),
        "deliver_per_s": (n as f64 / deliver_secs).round(),
        "lettre_per_s": (n as f64 / lettre_secs).round(),
        "ratio_queue_and_deliver_to_lettre": round((queue_secs + deliver_secs) / lettre_secs),
    }))
}

//! `cpniguard bench breach`: queueing breach notices to N affected accounts, in one run:
//!
//! (a) import: the affected-account list streamed to `POST …/affected-accounts` as
//!     text (one account number per line);
//! (b) queue: the incident's `notify-customers` action over HTTP (read every affected
//!     account, pick the email of record, queue one notice each through the outbox in
//!     the incident's transaction);
//! (c) baseline: the same N notices written straight to the outbox
//!     (`enqueue_notices`), with no incident, account reads or HTTP.
//!
//! Prints one JSON line. Accounts are loaded first in bulk through the store (timed
//! apart, as `create_accounts_s`).
//! Delivery to an SMTP server is the other half of the figure and needs a test SMTP
//! server, which is not built into the product:
//! `cargo bench -p cpniguard-notify --bench smtp_outbox -- breach N` (outbox worker
//! against a minimal lettre loop, same server, same run).

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
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_server::auth::tokens;
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::{AccountLoad, StoreWithRecords};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Args, Debug)]
pub struct BreachBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Affected accounts.
    #[arg(long, default_value_t = 20_000)]
    pub accounts: u32,
    /// Concurrent tasks loading the accounts.
    #[arg(long, default_value_t = 2)]
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

/// Accounts opened 40 days ago (so their contact points are of record), loaded in
/// bulk by `tasks` concurrent tasks.
async fn create_accounts(store: &Arc<dyn StoreWithRecords>, n: u32, tasks: u32) -> anyhow::Result<Vec<AccountId>> {
    const BATCH: u32 = 1_000;
    let opened = Utc::now() - Duration::days(40);
    let tasks = tasks.max(1);
    let mut set = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let store = store.clone();
        set.spawn(async move {
            let mut ids = Vec::new();
            for start in (t * BATCH..n).step_by((tasks * BATCH) as usize) {
                let batch = (start..(start + BATCH).min(n))
                    .map(|i| {
                        Ok(AccountLoad {
                            contact_since: Vec::new(),
                            id: AccountId::new(),
                            new: new_account(i)?,
                            opened_at: opened,
                            services: vec![],
                        })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                store.load_accounts(&batch).await?;
                ids.extend(batch.iter().map(|a| a.id));
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

/// One request over a fresh connection (the bench needs four; no HTTP client here).
async fn post(addr: SocketAddr, path: &str, token: &str, body: &serde_json::Value) -> anyhow::Result<String> {
    post_bytes(addr, path, token, "application/json", &serde_json::to_vec(body)?).await
}

async fn post_bytes(
    addr: SocketAddr,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> anyhow::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await?;
    let text = String::from_utf8_lossy(&out).into_owned();
    if !text.starts_with("HTTP/1.1 20") {
        bail!("POST {path}: {}", text.lines().next().unwrap_or_default());
    }
    Ok(text)
}

/// The outbox rows `notify-customers` writes, without it: the baseline.
fn equivalent_notices(accounts: &[AccountId], determined: chrono::DateTime<Utc>) -> anyhow::Result<Vec<NewNotice>> {
    let now = Utc::now();
    accounts
        .iter()
        .enumerate()
        .map(|(i, id)| {
            Ok(NewNotice {
                id: NoticeId::new(),
                account_id: Some(*id),
                kind: NoticeKind::BreachNotice,
                channel: Channel::Email,
                destination: Destination::Email { address: EmailAddress::parse(&format!("c{i}@example.com"))? },
                template: NoticeKind::BreachNotice.template().to_owned(),
                language: if i % 2 == 0 { Language::En } else { Language::Es },
                params: BTreeMap::from([
                    ("change".to_owned(), NoticeKind::BreachNotice.as_str().to_owned()),
                    ("changed_at".to_owned(), determined.to_rfc3339()),
                    ("name".to_owned(), format!("Customer {i}")),
                    ("categories".to_owned(), "records of your calls; your bills".to_owned()),
                ]),
                idempotency_key: format!("bench-baseline:{id}"),
                not_before: now,
            })
        })
        .collect()
}

pub async fn run(args: BreachBenchArgs) -> anyhow::Result<serde_json::Value> {
    let n = args.accounts;
    ensure!(n > 0, "--accounts must be at least 1");
    let (_dir, store, backend) = open_target(&args.target).await?;
    let mut config = Config::default();
    config.server.request_timeout_secs = 3600;
    config.breach.max_import_bytes = u64::MAX;

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

    // (a) Import the list.
    let list: String = (0..n).map(|i| format!("BRB-{i:07}\n")).collect();
    let started = Instant::now();
    post_bytes(
        addr,
        &format!("/api/v1/breach/incidents/{id}/affected-accounts"),
        &token,
        "text/plain",
        list.as_bytes(),
    )
    .await?;
    let import_secs = started.elapsed().as_secs_f64();

    // (b) Queue.
    let started = Instant::now();
    post(addr, &format!("/api/v1/breach/incidents/{id}/notify-customers"), &token, &serde_json::json!({})).await?;
    let queue_secs = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await??;
    let queued: u64 = store.breach_notice_counts(id.parse()?).await?.iter().map(|(_, n)| n).sum();
    ensure!(queued == u64::from(n), "{queued} notices queued for {n} accounts");

    // (c) The same rows straight into the outbox.
    let baseline = equivalent_notices(&accounts, determined)?;
    let started = Instant::now();
    for chunk in baseline.chunks(10_000) {
        store.enqueue_notices(chunk, Utc::now()).await?;
    }
    let enqueue_secs = started.elapsed().as_secs_f64();

    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    Ok(serde_json::json!({
        "bench": "breach-notices-queue",
        "backend": backend,
        "accounts": n,
        "create_accounts_s": round(create_secs),
        "import_list_s": round(import_secs),
        "queue_s": round(queue_secs),
        "queue_per_s": (f64::from(n) / queue_secs).round(),
        "bare_enqueue_s": round(enqueue_secs),
        "ratio_queue_to_bare_enqueue": round(queue_secs / enqueue_secs),
        "delivery": "cargo bench -p cpniguard-notify --bench smtp_outbox -- breach N",
    }))
}

//! `cpniguard bench console`: each main console page against the JSON endpoint it
//! wraps, on the same server, the same data and the same staff member — the console
//! signed in with its session cookie, the API with a bearer token — at the same number
//! of keep-alive connections. The pages do the JSON endpoint's work plus their own
//! (the session's idle check and rendering); the figure is each page's throughput as a
//! share of its endpoint's (goal ≥ 0.5), and each page's size (goal < 100 KB).

use super::bench::{BenchTarget, open_target};
use super::bench_gate::photo_id_visits;
use super::bench_http::{connect, get, load, spawn};
use anyhow::bail;
use chrono::{Duration as ChronoDuration, Utc};
use clap::Args;
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::{NewStaff, Role, Staff, Username};
use cpniguard_demo::DemoSpec;
use cpniguard_server::auth::tokens;
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::StoreWithRecords;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

#[derive(Args, Debug)]
pub struct ConsoleBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    #[arg(long, default_value_t = 16)]
    pub connections: u32,
    /// Seconds of load for each endpoint and page.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Demo accounts the reads rotate over.
    #[arg(long, default_value_t = 64)]
    pub accounts: u32,
}

/// A staff member's two credentials: a bearer token header and a console cookie header.
struct Credentials {
    bearer: Arc<String>,
    cookie: Arc<String>,
}

async fn staff(store: &dyn StoreWithRecords, username: &str, role: Role) -> anyhow::Result<(Staff, Credentials)> {
    let now = Utc::now();
    let new = NewStaff {
        username: Username::parse(username)?,
        display_name: username.to_owned(),
        roles: [role].into(),
        training_completed_on: Some(now.date_naive() - ChronoDuration::days(10)),
    };
    let staff = store.create_staff(StaffId::new(), &new, now).await?;
    let token = tokens::generate();
    store.add_staff_token(staff.id, &tokens::hash(&token), "bench", now).await?;
    let session = tokens::generate();
    store.create_console_session(&tokens::hash(&session), staff.id, now, now + ChronoDuration::hours(8)).await?;
    let credentials = Credentials {
        bearer: Arc::new(format!("Authorization: Bearer {token}")),
        cookie: Arc::new(format!("Cookie: cpniguard_console={session}")),
    };
    Ok((staff, credentials))
}

pub async fn run(args: ConsoleBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let now = Utc::now();
    cpniguard_demo::seed(store.as_ref(), &DemoSpec::new(args.accounts, args.target.seed, now), &|_| {}).await?;
    let (csr, csr_auth) = staff(store.as_ref(), "bench.csr", Role::Csr).await?;
    let (_, office_auth) = staff(store.as_ref(), "bench.privacy", Role::PrivacyOfficer).await?;

    // One in-store visit with a photo ID per account: every read is allowed and audited.
    let visits: Vec<_> = photo_id_visits(store.as_ref(), csr.id, args.accounts)
        .await?
        .into_iter()
        .map(|(account, visit)| (account.id, account.profile.account_number.to_string(), visit))
        .collect();
    if visits.is_empty() {
        bail!("no accounts were seeded");
    }
    let each = |f: &dyn Fn(&(cpniguard_core::ids::AccountId, String, Uuid)) -> String| {
        visits.iter().map(f).collect::<Vec<_>>()
    };
    let pairs: Vec<(&str, Vec<String>, Vec<String>, &Credentials)> = vec![
        (
            "call detail (31 days)",
            each(&|(a, _, v)| {
                format!("/api/v1/accounts/{a}/calls?purpose=service_and_support&interaction={v}&limit=200")
            }),
            each(&|(_, _, v)| format!("/console/interactions/{v}/calls?purpose=service_and_support")),
            &csr_auth,
        ),
        (
            "interaction screen",
            each(&|(_, _, v)| format!("/api/v1/interactions/{v}")),
            each(&|(_, _, v)| format!("/console/interactions/{v}")),
            &csr_auth,
        ),
        (
            "account search by number",
            each(&|(_, n, _)| format!("/api/v1/accounts?account_number={n}&limit=25")),
            each(&|(_, n, _)| format!("/console?q={n}")),
            &csr_auth,
        ),
        (
            "privacy office",
            vec!["/api/v1/privacy-office/dashboard".to_owned()],
            vec!["/console/privacy".to_owned()],
            &office_auth,
        ),
        (
            "audit log search",
            vec!["/api/v1/audit/entries?decision=allow&limit=200".to_owned()],
            vec!["/console/audit?decision=allow".to_owned()],
            &office_auth,
        ),
    ];

    let mut config = Config::default();
    config.log.level = "warn".into();
    let state = AppState::with_throwaway_key(store.clone(), config, Arc::new(SystemClock));
    let (addr, server) = spawn(cpniguard_server::router(state)).await?;
    let duration = Duration::from_secs(args.seconds.max(1));
    let mut results = Vec::new();
    for (name, json_paths, page_paths, auth) in pairs {
        let mut largest_page = 0;
        for path in &page_paths {
            largest_page = largest_page.max(get(&mut connect(addr).await?, path, Some(&auth.cookie)).await?);
        }
        let json = load(addr, args.connections, duration, Arc::new(json_paths), Some(auth.bearer.clone())).await?;
        let page = load(addr, args.connections, duration, Arc::new(page_paths), Some(auth.cookie.clone())).await?;
        results.push(serde_json::json!({
            "screen": name,
            "json": json,
            "console": page,
            "ratio": page.per_second / json.per_second.max(1e-9),
            "largest_page_bytes": largest_page,
        }));
    }
    server.abort();
    Ok(serde_json::json!({
        "bench": "console",
        "backend": backend,
        "connections": args.connections,
        "screens": results,
    }))
}

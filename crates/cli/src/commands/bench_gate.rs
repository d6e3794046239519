//! `cpniguard bench gate`: audited call-detail reads over HTTP — a CSR's read that the
//! disclosure gate decides and records (durably, through the group-commit writer)
//! before the calls are read — against two baselines served by the same process, at the
//! same number of keep-alive connections:
//! - the fair one (issue 23): the same page for the same accounts through the same
//!   token authentication and middleware, the handler less the gate decision and the
//!   audit append (`cpniguard_server::unaudited_baseline`): `ratio_to_unaudited` is
//!   what the gate costs;
//! - a plain, unauthenticated endpoint (same middleware stack) answering a body of the
//!   same size (issue 5, figure (a)): `ratio`.
//!
//! The notice worker and the scheduled jobs run throughout, as under `serve`. Each
//! figure has the process's peak RSS during its phase beside it.
//!
//! The load comes from the minimal HTTP/1.1 client of `bench_http`.

use super::bench::{BenchTarget, open_target, take_peak_rss};
use super::bench_http::{Load, connect, get, load, spawn};
use super::serve::{Background, spawn_worker};
use anyhow::bail;
use axum::body::Bytes;
use chrono::{Duration as ChronoDuration, Utc};
use clap::Args;
use cpniguard_core::authn::{EvidenceKind, InteractionChannel};
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_demo::DemoSpec;
use cpniguard_server::auth::tokens;
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::AccountQuery;
use cpniguard_store::auth::{Evidence, Interaction};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

#[derive(Args, Debug)]
pub struct GateBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: u32,
    /// Seconds of load for each of the two endpoints.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Demo accounts the reads rotate over.
    #[arg(long, default_value_t = 64)]
    pub accounts: u32,
    /// Calls per response page.
    #[arg(long, default_value_t = 20)]
    pub page: u32,
}

pub async fn run(args: GateBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let now = Utc::now();
    let spec = DemoSpec::new(args.accounts, args.target.seed, now);
    cpniguard_demo::seed(store.as_ref(), &spec, &|_| {}).await?;

    // A trained CSR, and one in-store visit per account with a photo ID checked.
    let csr = NewStaff {
        username: Username::parse("bench.csr")?,
        display_name: "Bench CSR".into(),
        roles: [Role::Csr].into(),
        training_completed_on: Some(now.date_naive() - ChronoDuration::days(10)),
    };
    let csr = store.create_staff(StaffId::new(), &csr, now).await?;
    let token = tokens::generate();
    store.add_staff_token(csr.id, &tokens::hash(&token), "bench", now).await?;
    let paths: Vec<String> = photo_id_visits(store.as_ref(), csr.id, args.accounts)
        .await?
        .into_iter()
        .map(|(account, visit)| {
            format!(
                "/api/v1/accounts/{}/calls?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit={}\
                 &purpose=service_and_support&interaction={}",
                account.id, args.page, visit
            )
        })
        .collect();
    if paths.is_empty() {
        bail!("no accounts were seeded");
    }

    let mut config = Config::default();
    config.log.level = "warn".into();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = spawn_worker(&config, store.clone(), stopping.clone())?;
    let state = AppState::with_throwaway_key(store.clone(), config, Arc::new(SystemClock));
    let background = Background::spawn(&state, worker, &stopping);
    // Measure one audited body, then serve a plain body of that size beside the API.
    let (addr, server) = spawn(cpniguard_server::router(state.clone())).await?;
    let auth = format!("Authorization: Bearer {token}");
    let sample = get(&mut connect(addr).await?, &paths[0], Some(&auth)).await?;
    let plain_body = Bytes::from(vec![b'x'; sample]);
    let plain = axum::Router::new().route(
        "/bench/plain",
        axum::routing::get(move || {
            let body = plain_body.clone();
            async move { body }
        }),
    );
    let (plain_addr, plain_server) = spawn(cpniguard_server::router(state.clone()).merge(plain)).await?;
    // The same paths, answered without the gate: the bench hands over the CPNI reads it
    // holds as the opener of the store (see `unaudited_baseline` for why that is safe).
    let unaudited_app = cpniguard_server::unaudited_baseline::router(state.clone(), store.clone());
    let (unaudited_addr, unaudited_server) = spawn(unaudited_app).await?;
    drop(state);

    let duration = Duration::from_secs(args.seconds.max(1));
    let paths = Arc::new(paths);
    let auth = Some(Arc::new(auth));
    let phase = |addr: SocketAddr, paths: Arc<Vec<String>>, header: Option<Arc<String>>| async move {
        take_peak_rss();
        let figures = load(addr, args.connections, duration, paths, header).await?;
        anyhow::Ok(Phase { figures, peak_rss_bytes: take_peak_rss() })
    };
    let plain = phase(plain_addr, Arc::new(vec!["/bench/plain".to_owned()]), None).await?;
    let unaudited = phase(unaudited_addr, paths.clone(), auth.clone()).await?;
    let audited = phase(addr, paths, auth).await?;
    let entries = store.audit_head().await?.map_or(0, |h| h.seq);
    for server in [server, plain_server, unaudited_server] {
        server.abort();
    }
    let _ = stop.send(true);
    background.join().await?;
    Ok(serde_json::json!({
        "bench": "gate",
        "backend": backend,
        "connections": args.connections,
        "body_bytes": sample,
        "plain": plain,
        "unaudited_call_detail": unaudited,
        "audited_call_detail": audited,
        "audit_entries_written": entries,
        "ratio": audited.figures.per_second / plain.figures.per_second.max(1e-9),
        "ratio_to_unaudited": audited.figures.per_second / unaudited.figures.per_second.max(1e-9),
    }))
}

/// One endpoint's figures under load, with the process's peak RSS while it ran.
#[derive(serde::Serialize)]
struct Phase {
    #[serde(flatten)]
    figures: Load,
    peak_rss_bytes: Option<u64>,
}

/// One in-store visit with a photo ID checked, opened by `csr`, on each of the first
/// `accounts` accounts: every read on them is allowed (and audited). Each account with
/// its visit's id.
pub(super) async fn photo_id_visits(
    store: &dyn cpniguard_store::Store,
    csr: StaffId,
    accounts: u32,
) -> anyhow::Result<Vec<(cpniguard_core::account::Account, Uuid)>> {
    let now = Utc::now();
    let found = store.search_accounts(&AccountQuery { limit: accounts, ..AccountQuery::default() }).await?;
    let mut out = Vec::new();
    for account in found.accounts {
        let visit = Interaction {
            id: Uuid::now_v7(),
            account_id: account.id,
            channel: InteractionChannel::InStore,
            staff_id: Some(csr),
            opened_at: now,
            expires_at: now + ChronoDuration::hours(4),
        };
        store.open_interaction(&visit).await?;
        let evidence = Evidence { kind: EvidenceKind::PhotoIdChecked, detail: None, recorded_at: now };
        store.add_evidence(visit.id, &evidence).await?;
        out.push((account, visit.id));
    }
    Ok(out)
}

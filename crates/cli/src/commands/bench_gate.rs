//! `cpniguard bench gate`: audited call-detail reads over HTTP — a CSR's read that the
//! disclosure gate decides and records (durably, through the group-commit writer)
//! before the calls are read — against a plain, unauthenticated endpoint of the same
//! server (same middleware stack) answering a body of the same size, at the same
//! number of keep-alive connections. Reports throughput, p50 and p99 of each and the
//! throughput ratio (issue 5, figure (a)).
//!
//! The load comes from a minimal HTTP/1.1 client in this process (one connection per
//! task, Content-Length framing), so client cost is small and equal for both sides.

use super::bench::{BenchTarget, open_target};
use anyhow::{Context as _, bail};
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
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
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

#[derive(Serialize)]
struct Load {
    requests: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
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
    let accounts = store.search_accounts(&AccountQuery { limit: args.accounts, ..AccountQuery::default() }).await?;
    let mut paths = Vec::new();
    for account in &accounts.accounts {
        let visit = Interaction {
            id: Uuid::now_v7(),
            account_id: account.id,
            channel: InteractionChannel::InStore,
            staff_id: Some(csr.id),
            opened_at: now,
            expires_at: now + ChronoDuration::hours(4),
        };
        store.open_interaction(&visit).await?;
        let evidence = Evidence { kind: EvidenceKind::PhotoIdChecked, detail: None, recorded_at: now };
        store.add_evidence(visit.id, &evidence).await?;
        paths.push(format!(
            "/api/v1/accounts/{}/calls?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit={}\
             &purpose=service_and_support&interaction={}",
            account.id, args.page, visit.id
        ));
    }
    if paths.is_empty() {
        bail!("no accounts were seeded");
    }

    let mut config = Config::default();
    config.log.level = "warn".into();
    let state = AppState::with_throwaway_key(store.clone(), config, Arc::new(SystemClock));
    // Measure one audited body, then serve a plain body of that size beside the API.
    let probe_app = cpniguard_server::router(state.clone());
    let (addr, server) = spawn(probe_app).await?;
    let sample = get(&mut connect(addr).await?, &paths[0], Some(&token)).await?;
    server.abort();
    let plain_body = Bytes::from(vec![b'x'; sample]);
    let plain = axum::Router::new().route(
        "/bench/plain",
        axum::routing::get(move || {
            let body = plain_body.clone();
            async move { body }
        }),
    );
    let (addr, server) = spawn(cpniguard_server::router(state).merge(plain)).await?;

    let duration = Duration::from_secs(args.seconds.max(1));
    let baseline = load(addr, args.connections, duration, Arc::new(vec!["/bench/plain".to_owned()]), None).await?;
    let audited = load(addr, args.connections, duration, Arc::new(paths), Some(Arc::new(token))).await?;
    server.abort();
    let entries = store.audit_head().await?.map_or(0, |h| h.seq);
    Ok(serde_json::json!({
        "bench": "gate",
        "backend": backend,
        "connections": args.connections,
        "body_bytes": sample,
        "plain": baseline,
        "audited_call_detail": audited,
        "audit_entries_written": entries,
        "ratio": audited.per_second / baseline.per_second.max(1e-9),
    }))
}

async fn spawn(app: axum::Router) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    Ok((addr, task))
}

type Conn = BufReader<TcpStream>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Conn> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(BufReader::new(stream))
}

/// One keep-alive GET; the body length. Anything but 200 is an error.
async fn get(conn: &mut Conn, path: &str, token: Option<&str>) -> anyhow::Result<usize> {
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n");
    conn.get_mut().write_all(request.as_bytes()).await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    if !line.starts_with("HTTP/1.1 200") {
        bail!("{path}: {}", line.trim());
    }
    let mut length = None;
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>()?);
        }
    }
    let length = length.context("a response without Content-Length")?;
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await?;
    Ok(length)
}

async fn load(
    addr: SocketAddr,
    connections: u32,
    duration: Duration,
    paths: Arc<Vec<String>>,
    token: Option<Arc<String>>,
) -> anyhow::Result<Load> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in 0..connections.max(1) as usize {
        let paths = paths.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(addr).await?;
            let mut latencies = Vec::new();
            let mut i = worker;
            while Instant::now() < deadline {
                let t = Instant::now();
                get(&mut conn, &paths[i % paths.len()], token.as_deref().map(String::as_str)).await?;
                latencies.push(t.elapsed());
                i += 1;
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    let quantile = |q: f64| {
        let i = ((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1));
        all.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(Load {
        requests: all.len() as u64,
        per_second: all.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: quantile(0.50),
        p99_ms: quantile(0.99),
    })
}

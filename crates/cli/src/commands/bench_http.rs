//! The benchmarks' HTTP load: a minimal HTTP/1.1 client in this process (one keep-alive
//! connection per task, Content-Length framing), so client cost is small and equal for
//! whatever two endpoints a benchmark compares.

use anyhow::{Context as _, bail};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Throughput and latency of one endpoint under load.
#[derive(Serialize)]
pub(super) struct Load {
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

pub(super) async fn spawn(app: axum::Router) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    Ok((addr, task))
}

pub(super) type Conn = BufReader<TcpStream>;

pub(super) async fn connect(addr: SocketAddr) -> anyhow::Result<Conn> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(BufReader::new(stream))
}

/// One keep-alive GET with an optional header line (`Authorization: Bearer …`,
/// `Cookie: …`); the body length. Anything but 200 is an error.
pub(super) async fn get(conn: &mut Conn, path: &str, header: Option<&str>) -> anyhow::Result<usize> {
    let auth = header.map(|h| format!("{h}\r\n")).unwrap_or_default();
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

pub(super) async fn load(
    addr: SocketAddr,
    connections: u32,
    duration: Duration,
    paths: Arc<Vec<String>>,
    header: Option<Arc<String>>,
) -> anyhow::Result<Load> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in 0..connections.max(1) as usize {
        let paths = paths.clone();
        let header = header.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(addr).await?;
            let mut latencies = Vec::new();
            let mut i = worker;
            while Instant::now() < deadline {
                let t = Instant::now();
                get(&mut conn, &paths[i % paths.len()], header.as_deref().map(String::as_str)).await?;
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

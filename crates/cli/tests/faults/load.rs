//! 64 concurrent clients reading call detail through the gate of one `cpniguard serve`
//! on each backend: no answer but 200, exactly one audit entry per read served (and
//! none besides), and the chain verifies afterwards. 10 s per backend in CI;
//! `CPNIGUARD_LOAD_SECS=60` for the full run the issue asks for.

use crate::env::{backends, call_detail_reader, free_port, log_of, serve, stop, wait_ready};
use chrono::Utc;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;

fn duration() -> Duration {
    let secs = std::env::var("CPNIGUARD_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    Duration::from_secs(secs)
}

/// One client: reads until `deadline`; its latencies and anything but a 200.
async fn client(
    http: reqwest::Client,
    url: String,
    token: String,
    name: usize,
    deadline: Instant,
) -> (Vec<Duration>, Vec<String>) {
    let (mut latencies, mut errors) = (Vec::new(), Vec::new());
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let started = Instant::now();
        let sent = http.get(&url).bearer_auth(&token).header("x-request-id", format!("load-{name}-{n}")).send().await;
        match sent {
            Ok(r) if r.status() == reqwest::StatusCode::OK => match r.bytes().await {
                Ok(_) => latencies.push(started.elapsed()),
                Err(e) => errors.push(format!("body: {e}")),
            },
            Ok(r) => errors.push(format!("{}: {}", r.status(), r.text().await.unwrap_or_default())),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (latencies, errors)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_get_no_error_and_one_entry_per_read() {
    for b in backends().await {
        b.init();
        let reader = call_detail_reader(&*b.store, Utc::now()).await;
        let port = free_port();
        let log = b.dir.path().join("serve.log");
        let server = serve(b.dir.path(), &b.url, port, &log);
        let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().unwrap();
        wait_ready(&http, port).await;
        let head_before = b.store.audit_head().await.unwrap().map_or(0, |h| h.seq);

        let url = format!("http://127.0.0.1:{port}{}", reader.path);
        let started = Instant::now();
        let deadline = started + duration();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|name| tokio::spawn(client(http.clone(), url.clone(), reader.token.clone(), name, deadline)))
            .collect();
        let (mut latencies, mut errors) = (Vec::new(), Vec::new());
        for task in tasks {
            let (l, e) = task.await.unwrap();
            latencies.extend(l);
            errors.extend(e);
        }
        let elapsed = started.elapsed();
        stop(server);
        assert!(errors.is_empty(), "{}: {} errors, first {:?}: {}", b.name, errors.len(), errors.first(), log_of(&log));

        let served = latencies.len() as u64;
        let head_after = b.store.audit_head().await.unwrap().map_or(0, |h| h.seq);
        assert_eq!(head_after - head_before, served, "{}: entries added = CPNI reads served", b.name);
        let mut per_request: BTreeMap<String, u32> = BTreeMap::new();
        let mut from = head_before + 1;
        while from <= head_after {
            let page = b.store.audit_entries(from, 1000).await.unwrap();
            from = page.last().map_or(head_after + 1, |e| e.seq + 1);
            for e in page {
                assert_eq!(e.record.action, "read_call_detail", "{}", b.name);
                *per_request.entry(e.record.request_id.unwrap_or_default()).or_default() += 1;
            }
        }
        assert_eq!(per_request.len() as u64, served, "{}: one entry per request id", b.name);
        b.assert_chain_verifies();

        latencies.sort_unstable();
        let quantile = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        println!(
            "load {}: {CLIENTS} clients, {:.1} s: {served} reads, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, 0 errors",
            b.name,
            elapsed.as_secs_f64(),
            served as f64 / elapsed.as_secs_f64(),
            quantile(0.5).as_secs_f64() * 1000.0,
            quantile(0.99).as_secs_f64() * 1000.0
        );
    }
}

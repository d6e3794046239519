//! `cpniguard serve` killed with SIGKILL in the middle of a burst of gated call-detail
//! reads, then started again: every read the client saw answered 200 has its audit
//! entry (found by the request id the client sent), no request has two, and the chain
//! verifies, including the checkpoints of both runs.

use crate::env::{Backend, backends, call_detail_reader, free_port, kill_hard, log_of, serve, stop, wait_ready};
use chrono::Utc;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const CLIENTS: usize = 32;

/// Every entry's request id and action, from the first seq.
pub async fn entries_by_request(b: &Backend) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut from = 1;
    loop {
        let page = b.store.audit_entries(from, 1000).await.unwrap();
        let Some(last) = page.last() else { return out };
        from = last.seq + 1;
        for e in page {
            if let Some(id) = e.record.request_id {
                out.entry(id).or_default().push(e.record.action);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_mid_burst_keeps_an_entry_for_every_read_it_answered() {
    for b in backends().await {
        b.init();
        let reader = Arc::new(call_detail_reader(&*b.store, Utc::now()).await);
        let port = free_port();
        let log = b.dir.path().join("serve.log");
        let mut server = serve(b.dir.path(), &b.url, port, &log);
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        wait_ready(&http, port).await;

        let answered = Arc::new(AtomicUsize::new(0));
        let mut clients = Vec::new();
        for client in 0..CLIENTS {
            let (http, reader, answered) = (http.clone(), reader.clone(), answered.clone());
            let url = format!("http://127.0.0.1:{port}{}", reader.path);
            clients.push(tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    let id = format!("crash-{client}-{n}");
                    let sent = http.get(&url).bearer_auth(&reader.token).header("x-request-id", &id).send().await;
                    // The connection dies with the server: the burst is over.
                    let Ok(response) = sent else { break };
                    assert_eq!(response.status(), reqwest::StatusCode::OK, "before the kill every read is allowed");
                    if response.bytes().await.is_err() {
                        break;
                    }
                    acknowledged.push(id);
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                acknowledged
            }));
        }
        crate::env::wait_for("reads answered", Duration::from_secs(120), || answered.load(Ordering::SeqCst) >= 300)
            .await;
        kill_hard(&mut server);
        let mut acknowledged = Vec::new();
        for client in clients {
            acknowledged.extend(client.await.unwrap());
        }

        // Up again on the same database and key: it serves, and shuts down cleanly.
        let port = free_port();
        let mut restarted = serve(b.dir.path(), &b.url, port, &log);
        wait_ready(&http, port).await;
        let url = format!("http://127.0.0.1:{port}{}", reader.path);
        let after = http.get(&url).bearer_auth(&reader.token).header("x-request-id", "after-restart").send().await;
        assert_eq!(after.unwrap().status(), reqwest::StatusCode::OK, "{}", log_of(&log));
        if restarted.try_wait().unwrap().is_some() {
            panic!("{}: the restarted server died: {}", b.name, log_of(&log));
        }
        stop(restarted);

        let entries = entries_by_request(&b).await;
        let missing: Vec<&String> = acknowledged.iter().filter(|id| !entries.contains_key(*id)).collect();
        assert!(missing.is_empty(), "{}: answered 200 without an entry: {missing:?}", b.name);
        let doubled: BTreeSet<&String> = entries.iter().filter(|(_, a)| a.len() > 1).map(|(id, _)| id).collect();
        assert!(doubled.is_empty(), "{}: one request, several entries: {doubled:?}", b.name);
        assert!(entries.get("after-restart").is_some_and(|a| a == &["read_call_detail"]));
        b.assert_chain_verifies();
        let in_flight = entries.keys().filter(|k| k.starts_with("crash-")).count() - acknowledged.len();
        println!(
            "{}: {} reads answered before the kill; {in_flight} more recorded, unanswered",
            b.name,
            acknowledged.len()
        );
    }
}

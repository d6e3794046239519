use super::*;
use crate::state::SystemClock;
use cpniguard_core::audit::{ChainVerifier, VerifyReport};
use cpniguard_store::StoreOptions;
use cpniguard_store::conformance::{audit_record, audit_test_key};
use cpniguard_store::postgres::PgStore;
use cpniguard_store::testing::{create_fresh_postgres_database, fresh_postgres, fresh_sqlite};

fn config(checkpoint_every: u64, interval_ms: u64) -> AuditWriterConfig {
    AuditWriterConfig {
        max_batch: 64,
        checkpoint_every,
        checkpoint_interval: Duration::from_millis(interval_ms),
        anchor_file: None,
    }
}

fn spawn(store: &Arc<dyn Store>, config: AuditWriterConfig) -> (AuditWriter, JoinHandle<()>) {
    AuditWriter::spawn(Arc::clone(store), audit_test_key(), config, Arc::new(SystemClock))
}

/// Verify everything stored, against the store's head.
async fn verify_stored(store: &dyn Store) -> VerifyReport {
    let checkpoints = store.audit_checkpoints(0, u64::MAX).await.unwrap();
    let mut verifier = ChainVerifier::new(&checkpoints, &audit_test_key().verifying_key(), None).unwrap();
    let mut from = 1;
    loop {
        let page = store.audit_entries(from, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        page.iter().for_each(|e| verifier.push(e).unwrap());
    }
    verifier.finish(store.audit_head().await.unwrap()).unwrap()
}

/// Many concurrent appends: each resolves with its own committed entry, the chain
/// verifies, checkpoints are signed every N and once more at shutdown.
async fn concurrent_appends_commit_in_batches(store: Arc<dyn Store>) {
    let (writer, task) = spawn(&store, config(50, 60_000));
    let mut waiting = Vec::new();
    for n in 0..300 {
        let writer = writer.clone();
        waiting.push(tokio::spawn(async move { writer.append(audit_record(n)).await }));
    }
    let mut seqs = Vec::new();
    for w in waiting {
        let entry = w.await.unwrap().unwrap();
        // Resolved means stored: the entry reads back as returned.
        seqs.push(entry.seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=300).collect::<Vec<u64>>());
    drop(writer);
    task.await.unwrap();
    let report = verify_stored(&*store).await;
    assert_eq!(report.entries, 300);
    assert!(report.checkpoints >= 2, "{report:?}");
    assert_eq!((report.last_checkpoint, report.unsealed), (Some(300), 0), "sealed at shutdown");
}

/// A quiet writer still signs what it wrote after the interval.
async fn checkpoints_follow_the_timer(store: Arc<dyn Store>) {
    let (writer, task) = spawn(&store, config(1_000_000, 100));
    for n in 0..3 {
        writer.append(audit_record(n)).await.unwrap();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while store.last_audit_checkpoint().await.unwrap().map(|c| c.seq) != Some(3) {
        assert!(tokio::time::Instant::now() < deadline, "no checkpoint after the interval");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(writer);
    task.await.unwrap();
    assert_eq!(store.audit_checkpoints(0, u64::MAX).await.unwrap().len(), 1, "nothing new to seal at shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_appends_commit_in_batches() {
    let (_dir, store) = fresh_sqlite().await;
    concurrent_appends_commit_in_batches(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_appends_commit_in_batches() {
    if let Some((_db, store)) = fresh_postgres().await {
        concurrent_appends_commit_in_batches(store).await;
    }
}

#[tokio::test]
async fn sqlite_checkpoints_follow_the_timer() {
    let (_dir, store) = fresh_sqlite().await;
    checkpoints_follow_the_timer(store).await;
}

#[tokio::test]
async fn postgres_checkpoints_follow_the_timer() {
    if let Some((_db, store)) = fresh_postgres().await {
        checkpoints_follow_the_timer(store).await;
    }
}

/// Two "server processes" (two writers, each with its own connection pool) on one
/// PostgreSQL database keep one consistent chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_writers_on_one_database_keep_one_chain() {
    let Some((url, _db)) = create_fresh_postgres_database().await else { return };
    let options = StoreOptions { max_connections: 4, acquire_timeout: Duration::from_secs(30) };
    let a: Arc<dyn Store> = Arc::new(PgStore::connect(&url, &options).await.unwrap());
    a.migrate().await.unwrap();
    let b: Arc<dyn Store> = Arc::new(PgStore::connect(&url, &options).await.unwrap());
    let mut tasks = Vec::new();
    let mut writers = Vec::new();
    for store in [&a, &b] {
        let (writer, task) = spawn(store, config(40, 60_000));
        tasks.push(task);
        writers.push(writer);
    }
    let mut waiting = Vec::new();
    for n in 0..400 {
        let writer = writers[n as usize % 2].clone();
        waiting.push(tokio::spawn(async move { writer.append(audit_record(n)).await.map(|e| e.seq) }));
    }
    for w in waiting {
        w.await.unwrap().unwrap();
    }
    drop(writers);
    for task in tasks {
        task.await.unwrap();
    }
    let report = verify_stored(&*a).await;
    assert_eq!(report.entries, 400);
    assert_eq!(report.unsealed, 0);
}

#[tokio::test]
async fn a_stopped_writer_answers_with_an_error_not_a_hang() {
    let (_dir, store) = fresh_sqlite().await;
    let store: Arc<dyn Store> = store;
    let (writer, task) = spawn(&store, config(10, 60_000));
    writer.append(audit_record(1)).await.unwrap();
    task.abort();
    let _ = task.await;
    assert!(matches!(writer.append(audit_record(2)).await, Err(AuditWriteError::Stopped)));
    assert_eq!(store.audit_head().await.unwrap().map(|h| h.seq), Some(1));
}

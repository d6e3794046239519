//! What operators see: metrics by channel and status, and logs that name notices by
//! id, kind and channel only. A test binary of its own: tracing caches per call site
//! whether anyone listens, so tests logging on other threads at the same time would
//! make the captured logs incomplete.

#[allow(dead_code)] // The shared fixtures; this test uses some of them.
#[path = "delivery/common.rs"]
mod common;

use chrono::Utc;
use common::{address, carrier, config, email_to, notice, phone};
use cpniguard_core::account::Language;
use cpniguard_core::notice::{Channel, Destination};
use cpniguard_notify::Worker;
use cpniguard_notify::testing::SmtpSink;
use metrics_exporter_prometheus::PrometheusBuilder;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One email sent, one text waiting for its channel, one letter that cannot be
/// written (the spool is a file) and is abandoned on its only attempt.
#[test]
fn metrics_count_by_channel_and_logs_carry_no_contact_values() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let metrics = recorder.handle();
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The recorder and subscriber are this thread's, so everything runs on it.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let not_a_dir = tempfile::NamedTempFile::new().unwrap();
    metrics::with_local_recorder(&recorder, || {
        tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(async {
                let (_db, store) = cpniguard_store::testing::fresh_sqlite().await;
                let sink = SmtpSink::start();
                let mut cfg = config();
                cfg.email = sink.email_config();
                cfg.postal.enabled = true;
                cfg.postal.spool_dir = not_a_dir.path().display().to_string();
                cfg.worker.max_attempts = 1;
                let now = Utc::now();
                let letter = Destination::Postal { name: "Rosa Díaz".into(), address: address() };
                let notices = [
                    notice(Channel::Email, email_to("rosa.private@example.com"), Language::En, now),
                    notice(Channel::Sms, phone(), Language::En, now),
                    notice(Channel::Postal, letter, Language::Es, now),
                ];
                store.enqueue_notices(&notices, now).await.unwrap();
                let worker = Worker::new(store, cfg, carrier()).unwrap();
                worker.run(tokio::time::sleep(Duration::from_millis(300))).await;
                assert_eq!(sink.messages().len(), 1);
            })
        })
    });

    let rendered = metrics.render();
    for line in [
        "cpniguard_notices_sent_total{channel=\"email\"} 1",
        "cpniguard_notices_failed_total{channel=\"sms\"} 1",
        "cpniguard_notices_failed_total{channel=\"postal\"} 1",
        "cpniguard_notices_abandoned_total{channel=\"postal\"} 1",
        "cpniguard_notices{status=\"sent\"} 1",
        "cpniguard_notices{status=\"failed\"} 1",
        "cpniguard_notices{status=\"abandoned\"} 1",
        "cpniguard_notices{status=\"queued\"} 0",
        "cpniguard_notice_delivery_latency_seconds_count 1",
    ] {
        assert!(rendered.contains(line), "{line:?} missing from:\n{rendered}");
    }

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("notice sent") && logs.contains("notice abandoned") && logs.contains("waits for its channel")
    );
    assert!(logs.contains("channel=\"postal\"") || logs.contains("channel=postal"), "{logs}");
    for secret in ["rosa.private", "example.com", "8015550100", "Rosa", "Elm St", "Ogden", "84401", "Example Carrier"] {
        assert!(!logs.contains(secret), "{secret:?} in the logs:\n{logs}");
    }
}

//! Two workers draining one outbox at the same time: every notice reaches the SMTP
//! server exactly once.

use crate::common::{backends, carrier, config, email_to, notice};
use chrono::Utc;
use cpniguard_core::account::Language;
use cpniguard_core::notice::{Channel, NewNotice, NoticeStatus};
use cpniguard_notify::Worker;
use cpniguard_notify::testing::SmtpSink;
use std::collections::BTreeMap;
use std::time::Duration;

const NOTICES: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_deliver_each_notice_exactly_once() {
    for backend in backends().await {
        let store = &backend.store;
        let sink = SmtpSink::start();
        let now = Utc::now();
        let notices: Vec<NewNotice> = (0..NOTICES)
            .map(|i| notice(Channel::Email, email_to(&format!("customer{i}@example.com")), Language::En, now))
            .collect();
        assert_eq!(store.enqueue_notices(&notices, now).await.unwrap(), NOTICES as u64);

        let mut cfg = config();
        cfg.email = sink.email_config();
        // Small batches, so the two workers take turns claiming.
        cfg.worker.batch_size = 10;
        cfg.worker.concurrency = 4;
        let mut stops = Vec::new();
        let mut runs = Vec::new();
        for _ in 0..2 {
            let worker = Worker::new(store.clone(), cfg.clone(), carrier()).unwrap();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            stops.push(stop);
            runs.push(tokio::spawn(worker.run(async move {
                let _ = stopped.await;
            })));
        }
        sink.wait_for(NOTICES, Duration::from_secs(60)).await;
        // Time for any duplicate to arrive before counting.
        tokio::time::sleep(Duration::from_millis(500)).await;
        for stop in stops {
            stop.send(()).unwrap();
        }
        for run in runs {
            tokio::time::timeout(Duration::from_secs(10), run).await.expect("the worker stops").unwrap();
        }

        let mut per_message_id: BTreeMap<String, usize> = BTreeMap::new();
        for mail in sink.messages() {
            *per_message_id.entry(mail.message_id().unwrap()).or_default() += 1;
        }
        assert_eq!(per_message_id.len(), NOTICES, "{}", backend.name);
        assert!(per_message_id.values().all(|&n| n == 1), "a notice was delivered twice ({})", backend.name);
        for n in &notices {
            assert!(per_message_id.contains_key(&format!("{}@carrier.example", n.id)));
        }
        let counts: BTreeMap<NoticeStatus, u64> = store.notice_status_counts().await.unwrap().into_iter().collect();
        assert_eq!(counts[&NoticeStatus::Sent], NOTICES as u64, "{}", backend.name);
    }
}

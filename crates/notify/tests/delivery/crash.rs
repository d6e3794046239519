//! A worker that dies holding notices: after its lease another worker delivers them,
//! once.

use crate::common::{backends, carrier, config, email_to, notice, t0};
use chrono::Duration as Span;
use cpniguard_core::account::Language;
use cpniguard_core::notice::{Channel, NoticeStatus};
use cpniguard_notify::testing::SmtpSink;
use cpniguard_notify::{Tick, Worker};
use cpniguard_store::{DeliveryOutcome, NoticeClaim};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_notice_is_delivered_once_after_its_lease() {
    for backend in backends().await {
        let store = &backend.store;
        let sink = SmtpSink::start();
        let queued = notice(Channel::Email, email_to("rosa@example.com"), Language::En, t0());
        assert_eq!(store.enqueue_notices(std::slice::from_ref(&queued), t0()).await.unwrap(), 1);

        // The crashed worker: claims, then never finishes.
        let lease = Duration::from_secs(120);
        let claim = NoticeClaim { worker: "crashed-host-0001".into(), now: t0(), lease, limit: 10 };
        assert_eq!(store.claim_notices(&claim).await.unwrap().len(), 1);

        let mut cfg = config();
        cfg.email = sink.email_config();
        let worker = Worker::new(store.clone(), cfg, carrier()).unwrap();
        assert_eq!(worker.run_once(t0() + Span::seconds(60)).await.unwrap().claimed, 0, "the lease still holds");
        let tick = worker.run_once(t0() + Span::seconds(121)).await.unwrap();
        assert_eq!(tick, Tick { claimed: 1, sent: 1, retried: 0, abandoned: 0 }, "{}", backend.name);

        sink.wait_for(1, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let received = sink.messages();
        assert_eq!(received.len(), 1, "{}", backend.name);
        assert_eq!(received[0].message_id(), Some(format!("{}@carrier.example", queued.id)));

        let stored = store.get_notice(queued.id).await.unwrap().unwrap();
        assert_eq!((stored.status, stored.attempts), (NoticeStatus::Sent, 2));
        // Were the crashed worker to come back, its late outcome would not count.
        let late = DeliveryOutcome::Retry { at: t0(), error: "late".into() };
        let finished = store.finish_notice(queued.id, "crashed-host-0001", &late, t0() + Span::seconds(130)).await;
        assert!(!finished.unwrap());
        assert_eq!(store.get_notice(queued.id).await.unwrap().unwrap().status, NoticeStatus::Sent);
    }
}

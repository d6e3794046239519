//! A customer without an email address of record gets a letter.

use crate::common::{account, backends, carrier, config, owed, t0};
use cpniguard_core::account::Language;
use cpniguard_core::notice::{Channel, NoticeKind, NoticeStatus};
use cpniguard_notify::channels::postal::{MANIFEST, MANIFEST_HEADER};
use cpniguard_notify::{Deliverer, Tick, Worker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_without_email_gets_a_letter_in_the_spool() {
    for backend in backends().await {
        let store = &backend.store;
        let spool = tempfile::tempdir().unwrap();
        let acct = account(store.as_ref(), "ACC-7002", None, Language::Es).await;
        let mut cfg = config();
        cfg.postal.enabled = true;
        cfg.postal.spool_dir = spool.path().display().to_string();
        // Email first (there is none: a letter instead) and a text (channel off).
        let effects = owed(&acct, NoticeKind::PasswordChanged, &cfg.routing);
        let channels: Vec<Channel> = effects.notices.iter().map(|n| n.channel).collect();
        assert_eq!(channels, [Channel::Postal, Channel::Sms]);
        store.enqueue_notices(&effects.notices, t0()).await.unwrap();
        let letter_id = effects.notices[0].id;

        let worker = Worker::new(store.clone(), cfg.clone(), carrier()).unwrap();
        let tick = worker.run_once(t0()).await.unwrap();
        assert_eq!(tick, Tick { claimed: 2, sent: 1, retried: 1, abandoned: 0 }, "{}", backend.name);
        let letter = store.get_notice(letter_id).await.unwrap().unwrap();
        assert_eq!(letter.status, NoticeStatus::Sent);
        assert_eq!(letter.provider_message_id, Some(format!("2026-06-01/{letter_id}.pdf")));

        let day = spool.path().join("2026-06-01");
        let pdf = std::fs::read(day.join(format!("{letter_id}.pdf"))).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).expect("a valid PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        assert_eq!(pages, [1]);
        let text = doc.extract_text(&pages).unwrap();
        for expected in ["Rosa Díaz", "1 Elm St", "Ogden, UT 84401", "Se cambió su contraseña", "+1 800 555 0100"] {
            assert!(text.contains(expected), "{expected:?} is not in the letter: {text}");
        }
        assert!(!text.contains("ACC-7002") && !text.contains("8015550100"), "no account data in the letter");

        let manifest = std::fs::read_to_string(day.join(MANIFEST)).unwrap();
        let expected_row =
            format!("{letter_id},Rosa Díaz,1 Elm St,\"Apt 5, Rear\",Ogden,UT,84401,US,es,1,{letter_id}.pdf\r\n");
        assert_eq!(manifest, format!("{}\r\n{expected_row}", MANIFEST_HEADER.join(",")));

        // Delivered again (a retry after a crash before the outcome was recorded): the
        // letter is rewritten, the manifest still lists it once.
        let deliverer = Deliverer::new(&cfg, carrier()).unwrap();
        deliverer.deliver(&letter, t0()).await.unwrap();
        assert_eq!(std::fs::read_to_string(day.join(MANIFEST)).unwrap(), manifest);
        let leftovers: Vec<_> = std::fs::read_dir(&day)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

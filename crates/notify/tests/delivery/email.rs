//! An account change told by email through a real SMTP server.

use crate::common::{account, backends, carrier, config, t0};
use chrono::NaiveDate;
use cpniguard_core::account::Account;
use cpniguard_core::account::Language;
use cpniguard_core::contact::{ContactChange, ContactChangePlan, OfRecordRule};
use cpniguard_core::cpni::Service;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::ServiceId;
use cpniguard_core::money::Cents;
use cpniguard_core::notice::{AccountBefore, Channel, NoticeStatus, account_change_notices, contact_change_events};
use cpniguard_notify::testing::SmtpSink;
use cpniguard_notify::{Tick, Worker};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_change_is_told_once_to_the_old_address_in_spanish_without_the_new_one() {
    for backend in backends().await {
        let store = &backend.store;
        let sink = SmtpSink::start();
        let acct = account(store.as_ref(), "ACC-7001", Some("old@example.com"), Language::Es).await;
        // CPNI on the account that must never appear in a notice.
        let service = Service {
            id: ServiceId::new(),
            account_id: acct.id,
            service_type: "sip_trunk".into(),
            service_number: None,
            quantity: 23,
            configuration: serde_json::json!({ "codec": "G.722-wideband" }),
            rate_plan: "Plan Oro Ilimitado".into(),
            monthly_rate: Cents(5999),
            since: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            until: None,
        };
        store.add_service(&service).await.unwrap();

        let mut cfg = config();
        cfg.email = sink.email_config();
        cfg.routing.default_channels = vec![Channel::Email];
        let change = ContactChange {
            email: Some(Some(EmailAddress::parse("new.address@elsewhere.example").unwrap())),
            ..Default::default()
        };
        let routing = cfg.routing.clone();
        let effects = |before: &Account, plan: &ContactChangePlan| {
            let before = AccountBefore {
                account_id: before.id,
                name: &before.profile.name,
                language: before.profile.language,
                contact_points: &before.contact_points,
            };
            account_change_notices(&before, &contact_change_events(plan), &routing, OfRecordRule::default(), "c1", t0())
        };
        let outcome = store.change_contact_points(acct.id, &change, t0(), &effects).await.unwrap();
        assert_eq!(outcome.notices.len(), 1, "{}", backend.name);
        let id = outcome.notices[0];

        let worker = Worker::new(store.clone(), cfg, carrier()).unwrap();
        let tick = worker.run_once(t0()).await.unwrap();
        assert_eq!(tick, Tick { claimed: 1, sent: 1, retried: 0, abandoned: 0 }, "{}", backend.name);
        assert_eq!(worker.run_once(t0() + chrono::Duration::hours(1)).await.unwrap().claimed, 0);
        sink.wait_for(1, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let received = sink.messages();
        assert_eq!(received.len(), 1, "exactly one message ({})", backend.name);
        let mail = &received[0];

        assert_eq!(mail.to, vec!["old@example.com".to_owned()], "the previous address, never the new one");
        assert_eq!(mail.from, "notices@carrier.example");
        assert_eq!(mail.message_id(), Some(format!("{id}@carrier.example")));
        assert_eq!(mail.header("X-CPNIGuard-Notice"), Some(id.to_string()));
        assert_eq!(mail.header("Auto-Submitted").as_deref(), Some("auto-generated"));
        assert!(mail.header("Date").is_some());
        assert!(mail.header("To").unwrap().contains("<old@example.com>"));
        assert!(mail.header("From").unwrap().contains("<notices@carrier.example>"));
        assert!(mail.header("Content-Type").unwrap().starts_with("multipart/alternative"));

        assert_eq!(mail.subject().as_deref(), Some("Se cambió su correo electrónico - Example Carrier"));
        let text = mail.text().unwrap();
        assert!(text.contains("Estimado/a Rosa Díaz:"), "{text}");
        assert!(text.contains("El 1 de junio de 2026 a las 12:00 (UTC), se cambió la dirección de correo electrónico"));
        assert!(
            text.contains("Si usted no hizo este cambio, llame de inmediato a Example Carrier al +1 800 555 0100.")
        );
        assert!(mail.html().unwrap().contains("<p>Si usted no hizo este cambio"));

        let everything = format!("{}\n{}", mail.decoded(), String::from_utf8_lossy(&mail.data));
        for secret in
            ["new.address", "elsewhere.example", "ACC-7001", "8015550100", "Plan Oro", "G.722", "59.99", "sip_trunk"]
        {
            assert!(!everything.contains(secret), "{secret} appears in the email ({})", backend.name);
        }

        let stored = store.get_notice(id).await.unwrap().unwrap();
        assert_eq!(stored.status, NoticeStatus::Sent);
        assert_eq!(stored.attempts, 1);
        assert!(stored.sent_at.is_some());
        assert!(stored.provider_message_id.unwrap().contains(&id.to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_document_is_attached_to_the_email_of_record() {
    use cpniguard_core::notice::{Destination, NewNotice, NoticeId, NoticeKind};
    use std::collections::BTreeMap;

    for backend in backends().await {
        let store = &backend.store;
        let sink = SmtpSink::start();
        let acct = account(store.as_ref(), "ACC-7002", Some("rosa@example.com"), Language::Es).await;
        let document = "Llamadas del 1 al 31 de mayo de 2026\n2026-05-03 14:02  +13035550100  4 min";
        let notice = NewNotice {
            id: NoticeId::new(),
            account_id: Some(acct.id),
            kind: NoticeKind::DocumentDelivery,
            channel: Channel::Email,
            destination: Destination::Email { address: EmailAddress::parse("rosa@example.com").unwrap() },
            template: NoticeKind::DocumentDelivery.template().to_owned(),
            language: Language::Es,
            params: BTreeMap::from([
                ("change".to_owned(), NoticeKind::DocumentDelivery.as_str().to_owned()),
                ("changed_at".to_owned(), t0().to_rfc3339()),
                ("name".to_owned(), "Rosa Díaz".to_owned()),
                ("document".to_owned(), document.to_owned()),
            ]),
            idempotency_key: format!("doc-{}", backend.name),
            not_before: t0(),
        };
        store.enqueue_notices(&[notice], t0()).await.unwrap();
        let mut cfg = config();
        cfg.email = sink.email_config();
        let worker = Worker::new(store.clone(), cfg, carrier()).unwrap();
        assert_eq!(worker.run_once(t0()).await.unwrap().sent, 1, "{}", backend.name);
        let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert!(mail.header("Content-Type").unwrap().starts_with("multipart/mixed"));
        let parsed = mail_parser::MessageParser::default().parse(&mail.data).unwrap();
        assert_eq!(parsed.attachment_count(), 1, "the document travels as a file");
        let attachment = parsed.attachment(0).unwrap();
        assert_eq!(mail_parser::MimeHeaders::attachment_name(attachment), Some("documento.txt"));
        // Text travels with CRLF line ends, as mail does.
        assert_eq!(attachment.text_contents().map(|t| t.replace("\r\n", "\n")).as_deref(), Some(document));
    }
}

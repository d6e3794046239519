//! `cpniguard mail ingest --mailbox privacy` and `mail watch --mailbox privacy` end to
//! end with the real binary on a SQLite database: a customer's mail becomes a complaint
//! acknowledged in their language, once however often it arrives; mail from unknown or
//! shared addresses is still a complaint; automatic replies, bounces, spoofs, our own
//! mail and unparseable messages wait in the privacy quarantine, never in the opt-out one.

mod mail_env;

use cpniguard_core::account::Language;
use cpniguard_core::notice::NoticeKind;
use cpniguard_store::NoticeQuery;
use cpniguard_store::complaints::{ComplaintCategory, ComplaintChannel, ComplaintStatus};
use mail_env::{account, cpniguard, env, fixture, ingest_with};
use serde_json::Value;
use uuid::Uuid;

const PRIVACY: &[&str] = &["mail", "ingest", "--mailbox", "privacy"];

fn complaint_id(out: &Value) -> Uuid {
    out["complaint_id"].as_str().unwrap_or_else(|| panic!("no complaint: {out}")).parse().unwrap()
}

#[tokio::test]
async fn a_customers_mail_is_a_complaint_acknowledged_once_with_its_evidence() {
    let e = env().await;
    let id = account(&e, "PRIV-1", "+18015557101", Some("rosa@example.com"), Language::Es).await;
    let (code, out) = ingest_with(&e.url, PRIVACY, &fixture("privacy_complaint.eml"));
    assert_eq!((code, out["outcome"].as_str(), out["recorded"].as_u64()), (0, Some("filed"), Some(1)), "{out}");
    assert_eq!(out["account_ids"][0], id.to_string());
    let c = e.store.get_complaint(complaint_id(&out)).await.unwrap().unwrap();
    assert_eq!(
        (c.channel, c.status, c.category),
        (ComplaintChannel::Mailbox, ComplaintStatus::Open, ComplaintCategory::Other)
    );
    assert_eq!(c.account_id, Some(id));
    assert_eq!(c.subject, "Alguien conocía mis llamadas", "the encoded subject, decoded");
    assert!(c.description.contains("números que marqué"), "{}", c.description);
    assert_eq!(c.message_id.as_deref(), Some("<privacy-1@example.com>"));
    assert_eq!(c.message_sha256.as_ref().map(String::len), Some(64));

    // The same message again (an MTA retry): nothing new.
    let (code, again) = ingest_with(&e.url, PRIVACY, &fixture("privacy_complaint.eml"));
    assert_eq!((code, again["recorded"].as_u64()), (0, Some(0)), "{again}");
    assert_eq!(complaint_id(&again), c.id);
    let notices = e
        .store
        .list_notices(&NoticeQuery { account: Some(id), limit: 100, ..Default::default() })
        .await
        .unwrap()
        .notices;
    assert_eq!(notices.len(), 1, "one acknowledgement, and no opt-out confirmation");
    assert_eq!((notices[0].kind, notices[0].language), (NoticeKind::ComplaintAcknowledged, Language::Es));
    assert!(e.store.consent_history(id).await.unwrap().is_empty(), "a complaint is not an opt-out");
}

#[tokio::test]
async fn unknown_and_shared_addresses_are_still_complaints_without_an_account() {
    let e = env().await;
    let (code, out) = ingest_with(&e.url, PRIVACY, &fixture("unknown_sender.eml"));
    assert_eq!((code, out["outcome"].as_str()), (0, Some("filed")), "{out}");
    assert!(out["reason"].as_str().unwrap().starts_with("unmatched"));
    let c = e.store.get_complaint(complaint_id(&out)).await.unwrap().unwrap();
    assert_eq!((c.account_id, c.contact.as_deref()), (None, Some("stranger@elsewhere.example")));

    let a = account(&e, "PRIV-2", "+18015557102", Some("rosa@example.com"), Language::En).await;
    let b = account(&e, "PRIV-3", "+18015557103", Some("rosa@example.com"), Language::En).await;
    let (code, out) = ingest_with(&e.url, PRIVACY, &fixture("plain.eml"));
    assert_eq!(code, 0);
    assert!(out["reason"].as_str().unwrap().starts_with("ambiguous"), "{out}");
    let c = e.store.get_complaint(complaint_id(&out)).await.unwrap().unwrap();
    assert_eq!(c.account_id, None, "no account is assumed");
    let mut candidates = c.candidate_accounts.clone();
    candidates.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(candidates, expected);
    assert_eq!(e.store.open_complaints_count().await.unwrap(), 2);
}

#[tokio::test]
async fn automatic_spoofed_own_and_unparseable_mail_waits_in_the_privacy_quarantine() {
    let e = env().await;
    account(&e, "PRIV-4", "+18015557104", Some("rosa@example.com"), Language::En).await;
    for (name, reason) in [
        ("auto_reply.eml", "automated"),
        ("bounce.eml", "bounce"),
        ("spoof_dmarc_fail.eml", "auth_failed"),
        ("privacy_own_address.eml", "own_address"),
    ] {
        let (code, out) = ingest_with(&e.url, PRIVACY, &fixture(name));
        assert_eq!(code, 0, "{name}: {out}");
        assert_eq!((out["outcome"].as_str(), out["reason"].as_str()), (Some("quarantined"), Some(reason)), "{name}");
    }
    let (code, out) = ingest_with(&e.url, PRIVACY, &fixture("unparseable.eml"));
    assert_eq!((code, out["reason"].as_str()), (65, Some("unparseable")), "{out}");
    let held = e.store.list_privacy_mail(true).await.unwrap();
    assert_eq!(held.len(), 5);
    let spoof = e.store.get_privacy_mail(held[2].mail.id).await.unwrap().unwrap();
    assert_eq!(spoof.mail.raw, fixture("spoof_dmarc_fail.eml"), "the raw message is kept");
    assert!(e.store.list_quarantine(false).await.unwrap().is_empty(), "not in the opt-out review queue");
    assert_eq!(e.store.open_complaints_count().await.unwrap(), 0);
    // The same bounce again is held once.
    ingest_with(&e.url, PRIVACY, &fixture("bounce.eml"));
    assert_eq!(e.store.list_privacy_mail(true).await.unwrap().len(), 5);
}

#[tokio::test]
async fn watch_files_a_privacy_maildir() {
    let e = env().await;
    let id = account(&e, "PRIV-5", "+18015557105", Some("rosa@example.com"), Language::En).await;
    let maildir = e.root.join("Privacy");
    std::fs::create_dir_all(maildir.join("new")).unwrap();
    for (i, name) in ["privacy_complaint.eml", "unknown_sender.eml", "bounce.eml"].iter().enumerate() {
        std::fs::write(maildir.join(format!("new/{i}.host")), fixture(name)).unwrap();
    }
    let out = cpniguard(&e.url, &["mail", "watch", "--mailbox", "privacy", "--once", "--maildir"])
        .arg(&maildir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let outcomes: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<&str> = outcomes.iter().map(|o| o["outcome"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["filed", "filed", "quarantined"]);
    assert_eq!(std::fs::read_dir(maildir.join("new")).unwrap().count(), 0);
    let c = e.store.get_complaint(complaint_id(&outcomes[0])).await.unwrap().unwrap();
    assert_eq!(c.account_id, Some(id));
    assert!(e.store.consent_history(id).await.unwrap().is_empty());
}

//! `cpniguard mail ingest` and `mail watch` end to end with the real binary on a
//! SQLite database: messages in the shapes real mail clients send, spoofs, automatic
//! replies and bounces, unknown senders reviewed by the privacy office, and a
//! database that is down.

mod mail_env;

use chrono::Utc;
use cpniguard_core::account::Language;
use cpniguard_core::consent::{ApprovalState, CARRIER_MARKETING, ConsentPolicy, PARTNER_SHARING, statuses};
use cpniguard_core::ids::AccountId;
use cpniguard_store::Store;

use mail_env::{cpniguard, env, fixture, ingest, new_account};

async fn state(store: &dyn Store, id: AccountId, scope: &str) -> ApprovalState {
    let history = store.consent_history(id).await.unwrap();
    let s = statuses(&history, Utc::now(), &ConsentPolicy::default());
    s.into_iter().find(|s| s.scope == scope).unwrap().state
}

#[tokio::test]
async fn every_client_shape_opts_the_sender_out_and_repeats_are_idempotent() {
    let e = env().await;
    let id = AccountId::new();
    e.store
        .create_account(id, &new_account("MAIL-1", "+18015557001", Some("rosa@example.com"), Language::Es), Utc::now())
        .await
        .unwrap();
    let shapes = [
        "plain.eml",
        "multipart_alternative.eml",
        "html_only.eml",
        "qp_spanish_subject.eml",
        "base64_body.eml",
        "encoded_word_from.eml",
        "reply_quoted.eml",
    ];
    for (i, name) in shapes.iter().enumerate() {
        let (code, out) = ingest(&e.url, &fixture(name));
        assert_eq!(code, 0, "{name}: {out}");
        assert_eq!(out["outcome"], "applied", "{name}: {out}");
        assert_eq!(out["account_ids"][0], id.to_string(), "{name}");
        assert_eq!(out["recorded"], 2, "{name}: both marketing scopes");
        let history = e.store.consent_history(id).await.unwrap();
        assert_eq!(history.len(), 2 * (i + 1));
        let last = history.last().unwrap();
        assert!(last.evidence.message_id.is_some() && last.evidence.message_sha256.as_ref().unwrap().len() == 64);
        // The same message again changes nothing.
        let (code, again) = ingest(&e.url, &fixture(name));
        assert_eq!((code, again["recorded"].as_u64()), (0, Some(0)), "{name}: {again}");
    }
    assert_eq!(state(&*e.store, id, CARRIER_MARKETING).await, ApprovalState::OptedOut);
    assert_eq!(state(&*e.store, id, PARTNER_SHARING).await, ApprovalState::OptedOut);
    // One Spanish confirmation per message, to the email of record.
    let notices = e
        .store
        .list_notices(&cpniguard_store::NoticeQuery { account: Some(id), limit: 100, ..Default::default() })
        .await
        .unwrap()
        .notices;
    assert_eq!(notices.len(), shapes.len());
    assert!(notices.iter().all(|n| n.template == "consent-confirmation" && n.language == Language::Es));
}

#[tokio::test]
async fn automatic_mail_spoofs_and_unknown_senders_are_quarantined_never_applied() {
    let e = env().await;
    let id = AccountId::new();
    e.store
        .create_account(id, &new_account("MAIL-2", "+18015557002", Some("rosa@example.com"), Language::En), Utc::now())
        .await
        .unwrap();
    for (name, reason) in [
        ("auto_reply.eml", "automated"),
        ("bounce.eml", "bounce"),
        ("spoof_dmarc_fail.eml", "auth_failed"),
        ("unknown_sender.eml", "unmatched"),
    ] {
        let (code, out) = ingest(&e.url, &fixture(name));
        assert_eq!(code, 0, "{name}: {out}");
        assert_eq!((out["outcome"].as_str(), out["reason"].as_str()), (Some("quarantined"), Some(reason)), "{name}");
    }
    assert!(e.store.consent_history(id).await.unwrap().is_empty(), "nothing applied");
    let (code, out) = ingest(&e.url, &fixture("unparseable.eml"));
    assert_eq!((code, out["reason"].as_str()), (65, Some("unparseable")), "{out}");
    let open = e.store.list_quarantine(true).await.unwrap();
    assert_eq!(open.len(), 5);
    let kept = e.store.get_quarantined(open[2].id).await.unwrap().unwrap();
    assert_eq!(kept.raw, fixture("spoof_dmarc_fail.eml"), "the raw message is kept");
}

#[tokio::test]
async fn a_shared_address_is_applied_to_every_account_and_flagged() {
    let e = env().await;
    let (a, b) = (AccountId::new(), AccountId::new());
    for (id, n, p) in [(a, "MAIL-3", "+18015557003"), (b, "MAIL-4", "+18015557004")] {
        e.store
            .create_account(id, &new_account(n, p, Some("rosa@example.com"), Language::En), Utc::now())
            .await
            .unwrap();
    }
    let (code, out) = ingest(&e.url, &fixture("plain.eml"));
    assert_eq!(code, 0);
    assert_eq!(out["account_ids"].as_array().unwrap().len(), 2, "{out}");
    assert!(out["reason"].as_str().unwrap().starts_with("ambiguous"));
    assert!(out["quarantine_id"].is_string(), "kept for review");
    for id in [a, b] {
        assert_eq!(state(&*e.store, id, CARRIER_MARKETING).await, ApprovalState::OptedOut);
    }
}

#[tokio::test]
async fn database_down_is_a_temporary_failure_and_the_maildir_keeps_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let down = format!("sqlite://{}/missing/dir/db.sqlite", dir.path().display());
    let (code, _) = ingest(&down, &fixture("plain.eml"));
    assert_eq!(code, 75);

    let maildir = dir.path().join("Maildir");
    std::fs::create_dir_all(maildir.join("new")).unwrap();
    std::fs::write(maildir.join("new/1.eml"), fixture("plain.eml")).unwrap();
    let status = cpniguard(&down, &["mail", "watch", "--once", "--maildir"]).arg(&maildir).output().unwrap();
    assert_eq!(status.status.code(), Some(75));
    assert!(maildir.join("new/1.eml").exists(), "still waiting in new");
}

#[tokio::test]
async fn watch_moves_each_message_to_cur_after_its_outcome_is_committed() {
    let e = env().await;
    let id = AccountId::new();
    e.store
        .create_account(id, &new_account("MAIL-5", "+18015557005", Some("rosa@example.com"), Language::En), Utc::now())
        .await
        .unwrap();
    let maildir = e.root.join("Maildir");
    std::fs::create_dir_all(maildir.join("new")).unwrap();
    for (i, name) in ["plain.eml", "unknown_sender.eml", "bounce.eml"].iter().enumerate() {
        std::fs::write(maildir.join(format!("new/{i}.host")), fixture(name)).unwrap();
    }
    let out = cpniguard(&e.url, &["mail", "watch", "--once", "--maildir"]).arg(&maildir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    assert_eq!(std::fs::read_dir(maildir.join("new")).unwrap().count(), 0);
    assert!(maildir.join("cur/0.host:2,S").exists());
    assert_eq!(state(&*e.store, id, CARRIER_MARKETING).await, ApprovalState::OptedOut);
}

//! Customer authentication (issue 4): credentials with their notices, lockout,
//! interactions and evidence, recovery tokens, portal sessions, signals.

use super::fixtures::{DAY, at, create, email, new_account};
use crate::auth::{
    Evidence, FailedAttempt, Interaction, PortalSession, PretextingSignal, RecoveryToken, SecretHash, StoredCredential,
};
use crate::{NoticeQuery, Store, StoreError};
use chrono::Duration;
use cpniguard_core::authn::{EvidenceKind, InteractionChannel, LockoutPolicy, SecretKind};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind, SideEffects};
use std::collections::BTreeMap;
use uuid::Uuid;

fn cred(kind: SecretKind, hash: &str) -> StoredCredential {
    StoredCredential { kind, hash: SecretHash(hash.to_owned()), question: None, updated_at: at(0) }
}

fn notice(account: AccountId, key: &str) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: Some(account),
        kind: NoticeKind::PinChanged,
        channel: Channel::Email,
        destination: Destination::Email { address: email("owner@example.com") },
        template: "account-change".to_owned(),
        language: cpniguard_core::account::Language::En,
        params: BTreeMap::new(),
        idempotency_key: key.to_owned(),
        not_before: at(0),
    }
}

/// A secret is stored, replaced, read back by kind, and its notice is queued in the
/// same call; an unknown account is `NotFound` and queues nothing.
pub async fn auth_credentials_set_with_their_notice(store: &dyn Store) {
    let a = create(store, "AUTH-1001", "Cred Owner", &["+18015551001"]).await;
    assert_eq!(store.get_credential(a.id, SecretKind::Pin).await.unwrap(), None);
    let effects = SideEffects { notices: vec![notice(a.id, "pin-1")], tasks: vec![] };
    let queued =
        store.set_credential(a.id, &cred(SecretKind::Pin, "$argon2id$one"), None, &effects, at(10)).await.unwrap();
    assert_eq!(queued.len(), 1);
    let got = store.get_credential(a.id, SecretKind::Pin).await.unwrap().unwrap();
    assert_eq!((got.hash.0.as_str(), got.updated_at), ("$argon2id$one", at(10)));
    assert!(!format!("{got:?}").contains("argon2id$one"), "Debug is redacted");
    let mut backup = cred(SecretKind::BackupAnswer, "$argon2id$b");
    backup.question = Some("First pet?".into());
    store.set_credential(a.id, &backup, None, &SideEffects::default(), at(11)).await.unwrap();
    store
        .set_credential(a.id, &cred(SecretKind::Pin, "$argon2id$two"), None, &SideEffects::default(), at(12))
        .await
        .unwrap();
    assert_eq!(store.get_credential(a.id, SecretKind::Pin).await.unwrap().unwrap().hash.0, "$argon2id$two");
    let b = store.get_credential(a.id, SecretKind::BackupAnswer).await.unwrap().unwrap();
    assert_eq!(b.question.as_deref(), Some("First pet?"));
    assert_eq!(store.get_credential(a.id, SecretKind::Password).await.unwrap(), None);

    let ghost = AccountId::new();
    let effects = SideEffects { notices: vec![notice(ghost, "ghost")], tasks: vec![] };
    let e = store.set_credential(ghost, &cred(SecretKind::Pin, "x"), None, &effects, at(0)).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound("account")), "{e:?}");
    let page = store.list_notices(&NoticeQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert!(!page.notices.iter().any(|n| n.idempotency_key == "ghost"), "nothing queued when refused");
}

/// Failures count within the window and lock; a lock is listed and cleared; a new
/// secret clears it too; distinct accounts per staff member and per source.
pub async fn auth_lockout_counts_and_clears(store: &dyn Store) {
    let a = create(store, "AUTH-2001", "Lock One", &["+18015552001"]).await;
    let b = create(store, "AUTH-2002", "Lock Two", &["+18015552002"]).await;
    let policy = LockoutPolicy::default();
    let staff = StaffId::new();
    let attempt = |account| FailedAttempt {
        account_id: account,
        staff_id: Some(staff),
        source: "192.0.2.7".into(),
        kind: SecretKind::Pin,
    };
    for i in 0..4 {
        let s = store.record_auth_failure(&attempt(a.id), &policy, at(100 + i)).await.unwrap();
        assert_eq!(s.failures, u32::try_from(i + 1).unwrap());
        assert!(!s.is_locked(at(100 + i)));
    }
    let s = store.record_auth_failure(&attempt(a.id), &policy, at(110)).await.unwrap();
    assert!(s.is_locked(at(111)));
    assert_eq!(store.lock_state(a.id).await.unwrap(), s);
    store.record_auth_failure(&attempt(b.id), &policy, at(120)).await.unwrap();

    let locks = store.list_locks(at(200)).await.unwrap();
    assert_eq!(locks.iter().map(|l| l.account_id).collect::<Vec<_>>(), vec![a.id]);
    assert!(
        store.list_locks(at(110) + Duration::minutes(31)).await.unwrap().is_empty(),
        "expired locks are not listed"
    );

    assert_eq!(store.failed_accounts_since(Some(staff), "", at(0)).await.unwrap(), 2);
    assert_eq!(store.failed_accounts_since(None, "192.0.2.7", at(115)).await.unwrap(), 1);
    assert_eq!(store.failed_accounts_since(Some(StaffId::new()), "", at(0)).await.unwrap(), 0);

    assert!(store.clear_lock(a.id).await.unwrap());
    assert!(!store.lock_state(a.id).await.unwrap().is_locked(at(200)));
    assert!(!store.clear_lock(a.id).await.unwrap());
    store.set_credential(b.id, &cred(SecretKind::Pin, "h"), None, &SideEffects::default(), at(130)).await.unwrap();
    assert_eq!(store.lock_state(b.id).await.unwrap().failures, 0, "a new secret starts afresh");
    store.record_auth_failure(&attempt(b.id), &policy, at(140)).await.unwrap();
    store.reset_auth_failures(b.id).await.unwrap();
    assert_eq!(store.lock_state(b.id).await.unwrap().failures, 0);
}

/// Interactions and their evidence round-trip; evidence for an unknown interaction
/// and interactions for unknown accounts are `NotFound`.
pub async fn auth_interactions_and_evidence(store: &dyn Store) {
    let a = create(store, "AUTH-3001", "Caller", &["+18015553001"]).await;
    let i = Interaction {
        id: Uuid::now_v7(),
        account_id: a.id,
        channel: InteractionChannel::InStore,
        staff_id: Some(StaffId::new()),
        opened_at: at(0),
        expires_at: at(1800),
    };
    store.open_interaction(&i).await.unwrap();
    assert_eq!(store.get_interaction(i.id).await.unwrap(), Some(i.clone()));
    assert_eq!(store.get_interaction(Uuid::now_v7()).await.unwrap(), None);
    let e1 =
        Evidence { kind: EvidenceKind::PhotoIdChecked, detail: Some("passport ...A123".into()), recorded_at: at(5) };
    let e2 = Evidence { kind: EvidenceKind::PinVerified, detail: None, recorded_at: at(6) };
    store.add_evidence(i.id, &e1).await.unwrap();
    store.add_evidence(i.id, &e2).await.unwrap();
    assert_eq!(store.list_evidence(i.id).await.unwrap(), vec![e1.clone(), e2]);
    assert!(matches!(store.add_evidence(Uuid::now_v7(), &e1).await, Err(StoreError::NotFound(_))));
    let orphan = Interaction { id: Uuid::now_v7(), account_id: AccountId::new(), ..i.clone() };
    assert!(matches!(store.open_interaction(&orphan).await, Err(StoreError::NotFound("account"))));

    // Ending an interaction expires it now, once.
    assert!(store.end_interaction(i.id, at(60)).await.unwrap());
    assert_eq!(store.get_interaction(i.id).await.unwrap().unwrap().expires_at, at(60));
    assert!(!store.end_interaction(i.id, at(61)).await.unwrap());
    assert!(!store.end_interaction(Uuid::now_v7(), at(61)).await.unwrap());
}

/// A recovery token is used once, only before it expires, only for its account; its
/// notice is queued with it. Sessions expire and are revoked. Accounts are found by
/// their current email address only.
pub async fn auth_recovery_tokens_sessions_and_email_lookup(store: &dyn Store) {
    let mut new = new_account("AUTH-4001", "Forgetful", &["+18015554001"]);
    new.email = Some(email("Forgetful@Example.com"));
    let id = AccountId::new();
    store.create_account(id, &new, at(0)).await.unwrap();
    let other = create(store, "AUTH-4002", "Other", &["+18015554002"]).await;
    assert_eq!(store.account_by_email("forgetful@example.com").await.unwrap(), Some(id));
    assert_eq!(store.account_by_email("nobody@example.com").await.unwrap(), None);

    let hash = [7u8; 32];
    let token = RecoveryToken { account_id: id, created_at: at(DAY), expires_at: at(DAY + 1800), used_at: None };
    let effects = SideEffects { notices: vec![notice(id, "recovery-1")], tasks: vec![] };
    store.create_recovery_token(&hash, &token, &effects, at(DAY)).await.unwrap();
    assert_eq!(store.get_recovery_token(&hash).await.unwrap(), Some(token.clone()));
    let page = store.list_notices(&NoticeQuery { account: Some(id), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.notices.len(), 1);

    let c = cred(SecretKind::Password, "$argon2id$new");
    let wrong_account = store.set_credential(other.id, &c, Some(&hash), &SideEffects::default(), at(DAY + 10)).await;
    assert!(matches!(wrong_account, Err(StoreError::Invalid(_))));
    let expired = store.set_credential(id, &c, Some(&hash), &SideEffects::default(), at(DAY + 1800)).await;
    assert!(matches!(expired, Err(StoreError::Invalid(_))));
    assert_eq!(store.get_credential(id, SecretKind::Password).await.unwrap(), None, "nothing changed");
    store.set_credential(id, &c, Some(&hash), &SideEffects::default(), at(DAY + 10)).await.unwrap();
    let again = store.set_credential(id, &c, Some(&hash), &SideEffects::default(), at(DAY + 11)).await;
    assert!(matches!(again, Err(StoreError::Invalid(_))), "single use");
    assert_eq!(store.get_recovery_token(&hash).await.unwrap().unwrap().used_at, Some(at(DAY + 10)));

    let i = Interaction {
        id: Uuid::now_v7(),
        account_id: id,
        channel: InteractionChannel::Online,
        staff_id: None,
        opened_at: at(0),
        expires_at: at(600),
    };
    store.open_interaction(&i).await.unwrap();
    let s = PortalSession { account_id: id, interaction_id: i.id, created_at: at(0), expires_at: at(600) };
    let sh = [9u8; 32];
    store.create_portal_session(&sh, &s).await.unwrap();
    assert_eq!(store.portal_session(&sh, at(599)).await.unwrap(), Some(s));
    assert_eq!(store.portal_session(&sh, at(600)).await.unwrap(), None, "expired");
    assert!(store.revoke_portal_session(&sh, at(10)).await.unwrap());
    assert_eq!(store.portal_session(&sh, at(11)).await.unwrap(), None, "revoked");
    assert!(!store.revoke_portal_session(&sh, at(12)).await.unwrap());
}

/// Signals are listed newest first and counted per account and kind.
pub async fn auth_pretexting_signals(store: &dyn Store) {
    let a = create(store, "AUTH-5001", "Target", &["+18015555001"]).await;
    for (i, kind) in
        ["call_detail_without_password", "call_detail_without_password", "many_failures"].iter().enumerate()
    {
        let s = PretextingSignal {
            id: Uuid::now_v7(),
            kind: (*kind).to_owned(),
            account_id: Some(a.id),
            staff_id: None,
            source: Some("198.51.100.1".into()),
            detail: "test".into(),
            created_at: at(i64::try_from(i).unwrap() * 10),
        };
        store.record_signal(&s).await.unwrap();
    }
    let listed = store.list_signals(10).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0].kind, "many_failures");
    assert_eq!(store.list_signals(1).await.unwrap().len(), 1);
    assert_eq!(store.count_signals(a.id, "call_detail_without_password", at(0)).await.unwrap(), 2);
    assert_eq!(store.count_signals(a.id, "call_detail_without_password", at(5)).await.unwrap(), 1);
}

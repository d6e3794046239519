//! Conformance: published CPNI policy versions in English and Spanish, and material-change mailings.

use super::fixtures::{DAY, at, date, email, new_account};
use crate::publication::{PolicyDraft, PolicyText, policy_notice_key};
use crate::{Store, StoreError};
use cpniguard_core::account::{AccountStatus, Language};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind, NoticeStatus};
use std::collections::BTreeMap;

fn text(s: &str) -> PolicyText {
    PolicyText { summary: format!("{s} summary"), body: format!("# {s}\n\nThe policy.") }
}

fn draft(material: bool, en: bool, es: bool) -> PolicyDraft {
    PolicyDraft {
        effective_on: date("2025-02-01"),
        material,
        en: en.then(|| text("English")),
        es: es.then(|| text("Español")),
    }
}

pub async fn policy_versions_need_both_languages_and_are_immutable_once_published(store: &dyn Store) {
    let v1 = store.create_policy_draft(&draft(false, true, false), "privacy.officer", at(0)).await.unwrap();
    assert_eq!(v1.version, 1);
    assert!(!v1.is_published());
    assert_eq!(v1.es, None);
    let err = store.publish_policy_version(1, "privacy.officer", at(10), at(0)).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "es"), "{err:?}");
    assert!(!store.get_policy_version(1).await.unwrap().unwrap().is_published(), "a refused publish changes nothing");

    let edited = store.update_policy_draft(1, &draft(false, true, true), at(20)).await.unwrap();
    assert_eq!(edited.es, Some(text("Español")));
    assert_eq!(edited.updated_at, at(20));
    let published = store.publish_policy_version(1, "privacy.officer", at(30), at(0)).await.unwrap();
    assert_eq!(published.published_at, Some(at(30)));
    assert_eq!(published.published_by.as_deref(), Some("privacy.officer"));
    assert_eq!(store.policy_mailing(1).await.unwrap(), None, "a change that is not material mails nobody");

    let err = store.update_policy_draft(1, &draft(true, true, true), at(40)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict("published policy version")), "{err:?}");
    let err = store.publish_policy_version(1, "x", at(40), at(0)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict("published policy version")), "{err:?}");
    assert_eq!(store.get_policy_version(1).await.unwrap(), Some(published.clone()));

    let v2 = store.create_policy_draft(&draft(true, true, true), "privacy.officer", at(50)).await.unwrap();
    assert_eq!(v2.version, 2);
    assert!(matches!(
        store.update_policy_draft(9, &draft(true, true, true), at(0)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(store.publish_policy_version(9, "x", at(0), at(0)).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.get_policy_version(9).await.unwrap(), None);
    let all = store.list_policy_versions().await.unwrap();
    assert_eq!(all.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(all[0], published);
}

fn policy_notice(version: u32, account: AccountId) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: Some(account),
        kind: NoticeKind::PolicyChanged,
        channel: Channel::Email,
        destination: Destination::Email { address: email("holder@example.com") },
        template: NoticeKind::PolicyChanged.template().to_owned(),
        language: Language::En,
        params: BTreeMap::new(),
        idempotency_key: policy_notice_key(version, account),
        not_before: at(0),
    }
}

pub async fn policy_mailing_reaches_each_email_of_record_once(store: &dyn Store) {
    // Accounts created at at(0): with email (en, es), without email, closed, and one
    // whose email came later than the cut-off.
    let mut with_email = Vec::new();
    for (n, language) in [(1, Language::En), (2, Language::Es), (3, Language::En)] {
        let mut new = new_account(&format!("PM-100{n}"), &format!("Holder {n}"), &[&format!("+1801555060{n}")]);
        new.profile.language = language;
        new.email = Some(email(&format!("holder{n}@example.com")));
        with_email.push(store.create_account(AccountId::new(), &new, at(0)).await.unwrap().id);
    }
    store
        .create_account(AccountId::new(), &new_account("PM-2001", "No Email", &["+18015550611"]), at(0))
        .await
        .unwrap();
    let mut closed = new_account("PM-3001", "Closed", &["+18015550612"]);
    closed.profile.status = AccountStatus::Closed;
    closed.email = Some(email("closed@example.com"));
    store.create_account(AccountId::new(), &closed, at(0)).await.unwrap();
    let mut young = new_account("PM-4001", "Young", &["+18015550613"]);
    young.email = Some(email("young@example.com"));
    store.create_account(AccountId::new(), &young, at(40 * DAY)).await.unwrap();
    with_email.sort();

    let cut_off = at(35 * DAY);
    store.create_policy_draft(&draft(true, true, true), "po", at(40 * DAY)).await.unwrap();
    store.publish_policy_version(1, "po", at(41 * DAY), cut_off).await.unwrap();
    let mailing = store.policy_mailing(1).await.unwrap().unwrap();
    assert_eq!((mailing.total, mailing.queued, mailing.after_account, mailing.finished_at), (3, 0, None, None));
    assert!(mailing.delivery.iter().all(|(_, n)| *n == 0));

    // Two at a time, by account id, each with its language and email of record.
    let first = store.policy_mailing_recipients(None, cut_off, 2).await.unwrap();
    assert_eq!(first.iter().map(|r| r.account_id).collect::<Vec<_>>(), with_email[..2]);
    let rest = store.policy_mailing_recipients(Some(first[1].account_id), cut_off, 2).await.unwrap();
    assert_eq!(rest.iter().map(|r| r.account_id).collect::<Vec<_>>(), with_email[2..]);
    let es = first.iter().chain(&rest).find(|r| r.name == "Holder 2").unwrap();
    assert_eq!((es.language, es.email.as_str()), (Language::Es, "holder2@example.com"));

    let batch: Vec<NewNotice> = first.iter().map(|r| policy_notice(1, r.account_id)).collect();
    assert_eq!(store.record_policy_mailing_batch(1, &batch, first[1].account_id, at(41 * DAY)).await.unwrap(), 2);
    // The same batch again (a retry) queues nothing and never moves the position back.
    let again: Vec<NewNotice> = first.iter().map(|r| policy_notice(1, r.account_id)).collect();
    assert_eq!(store.record_policy_mailing_batch(1, &again, first[0].account_id, at(41 * DAY)).await.unwrap(), 0);
    let mailing = store.policy_mailing(1).await.unwrap().unwrap();
    assert_eq!((mailing.queued, mailing.after_account), (2, Some(first[1].account_id)));
    let queued = mailing.delivery.iter().find(|(s, _)| *s == NoticeStatus::Queued).unwrap().1;
    assert_eq!(queued, 2);

    let last: Vec<NewNotice> = rest.iter().map(|r| policy_notice(1, r.account_id)).collect();
    assert_eq!(store.record_policy_mailing_batch(1, &last, rest[0].account_id, at(41 * DAY)).await.unwrap(), 1);
    store.finish_policy_mailing(1, at(42 * DAY)).await.unwrap();
    let mailing = store.policy_mailing(1).await.unwrap().unwrap();
    assert_eq!((mailing.queued, mailing.finished_at), (3, Some(at(42 * DAY))));
    let err = store.record_policy_mailing_batch(7, &[], rest[0].account_id, at(0)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound("policy mailing")), "{err:?}");
}

//! The notices outbox: queued with the change that owes it, claimed under a lease,
//! finished by the worker that holds it, listed and counted; and the privacy
//! office's tasks.

use super::fixtures::{DAY, at, email, new_account, phone};
use crate::{DeliveryOutcome, NoticeClaim, NoticeQuery, Store, StoreError, no_effects};
use chrono::{DateTime, Utc};
use cpniguard_core::account::{Account, Language};
use cpniguard_core::contact::{ContactChange, ContactChangePlan};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{
    Channel, Destination, NewNotice, Notice, NoticeId, NoticeKind, NoticeStatus, PrivacyTask, SideEffects,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

const LEASE: Duration = Duration::from_secs(60);

/// An email notice to `holder@example.com`, due at `not_before`.
fn notice(account: Option<AccountId>, key: &str, not_before: DateTime<Utc>) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: account,
        kind: NoticeKind::EmailAddressChanged,
        channel: Channel::Email,
        destination: Destination::Email { address: email("holder@example.com") },
        template: "account-change".to_owned(),
        language: Language::Es,
        params: BTreeMap::from([
            ("change".to_owned(), "email_address_changed".to_owned()),
            ("name".to_owned(), "José Núñez".to_owned()),
        ]),
        idempotency_key: key.to_owned(),
        not_before,
    }
}

/// `new` as queued at `now`.
fn queued(new: &NewNotice, now: DateTime<Utc>) -> Notice {
    Notice {
        id: new.id,
        account_id: new.account_id,
        kind: new.kind,
        channel: new.channel,
        destination: new.destination.clone(),
        template: new.template.clone(),
        language: new.language,
        params: new.params.clone(),
        idempotency_key: new.idempotency_key.clone(),
        status: NoticeStatus::Queued,
        attempts: 0,
        next_attempt_at: new.not_before,
        lease_until: None,
        last_error: None,
        provider_message_id: None,
        created_at: now,
        updated_at: now,
        sent_at: None,
    }
}

fn task(account: Option<AccountId>, created_at: DateTime<Utc>, resolved_at: Option<DateTime<Utc>>) -> PrivacyTask {
    PrivacyTask {
        id: Uuid::now_v7(),
        account_id: account,
        kind: "account_change_not_notified".to_owned(),
        detail: "No channel reaches the account holder; contact them another way.".to_owned(),
        created_at,
        resolved_at,
    }
}

fn claim(worker: &str, now: DateTime<Utc>, limit: u32) -> NoticeClaim {
    NoticeClaim { worker: worker.to_owned(), now, lease: LEASE, limit }
}

fn sent(provider_message_id: Option<&str>) -> DeliveryOutcome {
    DeliveryOutcome::Sent { provider_message_id: provider_message_id.map(str::to_owned) }
}

fn ids(notices: &[Notice]) -> Vec<NoticeId> {
    notices.iter().map(|n| n.id).collect()
}

/// The status counts with `nonzero` filled in and every other status zero.
fn counts(nonzero: &[(NoticeStatus, u64)]) -> Vec<(NoticeStatus, u64)> {
    NoticeStatus::ALL
        .iter()
        .map(|&s| (s, nonzero.iter().find(|(n, _)| *n == s).map_or(0, |(_, count)| *count)))
        .collect()
}

async fn get(store: &dyn Store, id: NoticeId) -> Notice {
    store.get_notice(id).await.unwrap().expect("the notice is stored")
}

/// A contact change queues the notices and tasks its effects return in the same
/// transaction; the effects see the account as it was before the change; when
/// writing them fails, the change itself is undone too.
pub async fn notices_queued_with_a_contact_change(store: &dyn Store) {
    let (e0, e1, e2) = (email("before@example.com"), email("after@example.com"), email("third@example.com"));
    let mut new = new_account("ACC-4001", "Notice Holder", &["+18015554001"]);
    new.email = Some(e0.clone());
    let id = AccountId::new();
    let before = store.create_account(id, &new, at(0)).await.unwrap();
    assert_eq!(store.notice_status_counts().await.unwrap(), counts(&[]));

    let t1 = at(DAY);
    let seen: Mutex<Vec<(Account, ContactChangePlan)>> = Mutex::new(Vec::new());
    let made: Mutex<Option<SideEffects>> = Mutex::new(None);
    let effects = |account: &Account, plan: &ContactChangePlan| {
        seen.lock().unwrap().push((account.clone(), plan.clone()));
        let mut to_old_email = notice(Some(account.id), "chg-1:email", t1);
        to_old_email.destination = Destination::Email { address: account.email().expect("an email").clone() };
        let mut to_phone = notice(Some(account.id), "chg-1:sms", t1);
        to_phone.channel = Channel::Sms;
        to_phone.destination = Destination::Phone { number: account.telephone_numbers().next().unwrap().clone() };
        let caused =
            SideEffects { notices: vec![to_old_email, to_phone], tasks: vec![task(Some(account.id), t1, None)] };
        *made.lock().unwrap() = Some(caused.clone());
        caused
    };
    let change = ContactChange { email: Some(Some(e1.clone())), ..Default::default() };
    let out = store.change_contact_points(id, &change, t1, &effects).await.unwrap();

    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 1, "effects are called once");
    assert_eq!(seen[0].0.email(), Some(&e0), "effects see the email address before the change");
    assert_eq!(seen[0].0, before);
    assert_eq!(seen[0].1, out.plan);
    assert_eq!(out.account.email(), Some(&e1));
    let made = made.into_inner().unwrap().unwrap();
    assert_eq!(out.notices, made.notices.iter().map(|n| n.id).collect::<Vec<_>>());
    assert_eq!(out.tasks, vec![made.tasks[0].id]);
    for new in &made.notices {
        assert_eq!(get(store, new.id).await, queued(new, t1));
    }
    assert_eq!(get(store, made.notices[0].id).await.destination, Destination::Email { address: e0.clone() });
    assert_eq!(store.list_privacy_tasks(false).await.unwrap(), made.tasks);

    // A notice for an account that does not exist fails the whole change.
    let bad = |_: &Account, _: &ContactChangePlan| SideEffects {
        notices: vec![notice(Some(AccountId::new()), "chg-2:email", at(2 * DAY))],
        tasks: vec![task(Some(id), at(2 * DAY), None)],
    };
    let change = ContactChange { email: Some(Some(e2)), ..Default::default() };
    let refused = store.change_contact_points(id, &change, at(2 * DAY), &bad).await;
    assert!(matches!(refused, Err(StoreError::NotFound("account"))), "{refused:?}");
    assert_eq!(store.get_account(id).await.unwrap().as_ref(), Some(&out.account));
    assert_eq!(store.contact_history(id).await.unwrap().len(), 4);
    assert_eq!(store.notice_status_counts().await.unwrap(), counts(&[(NoticeStatus::Queued, 2)]));
    assert_eq!(store.list_privacy_tasks(false).await.unwrap(), made.tasks);
}

/// A change that changes nothing, or is refused, does not call the effects and
/// queues nothing.
pub async fn notices_not_queued_without_a_change(store: &dyn Store) {
    let account =
        store.create_account(AccountId::new(), &new_account("ACC-4101", "Still", &["+18015554101"]), at(0)).await;
    let account = account.unwrap();
    let called = AtomicBool::new(false);
    let effects = |a: &Account, _: &ContactChangePlan| {
        called.store(true, Ordering::SeqCst);
        SideEffects {
            notices: vec![notice(Some(a.id), "never", at(DAY))],
            tasks: vec![task(Some(a.id), at(DAY), None)],
        }
    };
    let same = ContactChange { add_telephone_numbers: vec![phone("+18015554101")], ..Default::default() };
    let out = store.change_contact_points(account.id, &same, at(DAY), &effects).await.unwrap();
    assert!(out.plan.is_empty(), "{}", out.plan);
    assert_eq!(out.account, account);
    assert!(out.notices.is_empty() && out.tasks.is_empty());
    let remove_all = ContactChange { remove_telephone_numbers: vec![phone("+18015554101")], ..Default::default() };
    let refused = store.change_contact_points(account.id, &remove_all, at(DAY), &effects).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert!(!called.load(Ordering::SeqCst), "effects were called without a change");
    assert_eq!(store.notice_status_counts().await.unwrap(), counts(&[]));
    assert!(store.list_privacy_tasks(false).await.unwrap().is_empty());
}

/// An idempotency key queues once: from a repeated change's effects, from
/// `enqueue_notices`, and within one batch. A repeated task id is skipped too.
pub async fn notices_idempotency_keys_queue_once(store: &dyn Store) {
    let account =
        store.create_account(AccountId::new(), &new_account("ACC-4201", "Twice", &["+18015554201"]), at(0)).await;
    let account = account.unwrap();
    let first = notice(Some(account.id), "chg-9:email", at(DAY));
    let repeated_task = task(Some(account.id), at(DAY), None);
    let effects = |_: &Account, _: &ContactChangePlan| SideEffects {
        // A fresh notice id each call, with the same key.
        notices: vec![NewNotice { id: NoticeId::new(), ..first.clone() }],
        tasks: vec![repeated_task.clone()],
    };
    let change = ContactChange { email: Some(Some(email("a@example.com"))), ..Default::default() };
    let out = store.change_contact_points(account.id, &change, at(DAY), &effects).await.unwrap();
    assert_eq!((out.notices.len(), out.tasks.clone()), (1, vec![repeated_task.id]));
    let change = ContactChange { email: Some(Some(email("b@example.com"))), ..Default::default() };
    let again = store.change_contact_points(account.id, &change, at(2 * DAY), &effects).await.unwrap();
    assert!(again.notices.is_empty() && again.tasks.is_empty(), "{again:?}");
    assert_eq!(again.account.email(), Some(&email("b@example.com")), "the change itself is made");
    assert_eq!(get(store, out.notices[0]).await.created_at, at(DAY));

    assert_eq!(store.enqueue_notices(std::slice::from_ref(&first), at(3 * DAY)).await.unwrap(), 0);
    let (k2, k3) = (notice(None, "campaign:2", at(DAY)), notice(None, "campaign:3", at(DAY)));
    let dup = NewNotice { id: NoticeId::new(), ..k2.clone() };
    assert_eq!(store.enqueue_notices(&[k2.clone(), k3.clone(), dup.clone()], at(3 * DAY)).await.unwrap(), 2);
    assert_eq!(store.enqueue_notices(&[k3.clone(), dup], at(4 * DAY)).await.unwrap(), 0);
    assert_eq!(store.enqueue_notices(&[], at(4 * DAY)).await.unwrap(), 0);
    assert_eq!(get(store, k2.id).await, queued(&k2, at(3 * DAY)));
    assert_eq!(store.notice_status_counts().await.unwrap(), counts(&[(NoticeStatus::Queued, 3)]));
    assert_eq!(store.list_privacy_tasks(true).await.unwrap(), vec![repeated_task]);
}

/// A claim takes only due notices, oldest due first (then by id), at most `limit`,
/// and makes them `sending` under a lease with the attempt counted; a second claim
/// before the lease runs out gets nothing more.
pub async fn notices_claimed_when_due_in_order(store: &dyn Store) {
    let late = notice(None, "late", at(30));
    let first = notice(None, "first", at(10));
    let (tie_a, tie_b) = (notice(None, "tie-a", at(20)), notice(None, "tie-b", at(20)));
    let future = notice(None, "future", at(1000));
    let all = [late.clone(), first.clone(), tie_b.clone(), future.clone(), tie_a.clone()];
    assert_eq!(store.enqueue_notices(&all, at(0)).await.unwrap(), 5);
    let mut ties = [tie_a.id, tie_b.id];
    ties.sort();

    let now = at(100);
    let taken = store.claim_notices(&claim("w1", now, 2)).await.unwrap();
    assert_eq!(ids(&taken), vec![first.id, ties[0]]);
    for notice in &taken {
        assert_eq!(notice.status, NoticeStatus::Sending);
        assert_eq!(notice.attempts, 1);
        assert_eq!(notice.lease_until, Some(now + LEASE));
        assert_eq!(notice.updated_at, now);
        assert_eq!(&get(store, notice.id).await, notice);
    }
    let rest = store.claim_notices(&claim("w2", now, 10)).await.unwrap();
    assert_eq!(ids(&rest), vec![ties[1], late.id]);
    assert!(store.claim_notices(&claim("w3", at(101), 10)).await.unwrap().is_empty());
    assert!(store.claim_notices(&claim("w3", at(2000), 0)).await.unwrap().is_empty());
    assert_eq!(get(store, future.id).await, queued(&future, at(0)));
    assert_eq!(
        store.notice_status_counts().await.unwrap(),
        counts(&[(NoticeStatus::Queued, 1), (NoticeStatus::Sending, 4)])
    );

    for notice in taken {
        assert!(store.finish_notice(notice.id, "w1", &sent(None), at(110)).await.unwrap());
    }
    for notice in rest {
        assert!(store.finish_notice(notice.id, "w2", &sent(None), at(110)).await.unwrap());
    }
    assert!(store.claim_notices(&claim("w3", at(999), 10)).await.unwrap().is_empty());
    assert_eq!(ids(&store.claim_notices(&claim("w3", at(1000), 10)).await.unwrap()), vec![future.id]);
}

/// When a worker's lease runs out another worker may claim the notice (a second
/// attempt); the first worker can then no longer finish it.
pub async fn notices_reclaimed_after_the_lease(store: &dyn Store) {
    let new = notice(None, "leased", at(0));
    store.enqueue_notices(std::slice::from_ref(&new), at(0)).await.unwrap();
    let held = store.claim_notices(&claim("w1", at(10), 5)).await.unwrap();
    assert_eq!((ids(&held), held[0].lease_until), (vec![new.id], Some(at(70))));
    assert!(store.claim_notices(&claim("w2", at(69), 5)).await.unwrap().is_empty());
    let retaken = store.claim_notices(&claim("w2", at(70), 5)).await.unwrap();
    assert_eq!(ids(&retaken), vec![new.id]);
    assert_eq!((retaken[0].attempts, retaken[0].lease_until), (2, Some(at(130))));

    let snapshot = get(store, new.id).await;
    assert!(!store.finish_notice(new.id, "w1", &sent(Some("late")), at(71)).await.unwrap());
    let gone = DeliveryOutcome::Abandon { error: "late".to_owned() };
    assert!(!store.finish_notice(new.id, "w1", &gone, at(71)).await.unwrap());
    assert_eq!(get(store, new.id).await, snapshot);

    assert!(store.finish_notice(new.id, "w2", &sent(Some("msg-1")), at(72)).await.unwrap());
    let done = get(store, new.id).await;
    assert_eq!(
        (done.status, done.sent_at, done.provider_message_id.as_deref()),
        (NoticeStatus::Sent, Some(at(72)), Some("msg-1"))
    );
    assert!(!store.finish_notice(new.id, "w2", &sent(None), at(73)).await.unwrap(), "already sent");
    assert!(!store.finish_notice(NoticeId::new(), "w2", &sent(None), at(73)).await.unwrap(), "no such notice");
    assert!(store.claim_notices(&claim("w3", at(DAY), 5)).await.unwrap().is_empty());
}

/// Sent, retry and abandon set the status and fields they should; a failed notice
/// is claimable again at its next attempt time, not before.
pub async fn notices_delivery_outcomes(store: &dyn Store) {
    let news: Vec<NewNotice> = ["a", "b", "c"].iter().map(|k| notice(None, k, at(0))).collect();
    store.enqueue_notices(&news, at(0)).await.unwrap();
    let (a, b, c) = (news[0].id, news[1].id, news[2].id);
    assert_eq!(ids(&store.claim_notices(&claim("w", at(10), 3)).await.unwrap()), vec![a, b, c]);

    assert!(store.finish_notice(a, "w", &sent(None), at(11)).await.unwrap());
    let n = get(store, a).await;
    assert_eq!((n.status, n.sent_at, n.updated_at, n.attempts), (NoticeStatus::Sent, Some(at(11)), at(11), 1));
    assert_eq!((n.lease_until, n.last_error, n.provider_message_id), (None, None, None));

    let long_error = "é".repeat(1500);
    let retry = DeliveryOutcome::Retry { at: at(500), error: long_error.clone() };
    assert!(store.finish_notice(b, "w", &retry, at(12)).await.unwrap());
    let n = get(store, b).await;
    assert_eq!((n.status, n.next_attempt_at, n.updated_at), (NoticeStatus::Failed, at(500), at(12)));
    assert_eq!((n.lease_until, n.sent_at), (None, None));
    let kept = n.last_error.expect("the error is kept");
    assert_eq!(kept.chars().count(), 1000);
    assert!(long_error.starts_with(&kept));

    let abandon = DeliveryOutcome::Abandon { error: "mailbox unavailable".to_owned() };
    assert!(store.finish_notice(c, "w", &abandon, at(13)).await.unwrap());
    let n = get(store, c).await;
    assert_eq!(
        (n.status, n.last_error.as_deref(), n.lease_until),
        (NoticeStatus::Abandoned, Some("mailbox unavailable"), None)
    );
    assert_eq!((n.updated_at, n.sent_at), (at(13), None));

    assert!(store.claim_notices(&claim("w2", at(499), 10)).await.unwrap().is_empty());
    let again = store.claim_notices(&claim("w2", at(500), 10)).await.unwrap();
    assert_eq!(ids(&again), vec![b]);
    assert_eq!((again[0].status, again[0].attempts), (NoticeStatus::Sending, 2));
    assert!(store.finish_notice(b, "w2", &sent(Some("msg-b")), at(501)).await.unwrap());
    let n = get(store, b).await;
    assert_eq!((n.status, n.last_error, n.sent_at), (NoticeStatus::Sent, None, Some(at(501))));
    assert_eq!(
        store.notice_status_counts().await.unwrap(),
        counts(&[(NoticeStatus::Sent, 2), (NoticeStatus::Abandoned, 1)])
    );
}

/// An abandoned or failed notice can be put back in the queue, its attempts reset;
/// a queued or sent one cannot, and an unknown one is not found.
pub async fn notices_requeue(store: &dyn Store) {
    let (gave_up, failing, waiting) = (notice(None, "x", at(0)), notice(None, "y", at(0)), notice(None, "z", at(50)));
    store.enqueue_notices(&[gave_up.clone(), failing.clone(), waiting.clone()], at(0)).await.unwrap();
    store.claim_notices(&claim("w", at(10), 2)).await.unwrap();
    let abandon = DeliveryOutcome::Abandon { error: "bounced".to_owned() };
    assert!(store.finish_notice(gave_up.id, "w", &abandon, at(11)).await.unwrap());
    let retry = DeliveryOutcome::Retry { at: at(900), error: "timeout".to_owned() };
    assert!(store.finish_notice(failing.id, "w", &retry, at(11)).await.unwrap());

    let back = store.requeue_notice(gave_up.id, at(200)).await.unwrap();
    assert_eq!((back.status, back.attempts, back.next_attempt_at), (NoticeStatus::Queued, 0, at(200)));
    assert_eq!((back.lease_until, back.updated_at), (None, at(200)));
    assert_eq!(get(store, gave_up.id).await, back);
    let back = store.requeue_notice(failing.id, at(201)).await.unwrap();
    assert_eq!((back.status, back.attempts, back.next_attempt_at), (NoticeStatus::Queued, 0, at(201)));

    let taken = store.claim_notices(&claim("w", at(201), 10)).await.unwrap();
    assert_eq!(ids(&taken), vec![waiting.id, gave_up.id, failing.id]);
    assert!(taken.iter().all(|n| n.attempts == 1), "{taken:?}");
    assert!(store.finish_notice(gave_up.id, "w", &sent(None), at(202)).await.unwrap());
    for (id, status) in [(gave_up.id, "sent"), (failing.id, "sending")] {
        let refused = store.requeue_notice(id, at(203)).await;
        assert!(matches!(&refused, Err(StoreError::Invalid(e)) if e.field == "status"), "{status}: {refused:?}");
    }
    let fresh = notice(None, "fresh", at(0));
    store.enqueue_notices(std::slice::from_ref(&fresh), at(0)).await.unwrap();
    assert!(matches!(store.requeue_notice(fresh.id, at(203)).await, Err(StoreError::Invalid(_))));
    assert_eq!(get(store, fresh.id).await, queued(&fresh, at(0)));
    let missing = store.requeue_notice(NoticeId::new(), at(203)).await;
    assert!(matches!(missing, Err(StoreError::NotFound("notice"))), "{missing:?}");
}

/// Listing filters by account, status and kind, newest first, in pages; the status
/// counts list every status.
pub async fn notices_listing_and_counts(store: &dyn Store) {
    let a = store.create_account(AccountId::new(), &new_account("ACC-4301", "A", &["+18015554301"]), at(0)).await;
    let b = store.create_account(AccountId::new(), &new_account("ACC-4302", "B", &["+18015554302"]), at(0)).await;
    let (a, b) = (a.unwrap().id, b.unwrap().id);
    let mut news = Vec::new();
    for (i, (account, kind, due)) in [
        (Some(a), NoticeKind::EmailAddressChanged, at(0)),
        (Some(a), NoticeKind::EmailAddressChanged, at(1000)),
        (Some(b), NoticeKind::EmailAddressChanged, at(1000)),
        (Some(a), NoticeKind::TelephoneNumberChanged, at(1000)),
        (None, NoticeKind::PasswordChanged, at(1)),
        (Some(b), NoticeKind::PostalAddressChanged, at(1000)),
        (Some(a), NoticeKind::EmailAddressChanged, at(1000)),
    ]
    .into_iter()
    .enumerate()
    {
        news.push(NewNotice { kind, ..notice(account, &format!("n{i}"), due) });
    }
    store.enqueue_notices(&news, at(0)).await.unwrap();
    let taken = store.claim_notices(&claim("w", at(10), 10)).await.unwrap();
    assert_eq!(ids(&taken), vec![news[0].id, news[4].id]);
    store.finish_notice(news[0].id, "w", &sent(None), at(11)).await.unwrap();
    let abandon = DeliveryOutcome::Abandon { error: "no such mailbox".to_owned() };
    store.finish_notice(news[4].id, "w", &abandon, at(11)).await.unwrap();

    let mut newest_first: Vec<NoticeId> = news.iter().map(|n| n.id).collect();
    newest_first.sort_by(|x, y| y.cmp(x));
    let list = |query: NoticeQuery| async move { store.list_notices(&query).await.unwrap() };
    let everything = list(NoticeQuery { limit: 100, ..Default::default() }).await;
    assert_eq!((ids(&everything.notices), everything.next_after), (newest_first.clone(), None));
    assert_eq!(everything.notices.iter().find(|n| n.id == news[0].id).unwrap().status, NoticeStatus::Sent);

    let only = |wanted: &dyn Fn(&NewNotice) -> bool| -> Vec<NoticeId> {
        newest_first.iter().copied().filter(|id| wanted(news.iter().find(|n| n.id == *id).unwrap())).collect()
    };
    let of_a = list(NoticeQuery { account: Some(a), limit: 100, ..Default::default() }).await;
    assert_eq!(ids(&of_a.notices), only(&|n| n.account_id == Some(a)));
    let a_email =
        NoticeQuery { account: Some(a), kind: Some(NoticeKind::EmailAddressChanged), limit: 100, ..Default::default() };
    let a_email_ids = only(&|n| n.account_id == Some(a) && n.kind == NoticeKind::EmailAddressChanged);
    assert_eq!((ids(&list(a_email.clone()).await.notices), a_email_ids.len()), (a_email_ids.clone(), 3));
    let queued_b =
        NoticeQuery { account: Some(b), status: Some(NoticeStatus::Queued), limit: 100, ..Default::default() };
    assert_eq!(ids(&list(queued_b).await.notices), only(&|n| n.account_id == Some(b)));
    let abandoned = NoticeQuery { status: Some(NoticeStatus::Abandoned), limit: 100, ..Default::default() };
    assert_eq!(ids(&list(abandoned).await.notices), vec![news[4].id]);
    let sent_email = NoticeQuery {
        status: Some(NoticeStatus::Sent),
        kind: Some(NoticeKind::EmailAddressChanged),
        limit: 100,
        ..Default::default()
    };
    assert_eq!(ids(&list(sent_email).await.notices), vec![news[0].id]);
    let none = NoticeQuery { kind: Some(NoticeKind::PinChanged), limit: 100, ..Default::default() };
    assert!(list(none).await.notices.is_empty());

    // Pages of three: 3, 3, 1, each continuing after the last id of the one before.
    let mut paged = Vec::new();
    let mut after = None;
    for expected_len in [3, 3, 1] {
        let page = list(NoticeQuery { after, limit: 3, ..Default::default() }).await;
        assert_eq!(page.notices.len(), expected_len);
        paged.extend(ids(&page.notices));
        after = page.next_after;
        assert_eq!(after, (expected_len == 3).then(|| *paged.last().unwrap()));
    }
    assert_eq!(paged, newest_first);
    let exact = list(NoticeQuery { limit: 7, ..Default::default() }).await;
    assert_eq!((exact.notices.len(), exact.next_after), (7, None));
    let clamped = list(NoticeQuery { limit: 0, ..Default::default() }).await;
    assert_eq!((ids(&clamped.notices), clamped.next_after), (vec![newest_first[0]], Some(newest_first[0])));
    let filtered_page = list(NoticeQuery { after: Some(a_email_ids[0]), limit: 1, ..a_email }).await;
    assert_eq!((ids(&filtered_page.notices), filtered_page.next_after), (vec![a_email_ids[1]], Some(a_email_ids[1])));

    assert_eq!(
        store.notice_status_counts().await.unwrap(),
        counts(&[(NoticeStatus::Queued, 5), (NoticeStatus::Sent, 1), (NoticeStatus::Abandoned, 1)])
    );
    assert_eq!(store.get_notice(NoticeId::new()).await.unwrap(), None);
}

/// Privacy-office tasks are listed oldest first, all or only the open ones.
pub async fn privacy_tasks_oldest_first(store: &dyn Store) {
    let account =
        store.create_account(AccountId::new(), &new_account("ACC-4401", "Tasks", &["+18015554401"]), at(0)).await;
    let account = account.unwrap();
    let newest = task(Some(account.id), at(5), None);
    let resolved = task(None, at(3), Some(at(4)));
    let oldest = task(Some(account.id), at(1), None);
    let raised = vec![newest.clone(), resolved.clone(), oldest.clone()];
    let effects = |_: &Account, _: &ContactChangePlan| SideEffects { notices: Vec::new(), tasks: raised.clone() };
    let change = ContactChange { add_telephone_numbers: vec![phone("+18015554402")], ..Default::default() };
    let out = store.change_contact_points(account.id, &change, at(DAY), &effects).await.unwrap();
    assert_eq!(out.tasks, vec![newest.id, resolved.id, oldest.id]);
    assert_eq!(store.list_privacy_tasks(false).await.unwrap(), vec![oldest.clone(), resolved, newest.clone()]);
    assert_eq!(store.list_privacy_tasks(true).await.unwrap(), vec![oldest, newest]);
    let change = ContactChange { remove_telephone_numbers: vec![phone("+18015554402")], ..Default::default() };
    store.change_contact_points(account.id, &change, at(2 * DAY), &no_effects).await.unwrap();
    assert_eq!(store.list_privacy_tasks(false).await.unwrap().len(), 3);
}

/// Four workers claiming batches of seven at once, and finishing each notice as
/// sent, take every one of 300 notices exactly once. On PostgreSQL this is `SKIP
/// LOCKED` at work; on SQLite, serialised writers.
pub async fn notices_concurrent_claims_take_each_once(store: Arc<dyn Store>) {
    let news: Vec<NewNotice> = (0..300).map(|i| notice(None, &format!("bulk-{i}"), at(i % 50))).collect();
    assert_eq!(store.enqueue_notices(&news, at(0)).await.unwrap(), 300);
    let now = at(DAY);
    let workers = (0..4).map(|w| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let worker = format!("worker-{w}");
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_notices(&claim(&worker, now, 7)).await.unwrap();
                if batch.is_empty() {
                    break mine;
                }
                assert!(batch.len() <= 7);
                for n in batch {
                    assert_eq!((n.status, n.attempts), (NoticeStatus::Sending, 1), "{n:?}");
                    let outcome = sent(Some(&format!("{worker}:{}", n.id)));
                    assert!(store.finish_notice(n.id, &worker, &outcome, now).await.unwrap());
                    mine.push(n.id);
                }
            }
        })
    });
    let mut claimed: Vec<NoticeId> = Vec::new();
    for result in futures::future::join_all(workers).await {
        claimed.extend(result.expect("a worker panicked"));
    }
    let total = claimed.len();
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), total, "a notice was claimed twice");
    let mut expected: Vec<NoticeId> = news.iter().map(|n| n.id).collect();
    expected.sort();
    assert_eq!(claimed, expected, "every notice is claimed");
    assert_eq!(store.notice_status_counts().await.unwrap(), counts(&[(NoticeStatus::Sent, 300)]));
}

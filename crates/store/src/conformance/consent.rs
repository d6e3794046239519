//! Consent: the append-only history, per-account and bulk approval, email matching,
//! and the opt-out mail quarantine.

use super::fixtures::{DAY, at, email, new_account};
use crate::consent::{
    ConsentChange, DelayedOptOuts, OptOutHealth, OptOutIncident, OptOutIncidentStatus, OptOutMechanism,
    OptOutObservation, QuarantineBacklog, QuarantineResolution, QuarantinedMail,
};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::consent::{
    ApprovalState, CARRIER_MARKETING, ConsentChannel, ConsentEvent, ConsentEventKind, ConsentPolicy, Evidence,
    NoticeMedium, NoticeServed, PARTNER_SHARING, statuses,
};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use std::collections::BTreeMap;
use uuid::Uuid;

pub(super) fn event(account: AccountId, scope: &str, kind: ConsentEventKind, t: DateTime<Utc>) -> ConsentEvent {
    ConsentEvent {
        id: Uuid::now_v7(),
        account_id: account,
        scope: scope.to_owned(),
        kind,
        at: t,
        channel: ConsentChannel::CsrCall,
        recorded_by: "staff:test".to_owned(),
        recorded_at: t,
        evidence: Evidence { interaction_id: Some("call-1".to_owned()), ..Evidence::default() },
        notice: None,
        refers_to: None,
        idempotency_key: None,
    }
}

pub(super) fn notice_event(account: AccountId, t: DateTime<Utc>) -> ConsentEvent {
    ConsentEvent {
        notice: Some(NoticeServed { version: "v1".to_owned(), medium: NoticeMedium::Mail }),
        channel: ConsentChannel::Letter,
        ..event(account, CARRIER_MARKETING, ConsentEventKind::NoticeServed, t)
    }
}

fn confirmation(account: AccountId, key: &str) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: Some(account),
        kind: NoticeKind::ConsentOptedOut,
        channel: Channel::Email,
        destination: Destination::Email { address: email("holder@example.com") },
        template: NoticeKind::ConsentOptedOut.template().to_owned(),
        language: Language::Es,
        params: BTreeMap::new(),
        idempotency_key: key.to_owned(),
        not_before: at(0),
    }
}

async fn account(store: &dyn Store, number: &str, mail: Option<&str>) -> AccountId {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let mut new = new_account(number, "Consent Holder", &[&format!("+1801555{digits:0>4}")]);
    new.email = mail.map(email);
    let id = AccountId::new();
    store.create_account(id, &new, at(0)).await.unwrap();
    id
}

pub async fn consent_history_is_recorded_and_derives_status(store: &dyn Store) {
    let policy = ConsentPolicy::default();
    let a = account(store, "ACC-6001", Some("holder@example.com")).await;
    let n = notice_event(a, at(DAY));
    let mut out = event(a, PARTNER_SHARING, ConsentEventKind::OptIn, at(2 * DAY));
    out.idempotency_key = Some("k1".to_owned());
    let change =
        ConsentChange { events: vec![n.clone(), out.clone()], notices: vec![confirmation(a, "c1")], quarantine: None };
    let done = store.record_consent(&change, at(2 * DAY)).await.unwrap();
    assert_eq!(done.recorded, vec![n.id, out.id]);
    assert_eq!(done.notices.len(), 1);
    // Recording it again records nothing: idempotency keys of events and notices.
    let repeat = store
        .record_consent(
            &ConsentChange {
                events: vec![ConsentEvent { id: Uuid::now_v7(), ..out.clone() }],
                notices: vec![confirmation(a, "c1")],
                quarantine: None,
            },
            at(3 * DAY),
        )
        .await
        .unwrap();
    assert!(repeat.recorded.is_empty() && repeat.notices.is_empty());

    let history = store.consent_history(a).await.unwrap();
    assert_eq!(history, vec![n, out]);
    let s = statuses(&history, at(DAY + 33 * DAY), &policy);
    assert_eq!(s[0].state, ApprovalState::ApprovedByNotice);
    assert_eq!(s[1].state, ApprovalState::OptedIn);
    assert_eq!(statuses(&history, at(DAY + 32 * DAY), &policy)[0].state, ApprovalState::Waiting);

    let unknown = event(AccountId::new(), CARRIER_MARKETING, ConsentEventKind::OptOut, at(DAY));
    let err = store.record_consent(&ConsentChange { events: vec![unknown], ..Default::default() }, at(DAY)).await;
    assert!(matches!(err, Err(StoreError::NotFound("account"))), "{err:?}");
    assert_eq!(store.count_consent_events().await.unwrap(), 2);
}

/// Nothing is written when any part of the change fails.
pub async fn consent_changes_are_all_or_nothing(store: &dyn Store) {
    let a = account(store, "ACC-6101", None).await;
    let good = event(a, CARRIER_MARKETING, ConsentEventKind::OptOut, at(DAY));
    let bad = event(AccountId::new(), CARRIER_MARKETING, ConsentEventKind::OptOut, at(DAY));
    let change = ConsentChange { events: vec![good, bad], notices: vec![confirmation(a, "x")], quarantine: None };
    assert!(store.record_consent(&change, at(DAY)).await.is_err());
    assert!(store.consent_history(a).await.unwrap().is_empty());
}

pub async fn consent_bulk_approval_matches_per_account(store: &dyn Store) {
    let policy = ConsentPolicy::default();
    let scope = policy.scope(CARRIER_MARKETING).unwrap().clone();
    let mut accounts = Vec::new();
    let mut events = Vec::new();
    for i in 0..7 {
        let a = account(store, &format!("ACC-62{i:02}"), None).await;
        accounts.push(a);
        if i % 3 != 0 {
            events.push(notice_event(a, at(i * DAY)));
        }
        if i == 4 {
            events.push(event(a, CARRIER_MARKETING, ConsentEventKind::OptOut, at(40 * DAY)));
        }
    }
    store.record_consent(&ConsentChange { events, ..Default::default() }, at(0)).await.unwrap();
    for t in [at(20 * DAY), at(36 * DAY), at(50 * DAY)] {
        let bulk = store.bulk_approval(&scope, &policy, t, None).await.unwrap();
        assert_eq!(bulk.len(), accounts.len());
        assert!(bulk.windows(2).all(|w| w[0].account_id < w[1].account_id), "ordered by account");
        for approval in &bulk {
            let history = store.consent_history(approval.account_id).await.unwrap();
            let one = cpniguard_core::consent::status(&history, &scope, t, &policy);
            assert_eq!((approval.state, approval.usable), (one.state, one.usable));
        }
        let some = store.bulk_approval(&scope, &policy, t, Some(&accounts[3..6])).await.unwrap();
        assert_eq!(some.len(), 3);
        for approval in &some {
            assert!(bulk.contains(approval));
        }
    }
    let at50 = store.bulk_approval(&scope, &policy, at(50 * DAY), None).await.unwrap();
    let usable = at50.iter().filter(|a| a.usable).count();
    assert_eq!(usable, 3, "notices at days 1, 2, 5 approved; day 4 opted out; 0, 3, 6 no notice");
}

pub async fn consent_history_cannot_be_changed(store: &dyn Store) {
    let a = account(store, "ACC-6301", None).await;
    let e = event(a, CARRIER_MARKETING, ConsentEventKind::OptOut, at(DAY));
    store.record_consent(&ConsentChange { events: vec![e], ..Default::default() }, at(DAY)).await.unwrap();
    assert!(store.count_consent_events().await.unwrap() >= 1);
    // The store has no method to change or delete history; the database refuses it
    // too (checked in the backend tests with raw SQL).
}

pub async fn consent_accounts_matched_by_current_email(store: &dyn Store) {
    let a = account(store, "ACC-6401", Some("Shared@Example.com")).await;
    let b = account(store, "ACC-6402", Some("shared@example.com")).await;
    let _c = account(store, "ACC-6403", Some("other@example.com")).await;
    let mut found = store.accounts_with_email(&email("SHARED@example.com")).await.unwrap();
    found.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(found, want);
    assert!(store.accounts_with_email(&email("nobody@example.com")).await.unwrap().is_empty());
}

fn quarantined(sha: &str, accounts: Vec<AccountId>) -> QuarantinedMail {
    QuarantinedMail {
        id: Uuid::now_v7(),
        received_at: at(DAY),
        reason: "unmatched".to_owned(),
        detail: "no account has this email address".to_owned(),
        message_id: Some("<m1@example.com>".to_owned()),
        sha256: sha.to_owned(),
        sender: Some("stranger@example.com".to_owned()),
        account_ids: accounts,
        status: "open".to_owned(),
        resolved_at: None,
        resolved_by: None,
        resolution_note: None,
        raw: b"From: stranger@example.com\r\n\r\nstop\r\n".to_vec(),
    }
}

pub async fn consent_mail_quarantine_review(store: &dyn Store) {
    let a = account(store, "ACC-6501", None).await;
    let q = quarantined("aa11", vec![]);
    let change = ConsentChange { quarantine: Some(q.clone()), ..Default::default() };
    let first = store.record_consent(&change, at(DAY)).await.unwrap().quarantine.unwrap();
    assert_eq!(first, q.id);
    // The same message again is kept once.
    let again = quarantined("aa11", vec![]);
    let change = ConsentChange { quarantine: Some(again), ..Default::default() };
    assert_eq!(store.record_consent(&change, at(DAY)).await.unwrap().quarantine, Some(q.id));
    let other = quarantined("bb22", vec![]);
    store
        .record_consent(&ConsentChange { quarantine: Some(other.clone()), ..Default::default() }, at(DAY))
        .await
        .unwrap();

    let open = store.list_quarantine(true).await.unwrap();
    assert_eq!(open.len(), 2);
    assert!(open[0].raw.is_empty(), "listings leave the raw message out");
    let full = store.get_quarantined(q.id).await.unwrap().unwrap();
    assert_eq!(full.raw, q.raw);

    let apply = ConsentChange {
        events: vec![event(a, CARRIER_MARKETING, ConsentEventKind::OptOut, at(DAY))],
        notices: vec![confirmation(a, "q-apply")],
        quarantine: None,
    };
    let applied = store
        .resolve_quarantine(
            q.id,
            &QuarantineResolution::Applied { change: Box::new(apply.clone()) },
            "staff:po",
            None,
            at(2 * DAY),
        )
        .await
        .unwrap();
    assert_eq!(applied.status, "applied");
    assert_eq!(applied.resolved_by.as_deref(), Some("staff:po"));
    assert_eq!(store.consent_history(a).await.unwrap().len(), 1);
    let twice = store.resolve_quarantine(q.id, &QuarantineResolution::Dismissed, "staff:po", None, at(2 * DAY)).await;
    assert!(matches!(twice, Err(StoreError::Invalid(_))), "{twice:?}");
    let dismissed = store
        .resolve_quarantine(other.id, &QuarantineResolution::Dismissed, "staff:po", Some("spam"), at(2 * DAY))
        .await
        .unwrap();
    assert_eq!((dismissed.status.as_str(), dismissed.resolution_note.as_deref()), ("dismissed", Some("spam")));
    let missing = store.resolve_quarantine(Uuid::now_v7(), &QuarantineResolution::Dismissed, "x", None, at(0)).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
    assert!(store.list_quarantine(true).await.unwrap().is_empty());
    assert_eq!(store.list_quarantine(false).await.unwrap().len(), 2);
}

fn observation(mechanism: OptOutMechanism, secs: i64, ok: bool) -> OptOutObservation {
    OptOutObservation {
        id: Uuid::now_v7(),
        mechanism,
        at: at(secs),
        ok,
        detail: if ok { "" } else { "store" }.into(),
        arrived_at: None,
    }
}

/// Mail applied at `secs` that arrived `waited` seconds earlier.
fn waited(secs: i64, waited: i64, ok: bool) -> OptOutObservation {
    OptOutObservation { arrived_at: Some(at(secs - waited)), ..observation(OptOutMechanism::MailIngest, secs, ok) }
}

pub async fn consent_delayed_optouts_found_by_their_wait(store: &dyn Store) {
    let none = store.delayed_optouts(OptOutMechanism::MailIngest, at(0), 60).await.unwrap();
    assert_eq!(none, DelayedOptOuts::default());
    // Applied at 1000..1400 after waits of 30, 90, 500 and 1300 s (arrived at 970,
    // 1010, 700 and 100); one failed after a long wait (not applied), one portal
    // observation, one whose arrival is after its application (a clock out of step).
    for (secs, wait, ok) in
        [(1000, 30, true), (1100, 90, true), (1200, 500, true), (1400, 1300, true), (1300, 900, false)]
    {
        store.record_optout_observation(&waited(secs, wait, ok)).await.unwrap();
    }
    let mut portal = waited(1250, 900, true);
    portal.mechanism = OptOutMechanism::Portal;
    store.record_optout_observation(&portal).await.unwrap();
    store.record_optout_observation(&waited(1500, -60, true)).await.unwrap();
    let d = store.delayed_optouts(OptOutMechanism::MailIngest, at(0), 60).await.unwrap();
    assert_eq!(d, DelayedOptOuts { count: 3, longest_secs: 1300, first_applied_at: Some(at(1100)) });
    let d = store.delayed_optouts(OptOutMechanism::MailIngest, at(500), 60).await.unwrap();
    assert_eq!((d.count, d.longest_secs), (2, 500), "arrived after 500 only: {d:?}");
    let d = store.delayed_optouts(OptOutMechanism::MailIngest, at(0), 1300).await.unwrap();
    assert_eq!(d.count, 0, "longer than the limit, not as long");
}

pub async fn consent_optout_health_observed(store: &dyn Store) {
    let none = store.optout_health(OptOutMechanism::MailIngest, at(0)).await.unwrap();
    assert_eq!(none, OptOutHealth::default());
    // ok at 100, failures at 200 and 300, a portal failure that is not mail's.
    for (secs, ok) in [(50, false), (100, true), (200, false), (300, false)] {
        store.record_optout_observation(&observation(OptOutMechanism::MailIngest, secs, ok)).await.unwrap();
    }
    store.record_optout_observation(&observation(OptOutMechanism::Portal, 150, false)).await.unwrap();
    let h = store.optout_health(OptOutMechanism::MailIngest, at(100)).await.unwrap();
    assert_eq!((h.ok_since, h.failed_since), (1, 2), "{h:?}");
    assert_eq!(h.last_ok_at, Some(at(100)));
    assert_eq!((h.failing_since, h.failures_since_last_ok), (Some(at(200)), 2), "{h:?}");
    let portal = store.optout_health(OptOutMechanism::Portal, at(0)).await.unwrap();
    assert_eq!((portal.ok_since, portal.failed_since, portal.last_ok_at), (0, 1, None));
    assert_eq!(portal.failing_since, Some(at(150)), "without a success, from the first failure");

    // Only entries that may hide an opt-out make the backlog.
    assert_eq!(store.quarantine_backlog().await.unwrap(), QuarantineBacklog::default());
    let mut bounce = quarantined("cc33", vec![]);
    bounce.reason = "bounce".into();
    bounce.received_at = at(10);
    let unmatched = quarantined("dd44", vec![]);
    for q in [bounce, unmatched] {
        store.record_consent(&ConsentChange { quarantine: Some(q), ..Default::default() }, at(DAY)).await.unwrap();
    }
    let backlog = store.quarantine_backlog().await.unwrap();
    assert_eq!((backlog.open, backlog.oldest_received_at), (1, Some(at(DAY))));
}

fn optout_incident(mechanism: OptOutMechanism, secs: i64) -> OptOutIncident {
    OptOutIncident {
        id: Uuid::now_v7(),
        version: 1,
        mechanism,
        status: OptOutIncidentStatus::Open,
        detected_at: at(secs),
        problem: "ingest failing".into(),
        evidence: serde_json::json!({"failures": 3}),
        due_on: at(secs + 7 * DAY).date_naive(),
        remedy: None,
        state_commissions: None,
        letter_sent: None,
        closed_at: None,
        closed_by: None,
    }
}

pub async fn consent_one_open_optout_incident_per_mechanism(store: &dyn Store) {
    let first = optout_incident(OptOutMechanism::MailIngest, 100);
    assert!(store.open_optout_incident(&first).await.unwrap());
    assert!(!store.open_optout_incident(&optout_incident(OptOutMechanism::MailIngest, 200)).await.unwrap());
    let portal = optout_incident(OptOutMechanism::Portal, 150);
    assert!(store.open_optout_incident(&portal).await.unwrap());
    assert_eq!(store.open_optout_incidents_count().await.unwrap(), 2);
    assert_eq!(store.get_optout_incident(first.id).await.unwrap(), Some(first.clone()));

    let mut closed = OptOutIncident {
        version: 2,
        status: OptOutIncidentStatus::Closed,
        closed_at: Some(at(500)),
        closed_by: Some("po".into()),
        ..first.clone()
    };
    store.update_optout_incident(&closed, 1).await.unwrap();
    closed.version = 3;
    assert!(matches!(store.update_optout_incident(&closed, 1).await, Err(StoreError::Conflict(_))));
    let missing = optout_incident(OptOutMechanism::Portal, 1);
    assert!(matches!(store.update_optout_incident(&missing, 1).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.open_optout_incidents_count().await.unwrap(), 1);
    // Closed, the mechanism may have a new one.
    let again = optout_incident(OptOutMechanism::MailIngest, 600);
    assert!(store.open_optout_incident(&again).await.unwrap());
    let all: Vec<Uuid> = store.list_optout_incidents(false).await.unwrap().iter().map(|i| i.id).collect();
    assert_eq!(all, [first.id, portal.id, again.id]);
    let open: Vec<Uuid> = store.list_optout_incidents(true).await.unwrap().iter().map(|i| i.id).collect();
    assert_eq!(open, [portal.id, again.id]);
}

//! Conformance: complaints and questions to the privacy office, and actions against data brokers.

use super::fixtures::{DAY, at, create, date, email};
use crate::auth::PretextingSignal;
use crate::complaints::{
    BrokerAction, BrokerActionKind, Complaint, ComplaintCategory, ComplaintChannel, ComplaintQuery, ComplaintStatus,
    PrivacyMailResolution,
};
use crate::consent::QuarantinedMail;
use crate::{NoticeQuery, Store, StoreError};
use cpniguard_core::account::Language;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind, SideEffects};
use std::collections::BTreeMap;
use uuid::Uuid;

fn complaint(category: ComplaintCategory, account: Option<AccountId>, secs: i64, key: Option<&str>) -> Complaint {
    Complaint {
        id: Uuid::now_v7(),
        category,
        channel: ComplaintChannel::Call,
        account_id: account,
        candidate_accounts: Vec::new(),
        status: ComplaintStatus::Open,
        subject: "someone knew my calls".to_owned(),
        description: "a caller quoted my last bill".to_owned(),
        contact: None,
        received_at: at(secs),
        recorded_at: at(secs + 60),
        recorded_by: "staff:test".to_owned(),
        investigating_at: None,
        resolved_at: None,
        resolved_by: None,
        resolution: None,
        message_id: None,
        message_sha256: None,
        acknowledgements: Vec::new(),
        dedup_key: key.map(str::to_owned),
    }
}

fn acknowledgement(account: AccountId, complaint: Uuid) -> SideEffects {
    let notice = NewNotice {
        id: NoticeId::new(),
        account_id: Some(account),
        kind: NoticeKind::ComplaintAcknowledged,
        channel: Channel::Email,
        destination: Destination::Email { address: email("holder@example.com") },
        template: NoticeKind::ComplaintAcknowledged.template().to_owned(),
        language: Language::Es,
        params: BTreeMap::new(),
        idempotency_key: format!("complaint:{complaint}"),
        not_before: at(0),
    };
    SideEffects { notices: vec![notice], tasks: Vec::new() }
}

fn invalid_on(e: StoreError, field: &str) {
    match e {
        StoreError::Invalid(v) => assert_eq!(v.field, field, "{v}"),
        other => panic!("expected Invalid({field}), got {other:?}"),
    }
}

pub async fn complaints_recorded_once_advanced_and_listed(store: &dyn Store) {
    let a = create(store, "CMP-1", "Ana Ruiz", &["+18015550901"]).await;
    let first = complaint(ComplaintCategory::UnauthorisedReleaseOfCpni, Some(a.id), 0, Some("mail:<1@x>"));
    let out = store.record_complaint(&first, &acknowledgement(a.id, first.id), at(60)).await.unwrap();
    assert!(out.created);
    assert_eq!(out.complaint, first);
    // The acknowledgement was queued with it.
    let of_account = NoticeQuery { account: Some(a.id), limit: 10, ..Default::default() };
    let notices = store.list_notices(&of_account).await.unwrap().notices;
    assert_eq!(notices.iter().filter(|n| n.kind == NoticeKind::ComplaintAcknowledged).count(), 1);
    // The same message again: nothing new, the first complaint back.
    let again = complaint(ComplaintCategory::Other, Some(a.id), 5, Some("mail:<1@x>"));
    let out = store.record_complaint(&again, &acknowledgement(a.id, again.id), at(70)).await.unwrap();
    assert!(!out.created);
    assert_eq!(out.complaint.id, first.id);
    assert_eq!(store.list_notices(&of_account).await.unwrap().notices.len(), notices.len());
    // Unknown account; a complaint that is not new.
    let ghost = complaint(ComplaintCategory::Other, Some(AccountId::new()), 0, None);
    assert!(matches!(
        store.record_complaint(&ghost, &SideEffects::default(), at(0)).await,
        Err(StoreError::NotFound("account"))
    ));
    let mut resolved = complaint(ComplaintCategory::Other, None, 0, None);
    resolved.status = ComplaintStatus::Resolved;
    invalid_on(store.record_complaint(&resolved, &SideEffects::default(), at(0)).await.unwrap_err(), "status");

    // Without an account, other categories, other days.
    let anonymous = complaint(ComplaintCategory::MarketingContact, None, DAY, None);
    let third = complaint(ComplaintCategory::UnauthorisedReleaseOfCpni, None, 2 * DAY, None);
    for c in [&anonymous, &third] {
        assert!(store.record_complaint(c, &SideEffects::default(), at(0)).await.unwrap().created);
    }

    // open → investigating → resolved, and nothing else.
    invalid_on(
        store.advance_complaint(first.id, ComplaintStatus::Resolved, None, "po", Some("x"), at(100)).await.unwrap_err(),
        "status",
    );
    let c = store.advance_complaint(first.id, ComplaintStatus::Investigating, None, "po", None, at(100)).await.unwrap();
    assert_eq!((c.status, c.investigating_at), (ComplaintStatus::Investigating, Some(at(100))));
    invalid_on(
        store
            .advance_complaint(first.id, ComplaintStatus::Resolved, None, "po", Some("  "), at(200))
            .await
            .unwrap_err(),
        "resolution",
    );
    let c = store
        .advance_complaint(first.id, ComplaintStatus::Resolved, None, "po", Some("employee retrained"), at(200))
        .await
        .unwrap();
    assert_eq!(c.resolution.as_deref(), Some("employee retrained"));
    assert_eq!((c.resolved_at, c.resolved_by.as_deref()), (Some(at(200)), Some("po")));
    assert_eq!(store.get_complaint(first.id).await.unwrap(), Some(c));
    invalid_on(
        store.advance_complaint(first.id, ComplaintStatus::Investigating, None, "po", None, at(300)).await.unwrap_err(),
        "status",
    );
    assert!(matches!(
        store.advance_complaint(Uuid::now_v7(), ComplaintStatus::Investigating, None, "po", None, at(0)).await,
        Err(StoreError::NotFound("complaint"))
    ));
    let log = store.complaint_events(first.id).await.unwrap();
    let steps: Vec<_> = log.iter().map(|e| (e.status, e.actor.as_str())).collect();
    assert_eq!(
        steps,
        [
            (ComplaintStatus::Open, "staff:test"),
            (ComplaintStatus::Investigating, "po"),
            (ComplaintStatus::Resolved, "po")
        ]
    );
    // The category can be corrected at a step; the log says so.
    let re = ComplaintCategory::PretextingAttempt;
    let c = store
        .advance_complaint(anonymous.id, ComplaintStatus::Investigating, Some(re), "po", None, at(3 * DAY))
        .await
        .unwrap();
    assert_eq!(c.category, re);
    let log = store.complaint_events(anonymous.id).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.category).collect::<Vec<_>>(),
        [Some(ComplaintCategory::MarketingContact), Some(re)]
    );
    assert_eq!(store.open_complaints_count().await.unwrap(), 2);

    // Filters and keyset paging, newest first.
    let all = |limit| ComplaintQuery { limit, ..Default::default() };
    let page = store.list_complaints(&all(2)).await.unwrap();
    assert_eq!(page.complaints.iter().map(|c| c.id).collect::<Vec<_>>(), [third.id, anonymous.id]);
    let rest = store.list_complaints(&ComplaintQuery { after: page.next_after, ..all(2) }).await.unwrap();
    assert_eq!(rest.complaints.iter().map(|c| c.id).collect::<Vec<_>>(), [first.id]);
    assert_eq!(rest.next_after, None);
    let ids = |q: ComplaintQuery| async move {
        store.list_complaints(&q).await.unwrap().complaints.into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(ComplaintQuery { status: Some(ComplaintStatus::Resolved), ..all(10) }).await, [first.id]);
    assert_eq!(ids(ComplaintQuery { category: Some(re), ..all(10) }).await, [anonymous.id]);
    assert!(ids(ComplaintQuery { category: Some(ComplaintCategory::MarketingContact), ..all(10) }).await.is_empty());
    assert_eq!(ids(ComplaintQuery { account: Some(a.id), ..all(10) }).await, [first.id]);
    let window = ComplaintQuery { received_from: Some(at(DAY)), received_to: Some(at(2 * DAY)), ..all(10) };
    assert_eq!(ids(window).await, [anonymous.id]);

    // The certification's counts over [from, to).
    let s = store.complaint_summary(at(0), at(2 * DAY + 1)).await.unwrap();
    assert_eq!(s.total, 3);
    assert_eq!(s.by_category["unauthorised_release_of_cpni"], 2);
    assert_eq!(s.by_category["pretexting_attempt"], 1);
    assert_eq!(s.by_category["marketing_contact"], 0);
    assert_eq!(s.unauthorised_release_by_status["resolved"], 1);
    assert_eq!(s.unauthorised_release_by_status["open"], 1);
    assert_eq!(s.unauthorised_release_by_status["investigating"], 0);
    let s = store.complaint_summary(at(1), at(2 * DAY)).await.unwrap();
    assert_eq!((s.total, s.by_category["unauthorised_release_of_cpni"]), (1, 0));
}

fn mail(sha: &str) -> QuarantinedMail {
    QuarantinedMail {
        id: Uuid::now_v7(),
        received_at: at(0),
        reason: "automated".to_owned(),
        detail: "an automatic reply".to_owned(),
        message_id: Some("<auto@x>".to_owned()),
        sha256: sha.to_owned(),
        sender: Some("someone@example.com".to_owned()),
        account_ids: Vec::new(),
        status: "open".to_owned(),
        resolved_at: None,
        resolved_by: None,
        resolution_note: None,
        raw: b"From: someone@example.com\r\n\r\nhello".to_vec(),
    }
}

pub async fn complaints_privacy_mail_quarantine_review(store: &dyn Store) {
    let first = mail("aa");
    let id = store.quarantine_privacy_mail(&first).await.unwrap();
    assert_eq!(id, first.id);
    // The same message once.
    assert_eq!(store.quarantine_privacy_mail(&mail("aa")).await.unwrap(), first.id);
    let second = mail("bb");
    store.quarantine_privacy_mail(&second).await.unwrap();
    let held = store.get_privacy_mail(first.id).await.unwrap().unwrap();
    assert_eq!(held.mail.raw, first.raw);
    assert_eq!(store.list_privacy_mail(true).await.unwrap().len(), 2);

    // Filed as a complaint, in the same transaction.
    let mut filed = complaint(ComplaintCategory::Other, None, 0, Some("mail:<auto@x>"));
    filed.channel = ComplaintChannel::Mailbox;
    let resolution =
        PrivacyMailResolution::Filed { complaint: Box::new(filed.clone()), acknowledgement: SideEffects::default() };
    let done = store.resolve_privacy_mail(first.id, &resolution, "po", Some("a real question"), at(10)).await.unwrap();
    assert_eq!((done.mail.status.as_str(), done.complaint_id), ("filed", Some(filed.id)));
    assert_eq!(store.get_complaint(filed.id).await.unwrap().map(|c| c.channel), Some(ComplaintChannel::Mailbox));
    invalid_on(
        store.resolve_privacy_mail(first.id, &PrivacyMailResolution::Dismissed, "po", None, at(20)).await.unwrap_err(),
        "status",
    );
    let dismissed = store
        .resolve_privacy_mail(second.id, &PrivacyMailResolution::Dismissed, "po", Some("spam"), at(20))
        .await
        .unwrap();
    assert_eq!((dismissed.mail.status.as_str(), dismissed.mail.resolved_at), ("dismissed", Some(at(20))));
    assert!(store.list_privacy_mail(true).await.unwrap().is_empty());
    assert_eq!(store.list_privacy_mail(false).await.unwrap().len(), 2);
    assert!(store.get_privacy_mail(Uuid::now_v7()).await.unwrap().is_none());
    assert!(matches!(
        store.resolve_privacy_mail(Uuid::now_v7(), &PrivacyMailResolution::Dismissed, "po", None, at(0)).await,
        Err(StoreError::NotFound("quarantined message"))
    ));
}

fn action(day: &str, signals: Vec<Uuid>) -> BrokerAction {
    BrokerAction {
        id: Uuid::now_v7(),
        taken_on: date(day),
        party: "Records Finder LLC".to_owned(),
        action: BrokerActionKind::CeaseAndDesist,
        description: "letter sent by counsel".to_owned(),
        signal_ids: signals,
        complaint_id: None,
        recorded_at: at(0),
        recorded_by: "staff:po".to_owned(),
        outcome: None,
        outcome_at: None,
        outcome_by: None,
    }
}

pub async fn complaints_broker_actions_linked_and_listed_by_day(store: &dyn Store) {
    let a = create(store, "CMP-2", "Luis Gómez", &["+18015550902"]).await;
    let signal = PretextingSignal {
        id: Uuid::now_v7(),
        kind: "failed_pin_burst".to_owned(),
        account_id: Some(a.id),
        staff_id: None,
        source: None,
        detail: "test".to_owned(),
        created_at: at(0),
    };
    store.record_signal(&signal).await.unwrap();
    let linked = action("2025-01-10", vec![signal.id]);
    store.record_broker_action(&linked).await.unwrap();
    assert!(matches!(store.record_broker_action(&linked).await, Err(StoreError::Conflict("broker action"))));
    assert!(matches!(
        store.record_broker_action(&action("2025-01-10", vec![Uuid::now_v7()])).await,
        Err(StoreError::NotFound("pretexting signal"))
    ));
    let mut unknown_complaint = action("2025-01-10", vec![]);
    unknown_complaint.complaint_id = Some(Uuid::now_v7());
    assert!(matches!(store.record_broker_action(&unknown_complaint).await, Err(StoreError::NotFound("complaint"))));
    let later = action("2025-02-01", vec![]);
    let earlier = action("2025-01-09", vec![]);
    for x in [&later, &earlier] {
        store.record_broker_action(x).await.unwrap();
    }

    let done = store.record_broker_outcome(linked.id, "broker removed the listings", "po", at(50)).await.unwrap();
    assert_eq!(done.outcome.as_deref(), Some("broker removed the listings"));
    assert_eq!((done.outcome_at, done.outcome_by.as_deref()), (Some(at(50)), Some("po")));
    assert_eq!(store.get_broker_action(linked.id).await.unwrap(), Some(done));
    invalid_on(store.record_broker_outcome(linked.id, " ", "po", at(60)).await.unwrap_err(), "outcome");
    assert!(matches!(
        store.record_broker_outcome(Uuid::now_v7(), "x", "po", at(0)).await,
        Err(StoreError::NotFound("broker action"))
    ));

    // Inclusive days, oldest first.
    let days = |from, to| async move {
        store.broker_actions_between(date(from), date(to)).await.unwrap().into_iter().map(|x| x.id).collect::<Vec<_>>()
    };
    assert_eq!(days("2025-01-09", "2025-02-01").await, [earlier.id, linked.id, later.id]);
    assert_eq!(days("2025-01-10", "2025-01-31").await, [linked.id]);
    assert!(days("2025-03-01", "2025-03-31").await.is_empty());
    assert_eq!(
        store.broker_actions_between(date("2025-01-10"), date("2025-01-10")).await.unwrap()[0].signal_ids,
        [signal.id]
    );
}

//! Breach incidents: versioned records, the append-only log, notices linked per
//! account, deletion refused before the retention date and under a legal hold, and
//! a notified record whose determination and notification times cannot be rewritten.

use super::fixtures::{DAY, at, create, date, email};
use crate::breach::{
    AffectedChange, AgencyNoticeMade, BreachEvent, BreachIncident, DeletedIncident, EncryptionFacts, IncidentState,
};
use crate::retention::{HoldTarget, LegalHold};
use crate::{Store, StoreError};
use cpniguard_core::account::Language;
use cpniguard_core::breach::{Agency, Harm, Regime};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind, NoticeStatus};
use std::collections::BTreeMap;
use uuid::Uuid;

pub(super) fn incident(affected_count: u64) -> BreachIncident {
    BreachIncident {
        id: Uuid::now_v7(),
        version: 1,
        state: IncidentState::Open,
        regime: Regime::Fcc2007,
        created_at: at(0),
        discovered_at: at(0),
        determined_at: at(DAY),
        description: "an employee read accounts without a reason".to_owned(),
        circumstances: "found by the audit review".to_owned(),
        categories: vec!["call_detail".to_owned()],
        affected_count,
        approximate_affected: None,
        harm: Harm::Unknown,
        harm_reasoning: String::new(),
        inadvertent: false,
        encryption: EncryptionFacts::default(),
        urgent_need: None,
        delay_orders: Vec::new(),
        agency_notices: Vec::new(),
        customers_notified_at: None,
        not_required_reason: None,
        annual_summary_filing: None,
        unknown_affected: Vec::new(),
        retain_until: date("2028-01-02"),
    }
}

pub(super) fn event(incident: &BreachIncident, kind: &str, secs: i64) -> BreachEvent {
    BreachEvent {
        id: Uuid::now_v7(),
        incident_id: incident.id,
        at: at(secs),
        actor: "privacy".to_owned(),
        kind: kind.to_owned(),
        detail: serde_json::json!({ "version": incident.version }),
    }
}

fn notice(account: AccountId, incident: Uuid) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: Some(account),
        kind: NoticeKind::BreachNotice,
        channel: Channel::Email,
        destination: Destination::Email { address: email("holder@example.com") },
        template: NoticeKind::BreachNotice.template().to_owned(),
        language: Language::En,
        params: BTreeMap::new(),
        idempotency_key: format!("breach:{incident}:{account}"),
        not_before: at(0),
    }
}

pub async fn breach_incidents_versioned_with_their_log(store: &dyn Store) {
    let a = create(store, "BR-1001", "Ana Breach", &["+18015550101"]).await;
    let mut i = incident(1);
    store.create_breach_incident(&i, &event(&i, "created", 0), &[a.id]).await.unwrap();
    let again = store.create_breach_incident(&i, &event(&i, "created", 0), &[a.id]).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    assert_eq!(store.get_breach_incident(i.id).await.unwrap(), Some(i.clone()));

    i.version = 2;
    i.harm = Harm::Likely;
    store.update_breach_incident(&i, 1, &event(&i, "updated", 10), AffectedChange::Keep).await.unwrap();
    // A change made against a version that is no longer current is refused whole.
    let stale = BreachIncident { version: 2, description: "lost".to_owned(), ..i.clone() };
    let err = store.update_breach_incident(&stale, 1, &event(&i, "lost", 20), AffectedChange::Keep).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.get_breach_incident(i.id).await.unwrap(), Some(i.clone()));
    let kinds: Vec<String> = store.breach_events(i.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["created", "updated"]);

    let missing = BreachIncident { id: Uuid::now_v7(), ..i.clone() };
    let err =
        store.update_breach_incident(&missing, 2, &event(&missing, "x", 0), AffectedChange::Keep).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(store.list_breach_incidents().await.unwrap(), vec![i]);
}

/// Affected accounts are rows of their own: added (again is no change), replaced,
/// read in pages by id; a record whose count disagrees with the rows is refused
/// whole.
pub async fn breach_affected_accounts_listed_and_counted(store: &dyn Store) {
    let mut accounts: Vec<AccountId> = (0..12_500).map(|_| AccountId::new()).collect();
    let mut i = incident(2);
    store.create_breach_incident(&i, &event(&i, "created", 0), &accounts[..2]).await.unwrap();

    i.version = 2;
    i.affected_count = 12_500;
    store.update_breach_incident(&i, 1, &event(&i, "imported", 5), AffectedChange::Add(&accounts)).await.unwrap();
    accounts.sort();
    let first = store.breach_affected_accounts(i.id, None, 100_000).await.unwrap();
    assert_eq!(first.len(), crate::breach::MAX_ROWS_PAGE, "a page is capped");
    let rest = store.breach_affected_accounts(i.id, first.last().copied(), 100_000).await.unwrap();
    assert_eq!([first, rest].concat(), accounts);
    assert_eq!(store.breach_affected_accounts(i.id, Some(accounts[9]), 3).await.unwrap(), accounts[10..13]);

    // A count that is not what the change leaves: refused, nothing changed.
    let wrong = BreachIncident { version: 3, affected_count: 12_501, ..i.clone() };
    let err = store.update_breach_incident(&wrong, 2, &event(&i, "x", 6), AffectedChange::Add(&accounts[..5])).await;
    assert!(matches!(err, Err(StoreError::Conflict("breach affected accounts"))), "{err:?}");
    assert_eq!(store.get_breach_incident(i.id).await.unwrap(), Some(i.clone()));

    i.version = 3;
    i.affected_count = 1;
    store
        .update_breach_incident(&i, 2, &event(&i, "replaced", 7), AffectedChange::Replace(&accounts[7..8]))
        .await
        .unwrap();
    assert_eq!(store.breach_affected_accounts(i.id, None, 10).await.unwrap(), accounts[7..8]);
    let mismatched = incident(3);
    let err = store.create_breach_incident(&mismatched, &event(&mismatched, "created", 0), &accounts[..2]).await;
    assert!(matches!(err, Err(StoreError::Conflict("breach affected accounts"))), "{err:?}");
    assert_eq!(store.get_breach_incident(mismatched.id).await.unwrap(), None);
}

pub async fn breach_notices_linked_and_retention_enforced(store: &dyn Store) {
    let a = create(store, "BR-1002", "Ana", &["+18015550102"]).await;
    let b = create(store, "BR-1003", "Beto", &["+18015550103"]).await;
    let mut i = incident(2);
    store.create_breach_incident(&i, &event(&i, "created", 0), &[a.id, b.id]).await.unwrap();
    i.version = 2;
    i.state = IncidentState::CustomersNotified;
    let notices = [notice(a.id, i.id), notice(b.id, i.id)];
    let queued = store.queue_breach_notices(&i, 1, &event(&i, "customers_notified", 5), &notices, at(5)).await.unwrap();
    assert_eq!(queued, 2);
    let progress = store.breach_notice_progress(i.id, None, 10).await.unwrap();
    let mut expected: Vec<_> = notices.iter().map(|n| (n.account_id.unwrap(), n.id)).collect();
    expected.sort();
    assert_eq!(progress.iter().map(|p| (p.account_id, p.notice_id)).collect::<Vec<_>>(), expected, "by account");
    assert!(progress.iter().all(|p| p.status == NoticeStatus::Queued));
    let second = store.breach_notice_progress(i.id, Some(expected[0].0), 10).await.unwrap();
    assert_eq!(second.iter().map(|p| p.notice_id).collect::<Vec<_>>(), [expected[1].1], "the page after");
    assert_eq!(store.breach_notice_counts(i.id).await.unwrap(), [(NoticeStatus::Queued, 2)]);

    // Kept through the retention date, deletable the day after.
    let err = store.delete_breach_incident(i.id, date("2028-01-02")).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(e) if e.reason.contains("2028-01-02")), "{err:?}");
    assert!(store.get_breach_incident(i.id).await.unwrap().is_some());
    let deleted = store.delete_breach_incident(i.id, date("2028-01-03")).await.unwrap();
    assert_eq!(deleted, DeletedIncident { events: 2, affected_accounts: 2, notices: 2, lifted_holds: 0 });
    assert_eq!(store.get_breach_incident(i.id).await.unwrap(), None);
    assert!(store.breach_events(i.id).await.unwrap().is_empty());
    assert!(store.breach_affected_accounts(i.id, None, 10).await.unwrap().is_empty());
    assert!(matches!(store.delete_breach_incident(i.id, date("2030-01-01")).await, Err(StoreError::NotFound(_))));
    // The notices themselves stay in the outbox's own history.
    assert!(store.get_notice(notices[0].id).await.unwrap().is_some());
}

/// Once an agency was told, the store refuses a record whose determination or
/// notification time differs, whatever the caller sends; the retention date never
/// moves earlier; a legal hold on the incident, or on an account it lists, blocks
/// its deletion after the retention date until lifted.
pub async fn breach_record_kept_as_notified_and_held(store: &dyn Store) {
    let a = create(store, "BR-4001", "Ana Hold", &["+18015550401"]).await;
    let mut i = incident(1);
    store.create_breach_incident(&i, &event(&i, "created", 0), &[a.id]).await.unwrap();

    // Before any notice: the determination may be corrected, the retention date not shortened.
    let shortened = BreachIncident { version: 2, retain_until: date("2022-01-01"), determined_at: at(0), ..i.clone() };
    let err = store.update_breach_incident(&shortened, 1, &event(&i, "x", 1), AffectedChange::Keep).await;
    assert!(matches!(&err, Err(StoreError::Invalid(e)) if e.field == "retain_until"), "{err:?}");
    i.version = 2;
    i.determined_at = at(DAY / 2);
    store.update_breach_incident(&i, 1, &event(&i, "facts_replaced", 2), AffectedChange::Keep).await.unwrap();

    i.version = 3;
    i.agency_notices.push(AgencyNoticeMade {
        agency: Agency::Usss,
        reference: "U-1".into(),
        at: at(DAY),
        by: "p".into(),
    });
    store.update_breach_incident(&i, 2, &event(&i, "agency_notified", 3), AffectedChange::Keep).await.unwrap();
    let moved = BreachIncident { version: 4, determined_at: at(0), ..i.clone() };
    let err = store.update_breach_incident(&moved, 3, &event(&i, "x", 4), AffectedChange::Keep).await;
    assert!(matches!(&err, Err(StoreError::Invalid(e)) if e.field == "determined_at"), "{err:?}");
    let mut retimed = BreachIncident { version: 4, ..i.clone() };
    retimed.agency_notices[0].at = at(DAY + 1);
    let err = store.update_breach_incident(&retimed, 3, &event(&i, "x", 4), AffectedChange::Keep).await;
    assert!(matches!(&err, Err(StoreError::Invalid(e)) if e.field == "notifications"), "{err:?}");
    let amended = BreachIncident { version: 4, description: "amended".into(), ..i.clone() };
    store.update_breach_incident(&amended, 3, &event(&i, "amended", 5), AffectedChange::Keep).await.unwrap();
    assert_eq!(store.get_breach_incident(i.id).await.unwrap().unwrap().determined_at, at(DAY / 2));

    // Held through the incident, then through the account it lists.
    let hold = |target| LegalHold {
        id: Uuid::now_v7(),
        target,
        reason: "litigation".into(),
        reference: "CASE-7".into(),
        placed_by: "privacy".into(),
        placed_at: at(6),
        lifted_by: None,
        lifted_at: None,
    };
    let after_retention = date("2028-01-03");
    for target in [HoldTarget::Incident(i.id), HoldTarget::Account(a.id)] {
        let h = hold(target);
        store.place_legal_hold(&h).await.unwrap();
        let err = store.delete_breach_incident(i.id, after_retention).await;
        assert!(matches!(err, Err(StoreError::Conflict("legal hold"))), "{target:?}: {err:?}");
        store.lift_legal_hold(h.id, "privacy", at(7)).await.unwrap();
    }
    let deleted = store.delete_breach_incident(i.id, after_retention).await.unwrap();
    assert_eq!(deleted, DeletedIncident { events: 4, affected_accounts: 1, notices: 0, lifted_holds: 1 });
}

pub async fn breach_account_refs_resolved_by_number_or_id(store: &dyn Store) {
    let a = create(store, "BR-3001", "Ana Import", &["+18015550301"]).await;
    let b = create(store, "BR-3002", "Bea Import", &["+18015550302"]).await;
    let refs: Vec<String> = vec![
        "BR-3001".into(),
        b.id.0.to_string(),
        "BR-9999".into(),
        Uuid::now_v7().to_string(),
        "not an account".into(),
    ];
    let mut found = store.resolve_account_refs(&refs).await.unwrap();
    found.sort();
    let mut expected = vec![("BR-3001".to_owned(), a.id), (b.id.0.to_string(), b.id)];
    expected.sort();
    assert_eq!(found, expected);
    // Many at once, over several statements.
    let many: Vec<String> = (0..2_500).map(|i| if i == 2_400 { "BR-3002".into() } else { format!("X-{i}") }).collect();
    assert_eq!(store.resolve_account_refs(&many).await.unwrap(), [("BR-3002".to_owned(), b.id)]);
    let too_many = vec![String::new(); crate::breach::MAX_REFS + 1];
    assert!(matches!(store.resolve_account_refs(&too_many).await, Err(StoreError::Invalid(_))));
}

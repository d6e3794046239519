use super::breach::{event, incident};
use super::fixtures::{DAY, at, call, create, date};
use crate::call_import::{CallImportBatch, NewQuarantineEntry, QuarantineKind, QuarantineQuery};
use crate::retention::{HoldTarget, LegalHold};
use crate::{Store, StoreError, StoreWithRecords};
use cpniguard_core::ids::AccountId;
use uuid::Uuid;

fn hold(target: HoldTarget) -> LegalHold {
    LegalHold {
        id: Uuid::now_v7(),
        target,
        reason: "litigation: Doe v. Carrier".to_owned(),
        reference: "Case 24-cv-0117".to_owned(),
        placed_by: "privacy".to_owned(),
        placed_at: at(0),
        lifted_by: None,
        lifted_at: None,
    }
}

/// Holds are placed on accounts or incidents, listed, lifted once; unknown targets and
/// empty reasons are refused.
pub async fn retention_legal_holds_placed_listed_and_lifted(store: &dyn Store) {
    let account = create(store, "ACC-9001", "Held", &["+18015559001"]).await.id;
    let on_account = hold(HoldTarget::Account(account));
    store.place_legal_hold(&on_account).await.unwrap();
    let i = incident(0);
    store.create_breach_incident(&i, &event(&i, "created", 0), &[]).await.unwrap();
    let on_incident = hold(HoldTarget::Incident(i.id));
    store.place_legal_hold(&on_incident).await.unwrap();
    assert_eq!(store.list_legal_holds(true).await.unwrap().len(), 2);

    let refused = store.place_legal_hold(&hold(HoldTarget::Account(AccountId::new()))).await;
    assert!(matches!(refused, Err(StoreError::NotFound("account"))), "{refused:?}");
    let refused = store.place_legal_hold(&hold(HoldTarget::Incident(Uuid::now_v7()))).await;
    assert!(matches!(refused, Err(StoreError::NotFound("breach incident"))), "{refused:?}");
    let refused = store.place_legal_hold(&LegalHold { reason: " ".into(), ..hold(HoldTarget::Account(account)) }).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");

    let lifted = store.lift_legal_hold(on_account.id, "privacy2", at(DAY)).await.unwrap();
    assert_eq!((lifted.lifted_by.as_deref(), lifted.lifted_at), (Some("privacy2"), Some(at(DAY))));
    assert!(matches!(store.lift_legal_hold(on_account.id, "x", at(DAY)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.lift_legal_hold(Uuid::now_v7(), "x", at(DAY)).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.list_legal_holds(true).await.unwrap(), vec![on_incident.clone()]);
    assert_eq!(store.list_legal_holds(false).await.unwrap().len(), 2);
}

/// Old calls go in bounded batches, counted by month; held accounts and accounts of a
/// breach incident that is open (or retained, or held) keep theirs; so do recent calls.
pub async fn retention_deletes_old_calls_except_held(store: &dyn Store) {
    let free = create(store, "ACC-9101", "Free", &["+18015559101"]).await.id;
    let held = create(store, "ACC-9102", "Held", &["+18015559102"]).await.id;
    let breached = create(store, "ACC-9103", "Breached", &["+18015559103"]).await.id;
    let old = at(-600 * DAY);
    let calls = vec![
        call(free, old, 1, "pbx"),
        call(free, old + chrono::Duration::days(40), 2, "pbx"),
        call(free, at(-10 * DAY), 3, "pbx"),
        call(held, old, 4, "pbx"),
        call(breached, old, 5, "pbx"),
    ];
    store.insert_calls(&calls).await.unwrap();
    let h = hold(HoldTarget::Account(held));
    store.place_legal_hold(&h).await.unwrap();
    let i = incident(1);
    store.create_breach_incident(&i, &event(&i, "created", 0), &[breached]).await.unwrap();

    let before = at(-540 * DAY);
    let today = date("2025-01-15");
    let first = store.delete_expired_calls(before, today, 1).await.unwrap();
    assert_eq!(first.values().sum::<u64>(), 1, "bounded: {first:?}");
    let second = store.delete_expired_calls(before, today, 100).await.unwrap();
    assert_eq!(second.values().sum::<u64>(), 1, "{second:?}");
    assert_ne!(first.keys().next(), second.keys().next(), "counted by the month the call started");
    assert!(store.delete_expired_calls(before, today, 100).await.unwrap().is_empty());

    store.lift_legal_hold(h.id, "privacy", at(0)).await.unwrap();
    assert_eq!(store.delete_expired_calls(before, today, 100).await.unwrap().values().sum::<u64>(), 1);
    assert_eq!(store.counts().await.unwrap().calls, 2, "the recent call and the breached account's call stay");
}

/// Months past retention go whole where nothing in them is kept (PostgreSQL drops their
/// partition, SQLite deletes their rows), and row by row around a held account's calls;
/// either way every call is counted once under the month it started.
pub async fn retention_deletes_whole_months(store: &dyn Store) {
    let free = create(store, "ACC-9201", "Free", &["+18015559201"]).await.id;
    let held = create(store, "ACC-9202", "Held", &["+18015559202"]).await.id;
    let march = at(-680 * DAY); // 2023-03-06
    let april = at(-650 * DAY); // 2023-04-05
    let calls = vec![
        call(free, march, 1, "pbx"),
        call(free, march + chrono::Duration::days(3), 2, "pbx"),
        call(free, march + chrono::Duration::days(9), 3, "pbx"),
        call(free, april, 4, "pbx"),
        call(free, april + chrono::Duration::days(2), 5, "pbx"),
        call(held, april, 6, "pbx"),
        call(free, at(-10 * DAY), 7, "pbx"),
    ];
    store.insert_calls(&calls).await.unwrap();
    store.place_legal_hold(&hold(HoldTarget::Account(held))).await.unwrap();

    let (before, today) = (at(-540 * DAY), date("2025-01-15"));
    let mut total = crate::retention::MonthCounts::new();
    loop {
        let batch = store.delete_expired_calls(before, today, 1).await.unwrap();
        let deleted: u64 = batch.values().sum();
        for (month, n) in batch {
            *total.entry(month).or_default() += n;
        }
        if deleted < 1 {
            break;
        }
    }
    let expected: crate::retention::MonthCounts = [("2023-03".to_owned(), 3), ("2023-04".to_owned(), 2)].into();
    assert_eq!(total, expected);
    assert_eq!(store.counts().await.unwrap().calls, 2, "the held account's call and the recent one stay");
    // A month emptied can be filled again (on PostgreSQL its partition is made anew).
    let again = store.insert_calls(&[call(free, march, 1, "pbx")]).await.unwrap();
    assert_eq!(again.inserted, 1);
}

/// Quarantined rows older than the retention go too, a bounded batch at a time.
pub async fn retention_deletes_old_quarantine(store: &dyn StoreWithRecords) {
    let entry = |key: &str, started: Option<chrono::DateTime<chrono::Utc>>| NewQuarantineEntry {
        source: "pbx".into(),
        row_key: key.into(),
        kind: QuarantineKind::Unmatched,
        file_name: "Master.csv".into(),
        line_number: 1,
        reason: "no account".into(),
        row_text: "row".into(),
        call: None,
        started_at: started,
    };
    let entries = vec![entry("old", Some(at(-600 * DAY))), entry("new", Some(at(0))), entry("undated", None)];
    let batch = CallImportBatch { source: "pbx", calls: &[], quarantine: &entries, resolved: &[] };
    store.import_calls(&batch, at(-700 * DAY)).await.unwrap();
    assert_eq!(store.delete_expired_quarantine(at(-540 * DAY), 1).await.unwrap(), 1);
    assert_eq!(store.delete_expired_quarantine(at(-540 * DAY), 10).await.unwrap(), 1, "undated: by when it came");
    let left = store.list_import_quarantine(&QuarantineQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(left.iter().map(|e| e.entry.row_key.as_str()).collect::<Vec<_>>(), vec!["new"]);
}

use super::fixtures::{at, call, create, date, phone, service};
use crate::call_import::{CallImportBatch, NewQuarantineEntry, QuarantineKind, QuarantineQuery};
use crate::{CallQuery, Store, StoreError, StoreWithRecords};
use cpniguard_core::cpni::{Direction, TimeRange};
use cpniguard_core::ids::AccountId;

fn entry(kind: QuarantineKind, key: &str, line: u64) -> NewQuarantineEntry {
    NewQuarantineEntry {
        source: "pbx1".to_owned(),
        row_key: key.to_owned(),
        kind,
        file_name: "Master.csv".to_owned(),
        line_number: line,
        reason: "no account held the number".to_owned(),
        row_text: "\"\",\"2125550143\",\"3125550199\", \"quoted, comma\"".to_owned(),
        call: (kind == QuarantineKind::Unmatched).then(|| "{\"record_id\":\"1.9\"}".to_owned()),
        started_at: (kind == QuarantineKind::Unmatched).then(|| at(60)),
    }
}

/// Numbers are found with their holders' effective dates, past holders included.
pub async fn call_import_finds_number_holders(store: &dyn Store) {
    let a = create(store, "ACC-8101", "Holder A", &["+18015558101"]).await.id;
    let b = create(store, "ACC-8102", "Holder B", &["+18015558102"]).await.id;
    let mut old = service(a, "voip_line", "2023-01-01");
    old.service_number = Some(phone("+18015558150"));
    old.until = Some(date("2024-06-01"));
    let mut new = service(b, "voip_line", "2024-06-01");
    new.service_number = Some(phone("+18015558150"));
    store.add_service(&old).await.unwrap();
    store.add_service(&new).await.unwrap();

    let mut found = store.number_holders(&[phone("+18015558150"), phone("+18015558199")]).await.unwrap();
    found.sort_by_key(|h| h.since);
    assert_eq!(found.len(), 2);
    assert_eq!((found[0].account_id, found[0].until), (a, Some(date("2024-06-01"))));
    assert_eq!((found[1].account_id, found[1].until), (b, None));
    assert!(found[0].holds_on(date("2024-05-31")) && !found[0].holds_on(date("2024-06-01")));
    assert!(store.number_holders(&[]).await.unwrap().is_empty());

    // The number leaves B in a billing sync: B's service ends, A's past one is untouched.
    assert_eq!(store.end_number_services(b, &phone("+18015558150"), date("2025-02-01")).await.unwrap(), 1);
    assert_eq!(store.end_number_services(b, &phone("+18015558150"), date("2025-03-01")).await.unwrap(), 0);
    let found = store.number_holders(&[phone("+18015558150")]).await.unwrap();
    assert!(found.iter().all(|h| h.until.is_some()));
    assert!(found.iter().any(|h| h.account_id == b && h.until == Some(date("2025-02-01"))));
}

/// A batch stores its calls (one switch record on both accounts when both ends are
/// customers; a repeat of a key skipped, within the batch or later), keeps its
/// quarantine entries once, and removes the entries it resolves, all at once.
pub async fn call_import_batches_calls_and_quarantine(store: &dyn StoreWithRecords) {
    let a = create(store, "ACC-8201", "Caller", &["+18015558201"]).await.id;
    let b = create(store, "ACC-8202", "Callee", &["+18015558202"]).await.id;
    let mut out = call(a, at(0), 1, "pbx1");
    out.direction = Direction::Outbound;
    out.charge = None;
    let inbound = side(&out, b, Direction::Inbound);
    let repeated = out.clone();
    let calls = vec![out.clone(), inbound.clone(), repeated];
    let quarantine = vec![entry(QuarantineKind::Unmatched, "1.9", 4), entry(QuarantineKind::Malformed, "row:abc", 5)];
    let batch = CallImportBatch { source: "pbx1", calls: &calls, quarantine: &quarantine, resolved: &[] };
    let first = store.import_calls(&batch, at(100)).await.unwrap();
    assert_eq!(first.inserted, vec![true, true, false]);
    assert_eq!((first.quarantined, first.resolved), (2, 0));

    // A re-import learns which of its records are stored, per source, before matching;
    // a record only quarantined (unmatched) is not stored.
    let ids = [out.source_record_id.clone(), "never-imported".to_owned(), "1.9".to_owned()];
    assert_eq!(store.imported_record_ids("pbx1", &ids).await.unwrap(), vec![out.source_record_id.clone()]);
    assert!(store.imported_record_ids("pbx2", &ids).await.unwrap().is_empty(), "another source's ids are its own");
    assert!(store.imported_record_ids("pbx1", &[]).await.unwrap().is_empty());

    let again = store.import_calls(&batch, at(200)).await.unwrap();
    assert_eq!(again.inserted, vec![false, false, false]);
    assert_eq!(again.quarantined, 0, "the same rows are quarantined once");

    let range = TimeRange::new(at(-10), at(10)).unwrap();
    for (account, direction) in [(a, Direction::Outbound), (b, Direction::Inbound)] {
        let page = store.list_calls(&CallQuery { account, range, after: None, limit: 10 }).await.unwrap();
        assert_eq!(page.calls.len(), 1);
        assert_eq!((page.calls[0].direction, page.calls[0].charge), (direction, None), "unknown charge stays unknown");
    }

    let listed = store.list_import_quarantine(&QuarantineQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].entry, quarantine[0]);
    assert_eq!(listed[0].quarantined_at, at(100));
    let malformed = QuarantineQuery { kind: Some(QuarantineKind::Malformed), limit: 10, ..Default::default() };
    assert_eq!(store.list_import_quarantine(&malformed).await.unwrap()[0].entry, quarantine[1]);
    let elsewhere = QuarantineQuery { source: Some("other".into()), limit: 10, ..Default::default() };
    assert!(store.list_import_quarantine(&elsewhere).await.unwrap().is_empty());
    let after = QuarantineQuery { after: Some(listed[0].id), limit: 10, ..Default::default() };
    assert_eq!(store.list_import_quarantine(&after).await.unwrap().len(), 1);
    assert_eq!(store.get_import_quarantine(listed[1].id).await.unwrap().unwrap().entry, quarantine[1]);

    // The unmatched record matched later: stored, and its entry leaves.
    let mut later = call(a, at(60), 9, "pbx1");
    later.source_record_id = "1.9".to_owned();
    let resolved = vec!["1.9".to_owned()];
    let batch =
        CallImportBatch { source: "pbx1", calls: std::slice::from_ref(&later), quarantine: &[], resolved: &resolved };
    let outcome = store.import_calls(&batch, at(300)).await.unwrap();
    assert_eq!((outcome.inserted, outcome.resolved), (vec![true], 1));
    assert_eq!(store.imported_record_ids("pbx1", &resolved).await.unwrap(), resolved, "stored once matched");
    assert!(store.get_import_quarantine(listed[0].id).await.unwrap().is_none());

    assert!(store.discard_import_quarantine(listed[1].id).await.unwrap());
    assert!(!store.discard_import_quarantine(listed[1].id).await.unwrap());
}

/// One invalid call or unknown account refuses the whole batch, quarantine included.
pub async fn call_import_batch_is_all_or_nothing(store: &dyn StoreWithRecords) {
    let a = create(store, "ACC-8301", "Caller", &["+18015558301"]).await.id;
    let good = call(a, at(0), 1, "pbx1");
    let mut bad = call(a, at(0), 2, "pbx1");
    bad.other_party = "not a number".to_owned();
    let quarantine = vec![entry(QuarantineKind::Malformed, "row:1", 1)];
    let calls = vec![good.clone(), bad];
    let batch = CallImportBatch { source: "pbx1", calls: &calls, quarantine: &quarantine, resolved: &[] };
    assert!(matches!(store.import_calls(&batch, at(0)).await, Err(StoreError::Invalid(_))));
    let stranger = call(AccountId::new(), at(0), 3, "pbx1");
    let calls = vec![good, stranger];
    let batch = CallImportBatch { source: "pbx1", calls: &calls, quarantine: &quarantine, resolved: &[] };
    let refused = store.import_calls(&batch, at(0)).await;
    assert!(matches!(refused, Err(StoreError::NotFound("account"))), "{refused:?}");
    assert!(
        store.list_import_quarantine(&QuarantineQuery { limit: 10, ..Default::default() }).await.unwrap().is_empty()
    );
    assert_eq!(store.counts().await.unwrap().calls, 0);
}

fn side(
    call: &cpniguard_core::cpni::CallDetailRecord,
    account: AccountId,
    direction: Direction,
) -> cpniguard_core::cpni::CallDetailRecord {
    cpniguard_core::cpni::CallDetailRecord { account_id: account, direction, ..call.clone() }
}

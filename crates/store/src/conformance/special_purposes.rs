//! Conformance: legal process and fraud cases recorded by the privacy office, and the
//! page of listed accounts the directory export reads.

use super::fixtures::{DAY, at, create, date, new_account};
use crate::special_purposes::{FraudCase, LegalProcess, LegalProcessKind};
use crate::{Store, StoreError};
use cpniguard_core::account::DirectoryListing;
use cpniguard_core::ids::{AccountId, StaffId};
use uuid::Uuid;

fn process(account: AccountId, reference: &str, recorded: i64) -> LegalProcess {
    LegalProcess {
        id: Uuid::now_v7(),
        kind: LegalProcessKind::Subpoena,
        issuing_authority: "Third District Court, Salt Lake County".to_owned(),
        reference: reference.to_owned(),
        issued_on: date("2025-01-10"),
        account_id: account,
        scope_from: at(-30 * DAY),
        scope_to: at(0),
        document_sha256: "ab".repeat(32),
        recorded_by: StaffId(Uuid::now_v7()),
        recorded_at: at(recorded),
    }
}

fn case(accounts: Vec<AccountId>, reference: &str, opened: i64) -> FraudCase {
    FraudCase {
        id: Uuid::now_v7(),
        reference: reference.to_owned(),
        reason: "SIM swap attempts on several lines".to_owned(),
        account_ids: accounts,
        opened_by: StaffId(Uuid::now_v7()),
        opened_at: at(opened),
        closed_at: None,
    }
}

pub async fn special_legal_processes_recorded_and_listed(store: &dyn Store) {
    let a = create(store, "LP-1001", "Ana Legal", &["+18015550701"]).await;
    let b = create(store, "LP-1002", "Beto Legal", &["+18015550702"]).await;
    let first = process(a.id, "2025-CV-001", 0);
    let second = process(b.id, "2025-CV-002", 10);
    store.record_legal_process(&first).await.unwrap();
    store.record_legal_process(&second).await.unwrap();
    assert_eq!(store.legal_process(first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(store.legal_process(Uuid::now_v7()).await.unwrap(), None);
    // Newest first; one account's only.
    assert_eq!(store.list_legal_processes(None).await.unwrap(), vec![second.clone(), first.clone()]);
    assert_eq!(store.list_legal_processes(Some(a.id)).await.unwrap(), vec![first.clone()]);

    // The same authority and reference again is the same document.
    let again = LegalProcess { id: Uuid::now_v7(), ..first.clone() };
    assert!(matches!(store.record_legal_process(&again).await, Err(StoreError::Conflict(_))));
    let nobody = process(AccountId::new(), "2025-CV-003", 20);
    assert!(matches!(store.record_legal_process(&nobody).await, Err(StoreError::NotFound("account"))));
    let backwards = LegalProcess { scope_from: at(0), scope_to: at(-DAY), ..process(a.id, "2025-CV-004", 30) };
    assert!(matches!(store.record_legal_process(&backwards).await, Err(StoreError::Invalid(_))));
    let bad_hash = LegalProcess { document_sha256: "xyz".to_owned(), ..process(a.id, "2025-CV-005", 40) };
    assert!(matches!(store.record_legal_process(&bad_hash).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.list_legal_processes(None).await.unwrap().len(), 2, "refused records are not stored");
    assert!(first.covers(a.id, Some(at(-DAY)), Some(at(-1))));
    assert!(!first.covers(a.id, Some(at(-DAY)), Some(at(1))));
}

pub async fn special_fraud_cases_open_and_close(store: &dyn Store) {
    let a = create(store, "FC-1001", "Ana Fraud", &["+18015550711"]).await;
    let b = create(store, "FC-1002", "Beto Fraud", &["+18015550712"]).await;
    let mut accounts = vec![a.id, b.id];
    accounts.sort();
    let older = case(accounts.clone(), "FRAUD-7", 0);
    let newer = case(vec![a.id], "FRAUD-8", 10);
    store.open_fraud_case(&older).await.unwrap();
    store.open_fraud_case(&newer).await.unwrap();
    assert_eq!(store.fraud_case(older.id).await.unwrap(), Some(older.clone()));
    assert_eq!(store.fraud_case(Uuid::now_v7()).await.unwrap(), None);
    assert_eq!(store.list_fraud_cases(true).await.unwrap(), vec![newer.clone(), older.clone()]);

    // One open case per reference; a case needs an existing account, and at least one.
    let twin = case(vec![b.id], "FRAUD-7", 20);
    assert!(matches!(store.open_fraud_case(&twin).await, Err(StoreError::Conflict(_))));
    let nobody = case(vec![a.id, AccountId::new()], "FRAUD-9", 20);
    assert!(matches!(store.open_fraud_case(&nobody).await, Err(StoreError::NotFound("account"))));
    assert_eq!(store.fraud_case(nobody.id).await.unwrap(), None, "all or nothing");
    assert!(matches!(store.open_fraud_case(&case(vec![], "FRAUD-10", 20)).await, Err(StoreError::Invalid(_))));

    store.close_fraud_case(older.id, at(DAY)).await.unwrap();
    let closed = store.fraud_case(older.id).await.unwrap().unwrap();
    assert_eq!(closed.closed_at, Some(at(DAY)));
    assert!(!closed.covers(a.id));
    assert!(matches!(store.close_fraud_case(older.id, at(2 * DAY)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.close_fraud_case(Uuid::now_v7(), at(DAY)).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.list_fraud_cases(true).await.unwrap(), vec![newer.clone()]);
    assert_eq!(store.list_fraud_cases(false).await.unwrap(), vec![newer, closed]);
    // Once closed, the reference may be opened again.
    store.open_fraud_case(&twin).await.unwrap();
}

pub async fn special_listed_accounts_only(store: &dyn Store) {
    for (n, listing) in [DirectoryListing::Listed, DirectoryListing::Unlisted, DirectoryListing::NonPublished]
        .into_iter()
        .cycle()
        .take(7)
        .enumerate()
    {
        let mut new = new_account(&format!("DL-{n:04}"), &format!("Directory {n}"), &[&format!("+1801555080{n}")]);
        new.profile.directory_listing = listing;
        store.create_account(AccountId::new(), &new, at(0)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.listed_accounts(after.as_ref(), 2).await.unwrap();
        assert!(page.accounts.len() <= 2);
        for account in &page.accounts {
            assert_eq!(account.profile.directory_listing, DirectoryListing::Listed);
            assert_eq!(account.telephone_numbers().count(), 1, "with its current contact points");
            seen.push(account.profile.account_number.to_string());
        }
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["DL-0000", "DL-0003", "DL-0006"]);
}

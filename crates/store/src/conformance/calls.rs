use super::fixtures::{at, call, create, without_ids};
use crate::{BulkInsertOutcome, CallCursor, CallQuery, MAX_PAGE, Store, StoreError, StoreWithRecords};
use chrono::{DateTime, Utc};
use cpniguard_core::cpni::{CallDetailRecord, TimeRange};
use cpniguard_core::ids::{AccountId, CallId};
use cpniguard_core::money::Cents;

fn range(from: DateTime<Utc>, to: DateTime<Utc>) -> TimeRange {
    TimeRange::new(from, to).unwrap()
}

/// Every call of `account` in `range`, following `next_after` with pages of
/// `limit`; checks each page's size and the order and ids on the way.
async fn all_calls(
    store: &dyn StoreWithRecords,
    account: AccountId,
    range: TimeRange,
    limit: u32,
) -> Vec<CallDetailRecord> {
    let mut calls: Vec<CallDetailRecord> = Vec::new();
    let mut query = CallQuery { account, range, after: None, limit };
    loop {
        let page = store.list_calls(&query).await.unwrap();
        assert!(page.calls.len() <= limit.clamp(1, MAX_PAGE) as usize);
        calls.extend(page.calls);
        match page.next_after {
            Some(cursor) => {
                let last = calls.last().unwrap();
                assert_eq!(cursor, CallCursor { started_at: last.started_at, id: last.id.unwrap() });
                query.after = Some(cursor);
            }
            None => break,
        }
    }
    let keys: Vec<(DateTime<Utc>, CallId)> = calls.iter().map(|c| (c.started_at, c.id.unwrap())).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "calls are in (started_at, id) order");
    calls
}

/// A feed of `n` calls spread round-robin over `accounts`, seven seconds apart.
fn feed(accounts: &[AccountId], n: u32, source_system: &str) -> Vec<CallDetailRecord> {
    (0..n)
        .map(|seq| {
            let account = accounts[seq as usize % accounts.len()];
            call(account, at(i64::from(seq) * 7), seq, source_system)
        })
        .collect()
}

fn everything() -> TimeRange {
    range(at(-1_000_000), at(1_000_000))
}

/// The bulk insert stores every new record, counts records already stored or
/// repeated within the batch as duplicates (keeping the first), and keeps every
/// field as sent.
pub async fn calls_bulk_insert_counts_duplicates(store: &dyn StoreWithRecords) {
    let mut accounts = Vec::new();
    for n in 0..3 {
        accounts.push(create(store, &format!("ACC-900{n}"), "Caller", &[&format!("+1801555900{n}")]).await.id);
    }
    let calls = feed(&accounts, 12_000, "switch-a");

    let mut first_batch = calls[..8_000].to_vec();
    for seq in (0..50).map(|i| i * 97) {
        // Same key, different content: the first occurrence is the one stored.
        first_batch.push(CallDetailRecord { charge: Some(Cents(1_000_000)), ..calls[seq].clone() });
    }
    let outcome = store.insert_calls(&first_batch).await.unwrap();
    assert_eq!(outcome, BulkInsertOutcome { inserted: 8_000, duplicates: 50 });

    let outcome = store.insert_calls(&calls[7_000..]).await.unwrap();
    assert_eq!(outcome, BulkInsertOutcome { inserted: 4_000, duplicates: 1_000 });
    let outcome = store.insert_calls(&calls[7_000..]).await.unwrap();
    assert_eq!(outcome, BulkInsertOutcome { inserted: 0, duplicates: 5_000 });
    assert_eq!(store.insert_calls(&[]).await.unwrap(), BulkInsertOutcome::default());

    // The same record id from another source system is another record.
    let other_source = CallDetailRecord { source_system: "switch-b".to_owned(), ..calls[0].clone() };
    let outcome = store.insert_calls(std::slice::from_ref(&other_source)).await.unwrap();
    assert_eq!(outcome, BulkInsertOutcome { inserted: 1, duplicates: 0 });
    assert_eq!(store.counts().await.unwrap().calls, 12_001);

    for (i, &account) in accounts.iter().enumerate() {
        let mut expected: Vec<CallDetailRecord> = calls.iter().filter(|c| c.account_id == account).cloned().collect();
        if i == 0 {
            expected.insert(1, other_source.clone());
        }
        let stored = all_calls(store, account, everything(), MAX_PAGE).await;
        assert_eq!(without_ids(&stored), expected);
    }
}

/// A range includes calls starting at `from` and excludes those at `to`; pages
/// continue after the cursor, also between calls starting at the same instant; only
/// the account's own calls are listed.
pub async fn calls_range_queries_and_paging(store: &dyn StoreWithRecords) {
    let a = create(store, "ACC-9101", "Caller A", &["+18015559101"]).await.id;
    let b = create(store, "ACC-9102", "Caller B", &["+18015559102"]).await.id;
    let mut calls = Vec::new();
    for k in 0..100u32 {
        calls.push(call(a, at(i64::from(k) * 60), k, "switch"));
        calls.push(call(b, at(i64::from(k) * 60), 1_000 + k, "switch"));
    }
    // A burst of calls starting at one instant, to page through ties.
    for k in 0..7u32 {
        calls.push(call(a, at(30 * 60), 2_000 + k, "switch"));
    }
    store.insert_calls(&calls).await.unwrap();

    let ten_to_twenty = store
        .list_calls(&CallQuery { account: a, range: range(at(10 * 60), at(20 * 60)), after: None, limit: 100 })
        .await
        .unwrap();
    let starts: Vec<DateTime<Utc>> = ten_to_twenty.calls.iter().map(|c| c.started_at).collect();
    assert_eq!(starts, (10..20).map(|k| at(k * 60)).collect::<Vec<_>>());
    assert_eq!(ten_to_twenty.next_after, None);
    assert!(ten_to_twenty.calls.iter().all(|c| c.account_id == a && c.id.is_some()));

    let everything_in_one = all_calls(store, a, range(at(0), at(100 * 60)), MAX_PAGE).await;
    assert_eq!(everything_in_one.len(), 107);
    for limit in [1, 3, 8] {
        assert_eq!(all_calls(store, a, range(at(0), at(100 * 60)), limit).await, everything_in_one);
    }
    let expected: Vec<CallDetailRecord> = {
        let mut mine: Vec<CallDetailRecord> = calls.iter().filter(|c| c.account_id == a).cloned().collect();
        mine.sort_by_key(|c| c.started_at); // stable: the burst keeps its insertion order
        mine
    };
    assert_eq!(without_ids(&everything_in_one), expected);

    // A cursor before the range starts at the range.
    let early = CallCursor { started_at: at(-3_600), id: CallId(0) };
    let page = store
        .list_calls(&CallQuery { account: a, range: range(at(10 * 60), at(11 * 60)), after: Some(early), limit: 10 })
        .await
        .unwrap();
    assert_eq!(page.calls.iter().map(|c| c.started_at).collect::<Vec<_>>(), vec![at(10 * 60)]);

    let empty = CallQuery { account: a, range: range(at(60), at(60)), after: None, limit: 10 };
    assert!(store.list_calls(&empty).await.unwrap().calls.is_empty());
    let nobody = CallQuery { account: AccountId::new(), range: everything(), after: None, limit: 10 };
    assert!(store.list_calls(&nobody).await.unwrap().calls.is_empty());
    assert_eq!(all_calls(store, b, everything(), 1_000).await.len(), 100);
}

/// The row-by-row baseline stores the same records the bulk insert does, and skips
/// what is already stored.
pub async fn calls_row_by_row_baseline(store: &dyn StoreWithRecords) {
    let account = create(store, "ACC-9201", "Baseline", &["+18015559201"]).await.id;
    let bulk = feed(&[account], 600, "bulk");
    let row_by_row = feed(&[account], 600, "row-by-row");

    assert_eq!(store.insert_calls(&bulk).await.unwrap().inserted, 600);
    assert_eq!(store.insert_calls_row_by_row(&row_by_row).await.unwrap(), 600);
    assert_eq!(store.insert_calls_row_by_row(&row_by_row[..10]).await.unwrap(), 0);
    assert_eq!(store.insert_calls_row_by_row(&bulk[590..]).await.unwrap(), 0);
    assert_eq!(store.insert_calls(&row_by_row).await.unwrap(), BulkInsertOutcome { inserted: 0, duplicates: 600 });

    let stored = without_ids(&all_calls(store, account, everything(), MAX_PAGE).await);
    let from = |source: &str| -> Vec<CallDetailRecord> {
        stored.iter().filter(|c| c.source_system == source).cloned().collect()
    };
    assert_eq!(from("bulk"), bulk);
    assert_eq!(from("row-by-row"), row_by_row);
}

/// A batch with one invalid record, or a record of an unknown account, is refused
/// as a whole, on both insert paths.
pub async fn calls_refuse_invalid_records(store: &dyn Store) {
    let account = create(store, "ACC-9301", "Refused", &["+18015559301"]).await.id;
    let mut batch = feed(&[account], 10, "switch");
    batch[7].other_party = "not a number".to_owned();
    let refused = store.insert_calls(&batch).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    let refused = store.insert_calls_row_by_row(&batch).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");

    let mut batch = feed(&[account], 10, "switch");
    batch[3].account_id = AccountId::new();
    let refused = store.insert_calls(&batch).await;
    assert!(matches!(refused, Err(StoreError::NotFound("account"))), "{refused:?}");
    let refused = store.insert_calls_row_by_row(&batch).await;
    assert!(matches!(refused, Err(StoreError::NotFound("account"))), "{refused:?}");

    let mut batch = feed(&[account], 10, "switch");
    batch[5].charge = Some(Cents(-1));
    let refused = store.insert_calls(&batch).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert_eq!(store.counts().await.unwrap().calls, 0);
}

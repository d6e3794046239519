//! Seeding and the benchmarks against a real (SQLite) store: what the report says is
//! what the store holds, a seeded store is reused, and the benchmark sets load in full.

use chrono::{DateTime, Duration, Utc};
use cpniguard_core::cpni::TimeRange;
use cpniguard_demo::{DemoSpec, SeedProgress, bench, generate_account, seed};
use cpniguard_store::testing::fresh_sqlite;
use cpniguard_store::{CallQuery, MAX_PAGE, StoreError, StoreWithRecords};
use std::collections::HashSet;
use std::sync::Mutex;

fn now() -> DateTime<Utc> {
    "2025-06-15T12:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn seeding_stores_what_it_reports_and_a_second_seed_reuses_it() {
    let (_dir, store) = fresh_sqlite().await;
    // Seed 5 has an account with a recent contact change among the first 50.
    let spec = DemoSpec::new(50, 5, now());
    let generated: Vec<_> = (0..spec.accounts).map(|i| generate_account(&spec, i)).collect();
    let progress = Mutex::new(Vec::<SeedProgress>::new());

    let report = seed(store.as_ref(), &spec, &|p| progress.lock().unwrap().push(p)).await.unwrap();

    assert!(!report.reused);
    let total = |f: fn(&cpniguard_demo::DemoAccount) -> usize| generated.iter().map(f).sum::<usize>() as u64;
    assert_eq!(report.accounts, 50);
    assert_eq!(report.services, total(|a| a.services.len()));
    assert_eq!(report.calls, total(|a| a.calls.len()));
    assert_eq!(report.invoices, total(|a| a.invoices.len()));
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.accounts, counts.services, counts.calls, counts.invoices),
        (report.accounts, report.services, report.calls, report.invoices)
    );

    let progress = progress.into_inner().unwrap();
    assert!(
        progress.windows(2).all(|w| w[0].accounts_done <= w[1].accounts_done && w[0].calls_done <= w[1].calls_done)
    );
    let last = progress.last().unwrap();
    assert_eq!((last.accounts_done, last.accounts_total, last.calls_done), (50, 50, report.calls));

    for account in generated.iter().step_by(7) {
        assert_stored_as_generated(store.as_ref(), account).await;
    }
    let changed = generated.iter().find(|a| a.recent_contact_change.is_some()).expect("seed 5 has a recent change");
    let history = store.contact_history(changed.id).await.unwrap();
    let (at, _) = changed.recent_contact_change.as_ref().unwrap();
    assert!(history.iter().any(|p| p.associated_at == *at && p.is_current()));
    assert!(history.iter().any(|p| p.dissociated_at == Some(*at)));

    let again = seed(store.as_ref(), &spec, &|_| panic!("a reused store reports no progress")).await.unwrap();
    assert!(again.reused);
    assert_eq!((again.accounts, again.calls, again.invoices), (report.accounts, report.calls, report.invoices));
    assert_eq!(store.counts().await.unwrap(), counts);
}

async fn assert_stored_as_generated(store: &dyn StoreWithRecords, account: &cpniguard_demo::DemoAccount) {
    let stored = store.get_account(account.id).await.unwrap().expect("account stored");
    assert_eq!(stored.profile, account.new_account.profile);
    assert_eq!(stored.created_at, account.opened_at);
    let services: HashSet<_> = store.list_services(account.id).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(services, account.services.iter().map(|s| s.id).collect());
    let mut invoices = store.list_invoices(account.id).await.unwrap();
    invoices.reverse();
    assert_eq!(invoices, account.invoices);

    let range = TimeRange::new(now() - Duration::days(400), now()).unwrap();
    let mut query = CallQuery { account: account.id, range, after: None, limit: MAX_PAGE };
    let mut calls = Vec::new();
    loop {
        let page = store.list_calls(&query).await.unwrap();
        calls.extend(page.calls.into_iter().map(|c| c.source_record_id));
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => break,
        }
    }
    assert_eq!(calls.len(), account.calls.len());
    assert_eq!(
        calls.into_iter().collect::<HashSet<_>>(),
        account.calls.iter().map(|c| c.source_record_id.clone()).collect()
    );
}

#[tokio::test]
async fn the_insert_benchmark_loads_both_sets_and_reuses_its_accounts() {
    let (_dir, store) = fresh_sqlite().await;
    let first = bench::cdr_insert(store.as_ref(), 30_000, 1).await.unwrap();
    assert_eq!((first.rows, first.duplicates), (30_000, 0));
    assert!(first.bulk_rows_per_sec > 0.0 && first.baseline_rows_per_sec > 0.0 && first.speedup > 0.0);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.calls, counts.accounts), (60_000, u64::from(first.accounts)));

    // A second run reuses the benchmark accounts and still inserts every row.
    let second = bench::cdr_insert(store.as_ref(), 30_000, 2).await.unwrap();
    assert_eq!(second.duplicates, 0);
    let after = store.counts().await.unwrap();
    assert_eq!(after.calls, 120_000);
    assert_eq!(after.accounts, u64::from(first.accounts.max(second.accounts)));
}

#[tokio::test]
async fn the_seed_benchmark_loads_the_same_calls_twice() {
    let (_dir, store) = fresh_sqlite().await;
    let result = bench::seed_vs_baseline(store.as_ref(), 12, 3).await.unwrap();
    assert_eq!(result.accounts, 12);
    assert!(result.calls > 0 && result.seed_secs > 0.0 && result.baseline_secs > 0.0);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.accounts, counts.calls), (12, 2 * result.calls));

    // Only an empty store can be timed: seeding would skip a seeded one.
    let refused = bench::seed_vs_baseline(store.as_ref(), 12, 3).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
}

//! Benchmarks for `cpniguard bench`: each measures a bulk path against its naive
//! baseline in the same run on the same database, and reports both and their ratio.
//! Only the store calls are timed; generating the data is not.

use crate::places::SLOT_INDEX_LIMIT;
use crate::seed::{CALL_BATCH, Generator};
use crate::{DemoSpec, generate_numbered};
use chrono::Utc;
use cpniguard_core::ValidationError;
use cpniguard_core::account::AccountNumber;
use cpniguard_core::cpni::CallDetailRecord;
use cpniguard_core::ids::AccountId;
use cpniguard_store::{Store, StoreError};
use serde::Serialize;
use std::time::{Duration, Instant};

/// `insert_calls` against `insert_calls_row_by_row`, each loading `rows` call records
/// in batches of `batch_rows`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdrInsertBench {
    pub rows: u64,
    pub batch_rows: u64,
    /// Benchmark accounts the calls belong to.
    pub accounts: u32,
    pub bulk_secs: f64,
    pub bulk_rows_per_sec: f64,
    pub baseline_secs: f64,
    pub baseline_rows_per_sec: f64,
    /// Bulk rows per second over baseline rows per second.
    pub speedup: f64,
    /// Records the store skipped as already present (0 unless the store misbehaves).
    pub duplicates: u64,
}

/// Seeding the demo (accounts, services, bulk calls and invoices) against loading the
/// same number of calls alone, row by row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedBench {
    pub accounts: u32,
    pub calls: u64,
    pub seed_secs: f64,
    pub seed_calls_per_sec: f64,
    pub baseline_secs: f64,
    pub baseline_calls_per_sec: f64,
    /// Seed calls per second over baseline calls per second.
    pub speedup: f64,
}

/// Account indexes of the benchmark accounts start here, past every demo account's,
/// so their telephone numbers are never a demo customer's.
const BENCH_INDEX_BASE: u32 = DemoSpec::MAX_ACCOUNTS;
/// The benchmark accounts are the same in every run (so a second run reuses them);
/// only their calls follow the caller's seed.
const BENCH_ACCOUNT_SEED: u64 = 0x00C0_FFEE;
/// Heavy callers, so a few accounts carry many rows.
const BENCH_CALLS_PER_MONTH: u32 = 2_000;
const MAX_ROWS: u64 = 100_000_000;

/// Time `rows` call records through `insert_calls` and another `rows` through
/// `insert_calls_row_by_row`, in equal batches. The calls belong to benchmark accounts
/// (`BENCH-00001`…), created on first use and reused afterwards; their record ids carry
/// a tag of this run, so no row is skipped as a duplicate. The baseline runs first, so
/// the bulk path works on the larger table and the ratio errs on the low side.
pub async fn cdr_insert(store: &dyn Store, rows: u64, seed: u64) -> Result<CdrInsertBench, StoreError> {
    if rows == 0 || rows > MAX_ROWS {
        return Err(ValidationError::new("rows", format!("1 to {MAX_ROWS}")).into());
    }
    let tag = format!("{:08x}", uuid::Uuid::new_v4().as_u128() >> 96);
    let mut source = BenchCalls::new(seed);
    let (mut baseline, mut bulk) = (Duration::ZERO, Duration::ZERO);
    let mut duplicates = 0;
    for (set, timer) in [("r", &mut baseline), ("b", &mut bulk)] {
        let mut done = 0u64;
        while done < rows {
            let mut batch = source.take(store, (rows - done).min(CALL_BATCH as u64) as usize).await?;
            for (n, call) in batch.iter_mut().enumerate() {
                call.source_record_id = format!("{tag}-{set}-{:010}", done + n as u64);
            }
            let len = batch.len() as u64;
            let started = Instant::now();
            let inserted = if set == "r" {
                store.insert_calls_row_by_row(&batch).await?
            } else {
                store.insert_calls(&batch).await?.inserted
            };
            *timer += started.elapsed();
            duplicates += len.saturating_sub(inserted);
            done += len;
        }
    }
    let (bulk_secs, baseline_secs) = (bulk.as_secs_f64(), baseline.as_secs_f64());
    Ok(CdrInsertBench {
        rows,
        batch_rows: CALL_BATCH as u64,
        accounts: source.accounts,
        bulk_secs,
        bulk_rows_per_sec: per_sec(rows, bulk_secs),
        baseline_secs,
        baseline_rows_per_sec: per_sec(rows, baseline_secs),
        speedup: baseline_secs / bulk_secs.max(f64::MIN_POSITIVE),
        duplicates,
    })
}

/// Seed `accounts` demo accounts into `store` (which must have no accounts yet, or
/// seeding would be skipped) and time it; then time loading the same calls again, with
/// fresh record ids, through `insert_calls_row_by_row` in the same batch sizes.
pub async fn seed_vs_baseline(store: &dyn Store, accounts: u32, seed: u64) -> Result<SeedBench, StoreError> {
    if store.counts().await?.accounts > 0 {
        return Err(StoreError::Conflict("demo data"));
    }
    let spec = DemoSpec::new(accounts, seed, Utc::now());
    let report = crate::seed(store, &spec, &|_| {}).await?;
    let mut generated = Generator::start(&spec);
    let mut batch = Vec::with_capacity(CALL_BATCH * 2);
    let mut baseline = Duration::ZERO;
    let mut loaded = 0u64;
    loop {
        let chunk = generated.next().await;
        let last = chunk.is_none();
        for account in chunk.into_iter().flatten() {
            batch.extend(account.calls.into_iter().map(|mut call| {
                call.source_record_id.push_str("-rb");
                call
            }));
        }
        if batch.len() >= CALL_BATCH || (last && !batch.is_empty()) {
            let started = Instant::now();
            loaded += store.insert_calls_row_by_row(&batch).await?;
            baseline += started.elapsed();
            batch.clear();
        }
        if last {
            break;
        }
    }
    let (seed_secs, baseline_secs) = (report.elapsed.as_secs_f64(), baseline.as_secs_f64());
    Ok(SeedBench {
        accounts,
        calls: report.calls,
        seed_secs,
        seed_calls_per_sec: per_sec(report.calls, seed_secs),
        baseline_secs,
        baseline_calls_per_sec: per_sec(loaded, baseline_secs),
        speedup: per_sec(report.calls, seed_secs) / per_sec(loaded, baseline_secs).max(f64::MIN_POSITIVE),
    })
}

fn per_sec(rows: u64, secs: f64) -> f64 {
    if secs > 0.0 { rows as f64 / secs } else { 0.0 }
}

/// Calls of the benchmark accounts, made on demand; each account is created in the
/// store (or found there from an earlier run) before its calls are handed out.
struct BenchCalls {
    spec: DemoSpec,
    call_seed: u64,
    accounts: u32,
    pending: Vec<CallDetailRecord>,
}

impl BenchCalls {
    fn new(call_seed: u64) -> Self {
        let mut spec = DemoSpec::new(0, BENCH_ACCOUNT_SEED, Utc::now());
        spec.calls_per_month = BENCH_CALLS_PER_MONTH;
        BenchCalls { spec, call_seed, accounts: 0, pending: Vec::new() }
    }

    async fn take(&mut self, store: &dyn Store, n: usize) -> Result<Vec<CallDetailRecord>, StoreError> {
        while self.pending.len() < n {
            let index = BENCH_INDEX_BASE + self.accounts;
            if index >= SLOT_INDEX_LIMIT {
                return Err(ValidationError::new("rows", "more than the benchmark accounts can hold").into());
            }
            self.accounts += 1;
            let number =
                AccountNumber::parse(&format!("BENCH-{:05}", self.accounts)).expect("well-formed account number");
            let account = generate_numbered(&self.spec, index, number.clone(), self.call_seed);
            let id = match store.get_account_by_number(&number).await? {
                Some(existing) => existing.id,
                None => create(store, &account).await?,
            };
            self.pending.extend(account.calls.into_iter().map(|call| CallDetailRecord { account_id: id, ..call }));
        }
        Ok(self.pending.drain(..n).collect())
    }
}

async fn create(store: &dyn Store, account: &crate::DemoAccount) -> Result<AccountId, StoreError> {
    store.create_account(account.id, &account.new_account, account.opened_at).await?;
    for service in &account.services {
        store.add_service(service).await?;
    }
    Ok(account.id)
}

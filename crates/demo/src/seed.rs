//! Loading a store with the demo. Accounts are generated on background threads while
//! the store loads earlier ones; call detail and invoices from many accounts go to the
//! store in large batches, which is what makes millions of calls load in seconds.

use crate::{DemoAccount, DemoSpec, generate_account};
use chrono::{DateTime, Utc};
use cpniguard_core::contact::ContactChange;
use cpniguard_core::cpni::{CallDetailRecord, Invoice};
use cpniguard_core::ids::AccountId;
use cpniguard_store::{AccountLoad, Store, StoreError};
use serde::Serialize;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeedProgress {
    pub accounts_done: u32,
    pub accounts_total: u32,
    pub calls_done: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeedReport {
    pub accounts: u64,
    pub services: u64,
    pub calls: u64,
    pub invoices: u64,
    pub elapsed: Duration,
    /// The store already had accounts, so nothing was generated: the counts are what
    /// it holds.
    pub reused: bool,
}

/// Calls per `insert_calls`: large enough that statement and transaction overheads
/// vanish, small enough to keep memory flat.
pub(crate) const CALL_BATCH: usize = 25_000;
const INVOICE_BATCH: usize = 2_000;
/// Accounts per bulk load.
const ACCOUNT_BATCH: usize = 500;
/// Accounts per unit of work for a generator thread.
const CHUNK: u32 = 32;

/// Load the demo `spec` describes into `store`, reporting progress after each group of
/// accounts. A store that already has accounts is left as it is (the demo reuses an
/// existing database) and the report says so.
pub async fn seed(
    store: &dyn Store,
    spec: &DemoSpec,
    progress: &(dyn Fn(SeedProgress) + Send + Sync),
) -> Result<SeedReport, StoreError> {
    let started = Instant::now();
    let counts = store.counts().await?;
    if counts.accounts > 0 {
        return Ok(SeedReport {
            accounts: counts.accounts,
            services: counts.services,
            calls: counts.calls,
            invoices: counts.invoices,
            elapsed: started.elapsed(),
            reused: true,
        });
    }
    spec.validate()?;
    let mut generated = Generator::start(spec);
    let mut loader = Loader::new(store);
    let report = |loader: &Loader| SeedProgress {
        accounts_done: loader.accounts as u32,
        accounts_total: spec.accounts,
        calls_done: loader.calls_inserted,
    };
    progress(report(&loader));
    while let Some(chunk) = generated.next().await {
        for account in chunk {
            loader.add(account).await?;
        }
        progress(report(&loader));
    }
    loader.flush_accounts().await?;
    loader.flush_calls().await?;
    loader.flush_invoices().await?;
    progress(report(&loader));
    Ok(SeedReport {
        accounts: loader.accounts,
        services: loader.services,
        calls: loader.calls_inserted,
        invoices: loader.invoices_inserted,
        elapsed: started.elapsed(),
        reused: false,
    })
}

/// Demo accounts in index order, generated ahead on background threads: thread `w`
/// makes chunks `w`, `w + n`, `w + 2n`… into its own bounded channel, and chunks are
/// taken round-robin, so the order (and the database's row order) is deterministic.
pub(crate) struct Generator {
    receivers: Vec<mpsc::Receiver<Vec<DemoAccount>>>,
    threads: Vec<Option<JoinHandle<()>>>,
    next_chunk: u32,
    chunks: u32,
}

impl Generator {
    pub fn start(spec: &DemoSpec) -> Self {
        let chunks = spec.accounts.div_ceil(CHUNK);
        // One core stays free for the store (SQLite writes on its own thread).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let count = cores.saturating_sub(1).clamp(1, 8).min(chunks.max(1) as usize);
        let (mut receivers, mut threads) = (Vec::new(), Vec::new());
        for worker in 0..count {
            let (tx, rx) = mpsc::channel(2);
            let spec = spec.clone();
            let thread = std::thread::Builder::new()
                .name(format!("demo-generator-{worker}"))
                .spawn(move || {
                    for chunk in (worker as u32..chunks).step_by(count) {
                        let first = chunk * CHUNK;
                        let accounts =
                            (first..(first + CHUNK).min(spec.accounts)).map(|i| generate_account(&spec, i)).collect();
                        // A closed channel means the loader gave up; stop quietly.
                        if tx.blocking_send(accounts).is_err() {
                            return;
                        }
                    }
                })
                .expect("the OS starts a generator thread");
            receivers.push(rx);
            threads.push(Some(thread));
        }
        Generator { receivers, threads, next_chunk: 0, chunks }
    }

    pub async fn next(&mut self) -> Option<Vec<DemoAccount>> {
        if self.next_chunk == self.chunks {
            return None;
        }
        let worker = self.next_chunk as usize % self.receivers.len();
        self.next_chunk += 1;
        if let Some(chunk) = self.receivers[worker].recv().await {
            return Some(chunk);
        }
        // The thread ended before its last chunk, which only a panic does: its channel
        // closed as it unwound, so joining it returns at once. Re-raise the panic here.
        let thread = self.threads[worker].take().expect("a generator thread is joined once");
        match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("a generator thread returned before its last chunk"),
        }
    }
}

/// Buffers accounts for bulk loads, and their calls and invoices for bulk inserts.
struct Loader<'a> {
    store: &'a dyn Store,
    pending: Vec<AccountLoad>,
    contact_changes: Vec<(AccountId, DateTime<Utc>, ContactChange)>,
    calls: Vec<CallDetailRecord>,
    invoices: Vec<Invoice>,
    accounts: u64,
    services: u64,
    calls_inserted: u64,
    invoices_inserted: u64,
}

impl<'a> Loader<'a> {
    fn new(store: &'a dyn Store) -> Self {
        Loader {
            store,
            pending: Vec::with_capacity(ACCOUNT_BATCH),
            contact_changes: Vec::new(),
            calls: Vec::with_capacity(CALL_BATCH * 2),
            invoices: Vec::with_capacity(INVOICE_BATCH * 2),
            accounts: 0,
            services: 0,
            calls_inserted: 0,
            invoices_inserted: 0,
        }
    }

    async fn add(&mut self, account: DemoAccount) -> Result<(), StoreError> {
        if let Some((at, change)) = account.recent_contact_change {
            self.contact_changes.push((account.id, at, change));
        }
        self.calls.extend(account.calls);
        self.invoices.extend(account.invoices);
        self.pending.push(AccountLoad {
            contact_since: Vec::new(),
            id: account.id,
            new: account.new_account,
            opened_at: account.opened_at,
            services: account.services,
        });
        if self.pending.len() >= ACCOUNT_BATCH {
            self.flush_accounts().await?;
        }
        Ok(())
    }

    /// Load the buffered accounts, make their recent contact changes, then insert
    /// call detail and invoices (which refer to the accounts) once a batch is full.
    async fn flush_accounts(&mut self) -> Result<(), StoreError> {
        if !self.pending.is_empty() {
            self.store.load_accounts(&self.pending).await?;
            self.accounts += self.pending.len() as u64;
            self.services += self.pending.iter().map(|a| a.services.len() as u64).sum::<u64>();
            self.pending.clear();
        }
        for (id, at, change) in self.contact_changes.drain(..) {
            self.store.change_contact_points(id, &change, at, &cpniguard_store::no_effects).await?;
        }
        if self.calls.len() >= CALL_BATCH {
            self.flush_calls().await?;
        }
        if self.invoices.len() >= INVOICE_BATCH {
            self.flush_invoices().await?;
        }
        Ok(())
    }

    async fn flush_calls(&mut self) -> Result<(), StoreError> {
        if !self.calls.is_empty() {
            self.calls_inserted += self.store.insert_calls(&self.calls).await?.inserted;
            self.calls.clear();
        }
        Ok(())
    }

    async fn flush_invoices(&mut self) -> Result<(), StoreError> {
        if !self.invoices.is_empty() {
            self.store.insert_invoices(&self.invoices).await?;
            self.invoices_inserted += self.invoices.len() as u64;
            self.invoices.clear();
        }
        Ok(())
    }
}

//! The group-commit writer of the audit chain. Requests hand it an [`AuditRecord`]
//! and wait: [`AuditWriter::append`] resolves only after the entry is committed, so a
//! caller reveals data only once its entry is durable ("record before reveal").
//!
//! One task owns the writing. It takes the first waiting record, then every record
//! that queued while the previous transaction was committing (up to `max_batch`),
//! and appends them in one transaction: under load many requests share one commit
//! (one fsync), and at low load a lone request is written at once, with no timer
//! adding latency. After a commit it signs a checkpoint when `checkpoint_every`
//! entries have accumulated since the last one; a timer signs one every
//! `checkpoint_interval` when entries were added, and one more is signed at shutdown.
//! Each checkpoint stored is also written to the external anchor file ([`anchor`]).
//! [`checkpoint_now`] signs the head on demand (`cpniguard audit checkpoint`), and
//! [`export`] writes sealed exports.

pub mod anchor;
pub mod export;
pub mod keys;
pub mod verify;

use crate::config::AuditConfig;
use crate::state::Clock;
use chrono::{DateTime, Utc};
use cpniguard_core::audit::{AuditEntry, AuditRecord, ChainHead, Checkpoint, SigningKey, VerifyingKey};
use cpniguard_store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How the writer batches and checkpoints (from `[audit]`).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditWriterConfig {
    pub max_batch: usize,
    pub checkpoint_every: u64,
    pub checkpoint_interval: Duration,
    /// Where the latest checkpoint is also kept, outside the database; `None`: nowhere
    /// (benchmarks and throwaway test keys).
    pub anchor_file: Option<PathBuf>,
}

impl From<&AuditConfig> for AuditWriterConfig {
    fn from(c: &AuditConfig) -> Self {
        Self {
            max_batch: c.max_batch,
            checkpoint_every: c.checkpoint_every,
            checkpoint_interval: Duration::from_secs(c.checkpoint_interval_secs),
            anchor_file: (!c.anchor_file.as_os_str().is_empty()).then(|| c.anchor_file.clone()),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditWriteError {
    /// The batch's transaction failed: the entry was NOT recorded.
    #[error("the audit entry was not recorded: {0}")]
    Store(Arc<StoreError>),
    #[error("the audit writer has stopped")]
    Stopped,
}

struct Request {
    record: AuditRecord,
    reply: oneshot::Sender<Result<AuditEntry, AuditWriteError>>,
}

/// A handle to the writer task; cheap to clone. The task ends (after a last
/// checkpoint) when every handle is dropped.
#[derive(Clone)]
pub struct AuditWriter {
    requests: mpsc::Sender<Request>,
    /// The key the task signs checkpoints with, also sealing exports.
    key: Arc<SigningKey>,
}

impl AuditWriter {
    /// Start the writer task. Await the returned handle after dropping every
    /// [`AuditWriter`] to wait for the last commit and checkpoint.
    pub fn spawn(
        store: Arc<dyn Store>,
        key: SigningKey,
        config: AuditWriterConfig,
        clock: Arc<dyn Clock>,
    ) -> (Self, JoinHandle<()>) {
        let max_batch = config.max_batch.max(1);
        // Room for a few batches: beyond that, callers wait to enqueue (back-pressure).
        let (requests, receiver) = mpsc::channel(max_batch.saturating_mul(4));
        let key = Arc::new(key);
        let task = Task {
            store,
            key: Arc::clone(&key),
            config: AuditWriterConfig { max_batch, ..config },
            clock,
            head: None,
            sealed: 0,
        };
        (Self { requests, key }, tokio::spawn(task.run(receiver)))
    }

    /// The key exports are sealed with (the checkpoints' key).
    pub(crate) fn signing_key(&self) -> Arc<SigningKey> {
        Arc::clone(&self.key)
    }

    /// The public half of the signing key, for verifying what this writer signed.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Record `record` and return it as committed, with its seq and hash.
    pub async fn append(&self, record: AuditRecord) -> Result<AuditEntry, AuditWriteError> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Request { record, reply }).await.map_err(|_| AuditWriteError::Stopped)?;
        answer.await.map_err(|_| AuditWriteError::Stopped)?
    }
}

struct Task {
    store: Arc<dyn Store>,
    key: Arc<SigningKey>,
    config: AuditWriterConfig,
    clock: Arc<dyn Clock>,
    /// The last entry this writer committed.
    head: Option<ChainHead>,
    /// The seq of the last checkpoint known.
    sealed: u64,
}

impl Task {
    async fn run(mut self, mut receiver: mpsc::Receiver<Request>) {
        match self.store.last_audit_checkpoint().await {
            Ok(last) => self.sealed = last.map_or(0, |c| c.seq),
            Err(e) => tracing::warn!(error = %e, "audit writer: cannot read the last checkpoint"),
        }
        let mut timer = tokio::time::interval(self.config.checkpoint_interval);
        timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
        timer.tick().await;
        let mut batch = Vec::with_capacity(self.config.max_batch);
        loop {
            tokio::select! {
                received = receiver.recv_many(&mut batch, self.config.max_batch) => {
                    if received == 0 {
                        break;
                    }
                    take_the_returning(&mut receiver, &mut batch, self.config.max_batch).await;
                    self.commit(std::mem::take(&mut batch)).await;
                    if self.unsealed() >= self.config.checkpoint_every {
                        self.checkpoint().await;
                    }
                }
                _ = timer.tick() => {
                    if self.unsealed() > 0 {
                        self.checkpoint().await;
                    }
                }
            }
        }
        if self.unsealed() > 0 {
            self.checkpoint().await;
        }
    }

    fn unsealed(&self) -> u64 {
        self.head.map_or(0, |h| h.seq.saturating_sub(self.sealed))
    }

    async fn commit(&mut self, batch: Vec<Request>) {
        // The records move into the append; only the replies are kept (no copy of each).
        let (records, replies): (Vec<AuditRecord>, Vec<_>) = batch.into_iter().map(|r| (r.record, r.reply)).unzip();
        match self.store.append_audit(&records).await {
            Ok(entries) => {
                if let Some(last) = entries.last() {
                    self.head = Some(ChainHead { seq: last.seq, hash: last.hash });
                }
                for (reply, entry) in replies.into_iter().zip(entries) {
                    // A caller that gave up waiting still has its entry recorded.
                    let _ = reply.send(Ok(entry));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = records.len(), "audit writer: a batch was not recorded");
                let e = Arc::new(e);
                for reply in replies {
                    let _ = reply.send(Err(AuditWriteError::Store(Arc::clone(&e))));
                }
            }
        }
    }

    /// Sign the last entry this writer committed. Entries other writers (other
    /// processes) committed before it are covered through the links.
    async fn checkpoint(&mut self) {
        let Some(head) = self.head else { return };
        let checkpoint = Checkpoint::sign(head.seq, head.hash, self.clock.now(), &self.key);
        match store_checkpoint(&*self.store, &checkpoint, self.config.anchor_file.as_deref()).await {
            Ok(_) => self.sealed = head.seq,
            // The entries are committed and signed; only the rollback check lags behind.
            Err(CheckpointError::Anchor(e)) => {
                self.sealed = head.seq;
                tracing::error!(error = %e, seq = head.seq, "audit writer: the external anchor was not updated");
            }
            Err(e) => tracing::warn!(error = %e, seq = head.seq, "audit writer: checkpoint not stored"),
        }
    }
}

/// Add to `batch` the requests of callers that are about to queue: those the previous
/// commit answered are runnable but have not sent their next entry yet when the writer
/// wakes for the first one, and a batch taken at once holds only a few of them (with
/// this, `bench audit`'s group commit rate tripled on SQLite: docs/performance.md). One
/// yield lets every runnable task run first — no timer, so a lone request at low load
/// waits only for that reschedule.
async fn take_the_returning(receiver: &mut mpsc::Receiver<Request>, batch: &mut Vec<Request>, max_batch: usize) {
    if batch.len() >= max_batch {
        return;
    }
    tokio::task::yield_now().await;
    while batch.len() < max_batch {
        match receiver.try_recv() {
            Ok(request) => batch.push(request),
            Err(_) => break,
        }
    }
}

/// Why a checkpoint was not (fully) kept.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint was not stored: {0}")]
    Store(#[from] StoreError),
    /// Stored in the database, but the anchor file still holds an older one.
    #[error("the checkpoint was stored, but the external anchor was not updated: {0}")]
    Anchor(#[from] anchor::AnchorError),
    /// The chain's checkpoints were signed with another key: a checkpoint signed with
    /// this one would make the chain fail verification.
    #[error("the newest checkpoint (seq {0}) was not signed with this key; refusing to sign with it")]
    ForeignKey(u64),
}

/// Store `checkpoint` and keep it in the anchor file too, when one is configured.
/// `Ok(false)` when a checkpoint at its seq is stored already (another writer made
/// it, and anchored it).
pub async fn store_checkpoint(
    store: &dyn Store,
    checkpoint: &Checkpoint,
    anchor_file: Option<&Path>,
) -> Result<bool, CheckpointError> {
    match store.add_audit_checkpoint(checkpoint).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    if let Some(path) = anchor_file.map(Path::to_owned) {
        let anchored = checkpoint.clone();
        tokio::task::spawn_blocking(move || anchor::advance(&path, &anchored).map(drop))
            .await
            .map_err(|e| anchor::AnchorError::Interrupted(e.to_string()))??;
    }
    Ok(true)
}

/// What [`checkpoint_now`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum OnDemand {
    /// The head was signed now.
    Signed(Checkpoint),
    /// A checkpoint at the head exists already.
    AlreadySealed(Checkpoint),
    /// The chain has no entry yet.
    Empty,
}

/// Sign the chain's head as it is in the database now, unless a checkpoint covers
/// it already: `cpniguard audit checkpoint`, so an export or a verification need not
/// wait for the writer's next one.
pub async fn checkpoint_now(
    store: &dyn Store,
    key: &SigningKey,
    now: DateTime<Utc>,
    anchor_file: Option<&Path>,
) -> Result<OnDemand, CheckpointError> {
    let Some(head) = store.audit_head().await? else { return Ok(OnDemand::Empty) };
    let last = store.last_audit_checkpoint().await?;
    if let Some(last) = &last
        && !last.signature_is_valid(&key.verifying_key())
    {
        return Err(CheckpointError::ForeignKey(last.seq));
    }
    if let Some(last) = last.filter(|c| c.seq >= head.seq) {
        return Ok(OnDemand::AlreadySealed(last));
    }
    let checkpoint = Checkpoint::sign(head.seq, head.hash, now, key);
    if store_checkpoint(store, &checkpoint, anchor_file).await? {
        return Ok(OnDemand::Signed(checkpoint));
    }
    // Another writer sealed the same head between the two reads.
    let stored = store.audit_checkpoints(head.seq, head.seq).await?.pop();
    Ok(OnDemand::AlreadySealed(stored.ok_or(StoreError::NotFound("audit checkpoint"))?))
}

/// Set the gauges `/metrics` shows about sealing, read from the database so every
/// server reports the same: `cpniguard_audit_checkpoint_age_seconds` (since the
/// newest checkpoint was signed; absent before the first) and
/// `cpniguard_audit_unsealed_entries` (entries after it). An old checkpoint with
/// entries after it means nothing signs the chain's end: the writer is failing.
pub async fn observe_sealing(store: &dyn Store, now: DateTime<Utc>) -> Result<(), StoreError> {
    let last = store.last_audit_checkpoint().await?;
    let head = store.audit_head().await?;
    let sealed = last.as_ref().map_or(0, |c| c.seq);
    metrics::gauge!("cpniguard_audit_unsealed_entries").set(head.map_or(0, |h| h.seq.saturating_sub(sealed)) as f64);
    if let Some(last) = last {
        metrics::gauge!("cpniguard_audit_checkpoint_age_seconds")
            .set((now - last.at).num_milliseconds().max(0) as f64 / 1000.0);
    }
    Ok(())
}

#[cfg(test)]
mod tests;

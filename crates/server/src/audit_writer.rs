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

pub mod anchor;
pub mod keys;

use crate::config::AuditConfig;
use crate::state::Clock;
use cpniguard_core::audit::{AuditEntry, AuditRecord, ChainHead, Checkpoint, SigningKey};
use cpniguard_store::{Store, StoreError};
use std::path::PathBuf;
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
        let task = Task { store, key, config: AuditWriterConfig { max_batch, ..config }, clock, head: None, sealed: 0 };
        (Self { requests }, tokio::spawn(task.run(receiver)))
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
    key: SigningKey,
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
        let records: Vec<AuditRecord> = batch.iter().map(|r| r.record.clone()).collect();
        match self.store.append_audit(&records).await {
            Ok(entries) => {
                if let Some(last) = entries.last() {
                    self.head = Some(ChainHead { seq: last.seq, hash: last.hash });
                }
                for (request, entry) in batch.into_iter().zip(entries) {
                    // A caller that gave up waiting still has its entry recorded.
                    let _ = request.reply.send(Ok(entry));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = records.len(), "audit writer: a batch was not recorded");
                let e = Arc::new(e);
                for request in batch {
                    let _ = request.reply.send(Err(AuditWriteError::Store(Arc::clone(&e))));
                }
            }
        }
    }

    /// Sign the last entry this writer committed. Entries other writers (other
    /// processes) committed before it are covered through the links.
    async fn checkpoint(&mut self) {
        let Some(head) = self.head else { return };
        let checkpoint = Checkpoint::sign(head.seq, head.hash, self.clock.now(), &self.key);
        match self.store.add_audit_checkpoint(&checkpoint).await {
            Ok(()) => {
                self.sealed = head.seq;
                self.anchor(checkpoint).await;
            }
            Err(StoreError::Conflict(_)) => self.sealed = head.seq,
            Err(e) => tracing::warn!(error = %e, seq = head.seq, "audit writer: checkpoint not stored"),
        }
    }

    /// Keep the checkpoint outside the database too. A failure is logged, not fatal:
    /// the entries are committed and signed; only the rollback check lags behind.
    async fn anchor(&self, checkpoint: Checkpoint) {
        let Some(path) = self.config.anchor_file.clone() else { return };
        let seq = checkpoint.seq;
        match tokio::task::spawn_blocking(move || anchor::advance(&path, &checkpoint)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, seq, "audit writer: the external anchor was not updated"),
            Err(e) => tracing::error!(error = %e, seq, "audit writer: the external anchor update was interrupted"),
        }
    }
}

#[cfg(test)]
mod tests;

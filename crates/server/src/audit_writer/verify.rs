//! Verifying the chain held in a database: every entry, every stored checkpoint, the
//! recorded head, and the checkpoint kept outside the database (the anchor), which
//! the chain must reach with the same hash. `cpniguard audit verify` runs it, and so
//! does `serve` every day (`audit_verify_job`) and the privacy office's console on
//! demand; those runs are recorded in the chain (`audit.verified`).

use super::anchor;
use anyhow::{anyhow, bail};
use chrono::{DateTime, Utc};
use cpniguard_core::audit::{ChainVerifier, VerifyReport, VerifyingKey};
use cpniguard_store::Store;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The audit action of a restore (`cpniguard restore`), which verification lists.
pub const RESTORE_ACTION: &str = "backup.restore";

/// Entries read per page.
const PAGE: u32 = cpniguard_store::MAX_PAGE;

fn failed(e: cpniguard_core::audit::VerifyError) -> anyhow::Error {
    anyhow!("audit chain verification failed at seq {}: {e}", e.seq())
}

/// Seconds since `at`, when there is one.
pub fn age_seconds(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(|at| (Utc::now() - at).num_seconds().max(0))
}

/// Verify the chain in a database: every entry, every stored checkpoint, the recorded
/// head, and — when `anchor` names a file that exists — the checkpoint kept outside
/// the database, which the chain must reach with the same hash. A chain that ends
/// before the anchor was rolled back; the error says by how many acknowledged entries.
pub async fn verify_database(
    store: &dyn Store,
    key: &VerifyingKey,
    anchor: Option<&Path>,
) -> anyhow::Result<DatabaseReport> {
    let mut checkpoints = store.audit_checkpoints(0, u64::MAX).await?;
    let newest =
        checkpoints.last().map(|c| NewestCheckpoint { seq: c.seq, at: c.at, age_seconds: age_seconds(Some(c.at)) });
    let head = store.audit_head().await?;
    let anchored = match anchor {
        Some(path) => anchor::read(path)?.map(|c| (path, c)),
        None => None,
    };
    let anchor_status = match &anchored {
        Some((path, c)) => {
            if !c.signature_is_valid(key) {
                bail!("the audit anchor {} is not signed with this carrier's key", path.display());
            }
            let held = head.map_or(0, |h| h.seq);
            if held < c.seq {
                bail!(
                    "audit chain verification failed at seq {}: the database's chain ends at seq {held}, but the \
                     anchor {} (signed {}) acknowledges entries up to seq {}: {} acknowledged entries are missing \
                     (the database was rolled back to an older state, or its newest entries were deleted)",
                    held + 1,
                    path.display(),
                    c.at.to_rfc3339(),
                    c.seq,
                    c.seq - held
                );
            }
            checkpoints.push(c.clone());
            AnchorStatus::Reached { file: path.to_path_buf(), seq: c.seq, at: c.at }
        }
        None => AnchorStatus::NotFound { file: anchor.map(Path::to_owned) },
    };
    let mut verifier = ChainVerifier::new(&checkpoints, key, None).map_err(failed)?;
    let mut restores = Vec::new();
    let mut from = 1;
    loop {
        let page = store.audit_entries(from, PAGE).await?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for entry in &page {
            verifier.push(entry).map_err(failed)?;
            if entry.record.action == RESTORE_ACTION {
                restores.push(RestoreSeen {
                    seq: entry.seq,
                    at: entry.record.at,
                    facts: entry.record.record_refs.clone(),
                });
            }
        }
    }
    let chain = verifier.finish(head).map_err(failed)?;
    Ok(DatabaseReport { chain, newest_checkpoint: newest, anchor: anchor_status, restores })
}

/// What `audit verify` prints for a database.
#[derive(Debug, Serialize)]
pub struct DatabaseReport {
    #[serde(flatten)]
    pub chain: VerifyReport,
    /// The newest checkpoint in the database and how long ago it was signed: a
    /// running server signs one at least every `audit.checkpoint_interval_secs` while
    /// entries are added.
    pub newest_checkpoint: Option<NewestCheckpoint>,
    pub anchor: AnchorStatus,
    /// Restores recorded in the chain, with what each rolled back.
    pub restores: Vec<RestoreSeen>,
}

#[derive(Debug, Serialize)]
pub struct NewestCheckpoint {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub age_seconds: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AnchorStatus {
    /// The chain reaches the anchored checkpoint with its hash.
    Reached { file: PathBuf, seq: u64, at: DateTime<Utc> },
    /// No anchor file (none configured, or not written yet): a rollback of the
    /// database could not be detected.
    NotFound { file: Option<PathBuf> },
}

#[derive(Debug, Serialize)]
pub struct RestoreSeen {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub facts: Vec<String>,
}

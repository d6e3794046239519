//! Audit chain (issue 5) settings: the `[audit]` section.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The carrier's Ed25519 private key that signs checkpoints (made by `cpniguard
    /// init`; readable by the server only). Relative paths are from the working
    /// directory.
    pub signing_key_file: PathBuf,
    /// Its public key, given to auditors and included in exports.
    pub public_key_file: PathBuf,
    /// The latest signed checkpoint, also kept outside the database so that a rollback
    /// of the database (a restore, or the newest entries deleted with their
    /// checkpoints) is seen by `audit verify`. Empty: not kept (not recommended).
    pub anchor_file: PathBuf,
    /// A checkpoint is signed after this many entries...
    pub checkpoint_every: u64,
    /// ...or this many seconds after the last one, if entries were added since.
    pub checkpoint_interval_secs: u64,
    /// The most entries the writer commits in one transaction.
    pub max_batch: usize,
    /// Entries older than this are deleted, from the start of the chain and only up
    /// to a signed checkpoint (47 CFR 64.2009(c) asks for at least one year; two is
    /// the default).
    pub retention_years: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            signing_key_file: PathBuf::from("audit-signing.key"),
            public_key_file: PathBuf::from("audit-signing.pub"),
            anchor_file: PathBuf::from("audit-anchor.json"),
            checkpoint_every: 1000,
            checkpoint_interval_secs: 60,
            max_batch: 1000,
            retention_years: 2,
        }
    }
}

impl AuditConfig {
    /// Checks serde cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.checkpoint_every == 0 || self.checkpoint_interval_secs == 0 || self.max_batch == 0 {
            return Err("checkpoint_every, checkpoint_interval_secs and max_batch must be at least 1".to_owned());
        }
        if self.retention_years == 0 {
            return Err("retention_years must be at least 1 (47 CFR 64.2009(c))".to_owned());
        }
        Ok(())
    }
}

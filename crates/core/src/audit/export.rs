//! Sealed exports. An export file ends with an [`ExportStatement`] signed by the
//! carrier's key: the range asked for, the first and last seq exported, how many
//! entries and the hash of the last one. Checkpoints alone cannot show that a file
//! was cut: an export taken while the server runs may end after the last checkpoint,
//! and a file cut back to an earlier checkpoint inside it still verifies link by link.
//! The statement covers the tail, so [`ExportCheck`] refuses a file that was cut,
//! edited, reordered or given extra entries, and one that lost its statement.
//!
//! The statement signs `canonical_statement` = the string
//! `cpniguard.audit.export.v1`, `from` and `to` (i64 microseconds), the first and
//! last seq (optional u64), the entry count (u64), the last entry's hash (optional,
//! 32 bytes) and `at`, encoded as the module `audit` describes.

use super::{AuditEntry, ChainHash, ChainVerifier, Checkpoint, Encoder, ExportLine, VerifyError, VerifyReport};
use super::{hex, hex_signature, to_micros};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an export holds, as counted while it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportTally {
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub entries: u64,
    pub last_hash: Option<ChainHash>,
}

impl ExportTally {
    /// Count `entry`, the next one written.
    pub fn add(&mut self, entry: &AuditEntry) {
        self.first_seq.get_or_insert(entry.seq);
        self.last_seq = Some(entry.seq);
        self.last_hash = Some(entry.hash);
        self.entries += 1;
    }
}

/// The last line of an export: a signed statement of what the file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStatement {
    /// The range asked for: `from` inclusive, `to` exclusive. The file may hold
    /// entries on either side of it, back to a checkpoint it starts from.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub entries: u64,
    /// The chain head at the last entry: that entry's hash.
    pub last_hash: Option<ChainHash>,
    /// When the export was made.
    pub at: DateTime<Utc>,
    /// Ed25519 over [`canonical_statement`], 128 hex digits in JSON.
    #[serde(with = "hex_signature")]
    pub signature: [u8; 64],
}

impl ExportStatement {
    /// Sign what an export of `[from, to)` holds (times truncated to the microsecond).
    pub fn sign(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tally: &ExportTally,
        at: DateTime<Utc>,
        key: &SigningKey,
    ) -> Self {
        let mut statement = ExportStatement {
            from: to_micros(from),
            to: to_micros(to),
            first_seq: tally.first_seq,
            last_seq: tally.last_seq,
            entries: tally.entries,
            last_hash: tally.last_hash,
            at: to_micros(at),
            signature: [0; 64],
        };
        statement.signature = key.sign(&canonical_statement(&statement)).to_bytes();
        statement
    }

    pub fn signature_is_valid(&self, key: &VerifyingKey) -> bool {
        key.verify_strict(&canonical_statement(self), &Signature::from_bytes(&self.signature)).is_ok()
    }

    fn tally(&self) -> ExportTally {
        ExportTally {
            first_seq: self.first_seq,
            last_seq: self.last_seq,
            entries: self.entries,
            last_hash: self.last_hash,
        }
    }
}

/// The bytes a statement's signature covers (see the module documentation).
pub fn canonical_statement(s: &ExportStatement) -> Vec<u8> {
    let mut e = Encoder(Vec::with_capacity(128));
    e.str("cpniguard.audit.export.v1");
    e.i64(s.from.timestamp_micros());
    e.i64(s.to.timestamp_micros());
    e.opt_u64(s.first_seq);
    e.opt_u64(s.last_seq);
    e.u64(s.entries);
    match s.last_hash {
        None => e.0.push(0),
        Some(h) => {
            e.0.push(1);
            e.0.extend_from_slice(&h.0);
        }
    }
    e.i64(s.at.timestamp_micros());
    e.0
}

/// Why an export file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Chain(#[from] VerifyError),
    #[error("the export names a different public key than the one it is verified with")]
    ForeignKey,
    #[error("a checkpoint line after the entries began: the file was reordered")]
    CheckpointAfterEntries,
    #[error("entry {seq} follows the export's signed statement: lines were added after the end")]
    AfterStatement { seq: u64 },
    #[error("the export holds two signed statements")]
    TwoStatements,
    #[error(
        "the export ends without its signed statement: it may have been cut (the last entry in the file is seq {last_seq})"
    )]
    Unsealed { last_seq: u64 },
    #[error("the export's signed statement does not verify with the public key")]
    BadStatementSignature,
    #[error(
        "entry {seq}: the signed statement says the export holds {stated} but the file holds {found} (cut, or entries added)"
    )]
    StatementMismatch { seq: u64, stated: String, found: String },
}

impl ExportError {
    /// The seq of the first entry concerned (0 when the fault is not about an entry).
    pub fn seq(&self) -> u64 {
        match self {
            ExportError::Chain(e) => e.seq(),
            ExportError::AfterStatement { seq } | ExportError::StatementMismatch { seq, .. } => *seq,
            ExportError::Unsealed { last_seq } => last_seq + 1,
            ExportError::ForeignKey
            | ExportError::CheckpointAfterEntries
            | ExportError::TwoStatements
            | ExportError::BadStatementSignature => 0,
        }
    }
}

/// A checkpoint as a report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckpointSeen {
    pub seq: u64,
    pub at: DateTime<Utc>,
}

/// What a sealed export holds, once verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    #[serde(flatten)]
    pub chain: VerifyReport,
    /// The range the export was asked for and when it was made, as signed.
    pub range_from: DateTime<Utc>,
    pub range_to: DateTime<Utc>,
    pub exported_at: DateTime<Utc>,
    /// The first checkpoint at or after the last entry: what signs the end of the
    /// chain exported, besides the statement. `None` when the export was taken
    /// before one was made.
    pub covering_checkpoint: Option<CheckpointSeen>,
    /// The newest checkpoint in the file.
    pub newest_checkpoint: Option<CheckpointSeen>,
}

/// Checks an export fed one line at a time, in file order: the public key, the
/// checkpoints, the entries, the statement last.
#[derive(Debug)]
pub struct ExportCheck {
    key: VerifyingKey,
    checkpoints: Vec<Checkpoint>,
    chain: Option<ChainVerifier>,
    statement: Option<ExportStatement>,
}

impl ExportCheck {
    pub fn new(key: VerifyingKey) -> Self {
        Self { key, checkpoints: Vec::new(), chain: None, statement: None }
    }

    pub fn push(&mut self, line: ExportLine) -> Result<(), ExportError> {
        match line {
            // The key that counts is the one given from outside; an export naming
            // another was signed by someone else.
            ExportLine::PublicKey { key } if key.eq_ignore_ascii_case(&hex(self.key.as_bytes())) => Ok(()),
            ExportLine::PublicKey { .. } => Err(ExportError::ForeignKey),
            ExportLine::Checkpoint(_) if self.chain.is_some() || self.statement.is_some() => {
                Err(ExportError::CheckpointAfterEntries)
            }
            ExportLine::Checkpoint(c) => {
                self.checkpoints.push(c);
                Ok(())
            }
            ExportLine::Entry(e) if self.statement.is_some() => Err(ExportError::AfterStatement { seq: e.seq }),
            ExportLine::Entry(e) => {
                let chain = match &mut self.chain {
                    Some(chain) => chain,
                    None => self.chain.insert(ChainVerifier::new(&self.checkpoints, &self.key, None)?),
                };
                Ok(chain.push(&e)?)
            }
            ExportLine::Statement(_) if self.statement.is_some() => Err(ExportError::TwoStatements),
            ExportLine::Statement(s) => {
                self.statement = Some(s);
                Ok(())
            }
        }
    }

    /// The end of the file: the chain must be whole and match the signed statement.
    pub fn finish(self) -> Result<ExportReport, ExportError> {
        let chain = match self.chain {
            Some(chain) => chain,
            None => ChainVerifier::new(&self.checkpoints, &self.key, None)?,
        };
        let report = chain.finish(None)?;
        let found = ExportTally {
            first_seq: report.first_seq,
            last_seq: report.last.map(|l| l.seq),
            entries: report.entries,
            last_hash: report.last.map(|l| l.hash),
        };
        let last_seq = found.last_seq.unwrap_or(0);
        let Some(statement) = self.statement else { return Err(ExportError::Unsealed { last_seq }) };
        if !statement.signature_is_valid(&self.key) {
            return Err(ExportError::BadStatementSignature);
        }
        let stated = statement.tally();
        if stated != found {
            let seq = match stated.last_seq {
                Some(stated_last) if stated_last > last_seq => last_seq + 1,
                Some(stated_last) if stated_last < last_seq => stated_last + 1,
                _ => found.first_seq.unwrap_or(last_seq),
            };
            return Err(ExportError::StatementMismatch { seq, stated: describe(&stated), found: describe(&found) });
        }
        let times: BTreeMap<u64, DateTime<Utc>> = self.checkpoints.iter().map(|c| (c.seq, c.at)).collect();
        let seen = |(&seq, &at): (&u64, &DateTime<Utc>)| CheckpointSeen { seq, at };
        Ok(ExportReport {
            chain: report,
            range_from: statement.from,
            range_to: statement.to,
            exported_at: statement.at,
            covering_checkpoint: stated.last_seq.and_then(|last| times.range(last..).next().map(seen)),
            newest_checkpoint: times.iter().next_back().map(seen),
        })
    }
}

fn describe(t: &ExportTally) -> String {
    match (t.first_seq, t.last_seq, t.last_hash) {
        (Some(first), Some(last), Some(hash)) => {
            format!("{} entries, seq {first} to {last}, last hash {hash}", t.entries)
        }
        _ => format!("{} entries", t.entries),
    }
}

#[cfg(test)]
mod tests;

//! Verifying a chain: every entry's hash recomputed, every link followed, every
//! checkpoint's signature checked and matched against the entry it names. The first
//! fault found is reported with the seq of the entry it concerns.

use super::{AuditEntry, ChainHash, Checkpoint};
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use std::collections::BTreeMap;

/// The last entry of a chain: its seq and hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: ChainHash,
}

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub first_seq: Option<u64>,
    pub last: Option<ChainHead>,
    /// Checkpoints whose signature was checked.
    pub checkpoints: u64,
    pub last_checkpoint: Option<u64>,
    /// Entries after the last checkpoint: linked, but not yet covered by a signature.
    pub unsealed: u64,
}

/// The first fault in a chain. [`VerifyError::seq`] names the entry (or checkpoint)
/// concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("checkpoint at seq {seq}: the signature does not verify with the public key")]
    BadSignature { seq: u64 },
    #[error("checkpoints at seq {seq} disagree about its hash")]
    ConflictingCheckpoints { seq: u64 },
    #[error(
        "entry {seq}: the chain does not start here (neither seq 1 after the genesis hash, nor right after a signed checkpoint or the given anchor)"
    )]
    UnanchoredStart { seq: u64 },
    #[error("entry {seq} is missing (deleted, or the entries are out of order)")]
    Missing { seq: u64 },
    #[error("entry {seq} is out of order or repeated: it follows entry {after}")]
    OutOfOrder { seq: u64, after: u64 },
    #[error("entry {seq}: its prev_hash is not the hash of entry {}", seq - 1)]
    BrokenLink { seq: u64 },
    #[error("entry {seq}: its contents do not match its hash (edited)")]
    HashMismatch { seq: u64 },
    #[error("entry {seq}: its hash differs from the signed checkpoint at that seq")]
    CheckpointMismatch { seq: u64 },
    #[error("entry {seq} is missing: a signed checkpoint covers the chain up to seq {checkpoint} (tail truncated)")]
    TruncatedTail { seq: u64, checkpoint: u64 },
    #[error("entry {seq}: the chain's recorded head is seq {head_seq} but the entries end at {last_seq}")]
    HeadMismatch { seq: u64, head_seq: u64, last_seq: u64 },
}

impl VerifyError {
    /// The seq of the first bad entry or checkpoint.
    pub fn seq(&self) -> u64 {
        match *self {
            VerifyError::BadSignature { seq }
            | VerifyError::ConflictingCheckpoints { seq }
            | VerifyError::UnanchoredStart { seq }
            | VerifyError::Missing { seq }
            | VerifyError::OutOfOrder { seq, .. }
            | VerifyError::BrokenLink { seq }
            | VerifyError::HashMismatch { seq }
            | VerifyError::CheckpointMismatch { seq }
            | VerifyError::TruncatedTail { seq, .. }
            | VerifyError::HeadMismatch { seq, .. } => seq,
        }
    }
}

/// Verifies a chain fed one entry at a time in seq order, so a long chain can be
/// paged from a store without holding it in memory.
#[derive(Debug)]
pub struct ChainVerifier {
    /// Signed hashes by seq (signatures already checked).
    checkpoints: BTreeMap<u64, ChainHash>,
    anchor: Option<(u64, ChainHash)>,
    first_seq: Option<u64>,
    last: Option<ChainHead>,
    entries: u64,
}

impl ChainVerifier {
    /// Check every checkpoint's signature with `key`. `anchor` is `(seq, prev_hash)`
    /// of the first entry when the caller knows it from elsewhere; without it the
    /// first entry must be seq 1 after [`ChainHash::GENESIS`], or follow a signed
    /// checkpoint (a chain truncated for retention).
    pub fn new(
        checkpoints: &[Checkpoint],
        key: &VerifyingKey,
        anchor: Option<(u64, ChainHash)>,
    ) -> Result<Self, VerifyError> {
        let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
        sorted.sort_by_key(|c| c.seq);
        let mut signed = BTreeMap::new();
        for c in sorted {
            if !c.signature_is_valid(key) {
                return Err(VerifyError::BadSignature { seq: c.seq });
            }
            if signed.insert(c.seq, c.hash).is_some_and(|h| h != c.hash) {
                return Err(VerifyError::ConflictingCheckpoints { seq: c.seq });
            }
        }
        Ok(Self { checkpoints: signed, anchor, first_seq: None, last: None, entries: 0 })
    }

    /// The next entry in seq order.
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), VerifyError> {
        match self.last {
            None => self.check_start(e)?,
            Some(last) => {
                let expected = last.seq + 1;
                if e.seq > expected {
                    return Err(VerifyError::Missing { seq: expected });
                }
                if e.seq < expected {
                    return Err(VerifyError::OutOfOrder { seq: e.seq, after: last.seq });
                }
                if e.prev_hash != last.hash {
                    return Err(VerifyError::BrokenLink { seq: e.seq });
                }
            }
        }
        if e.computed_hash() != e.hash {
            return Err(VerifyError::HashMismatch { seq: e.seq });
        }
        if self.checkpoints.get(&e.seq).is_some_and(|h| *h != e.hash) {
            return Err(VerifyError::CheckpointMismatch { seq: e.seq });
        }
        self.first_seq.get_or_insert(e.seq);
        self.last = Some(ChainHead { seq: e.seq, hash: e.hash });
        self.entries += 1;
        Ok(())
    }

    fn check_start(&self, e: &AuditEntry) -> Result<(), VerifyError> {
        let anchored = match self.anchor {
            Some((seq, prev)) => e.seq == seq && e.prev_hash == prev,
            None if e.seq == 1 => e.prev_hash == ChainHash::GENESIS,
            None => self.checkpoints.get(&(e.seq - 1)).is_some_and(|h| *h == e.prev_hash),
        };
        if anchored { Ok(()) } else { Err(VerifyError::UnanchoredStart { seq: e.seq }) }
    }

    /// End of the entries. Every checkpoint must name an entry that was seen (or one
    /// before the start, when truncated); `head`, the head the store recorded, if
    /// given, must be the last entry seen.
    pub fn finish(self, head: Option<ChainHead>) -> Result<VerifyReport, VerifyError> {
        let last_seq = self.last.map_or_else(|| self.anchor.map_or(0, |(seq, _)| seq.saturating_sub(1)), |l| l.seq);
        if let Some((&checkpoint, _)) = self.checkpoints.range(last_seq + 1..).next_back() {
            return Err(VerifyError::TruncatedTail { seq: last_seq + 1, checkpoint });
        }
        if let Some(head) = head {
            let matches = match self.last {
                Some(last) => last == head,
                None => head.seq == last_seq,
            };
            if !matches {
                let seq = if head.seq > last_seq { last_seq + 1 } else { head.seq.max(1) };
                return Err(VerifyError::HeadMismatch { seq, head_seq: head.seq, last_seq });
            }
        }
        let last_checkpoint = self.checkpoints.keys().next_back().copied();
        Ok(VerifyReport {
            entries: self.entries,
            first_seq: self.first_seq,
            last: self.last,
            checkpoints: self.checkpoints.len() as u64,
            last_checkpoint,
            unsealed: last_seq.saturating_sub(last_checkpoint.unwrap_or(0)).min(self.entries),
        })
    }
}

/// Verify `entries` (in seq order) against `checkpoints` in one call. See
/// [`ChainVerifier::new`] for `anchor`.
pub fn verify_chain(
    entries: &[AuditEntry],
    checkpoints: &[Checkpoint],
    key: &VerifyingKey,
    anchor: Option<(u64, ChainHash)>,
) -> Result<VerifyReport, VerifyError> {
    let mut verifier = ChainVerifier::new(checkpoints, key, anchor)?;
    for e in entries {
        verifier.push(e)?;
    }
    verifier.finish(None)
}

/// Where retention may cut a chain at `now`: the first seq to keep, right after the
/// latest checkpoint made more than `years` years ago (entries before a checkpoint
/// are older than it), so the remaining chain starts at a signed hash. `None` when
/// no checkpoint is that old.
pub fn retention_cut(checkpoints: &[Checkpoint], now: chrono::DateTime<chrono::Utc>, years: u32) -> Option<u64> {
    let cutoff = now.checked_sub_months(chrono::Months::new(years.saturating_mul(12)))?;
    checkpoints.iter().filter(|c| c.at < cutoff).map(|c| c.seq + 1).max()
}

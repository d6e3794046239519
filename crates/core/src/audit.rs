//! The audit chain: one entry per disclosure decision, allowed or denied, each linked
//! to the one before by a SHA-256 hash, with checkpoints signed by the carrier's
//! Ed25519 key. Entries carry references (account id, record ids such as
//! `call:123`, policy ids), never CPNI values, so retention and erasure of CPNI never
//! break the chain.
//!
//! # Canonical encoding (version 1)
//!
//! An entry's hash is `SHA-256(prev_hash ‖ canonical(entry))`, where `canonical` is a
//! deterministic, length-prefixed binary encoding of every field except `hash`:
//!
//! - the domain tag `cpniguard.audit.entry.v1` (as a string, below);
//! - integers big-endian: `seq` as u64, `at` as i64 microseconds since the Unix epoch
//!   (entries are sealed at microsecond precision, what both stores keep);
//! - a string as its UTF-8 length (u32) then its bytes;
//! - an absent optional value as byte 0, a present one as byte 1 then the value;
//! - a list as its length (u32) then its items;
//! - fields in this order: seq, at, principal kind, principal id, principal role,
//!   action, account id (hyphenated lower-case UUID text), purpose, channel,
//!   interaction id, legal reference, fraud reference, decision, policy ids,
//!   policy-set hash, request id, record references.
//!
//! Length prefixes make the encoding injective: no two different entries encode to
//! the same bytes, however their strings are chosen. A checkpoint signs
//! `canonical_checkpoint` = the string `cpniguard.audit.checkpoint.v1`, seq (u64),
//! the 32-byte hash, and `at` (i64 microseconds), the same way.

mod export;
mod verify;

pub use export::{
    CheckpointSeen, ExportCheck, ExportError, ExportReport, ExportStatement, ExportTally, canonical_statement,
};
pub use verify::{ChainHead, ChainVerifier, VerifyError, VerifyReport, retention_cut, verify_chain};

use crate::account::str_enum;
use crate::ids::AccountId;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer};
/// The key types, re-exported so the crates that load, sign and verify need no
/// dependency of their own on the signature library.
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

str_enum!(
    /// Who asked: a member of staff, the customer, another carrier, or a system job.
    PrincipalKind { Staff => "staff", Customer => "customer", Carrier => "carrier", System => "system" }
);
str_enum!(
    /// What the policy decided.
    Decision { Allow => "allow", Deny => "deny" }
);

/// A SHA-256 value: an entry's hash or its predecessor's. Hex text in JSON.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"))]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// The `prev_hash` of the first entry ever written (seq 1).
    pub const GENESIS: ChainHash = ChainHash([0; 32]);

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(ChainHash)
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({self})")
    }
}

impl TryFrom<String> for ChainHash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        unhex(&s).and_then(|b| ChainHash::from_slice(&b)).ok_or_else(|| "expected 64 hex digits".to_owned())
    }
}

impl From<ChainHash> for String {
    fn from(h: ChainHash) -> String {
        h.to_string()
    }
}

/// Who made the request. `id` is the principal's own identifier (a staff id, an
/// account id, a carrier's name, a job's name); `role` the role it acted in, if any.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: String,
    pub role: Option<String>,
}

/// What the gate hands to the chain: everything about a decision but its place in
/// the chain (seq and hashes), which only the store can assign.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub principal: Principal,
    pub action: String,
    pub account_id: Option<AccountId>,
    pub purpose: Option<String>,
    pub channel: Option<String>,
    pub interaction_id: Option<String>,
    pub legal_ref: Option<String>,
    pub fraud_ref: Option<String>,
    pub decision: Decision,
    pub policy_ids: Vec<String>,
    pub policy_set_hash: String,
    pub request_id: Option<String>,
    /// References such as `call:123` or `invoice:…`, never values.
    pub record_refs: Vec<String>,
}

/// One link of the chain.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub prev_hash: ChainHash,
    pub hash: ChainHash,
}

impl AuditEntry {
    /// Place `record` at `seq` after the entry whose hash is `prev_hash`. Its time is
    /// truncated to the microsecond first, so what a store reads back hashes the same.
    pub fn seal(seq: u64, prev_hash: ChainHash, mut record: AuditRecord) -> Self {
        record.at = to_micros(record.at);
        let hash = entry_hash(seq, &prev_hash, &record);
        AuditEntry { seq, record, prev_hash, hash }
    }

    /// The hash this entry should have given its contents.
    pub fn computed_hash(&self) -> ChainHash {
        entry_hash(self.seq, &self.prev_hash, &self.record)
    }
}

fn entry_hash(seq: u64, prev_hash: &ChainHash, record: &AuditRecord) -> ChainHash {
    let mut h = Sha256::new();
    h.update(prev_hash.0);
    h.update(canonical_entry(seq, record));
    ChainHash(h.finalize().into())
}

/// The canonical bytes of an entry without its hash (see the module documentation).
pub fn canonical_entry(seq: u64, r: &AuditRecord) -> Vec<u8> {
    let mut e = Encoder(Vec::with_capacity(256));
    e.str("cpniguard.audit.entry.v1");
    e.u64(seq);
    e.i64(r.at.timestamp_micros());
    e.str(r.principal.kind.as_str());
    e.str(&r.principal.id);
    e.opt(r.principal.role.as_deref());
    e.str(&r.action);
    e.opt(r.account_id.map(|a| a.0.hyphenated().to_string()).as_deref());
    e.opt(r.purpose.as_deref());
    e.opt(r.channel.as_deref());
    e.opt(r.interaction_id.as_deref());
    e.opt(r.legal_ref.as_deref());
    e.opt(r.fraud_ref.as_deref());
    e.str(r.decision.as_str());
    e.list(&r.policy_ids);
    e.str(&r.policy_set_hash);
    e.opt(r.request_id.as_deref());
    e.list(&r.record_refs);
    e.0
}

/// A signed statement "entry `seq` has hash `hash`", made at `at`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: ChainHash,
    pub at: DateTime<Utc>,
    /// Ed25519 over [`canonical_checkpoint`], 128 hex digits in JSON.
    #[serde(with = "hex_signature")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub signature: [u8; 64],
}

impl Checkpoint {
    /// Sign the chain's state at `seq` (time truncated to the microsecond, as stored).
    pub fn sign(seq: u64, hash: ChainHash, at: DateTime<Utc>, key: &SigningKey) -> Self {
        let at = to_micros(at);
        let signature = key.sign(&canonical_checkpoint(seq, &hash, at)).to_bytes();
        Checkpoint { seq, hash, at, signature }
    }

    pub fn signature_is_valid(&self, key: &VerifyingKey) -> bool {
        let message = canonical_checkpoint(self.seq, &self.hash, self.at);
        key.verify_strict(&message, &Signature::from_bytes(&self.signature)).is_ok()
    }
}

/// The bytes a checkpoint's signature covers (see the module documentation).
pub fn canonical_checkpoint(seq: u64, hash: &ChainHash, at: DateTime<Utc>) -> Vec<u8> {
    let mut e = Encoder(Vec::with_capacity(96));
    e.str("cpniguard.audit.checkpoint.v1");
    e.u64(seq);
    e.0.extend_from_slice(&hash.0);
    e.i64(at.timestamp_micros());
    e.0
}

/// One line of an export file (JSON Lines): the public key to verify with, then
/// the checkpoints, the entries, and last the signed statement of what the file
/// holds (see [`ExportCheck`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExportLine {
    PublicKey {
        /// The Ed25519 public key, 64 hex digits.
        key: String,
    },
    Checkpoint(Checkpoint),
    /// Boxed: an entry is several times larger than the other lines.
    Entry(Box<AuditEntry>),
    Statement(ExportStatement),
}

/// `at` truncated to the microsecond (downwards).
fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

struct Encoder(Vec<u8>);

impl Encoder {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn len(&mut self, n: usize) {
        // Lengths beyond u32 cannot occur in an entry a store accepts; saturating
        // keeps the encoder total rather than panicking.
        self.0.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                self.u64(v);
            }
        }
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }

    fn list(&mut self, items: &[String]) {
        self.len(items.len());
        for item in items {
            self.str(item);
        }
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Hex (either case) to bytes; `None` if not an even number of hex digits.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|d| u8::from_str_radix(d, 16).ok())).collect()
}

mod hex_signature {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(sig: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(sig))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let text = String::deserialize(d)?;
        super::unhex(&text)
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or_else(|| D::Error::custom("expected 128 hex digits"))
    }
}

#[cfg(test)]
mod tests;

//! The audit chain: rows, statements and conversions both backends share. Only how
//! an append takes the chain head differs (PostgreSQL locks the head row; SQLite's
//! `BEGIN IMMEDIATE` makes the append the only writer).

use super::{DbTime, fetch_limit, page_limit, split_page};
use crate::audit::{AuditPage, AuditQuery};
use crate::{StoreError, StoreResult};
use cpniguard_core::ValidationError;
use cpniguard_core::audit::{
    AuditEntry, AuditRecord, ChainHash, ChainHead, Checkpoint, Decision, Principal, PrincipalKind,
};
use cpniguard_core::ids::AccountId;
use sqlx::encode::Encode;
use sqlx::{Database, QueryBuilder, Type};
use uuid::Uuid;

macro_rules! entry_columns {
    () => {
        "seq, at, principal_kind, principal_id, principal_role, action, account_id, purpose, channel, \
         interaction_id, legal_ref, fraud_ref, decision, policy_ids, policy_set_hash, request_id, \
         record_refs, prev_hash, hash"
    };
}

/// Binds: from seq, limit.
pub(crate) const ENTRIES_FROM: &str =
    concat!("SELECT ", entry_columns!(), " FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2");

pub(crate) const HEAD: &str = "SELECT seq, hash FROM audit_chain_head WHERE id = 1";

/// The head for an append on PostgreSQL: the row lock serialises appenders.
pub(crate) const HEAD_FOR_UPDATE: &str = "SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE";

/// Binds: seq, hash.
pub(crate) const SET_HEAD: &str = "UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1";

/// Moves the head only from where a run of sealed entries continues it. Binds: new
/// seq, new hash, the seq and hash the run continues.
pub(crate) const MOVE_HEAD: &str =
    "UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4";

/// Binds: seq.
pub(crate) const HASH_AT: &str = "SELECT hash FROM audit_entries WHERE seq = $1";

/// Binds: seq, hash, at, signature.
pub(crate) const INSERT_CHECKPOINT: &str =
    "INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES ($1, $2, $3, $4)";

/// Binds: from seq, to seq.
pub(crate) const CHECKPOINTS: &str =
    "SELECT seq, hash, at, signature FROM audit_checkpoints WHERE seq >= $1 AND seq <= $2 ORDER BY seq";

pub(crate) const LAST_CHECKPOINT: &str =
    "SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1";

/// Binds: seq.
pub(crate) const CHECKPOINT_EXISTS: &str = "SELECT COUNT(*) FROM audit_checkpoints WHERE seq = $1";

/// Binds: seq.
pub(crate) const DELETE_BEFORE: &str = "DELETE FROM audit_entries WHERE seq < $1";

/// Values bound per entry by [`insert`].
const BINDS_PER_ENTRY: usize = 19;

/// Rows per multi-row `INSERT`, within both backends' bound-value limits.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;
const _: () = assert!(ROWS_PER_STATEMENT * BINDS_PER_ENTRY <= 32766);

/// A seq as both databases store it.
pub(crate) fn db_seq(seq: u64) -> StoreResult<i64> {
    i64::try_from(seq).map_err(|_| ValidationError::new("seq", "out of range").into())
}

fn seq_of(table: &'static str, seq: i64) -> StoreResult<u64> {
    super::unsigned(table, "seq", seq)
}

fn hash_of(table: &'static str, seq: i64, column: &str, bytes: &[u8]) -> StoreResult<ChainHash> {
    ChainHash::from_slice(bytes)
        .ok_or_else(|| StoreError::corrupt(table, format!("seq {seq}: {column} is not 32 bytes")))
}

/// Seal `records` after `head` (the genesis when `None`).
pub(crate) fn seal(head: ChainHead, records: &[AuditRecord]) -> Vec<AuditEntry> {
    let mut prev = head;
    records
        .iter()
        .map(|r| {
            let e = AuditEntry::seal(prev.seq + 1, prev.hash, r.clone());
            prev = ChainHead { seq: e.seq, hash: e.hash };
            e
        })
        .collect()
}

/// The head row as read: seq 0 with the genesis hash before the first append.
pub(crate) fn head_from(table_row: (i64, Vec<u8>)) -> StoreResult<ChainHead> {
    let (seq, hash) = table_row;
    Ok(ChainHead { seq: seq_of("audit_chain_head", seq)?, hash: hash_of("audit_chain_head", seq, "hash", &hash)? })
}

/// One multi-row `INSERT` of sealed entries.
pub(crate) fn insert<DB>(entries: &[AuditEntry]) -> StoreResult<QueryBuilder<DB>>
where
    DB: Database,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> Option<Uuid>: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB> + Type<DB>,
    for<'a> Vec<u8>: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        rows.push((db_seq(e.seq)?, e));
    }
    let mut qb = QueryBuilder::new(concat!("INSERT INTO audit_entries (", entry_columns!(), ") "));
    qb.push_values(rows, |mut row, (seq, e)| {
        let r = &e.record;
        row.push_bind(seq)
            .push_bind(DbTime::from(r.at))
            .push_bind(r.principal.kind.as_str().to_owned())
            .push_bind(r.principal.id.clone())
            .push_bind(r.principal.role.clone())
            .push_bind(r.action.clone())
            .push_bind(r.account_id.map(|a| a.0))
            .push_bind(r.purpose.clone())
            .push_bind(r.channel.clone())
            .push_bind(r.interaction_id.clone())
            .push_bind(r.legal_ref.clone())
            .push_bind(r.fraud_ref.clone())
            .push_bind(r.decision.as_str().to_owned())
            .push_bind(json_list(&r.policy_ids))
            .push_bind(r.policy_set_hash.clone())
            .push_bind(r.request_id.clone())
            .push_bind(json_list(&r.record_refs))
            .push_bind(e.prev_hash.0.to_vec())
            .push_bind(e.hash.0.to_vec());
    });
    Ok(qb)
}

fn json_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

/// The entries matching `query`, one more than the page holds (see `split_page`).
pub(crate) fn search<DB>(query: &AuditQuery) -> StoreResult<QueryBuilder<DB>>
where
    DB: Database,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(concat!("SELECT ", entry_columns!(), " FROM audit_entries WHERE TRUE"));
    if let Some(account) = query.account {
        qb.push(" AND account_id = ").push_bind(account.0);
    }
    if let Some((kind, id)) = &query.principal {
        qb.push(" AND principal_kind = ").push_bind(kind.as_str().to_owned());
        qb.push(" AND principal_id = ").push_bind(id.clone());
    }
    if let Some(from) = query.from {
        qb.push(" AND at >= ").push_bind(DbTime::from(from));
    }
    if let Some(to) = query.to {
        qb.push(" AND at < ").push_bind(DbTime::from(to));
    }
    if let Some(decision) = query.decision {
        qb.push(" AND decision = ").push_bind(decision.as_str().to_owned());
    }
    if let Some(action) = &query.action {
        qb.push(" AND action = ").push_bind(action.clone());
    }
    if let Some(after) = query.after_seq {
        qb.push(" AND seq > ").push_bind(db_seq(after)?);
    }
    qb.push(" ORDER BY seq LIMIT ").push_bind(fetch_limit(page_limit(query.limit)));
    Ok(qb)
}

/// The page from the rows [`search`] fetched.
pub(crate) fn page(rows: Vec<EntryRow>, query: &AuditQuery) -> StoreResult<AuditPage> {
    let entries = rows.into_iter().map(EntryRow::into_entry).collect::<StoreResult<Vec<_>>>()?;
    let (entries, next_after) = split_page(entries, page_limit(query.limit), |e| e.seq);
    Ok(AuditPage { entries, next_after })
}

/// An entry as stored. Read back without judging its hash: that is the verifier's
/// job, and a tampered row must still be readable to be reported.
#[derive(sqlx::FromRow)]
pub(crate) struct EntryRow {
    seq: i64,
    at: DbTime,
    principal_kind: String,
    principal_id: String,
    principal_role: Option<String>,
    action: String,
    account_id: Option<Uuid>,
    purpose: Option<String>,
    channel: Option<String>,
    interaction_id: Option<String>,
    legal_ref: Option<String>,
    fraud_ref: Option<String>,
    decision: String,
    policy_ids: String,
    policy_set_hash: String,
    request_id: Option<String>,
    record_refs: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl EntryRow {
    pub(crate) fn into_entry(self) -> StoreResult<AuditEntry> {
        const T: &str = "audit_entries";
        let seq = self.seq;
        // Reasons name the seq and the column, never the value.
        let corrupt = |column: &str| StoreError::corrupt(T, format!("seq {seq}: {column} does not parse"));
        let list = |column: &str, text: &str| serde_json::from_str::<Vec<String>>(text).map_err(|_| corrupt(column));
        Ok(AuditEntry {
            seq: seq_of(T, seq)?,
            record: AuditRecord {
                at: self.at.time(),
                principal: Principal {
                    kind: PrincipalKind::parse(&self.principal_kind).ok_or_else(|| corrupt("principal_kind"))?,
                    id: self.principal_id,
                    role: self.principal_role,
                },
                action: self.action,
                account_id: self.account_id.map(AccountId),
                purpose: self.purpose,
                channel: self.channel,
                interaction_id: self.interaction_id,
                legal_ref: self.legal_ref,
                fraud_ref: self.fraud_ref,
                decision: Decision::parse(&self.decision).ok_or_else(|| corrupt("decision"))?,
                policy_ids: list("policy_ids", &self.policy_ids)?,
                policy_set_hash: self.policy_set_hash,
                request_id: self.request_id,
                record_refs: list("record_refs", &self.record_refs)?,
            },
            prev_hash: hash_of(T, seq, "prev_hash", &self.prev_hash)?,
            hash: hash_of(T, seq, "hash", &self.hash)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CheckpointRow {
    seq: i64,
    hash: Vec<u8>,
    at: DbTime,
    signature: Vec<u8>,
}

impl CheckpointRow {
    pub(crate) fn into_checkpoint(self) -> StoreResult<Checkpoint> {
        const T: &str = "audit_checkpoints";
        Ok(Checkpoint {
            seq: seq_of(T, self.seq)?,
            hash: hash_of(T, self.seq, "hash", &self.hash)?,
            at: self.at.time(),
            signature: self
                .signature
                .try_into()
                .map_err(|_| StoreError::corrupt(T, format!("seq {}: signature is not 64 bytes", self.seq)))?,
        })
    }
}

/// Why a checkpoint is refused: it must name a stored entry and carry its hash.
pub(crate) fn check_checkpoint(checkpoint: &Checkpoint, stored: Option<Vec<u8>>) -> StoreResult<()> {
    match stored {
        Some(hash) if hash == checkpoint.hash.0 => Ok(()),
        Some(_) => Err(ValidationError::new("checkpoint", "its hash is not the hash of the entry at its seq").into()),
        None => Err(ValidationError::new("checkpoint", "no entry is stored at its seq").into()),
    }
}

/// Why a truncation is refused: it must leave the chain starting after a checkpoint.
pub(crate) fn check_truncation(checkpoints_at_previous: i64) -> StoreResult<()> {
    if checkpoints_at_previous > 0 {
        Ok(())
    } else {
        Err(ValidationError::new("seq", "truncation is allowed only right after a stored checkpoint").into())
    }
}

/// The whole `AuditStore` for one backend: `$begin` starts the write transaction and
/// `$head_for_append` reads the chain head inside it (locked for the transaction,
/// so concurrent appenders queue and each extends the head the previous committed).
/// A backend whose entries are partitioned by month names how an append makes its
/// months (`$make_months(store, records)`, before the transaction) and how retention
/// drops the months wholly before the first seq it keeps (`$drop_months(tx, seq)`,
/// inside the transaction, before the remaining rows are deleted).
macro_rules! audit_backend {
    ($store:ty, $db:ty, $begin:path, $head_for_append:expr $(, by_month: $make_months:path, $drop_months:path)?) => {
        use crate::audit::{AuditPage, AuditQuery};
        use crate::error::{reading, unique_is};
        use crate::shared::DbTime;
        use crate::shared::audit::{self as sql, CheckpointRow, EntryRow};
        use crate::{AuditStore, StoreResult};
        use cpniguard_core::audit::{AuditEntry, AuditRecord, ChainHead, Checkpoint};

        #[::async_trait::async_trait]
        impl AuditStore for $store {
            async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<Vec<AuditEntry>> {
                if records.is_empty() {
                    return Ok(Vec::new());
                }
                $($make_months(self, records.iter().map(|r| r.at)).await?;)?
                let mut tx = $begin(&self.pool).await?;
                let head = sql::head_from(sqlx::query_as($head_for_append).fetch_one(&mut *tx).await?)?;
                let entries = sql::seal(head, records);
                for chunk in entries.chunks(sql::ROWS_PER_STATEMENT) {
                    sql::insert::<$db>(chunk)?.build().execute(&mut *tx).await.map_err(unique_is("audit entry"))?;
                }
                if let Some(last) = entries.last() {
                    sqlx::query(sql::SET_HEAD)
                        .bind(sql::db_seq(last.seq)?)
                        .bind(last.hash.0.to_vec())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(entries)
            }

            async fn insert_sealed_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
                let (Some(first), Some(last)) = (entries.first(), entries.last()) else { return Ok(()) };
                let unlinked = entries.windows(2).any(|w| w[1].seq != w[0].seq + 1 || w[1].prev_hash != w[0].hash);
                if first.seq == 0 || unlinked {
                    let why = "entries must follow each other: consecutive seqs, each linked to the previous hash";
                    return Err(cpniguard_core::ValidationError::new("entries", why).into());
                }
                $($make_months(self, entries.iter().map(|e| e.record.at)).await?;)?
                let mut tx = $begin(&self.pool).await?;
                for chunk in entries.chunks(sql::ROWS_PER_STATEMENT) {
                    sql::insert::<$db>(chunk)?.build().execute(&mut *tx).await.map_err(unique_is("audit entry"))?;
                }
                let moved = sqlx::query(sql::MOVE_HEAD)
                    .bind(sql::db_seq(last.seq)?)
                    .bind(last.hash.0.to_vec())
                    .bind(sql::db_seq(first.seq - 1)?) // first.seq ≥ 1, checked above
                    .bind(first.prev_hash.0.to_vec())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if moved != 1 {
                    // Dropping the transaction rolls the inserted rows back.
                    return Err(crate::StoreError::Conflict("audit chain head"));
                }
                tx.commit().await?;
                Ok(())
            }

            async fn audit_head(&self) -> StoreResult<Option<ChainHead>> {
                let head = sql::head_from(sqlx::query_as(sql::HEAD).fetch_one(&self.pool).await?)?;
                Ok((head.seq > 0).then_some(head))
            }

            async fn audit_entries(&self, from_seq: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                let rows = sqlx::query_as::<_, EntryRow>(sql::ENTRIES_FROM)
                    .bind(sql::db_seq(from_seq)?)
                    .bind(i64::from(crate::shared::page_limit(limit)))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("audit_entries"))?;
                rows.into_iter().map(EntryRow::into_entry).collect()
            }

            async fn search_audit(&self, query: &AuditQuery) -> StoreResult<AuditPage> {
                let rows = sql::search::<$db>(query)?
                    .build_query_as::<EntryRow>()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("audit_entries"))?;
                sql::page(rows, query)
            }

            async fn add_audit_checkpoint(&self, checkpoint: &Checkpoint) -> StoreResult<()> {
                let seq = sql::db_seq(checkpoint.seq)?;
                let mut tx = $begin(&self.pool).await?;
                let stored = sqlx::query_scalar(sql::HASH_AT).bind(seq).fetch_optional(&mut *tx).await?;
                sql::check_checkpoint(checkpoint, stored)?;
                sqlx::query(sql::INSERT_CHECKPOINT)
                    .bind(seq)
                    .bind(checkpoint.hash.0.to_vec())
                    .bind(DbTime::from(checkpoint.at))
                    .bind(checkpoint.signature.to_vec())
                    .execute(&mut *tx)
                    .await
                    .map_err(unique_is("checkpoint"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_checkpoints(&self, from_seq: u64, to_seq: u64) -> StoreResult<Vec<Checkpoint>> {
                let rows = sqlx::query_as::<_, CheckpointRow>(sql::CHECKPOINTS)
                    .bind(sql::db_seq(from_seq)?)
                    .bind(sql::db_seq(to_seq.min(i64::MAX as u64))?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("audit_checkpoints"))?;
                rows.into_iter().map(CheckpointRow::into_checkpoint).collect()
            }

            async fn last_audit_checkpoint(&self) -> StoreResult<Option<Checkpoint>> {
                let row = sqlx::query_as::<_, CheckpointRow>(sql::LAST_CHECKPOINT)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("audit_checkpoints"))?;
                row.map(CheckpointRow::into_checkpoint).transpose()
            }

            async fn truncate_audit_before(&self, seq: u64) -> StoreResult<u64> {
                if seq <= 1 {
                    return Ok(0);
                }
                let mut tx = $begin(&self.pool).await?;
                let behind: i64 =
                    sqlx::query_scalar(sql::CHECKPOINT_EXISTS).bind(sql::db_seq(seq - 1)?).fetch_one(&mut *tx).await?;
                sql::check_truncation(behind)?;
                let removed: u64 = 0 $(+ $drop_months(self, &mut tx, sql::db_seq(seq)?).await?)?;
                let deleted = sqlx::query(sql::DELETE_BEFORE).bind(sql::db_seq(seq)?).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(removed + deleted.rows_affected())
            }
        }
    };
}
pub(crate) use audit_backend;

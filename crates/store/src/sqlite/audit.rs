//! The audit chain on SQLite. Appends run under `BEGIN IMMEDIATE`, the database's
//! one write lock, so the head they read is the head they extend.

use super::{SqliteStore, begin_write};
use crate::audit::{AuditPage, AuditQuery};
use crate::error::{reading, unique_is};
use crate::shared::DbTime;
use crate::shared::audit::{self as sql, CheckpointRow, EntryRow};
use crate::{AuditStore, StoreResult};
use async_trait::async_trait;
use cpniguard_core::audit::{AuditEntry, AuditRecord, ChainHead, Checkpoint};
use sqlx::Sqlite;

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<Vec<AuditEntry>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = begin_write(&self.pool).await?;
        let head = sql::head_from(sqlx::query_as(sql::HEAD).fetch_one(&mut *tx).await?)?;
        let entries = sql::seal(head, records);
        for chunk in entries.chunks(sql::ROWS_PER_STATEMENT) {
            sql::insert::<Sqlite>(chunk)?.build().execute(&mut *tx).await.map_err(unique_is("audit entry"))?;
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
        let rows = sql::search::<Sqlite>(query)?
            .build_query_as::<EntryRow>()
            .fetch_all(&self.pool)
            .await
            .map_err(reading("audit_entries"))?;
        sql::page(rows, query)
    }

    async fn add_audit_checkpoint(&self, checkpoint: &Checkpoint) -> StoreResult<()> {
        let seq = sql::db_seq(checkpoint.seq)?;
        let mut tx = begin_write(&self.pool).await?;
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
        let mut tx = begin_write(&self.pool).await?;
        let behind: i64 =
            sqlx::query_scalar(sql::CHECKPOINT_EXISTS).bind(sql::db_seq(seq - 1)?).fetch_one(&mut *tx).await?;
        sql::check_truncation(behind)?;
        let deleted = sqlx::query(sql::DELETE_BEFORE).bind(sql::db_seq(seq)?).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(deleted.rows_affected())
    }
}

//! Training, discipline and certification records: statements (the same in both
//! dialects), their rows, and the whole implementation as a macro each backend expands
//! with its pool and its way of beginning a write transaction.

use super::DbTime;
use crate::training::{Certification, DisciplinaryRecord, FilingStatus, TrainingImportReject, TrainingRecord};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use cpniguard_core::ids::StaffId;
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) const INSERT_TRAINING: &str = "INSERT INTO training_records \
    (id, staff_id, course, completed_on, expires_on, source, recorded_by, recorded_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// The gate's input follows the latest completion. Binds: staff id, completed on.
pub(crate) const RAISE_STAFF_TRAINING: &str = "UPDATE staff SET training_completed_on = $2 \
    WHERE id = $1 AND (training_completed_on IS NULL OR training_completed_on < $2)";
macro_rules! training_select {
    () => {
        "SELECT id, staff_id, course, completed_on, expires_on, source, recorded_by, recorded_at FROM training_records"
    };
}
pub(crate) const LIST_TRAINING: &str = concat!(training_select!(), " ORDER BY completed_on DESC, id DESC");
pub(crate) const LIST_STAFF_TRAINING: &str =
    concat!(training_select!(), " WHERE staff_id = $1 ORDER BY completed_on DESC, id DESC");
pub(crate) const INSERT_REJECT: &str = "INSERT INTO training_import_rejects \
    (id, import_id, line, raw, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const LIST_REJECTS: &str = "SELECT id, import_id, line, raw, reason, recorded_by, recorded_at \
    FROM training_import_rejects ORDER BY recorded_at DESC, line LIMIT $1";
pub(crate) const INSERT_DISCIPLINE: &str = "INSERT INTO disciplinary_records \
    (id, staff_id, occurred_on, misuse, action, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
macro_rules! discipline_select {
    () => {
        "SELECT id, staff_id, occurred_on, misuse, action, recorded_by, recorded_at FROM disciplinary_records"
    };
}
pub(crate) const LIST_DISCIPLINE: &str = concat!(discipline_select!(), " ORDER BY occurred_on DESC, id DESC");
pub(crate) const LIST_STAFF_DISCIPLINE: &str =
    concat!(discipline_select!(), " WHERE staff_id = $1 ORDER BY occurred_on DESC, id DESC");

/// Insert or replace a draft; the `WHERE` keeps a signed or filed year untouched (no
/// row comes back then). Binds: year, due, officer name, title, figures, drafted at.
pub(crate) const UPSERT_DRAFT: &str = "INSERT INTO certifications \
    (year, status, due_on, officer_name, officer_title, figures, drafted_at) \
    VALUES ($1, 'draft', $2, $3, $4, $5, $6) \
    ON CONFLICT (year) DO UPDATE SET due_on = excluded.due_on, officer_name = excluded.officer_name, \
    officer_title = excluded.officer_title, figures = excluded.figures, drafted_at = excluded.drafted_at \
    WHERE certifications.status = 'draft' RETURNING year";
macro_rules! certification_select {
    () => {
        "SELECT year, status, due_on, officer_name, officer_title, figures, drafted_at, \
         signed_by, signed_at, filing_reference, filed_on FROM certifications"
    };
}
pub(crate) const GET_CERTIFICATION: &str = concat!(certification_select!(), " WHERE year = $1");
pub(crate) const LIST_CERTIFICATIONS: &str = concat!(certification_select!(), " ORDER BY year DESC");
/// Binds: year, signed by, signed at.
pub(crate) const SIGN: &str = "UPDATE certifications SET status = 'signed', signed_by = $2, signed_at = $3 \
    WHERE year = $1 AND status = 'draft'";
/// Binds: year, reference, filed on.
pub(crate) const FILE: &str = "UPDATE certifications SET status = 'filed', filing_reference = $2, filed_on = $3 \
    WHERE year = $1 AND status = 'signed'";

/// Grouped counts over a time range. Binds: from, to.
pub(crate) const NOTICES_BY_KIND: &str =
    "SELECT kind, COUNT(*) FROM notices WHERE created_at >= $1 AND created_at < $2 GROUP BY kind";
pub(crate) const CONSENT_EVENTS: &str = "SELECT scope || ':' || kind, COUNT(*) FROM consent_events \
    WHERE at >= $1 AND at < $2 GROUP BY scope, kind";
pub(crate) const AUTH_INTERACTIONS: &str =
    "SELECT channel, COUNT(*) FROM auth_interactions WHERE opened_at >= $1 AND opened_at < $2 GROUP BY channel";
pub(crate) const AUTH_EVIDENCE: &str =
    "SELECT kind, COUNT(*) FROM auth_evidence WHERE recorded_at >= $1 AND recorded_at < $2 GROUP BY kind";
pub(crate) const AUTH_FAILURES: &str =
    "SELECT kind, COUNT(*) FROM auth_failures WHERE at >= $1 AND at < $2 GROUP BY kind";
pub(crate) const PRETEXTING: &str =
    "SELECT kind, COUNT(*) FROM pretexting_signals WHERE created_at >= $1 AND created_at < $2 GROUP BY kind";
/// Grouped counts over a date range. Binds: from day, to day.
pub(crate) const TRAINING_BY_COURSE: &str = "SELECT course, COUNT(*) FROM training_records \
    WHERE completed_on >= $1 AND completed_on < $2 GROUP BY course";
pub(crate) const DISCIPLINE_BY_ACTION: &str = "SELECT action, COUNT(*) FROM disciplinary_records \
    WHERE occurred_on >= $1 AND occurred_on < $2 GROUP BY action";
pub(crate) const OPEN_QUARANTINE: &str = "SELECT COUNT(*) FROM mail_quarantine WHERE status = 'open'";

/// Rows of a grouped count as a map.
pub(crate) fn counted(
    table: &'static str,
    rows: Vec<(String, i64)>,
) -> StoreResult<std::collections::BTreeMap<String, u64>> {
    rows.into_iter().map(|(k, n)| Ok((k, super::unsigned(table, "count", n)?))).collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct TrainingRow {
    id: Uuid,
    staff_id: Uuid,
    course: String,
    completed_on: NaiveDate,
    expires_on: NaiveDate,
    source: String,
    recorded_by: String,
    recorded_at: DbTime,
}

impl TrainingRow {
    pub(crate) fn into_record(self) -> TrainingRecord {
        TrainingRecord {
            id: self.id,
            staff_id: StaffId(self.staff_id),
            course: self.course,
            completed_on: self.completed_on,
            expires_on: self.expires_on,
            source: self.source,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at.time(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RejectRow {
    id: Uuid,
    import_id: Uuid,
    line: i64,
    raw: String,
    reason: String,
    recorded_by: String,
    recorded_at: DbTime,
}

impl RejectRow {
    pub(crate) fn into_reject(self) -> StoreResult<TrainingImportReject> {
        Ok(TrainingImportReject {
            id: self.id,
            import_id: self.import_id,
            line: super::unsigned("training_import_rejects", "line", self.line)?,
            raw: self.raw,
            reason: self.reason,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at.time(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DisciplineRow {
    id: Uuid,
    staff_id: Uuid,
    occurred_on: NaiveDate,
    misuse: String,
    action: String,
    recorded_by: String,
    recorded_at: DbTime,
}

impl DisciplineRow {
    pub(crate) fn into_record(self) -> DisciplinaryRecord {
        DisciplinaryRecord {
            id: self.id,
            staff_id: StaffId(self.staff_id),
            occurred_on: self.occurred_on,
            misuse: self.misuse,
            action: self.action,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at.time(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CertificationRow {
    year: i64,
    status: String,
    due_on: NaiveDate,
    officer_name: String,
    officer_title: String,
    figures: Json<serde_json::Value>,
    drafted_at: DbTime,
    signed_by: Option<String>,
    signed_at: Option<DbTime>,
    filing_reference: Option<String>,
    filed_on: Option<NaiveDate>,
}

impl CertificationRow {
    pub(crate) fn into_certification(self) -> StoreResult<Certification> {
        let corrupt = |reason: &str| StoreError::corrupt("certifications", reason);
        Ok(Certification {
            year: i32::try_from(self.year).map_err(|_| corrupt("year out of range"))?,
            status: FilingStatus::parse(&self.status).ok_or_else(|| corrupt("unknown status"))?,
            due_on: self.due_on,
            officer_name: self.officer_name,
            officer_title: self.officer_title,
            figures: self.figures.0,
            drafted_at: self.drafted_at.time(),
            signed_by: self.signed_by,
            signed_at: self.signed_at.map(DbTime::time),
            filing_reference: self.filing_reference,
            filed_on: self.filed_on,
        })
    }
}

macro_rules! training_backend {
    ($store:ty, $pool:ty, $db:ty, $begin:path) => {
        use crate::error::{reading, writing};
        use crate::shared::DbTime;
        use crate::shared::training::{self as sql, CertificationRow, DisciplineRow, RejectRow, TrainingRow, counted};
        use crate::training::{
            Certification, DisciplinaryRecord, RecordCounts, TrainingImportReject, TrainingRecord, TrainingStore,
        };
        use crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, Utc};
        use cpniguard_core::ids::StaffId;
        use sqlx::types::Json;
        use std::collections::BTreeMap;

        async fn grouped<T>(
            pool: &$pool,
            table: &'static str,
            statement: &'static str,
            from: T,
            to: T,
        ) -> StoreResult<BTreeMap<String, u64>>
        where
            T: for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send + 'static,
        {
            let rows: Vec<(String, i64)> =
                sqlx::query_as(statement).bind(from).bind(to).fetch_all(pool).await.map_err(reading(table))?;
            counted(table, rows)
        }

        impl $store {
            async fn one_certification(&self, year: i32) -> StoreResult<Option<Certification>> {
                let row = sqlx::query_as::<_, CertificationRow>(sql::GET_CERTIFICATION)
                    .bind(i64::from(year))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("certifications"))?;
                row.map(CertificationRow::into_certification).transpose()
            }

            /// The certification after a status change that touched `changed` rows.
            async fn after_transition(&self, year: i32, changed: u64) -> StoreResult<Certification> {
                let current = self.one_certification(year).await?.ok_or(StoreError::NotFound("certification"))?;
                if changed == 0 {
                    return Err(StoreError::Conflict("certification status"));
                }
                Ok(current)
            }
        }

        #[async_trait]
        impl TrainingStore for $store {
            async fn record_training(
                &self,
                records: &[TrainingRecord],
                rejects: &[TrainingImportReject],
            ) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                for r in records {
                    sqlx::query(sql::INSERT_TRAINING)
                        .bind(r.id)
                        .bind(r.staff_id.0)
                        .bind(r.course.as_str())
                        .bind(r.completed_on)
                        .bind(r.expires_on)
                        .bind(r.source.as_str())
                        .bind(r.recorded_by.as_str())
                        .bind(DbTime::from(r.recorded_at))
                        .execute(&mut *tx)
                        .await
                        .map_err(writing("training record", "staff"))?;
                    sqlx::query(sql::RAISE_STAFF_TRAINING)
                        .bind(r.staff_id.0)
                        .bind(r.completed_on)
                        .execute(&mut *tx)
                        .await?;
                }
                for r in rejects {
                    sqlx::query(sql::INSERT_REJECT)
                        .bind(r.id)
                        .bind(r.import_id)
                        .bind(i64::try_from(r.line).unwrap_or(i64::MAX))
                        .bind(r.raw.as_str())
                        .bind(r.reason.as_str())
                        .bind(r.recorded_by.as_str())
                        .bind(DbTime::from(r.recorded_at))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_training(&self, staff: Option<StaffId>) -> StoreResult<Vec<TrainingRecord>> {
                let query = match staff {
                    Some(s) => sqlx::query_as::<_, TrainingRow>(sql::LIST_STAFF_TRAINING).bind(s.0),
                    None => sqlx::query_as::<_, TrainingRow>(sql::LIST_TRAINING),
                };
                let rows = query.fetch_all(&self.pool).await.map_err(reading("training_records"))?;
                Ok(rows.into_iter().map(TrainingRow::into_record).collect())
            }

            async fn list_training_rejects(&self, limit: u32) -> StoreResult<Vec<TrainingImportReject>> {
                let rows = sqlx::query_as::<_, RejectRow>(sql::LIST_REJECTS)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("training_import_rejects"))?;
                rows.into_iter().map(RejectRow::into_reject).collect()
            }

            async fn record_discipline(&self, r: &DisciplinaryRecord) -> StoreResult<()> {
                sqlx::query(sql::INSERT_DISCIPLINE)
                    .bind(r.id)
                    .bind(r.staff_id.0)
                    .bind(r.occurred_on)
                    .bind(r.misuse.as_str())
                    .bind(r.action.as_str())
                    .bind(r.recorded_by.as_str())
                    .bind(DbTime::from(r.recorded_at))
                    .execute(&self.pool)
                    .await
                    .map_err(writing("disciplinary record", "staff"))?;
                Ok(())
            }

            async fn list_discipline(&self, staff: Option<StaffId>) -> StoreResult<Vec<DisciplinaryRecord>> {
                let query = match staff {
                    Some(s) => sqlx::query_as::<_, DisciplineRow>(sql::LIST_STAFF_DISCIPLINE).bind(s.0),
                    None => sqlx::query_as::<_, DisciplineRow>(sql::LIST_DISCIPLINE),
                };
                let rows = query.fetch_all(&self.pool).await.map_err(reading("disciplinary_records"))?;
                Ok(rows.into_iter().map(DisciplineRow::into_record).collect())
            }

            async fn save_certification_draft(&self, d: &Certification) -> StoreResult<Certification> {
                let saved: Option<i64> = sqlx::query_scalar(sql::UPSERT_DRAFT)
                    .bind(i64::from(d.year))
                    .bind(d.due_on)
                    .bind(d.officer_name.as_str())
                    .bind(d.officer_title.as_str())
                    .bind(Json(&d.figures))
                    .bind(DbTime::from(d.drafted_at))
                    .fetch_optional(&self.pool)
                    .await?;
                if saved.is_none() {
                    return Err(StoreError::Conflict("signed certification"));
                }
                self.one_certification(d.year).await?.ok_or(StoreError::NotFound("certification"))
            }

            async fn get_certification(&self, year: i32) -> StoreResult<Option<Certification>> {
                self.one_certification(year).await
            }

            async fn list_certifications(&self) -> StoreResult<Vec<Certification>> {
                let rows = sqlx::query_as::<_, CertificationRow>(sql::LIST_CERTIFICATIONS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("certifications"))?;
                rows.into_iter().map(CertificationRow::into_certification).collect()
            }

            async fn sign_certification(&self, year: i32, by: &str, at: DateTime<Utc>) -> StoreResult<Certification> {
                let done = sqlx::query(sql::SIGN)
                    .bind(i64::from(year))
                    .bind(by)
                    .bind(DbTime::from(at))
                    .execute(&self.pool)
                    .await?;
                self.after_transition(year, done.rows_affected()).await
            }

            async fn file_certification(
                &self,
                year: i32,
                reference: &str,
                filed_on: NaiveDate,
            ) -> StoreResult<Certification> {
                let done = sqlx::query(sql::FILE)
                    .bind(i64::from(year))
                    .bind(reference)
                    .bind(filed_on)
                    .execute(&self.pool)
                    .await?;
                self.after_transition(year, done.rows_affected()).await
            }

            async fn record_counts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                from_day: NaiveDate,
                to_day: NaiveDate,
            ) -> StoreResult<RecordCounts> {
                let (from, to) = (DbTime::from(from), DbTime::from(to));
                let p = &self.pool;
                Ok(RecordCounts {
                    notices_by_kind: grouped(p, "notices", sql::NOTICES_BY_KIND, from, to).await?,
                    consent_events: grouped(p, "consent_events", sql::CONSENT_EVENTS, from, to).await?,
                    auth_interactions_by_channel: grouped(p, "auth_interactions", sql::AUTH_INTERACTIONS, from, to)
                        .await?,
                    auth_evidence_by_kind: grouped(p, "auth_evidence", sql::AUTH_EVIDENCE, from, to).await?,
                    auth_failures_by_kind: grouped(p, "auth_failures", sql::AUTH_FAILURES, from, to).await?,
                    pretexting_signals_by_kind: grouped(p, "pretexting_signals", sql::PRETEXTING, from, to).await?,
                    training_completions: grouped(p, "training_records", sql::TRAINING_BY_COURSE, from_day, to_day)
                        .await?
                        .values()
                        .sum(),
                    disciplinary_by_action: grouped(
                        p,
                        "disciplinary_records",
                        sql::DISCIPLINE_BY_ACTION,
                        from_day,
                        to_day,
                    )
                    .await?,
                })
            }

            async fn open_quarantine_count(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(sql::OPEN_QUARANTINE).fetch_one(&self.pool).await?;
                crate::shared::unsigned("mail_quarantine", "count", n)
            }
        }
    };
}

pub(crate) use training_backend;

//! Complaints, the privacy mail quarantine and data-broker actions: statements (the
//! same in both dialects), the rules applied inside a transaction, and the whole
//! implementation as a macro each backend expands with its pool and its way of
//! beginning a write transaction.

use super::DbTime;
use crate::complaints::{
    BrokerAction, Complaint, ComplaintCategory, ComplaintEvent, ComplaintStatus, ComplaintSummary, PrivacyMail,
};
use crate::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use uuid::Uuid;

pub(crate) const INSERT: &str = "INSERT INTO complaints (id, received_at, status, category, account_id, dedup_key, record) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedup_key) DO NOTHING";
pub(crate) const BY_DEDUP_KEY: &str = "SELECT record FROM complaints WHERE dedup_key = $1";
pub(crate) const GET: &str = "SELECT record FROM complaints WHERE id = $1";
pub(crate) const EXISTS: &str = "SELECT COUNT(*) FROM complaints WHERE id = $1";
/// Only from the status the change was planned against: a concurrent change loses.
pub(crate) const ADVANCE: &str =
    "UPDATE complaints SET status = $2, record = $3, category = $5 WHERE id = $1 AND status = $4";
pub(crate) const LIST: &str = "SELECT record FROM complaints WHERE ($1 IS NULL OR status = $1) \
     AND ($2 IS NULL OR category = $2) AND ($3 IS NULL OR account_id = $3) \
     AND ($4 IS NULL OR received_at >= $4) AND ($5 IS NULL OR received_at < $5) \
     AND ($6 IS NULL OR id < $6) ORDER BY id DESC LIMIT $7";
pub(crate) const INSERT_EVENT: &str = "INSERT INTO complaint_events (id, complaint_id, at, actor, status, category, note) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const EVENTS: &str = "SELECT id, complaint_id, at, actor, status, category, note FROM complaint_events \
     WHERE complaint_id = $1 ORDER BY at, id";
pub(crate) const COUNT_RECEIVED: &str = "SELECT COUNT(*) FROM complaints WHERE received_at >= $1 AND received_at < $2";
pub(crate) const COUNT_BY_CATEGORY: &str = "SELECT category, COUNT(*) FROM complaints \
     WHERE received_at >= $1 AND received_at < $2 GROUP BY category";
pub(crate) const COUNT_BY_STATUS_OF_CATEGORY: &str = "SELECT status, COUNT(*) FROM complaints \
     WHERE received_at >= $1 AND received_at < $2 AND category = $3 GROUP BY status";
pub(crate) const COUNT_UNRESOLVED: &str = "SELECT COUNT(*) FROM complaints WHERE status <> 'resolved'";

pub(crate) const QUARANTINE: &str = "INSERT INTO privacy_mail_quarantine (id, received_at, sha256, status, record, raw) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING";
pub(crate) const QUARANTINED_BY_SHA: &str = "SELECT id FROM privacy_mail_quarantine WHERE sha256 = $1";
pub(crate) const QUARANTINE_ALL: &str = "SELECT record FROM privacy_mail_quarantine ORDER BY received_at, id";
pub(crate) const QUARANTINE_OPEN: &str =
    "SELECT record FROM privacy_mail_quarantine WHERE status = 'open' ORDER BY received_at, id";
pub(crate) const QUARANTINED: &str = "SELECT record, raw FROM privacy_mail_quarantine WHERE id = $1";
pub(crate) const CLOSE_QUARANTINED: &str =
    "UPDATE privacy_mail_quarantine SET status = $2, record = $3 WHERE id = $1 AND status = 'open'";

pub(crate) const INSERT_BROKER_ACTION: &str = "INSERT INTO broker_actions (id, taken_on, record) VALUES ($1, $2, $3)";
pub(crate) const SIGNAL_EXISTS: &str = "SELECT COUNT(*) FROM pretexting_signals WHERE id = $1";
pub(crate) const GET_BROKER_ACTION: &str = "SELECT record FROM broker_actions WHERE id = $1";
pub(crate) const UPDATE_BROKER_ACTION: &str = "UPDATE broker_actions SET record = $2 WHERE id = $1";
pub(crate) const BROKER_ACTIONS_BETWEEN: &str =
    "SELECT record FROM broker_actions WHERE taken_on >= $1 AND taken_on <= $2 ORDER BY taken_on, id";

/// A time as both backends keep it (to the microsecond), so a record's document and
/// its columns say the same.
pub(crate) fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    DbTime::from(t).time()
}

/// A new complaint as it is written: open, times as stored.
pub(crate) fn new_complaint(c: &Complaint) -> StoreResult<Complaint> {
    if c.status != ComplaintStatus::Open {
        return Err(ValidationError::new("status", "a new complaint is open").into());
    }
    let mut c = c.clone();
    c.received_at = stored(c.received_at);
    c.recorded_at = stored(c.recorded_at);
    Ok(c)
}

/// Apply a status change to `c` (checked against its current status) and give the
/// log entry for it.
pub(crate) fn advance(
    c: &mut Complaint,
    to: ComplaintStatus,
    category: Option<ComplaintCategory>,
    by: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<ComplaintEvent> {
    let now = stored(now);
    if c.status.next() != Some(to) {
        return Err(ValidationError::new(
            "status",
            format!("a complaint that is {} cannot become {}", c.status.as_str(), to.as_str()),
        )
        .into());
    }
    match to {
        ComplaintStatus::Open => {}
        ComplaintStatus::Investigating => c.investigating_at = Some(now),
        ComplaintStatus::Resolved => {
            let resolution = note.map(str::trim).filter(|n| !n.is_empty());
            let Some(resolution) = resolution else {
                return Err(ValidationError::new("resolution", "say how the complaint was resolved").into());
            };
            c.resolved_at = Some(now);
            c.resolved_by = Some(by.to_owned());
            c.resolution = Some(resolution.to_owned());
        }
    }
    c.status = to;
    let category = category.filter(|new| *new != c.category);
    if let Some(new) = category {
        c.category = new;
    }
    Ok(ComplaintEvent {
        id: Uuid::now_v7(),
        complaint_id: c.id,
        at: now,
        actor: by.to_owned(),
        status: to,
        category,
        note: note.map(str::to_owned),
    })
}

/// The log entry of a complaint's receipt.
pub(crate) fn received_event(c: &Complaint) -> ComplaintEvent {
    ComplaintEvent {
        id: Uuid::now_v7(),
        complaint_id: c.id,
        at: c.recorded_at,
        actor: c.recorded_by.clone(),
        status: ComplaintStatus::Open,
        category: Some(c.category),
        note: None,
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    complaint_id: Uuid,
    at: DbTime,
    actor: String,
    status: String,
    category: Option<String>,
    note: Option<String>,
}

/// A value stored by its serde name.
fn named<T: serde::de::DeserializeOwned>(column: &str, value: String) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(value))
        .map_err(|_| StoreError::corrupt("complaint_events", format!("unknown {column}")))
}

impl EventRow {
    pub(crate) fn into_event(self) -> StoreResult<ComplaintEvent> {
        let status = named("status", self.status)?;
        let category = self.category.map(|c| named("category", c)).transpose()?;
        Ok(ComplaintEvent {
            id: self.id,
            complaint_id: self.complaint_id,
            at: self.at.time(),
            actor: self.actor,
            status,
            category,
            note: self.note,
        })
    }
}

/// The summary from its three counts; every category and status is listed, zero or not.
pub(crate) fn summary(
    total: i64,
    by_category: Vec<(String, i64)>,
    unauthorised_by_status: Vec<(String, i64)>,
) -> StoreResult<ComplaintSummary> {
    let mut out = ComplaintSummary { total: super::unsigned("complaints", "count", total)?, ..Default::default() };
    for c in ComplaintCategory::ALL {
        out.by_category.insert(c.as_str().to_owned(), 0);
    }
    for s in [ComplaintStatus::Open, ComplaintStatus::Investigating, ComplaintStatus::Resolved] {
        out.unauthorised_release_by_status.insert(s.as_str().to_owned(), 0);
    }
    for (category, n) in by_category {
        out.by_category.insert(category, super::unsigned("complaints", "count", n)?);
    }
    for (status, n) in unauthorised_by_status {
        out.unauthorised_release_by_status.insert(status, super::unsigned("complaints", "count", n)?);
    }
    Ok(out)
}

/// Close an open quarantine entry in memory.
pub(crate) fn close(
    entry: &mut PrivacyMail,
    status: &str,
    complaint: Option<Uuid>,
    by: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if entry.mail.status != "open" {
        return Err(ValidationError::new("status", format!("the message is already {}", entry.mail.status)).into());
    }
    entry.mail.status = status.to_owned();
    entry.mail.resolved_at = Some(stored(now));
    entry.mail.resolved_by = Some(by.to_owned());
    entry.mail.resolution_note = note.map(str::to_owned);
    entry.complaint_id = complaint;
    Ok(())
}

/// An outcome as recorded.
pub(crate) fn with_outcome(
    mut action: BrokerAction,
    outcome: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<BrokerAction> {
    let outcome = outcome.trim();
    if outcome.is_empty() {
        return Err(ValidationError::new("outcome", "say what came of the action").into());
    }
    action.outcome = Some(outcome.to_owned());
    action.outcome_at = Some(stored(now));
    action.outcome_by = Some(by.to_owned());
    Ok(action)
}

macro_rules! complaints_backend {
    ($store:ty, $pool:ty, $db:ty, $conn:ty, $begin:path) => {
        use crate::complaints::{
            BrokerAction, Complaint, ComplaintCategory, ComplaintEvent, ComplaintIntake, ComplaintPage, ComplaintQuery,
            ComplaintStatus, ComplaintStore, ComplaintSummary, PrivacyMail, PrivacyMailResolution,
        };
        use crate::consent::QuarantinedMail;
        use crate::error::{reading, unique_is, writing};
        use crate::shared::complaints::{self as sql, EventRow};
        use crate::shared::{DbTime, notices as nsql};
        use crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, Utc};
        use cpniguard_core::notice::SideEffects;
        use sqlx::types::Json;
        use uuid::Uuid;

        async fn insert_event(conn: &mut $conn, e: &ComplaintEvent) -> StoreResult<()> {
            sqlx::query(sql::INSERT_EVENT)
                .bind(e.id)
                .bind(e.complaint_id)
                .bind(DbTime::from(e.at))
                .bind(e.actor.as_str())
                .bind(e.status.as_str())
                .bind(e.category.map(|c| c.as_str()))
                .bind(e.note.as_deref())
                .execute(&mut *conn)
                .await
                .map_err(writing("complaint event", "complaint"))?;
            Ok(())
        }

        /// Insert the complaint, its receipt and its acknowledgement, unless its dedup
        /// key is taken (then the complaint holding it).
        async fn insert_complaint(
            conn: &mut $conn,
            c: &Complaint,
            ack: &SideEffects,
            now: DateTime<Utc>,
        ) -> StoreResult<ComplaintIntake> {
            let c = sql::new_complaint(c)?;
            let done = sqlx::query(sql::INSERT)
                .bind(c.id)
                .bind(DbTime::from(c.received_at))
                .bind(c.status.as_str())
                .bind(c.category.as_str())
                .bind(c.account_id.map(|a| a.0))
                .bind(c.dedup_key.as_deref())
                .bind(Json(&c))
                .execute(&mut *conn)
                .await
                .map_err(writing("complaint", "account"))?;
            if done.rows_affected() == 0 {
                let Json(existing): Json<Complaint> =
                    sqlx::query_scalar(sql::BY_DEDUP_KEY).bind(c.dedup_key.as_deref()).fetch_one(&mut *conn).await?;
                return Ok(ComplaintIntake { complaint: existing, created: false });
            }
            insert_event(conn, &sql::received_event(&c)).await?;
            for chunk in ack.notices.chunks(nsql::ROWS_PER_STATEMENT) {
                nsql::insert::<$db>(chunk, DbTime::from(now))
                    .build_query_scalar::<Uuid>()
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(writing("notice", "account"))?;
            }
            if !ack.tasks.is_empty() {
                nsql::insert_tasks::<$db>(&ack.tasks).build_query_scalar::<Uuid>().fetch_all(&mut *conn).await?;
            }
            Ok(ComplaintIntake { complaint: c, created: true })
        }

        async fn quarantined(conn: &mut $conn, id: Uuid) -> StoreResult<PrivacyMail> {
            let row: Option<(Json<PrivacyMail>, Vec<u8>)> =
                sqlx::query_as(sql::QUARANTINED).bind(id).fetch_optional(&mut *conn).await?;
            let (Json(mut entry), raw) = row.ok_or(StoreError::NotFound("quarantined message"))?;
            entry.mail.raw = raw;
            Ok(entry)
        }

        async fn count(conn: &mut $conn, statement: &'static str, id: Uuid) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(statement).bind(id).fetch_one(&mut *conn).await?)
        }

        #[async_trait]
        impl ComplaintStore for $store {
            async fn record_complaint(
                &self,
                c: &Complaint,
                ack: &SideEffects,
                now: DateTime<Utc>,
            ) -> StoreResult<ComplaintIntake> {
                let mut tx = $begin(&self.pool).await?;
                let out = insert_complaint(&mut tx, c, ack, now).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn get_complaint(&self, id: Uuid) -> StoreResult<Option<Complaint>> {
                let row: Option<Json<Complaint>> = sqlx::query_scalar(sql::GET)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("complaints"))?;
                Ok(row.map(|Json(c)| c))
            }

            async fn list_complaints(&self, q: &ComplaintQuery) -> StoreResult<ComplaintPage> {
                let limit = crate::shared::page_limit(q.limit);
                let rows: Vec<Json<Complaint>> = sqlx::query_scalar(sql::LIST)
                    .bind(q.status.map(ComplaintStatus::as_str))
                    .bind(q.category.map(|c| c.as_str()))
                    .bind(q.account.map(|a| a.0))
                    .bind(q.received_from.map(DbTime::from))
                    .bind(q.received_to.map(DbTime::from))
                    .bind(q.after)
                    .bind(crate::shared::fetch_limit(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("complaints"))?;
                let rows = rows.into_iter().map(|Json(c)| c).collect();
                let (complaints, next_after) = crate::shared::split_page(rows, limit, |c: &Complaint| c.id);
                Ok(ComplaintPage { complaints, next_after })
            }

            async fn advance_complaint(
                &self,
                id: Uuid,
                to: ComplaintStatus,
                category: Option<ComplaintCategory>,
                by: &str,
                note: Option<&str>,
                now: DateTime<Utc>,
            ) -> StoreResult<Complaint> {
                let mut tx = $begin(&self.pool).await?;
                let row: Option<Json<Complaint>> =
                    sqlx::query_scalar(sql::GET).bind(id).fetch_optional(&mut *tx).await?;
                let Json(mut c) = row.ok_or(StoreError::NotFound("complaint"))?;
                let from = c.status;
                let event = sql::advance(&mut c, to, category, by, note, now)?;
                let done = sqlx::query(sql::ADVANCE)
                    .bind(id)
                    .bind(c.status.as_str())
                    .bind(Json(&c))
                    .bind(from.as_str())
                    .bind(c.category.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("complaint status"));
                }
                insert_event(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(c)
            }

            async fn complaint_events(&self, id: Uuid) -> StoreResult<Vec<ComplaintEvent>> {
                let rows = sqlx::query_as::<_, EventRow>(sql::EVENTS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("complaint_events"))?;
                rows.into_iter().map(EventRow::into_event).collect()
            }

            async fn complaint_summary(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<ComplaintSummary> {
                let (from, to) = (DbTime::from(from), DbTime::from(to));
                let total: i64 = sqlx::query_scalar(sql::COUNT_RECEIVED)
                    .bind(from)
                    .bind(to)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(reading("complaints"))?;
                let by_category: Vec<(String, i64)> = sqlx::query_as(sql::COUNT_BY_CATEGORY)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("complaints"))?;
                let by_status: Vec<(String, i64)> = sqlx::query_as(sql::COUNT_BY_STATUS_OF_CATEGORY)
                    .bind(from)
                    .bind(to)
                    .bind(crate::complaints::ComplaintCategory::UnauthorisedReleaseOfCpni.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("complaints"))?;
                sql::summary(total, by_category, by_status)
            }

            async fn open_complaints_count(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(sql::COUNT_UNRESOLVED)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(reading("complaints"))?;
                crate::shared::unsigned("complaints", "count", n)
            }

            async fn quarantine_privacy_mail(&self, mail: &QuarantinedMail) -> StoreResult<Uuid> {
                let mut tx = $begin(&self.pool).await?;
                let mut entry = PrivacyMail { mail: mail.clone(), complaint_id: None };
                entry.mail.received_at = sql::stored(entry.mail.received_at);
                sqlx::query(sql::QUARANTINE)
                    .bind(mail.id)
                    .bind(DbTime::from(mail.received_at))
                    .bind(mail.sha256.as_str())
                    .bind(mail.status.as_str())
                    .bind(Json(&entry))
                    .bind(mail.raw.as_slice())
                    .execute(&mut *tx)
                    .await
                    .map_err(unique_is("quarantined message"))?;
                let id: Uuid =
                    sqlx::query_scalar(sql::QUARANTINED_BY_SHA).bind(mail.sha256.as_str()).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn list_privacy_mail(&self, open_only: bool) -> StoreResult<Vec<PrivacyMail>> {
                let statement = if open_only { sql::QUARANTINE_OPEN } else { sql::QUARANTINE_ALL };
                let rows: Vec<Json<PrivacyMail>> = sqlx::query_scalar(statement)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("privacy_mail_quarantine"))?;
                Ok(rows.into_iter().map(|Json(m)| m).collect())
            }

            async fn get_privacy_mail(&self, id: Uuid) -> StoreResult<Option<PrivacyMail>> {
                let mut conn = self.pool.acquire().await?;
                match quarantined(&mut conn, id).await {
                    Ok(entry) => Ok(Some(entry)),
                    Err(StoreError::NotFound(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            }

            async fn resolve_privacy_mail(
                &self,
                id: Uuid,
                resolution: &PrivacyMailResolution,
                by: &str,
                note: Option<&str>,
                now: DateTime<Utc>,
            ) -> StoreResult<PrivacyMail> {
                let mut tx = $begin(&self.pool).await?;
                let mut entry = quarantined(&mut tx, id).await?;
                let (status, complaint) = match resolution {
                    PrivacyMailResolution::Filed { complaint, acknowledgement } => {
                        let filed = insert_complaint(&mut tx, complaint, acknowledgement, now).await?;
                        ("filed", Some(filed.complaint.id))
                    }
                    PrivacyMailResolution::Dismissed => ("dismissed", None),
                };
                sql::close(&mut entry, status, complaint, by, note, now)?;
                let done = sqlx::query(sql::CLOSE_QUARANTINED)
                    .bind(id)
                    .bind(status)
                    .bind(Json(&entry))
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("quarantined message"));
                }
                tx.commit().await?;
                Ok(entry)
            }

            async fn record_broker_action(&self, a: &BrokerAction) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                for signal in &a.signal_ids {
                    if count(&mut tx, sql::SIGNAL_EXISTS, *signal).await? == 0 {
                        return Err(StoreError::NotFound("pretexting signal"));
                    }
                }
                if let Some(complaint) = a.complaint_id
                    && count(&mut tx, sql::EXISTS, complaint).await? == 0
                {
                    return Err(StoreError::NotFound("complaint"));
                }
                let mut a = a.clone();
                a.recorded_at = sql::stored(a.recorded_at);
                sqlx::query(sql::INSERT_BROKER_ACTION)
                    .bind(a.id)
                    .bind(a.taken_on.to_string())
                    .bind(Json(&a))
                    .execute(&mut *tx)
                    .await
                    .map_err(unique_is("broker action"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_broker_action(&self, id: Uuid) -> StoreResult<Option<BrokerAction>> {
                let row: Option<Json<BrokerAction>> = sqlx::query_scalar(sql::GET_BROKER_ACTION)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("broker_actions"))?;
                Ok(row.map(|Json(a)| a))
            }

            async fn record_broker_outcome(
                &self,
                id: Uuid,
                outcome: &str,
                by: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<BrokerAction> {
                let mut tx = $begin(&self.pool).await?;
                let row: Option<Json<BrokerAction>> =
                    sqlx::query_scalar(sql::GET_BROKER_ACTION).bind(id).fetch_optional(&mut *tx).await?;
                let Json(action) = row.ok_or(StoreError::NotFound("broker action"))?;
                let action = sql::with_outcome(action, outcome, by, now)?;
                sqlx::query(sql::UPDATE_BROKER_ACTION).bind(id).bind(Json(&action)).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(action)
            }

            async fn broker_actions_between(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<BrokerAction>> {
                let rows: Vec<Json<BrokerAction>> = sqlx::query_scalar(sql::BROKER_ACTIONS_BETWEEN)
                    .bind(from.to_string())
                    .bind(to.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("broker_actions"))?;
                Ok(rows.into_iter().map(|Json(a)| a).collect())
            }
        }
    };
}

pub(crate) use complaints_backend;

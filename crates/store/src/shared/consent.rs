//! Consent history and the opt-out mail quarantine: statements, rows and their
//! conversions, and — because every statement is the same in both dialects — the
//! whole implementation as a macro each backend expands with its pool type and its
//! way of beginning a write transaction.

pub(crate) mod approval;
pub(crate) mod optout_health;

use super::DbTime;
use crate::consent::QuarantinedMail;
use crate::{StoreError, StoreResult};
use cpniguard_core::consent::{ConsentChannel, ConsentEvent, ConsentEventKind, Evidence, NoticeMedium, NoticeServed};
use cpniguard_core::ids::AccountId;
use sqlx::types::Json;
use uuid::Uuid;

macro_rules! event_columns {
    () => {
        "id, account_id, scope, kind, at, channel, recorded_by, recorded_at, interaction_id, message_id, \
         message_sha256, letter_ref, notice_version, notice_medium, refers_to, idempotency_key"
    };
}

macro_rules! quarantine_columns {
    () => {
        "id, received_at, reason, detail, message_id, sha256, sender, account_ids, status, resolved_at, \
         resolved_by, resolution_note"
    };
}

pub(crate) const INSERT_EVENT: &str = concat!(
    "INSERT INTO consent_events (",
    event_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
);

pub(crate) const HISTORY: &str =
    concat!("SELECT ", event_columns!(), " FROM consent_events WHERE account_id = $1 ORDER BY at, id");

pub(crate) const COUNT_EVENTS: &str = "SELECT COUNT(*) FROM consent_events";

pub(crate) const ACCOUNTS_WITH_EMAIL: &str = "SELECT DISTINCT account_id FROM contact_points \
     WHERE kind = 'email' AND dissociated_at IS NULL AND lower(value) = lower($1) ORDER BY account_id";

pub(crate) const INSERT_QUARANTINE: &str = concat!(
    "INSERT INTO mail_quarantine (",
    quarantine_columns!(),
    ", raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
     ON CONFLICT (sha256) DO NOTHING RETURNING id"
);

pub(crate) const QUARANTINE_BY_SHA: &str = "SELECT id FROM mail_quarantine WHERE sha256 = $1";

pub(crate) const LIST_QUARANTINE: &str =
    concat!("SELECT ", quarantine_columns!(), ", NULL AS raw FROM mail_quarantine ORDER BY received_at, id");

pub(crate) const LIST_OPEN_QUARANTINE: &str = concat!(
    "SELECT ",
    quarantine_columns!(),
    ", NULL AS raw FROM mail_quarantine WHERE status = 'open' ORDER BY received_at, id"
);

pub(crate) const GET_QUARANTINE: &str =
    concat!("SELECT ", quarantine_columns!(), ", raw FROM mail_quarantine WHERE id = $1");

/// Binds: id, status, now, by, note. Only an open entry is closed.
pub(crate) const RESOLVE_QUARANTINE: &str = "UPDATE mail_quarantine SET status = $2, resolved_at = $3, \
     resolved_by = $4, resolution_note = $5 WHERE id = $1 AND status = 'open'";

/// Rows per `IN (...)` list of a bulk query for a given audience.
pub(crate) const AUDIENCE_CHUNK: usize = 500;

fn corrupt(table: &'static str, reason: &str) -> StoreError {
    StoreError::corrupt(table, reason)
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    account_id: Uuid,
    scope: String,
    kind: String,
    at: DbTime,
    channel: String,
    recorded_by: String,
    recorded_at: DbTime,
    interaction_id: Option<String>,
    message_id: Option<String>,
    message_sha256: Option<String>,
    letter_ref: Option<String>,
    notice_version: Option<String>,
    notice_medium: Option<String>,
    refers_to: Option<Uuid>,
    idempotency_key: Option<String>,
}

impl EventRow {
    pub(crate) fn into_event(self) -> StoreResult<ConsentEvent> {
        let table = "consent_events";
        let notice = match (self.notice_version, self.notice_medium) {
            (Some(version), Some(medium)) => Some(NoticeServed {
                version,
                medium: NoticeMedium::parse(&medium).ok_or_else(|| corrupt(table, "unknown notice_medium"))?,
            }),
            _ => None,
        };
        Ok(ConsentEvent {
            id: self.id,
            account_id: AccountId(self.account_id),
            scope: self.scope,
            kind: ConsentEventKind::parse(&self.kind).ok_or_else(|| corrupt(table, "unknown kind"))?,
            at: self.at.time(),
            channel: ConsentChannel::parse(&self.channel).ok_or_else(|| corrupt(table, "unknown channel"))?,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at.time(),
            evidence: Evidence {
                interaction_id: self.interaction_id,
                message_id: self.message_id,
                message_sha256: self.message_sha256,
                letter_ref: self.letter_ref,
            },
            notice,
            refers_to: self.refers_to,
            idempotency_key: self.idempotency_key,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct QuarantineRow {
    id: Uuid,
    received_at: DbTime,
    reason: String,
    detail: String,
    message_id: Option<String>,
    sha256: String,
    sender: Option<String>,
    account_ids: Json<Vec<Uuid>>,
    status: String,
    resolved_at: Option<DbTime>,
    resolved_by: Option<String>,
    resolution_note: Option<String>,
    raw: Option<Vec<u8>>,
}

impl QuarantineRow {
    pub(crate) fn into_mail(self) -> QuarantinedMail {
        QuarantinedMail {
            id: self.id,
            received_at: self.received_at.time(),
            reason: self.reason,
            detail: self.detail,
            message_id: self.message_id,
            sha256: self.sha256,
            sender: self.sender,
            account_ids: self.account_ids.0.into_iter().map(AccountId).collect(),
            status: self.status,
            resolved_at: self.resolved_at.map(DbTime::time),
            resolved_by: self.resolved_by,
            resolution_note: self.resolution_note,
            raw: self.raw.unwrap_or_default(),
        }
    }
}

/// Expands to the backend's `consent` module body: `$pool` is its pool type, `$db`
/// its `Database`, `$begin` an async fn beginning a write transaction.
macro_rules! consent_backend {
    ($store:ty, $pool:ty, $db:ty, $conn:ty, $begin:path) => {
        use crate::consent::{
            AccountApproval, ConsentChange, ConsentChangeOutcome, ConsentStore, QuarantineResolution, QuarantinedMail,
        };
        use crate::error::{reading, writing};
        use crate::shared::consent::approval::{self, ApprovalQuery, ApprovalRow};
        use crate::shared::consent::{self as sql, EventRow, QuarantineRow};
        use crate::shared::{DbTime, notices as nsql};
        use crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use cpniguard_core::ValidationError;
        use cpniguard_core::consent::{ConsentEvent, ConsentPolicy, ScopeDef};
        use cpniguard_core::email::EmailAddress;
        use cpniguard_core::ids::AccountId;
        use sqlx::types::Json;
        use uuid::Uuid;

        crate::shared::consent::optout_health::optout_health_fns!($pool);

        async fn write_change(
            conn: &mut $conn,
            change: &ConsentChange,
            now: DbTime,
        ) -> StoreResult<ConsentChangeOutcome> {
            let mut out = ConsentChangeOutcome::default();
            for e in &change.events {
                let id: Option<Uuid> = sqlx::query_scalar(sql::INSERT_EVENT)
                    .bind(e.id)
                    .bind(e.account_id.0)
                    .bind(e.scope.as_str())
                    .bind(e.kind.as_str())
                    .bind(DbTime::from(e.at))
                    .bind(e.channel.as_str())
                    .bind(e.recorded_by.as_str())
                    .bind(DbTime::from(e.recorded_at))
                    .bind(e.evidence.interaction_id.as_deref())
                    .bind(e.evidence.message_id.as_deref())
                    .bind(e.evidence.message_sha256.as_deref())
                    .bind(e.evidence.letter_ref.as_deref())
                    .bind(e.notice.as_ref().map(|n| n.version.as_str()))
                    .bind(e.notice.as_ref().map(|n| n.medium.as_str()))
                    .bind(e.refers_to)
                    .bind(e.idempotency_key.as_deref())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(writing("consent event", "account"))?;
                out.recorded.extend(id);
            }
            for chunk in change.notices.chunks(nsql::ROWS_PER_STATEMENT) {
                let returned: Vec<Uuid> = nsql::insert::<$db>(chunk, now)
                    .build_query_scalar()
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(writing("notice", "account"))?;
                out.notices.extend(nsql::inserted_ids(chunk, &returned));
            }
            if let Some(q) = &change.quarantine {
                let ids: Vec<Uuid> = q.account_ids.iter().map(|a| a.0).collect();
                let id: Option<Uuid> = sqlx::query_scalar(sql::INSERT_QUARANTINE)
                    .bind(q.id)
                    .bind(DbTime::from(q.received_at))
                    .bind(q.reason.as_str())
                    .bind(q.detail.as_str())
                    .bind(q.message_id.as_deref())
                    .bind(q.sha256.as_str())
                    .bind(q.sender.as_deref())
                    .bind(Json(&ids))
                    .bind(q.status.as_str())
                    .bind(q.resolved_at.map(DbTime::from))
                    .bind(q.resolved_by.as_deref())
                    .bind(q.resolution_note.as_deref())
                    .bind(q.raw.as_slice())
                    .fetch_optional(&mut *conn)
                    .await?;
                out.quarantine = match id {
                    Some(id) => Some(id),
                    None => Some(
                        sqlx::query_scalar(sql::QUARANTINE_BY_SHA)
                            .bind(q.sha256.as_str())
                            .fetch_one(&mut *conn)
                            .await?,
                    ),
                };
            }
            Ok(out)
        }

        #[async_trait]
        impl ConsentStore for $store {
            async fn record_consent(
                &self,
                change: &ConsentChange,
                now: DateTime<Utc>,
            ) -> StoreResult<ConsentChangeOutcome> {
                let mut tx = $begin(&self.pool).await?;
                let out = write_change(&mut tx, change, DbTime::from(now)).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn consent_history(&self, account: AccountId) -> StoreResult<Vec<ConsentEvent>> {
                let rows = sqlx::query_as::<_, EventRow>(sql::HISTORY)
                    .bind(account.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("consent_events"))?;
                rows.into_iter().map(EventRow::into_event).collect()
            }

            async fn bulk_approval(
                &self,
                scope: &ScopeDef,
                policy: &ConsentPolicy,
                at: DateTime<Utc>,
                audience: Option<&[AccountId]>,
            ) -> StoreResult<Vec<AccountApproval>> {
                let query = ApprovalQuery::new(scope, policy, at);
                let Some(accounts) = audience else {
                    let mut q = sqlx::QueryBuilder::<$db>::default();
                    query.push_decided(&mut q, true, &|_| {});
                    q.push(approval::SELECT_JOINED).push("accounts a").push(approval::JOIN_DECIDED);
                    let rows: Vec<ApprovalRow> =
                        q.build_query_as().fetch_all(&self.pool).await.map_err(reading("consent_events"))?;
                    return rows.into_iter().map(ApprovalRow::into_approval).collect();
                };
                let mut ids: Vec<Uuid> = accounts.iter().map(|a| a.0).collect();
                ids.sort_unstable();
                ids.dedup();
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(sql::AUDIENCE_CHUNK) {
                    let mut q = sqlx::QueryBuilder::<$db>::default();
                    query.push_decided(&mut q, true, &|q| {
                        q.push(" AND account_id IN (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(*id);
                        }
                        q.push(")");
                    });
                    q.push(approval::SELECT_DECIDED).push(" ORDER BY account_id");
                    let rows: Vec<ApprovalRow> =
                        q.build_query_as().fetch_all(&self.pool).await.map_err(reading("consent_events"))?;
                    // Both in account order: an id without a row has nothing that counts.
                    let mut rows = rows.into_iter().peekable();
                    for id in chunk {
                        match rows.next_if(|r| r.account() == *id) {
                            Some(row) => out.push(row.into_approval()?),
                            None => out.push(approval::no_notice(*id)),
                        }
                    }
                }
                Ok(out)
            }

            async fn count_consent_events(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(sql::COUNT_EVENTS).fetch_one(&self.pool).await?;
                crate::shared::unsigned("consent_events", "count", n)
            }

            async fn accounts_with_email(&self, email: &EmailAddress) -> StoreResult<Vec<AccountId>> {
                let ids: Vec<Uuid> =
                    sqlx::query_scalar(sql::ACCOUNTS_WITH_EMAIL).bind(email.as_str()).fetch_all(&self.pool).await?;
                Ok(ids.into_iter().map(AccountId).collect())
            }

            async fn list_quarantine(&self, open_only: bool) -> StoreResult<Vec<QuarantinedMail>> {
                let statement = if open_only { sql::LIST_OPEN_QUARANTINE } else { sql::LIST_QUARANTINE };
                let rows = sqlx::query_as::<_, QuarantineRow>(statement)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("mail_quarantine"))?;
                Ok(rows.into_iter().map(QuarantineRow::into_mail).collect())
            }

            async fn get_quarantined(&self, id: Uuid) -> StoreResult<Option<QuarantinedMail>> {
                let row = sqlx::query_as::<_, QuarantineRow>(sql::GET_QUARANTINE)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("mail_quarantine"))?;
                Ok(row.map(QuarantineRow::into_mail))
            }

            async fn resolve_quarantine(
                &self,
                id: Uuid,
                resolution: &QuarantineResolution,
                by: &str,
                note: Option<&str>,
                now: DateTime<Utc>,
            ) -> StoreResult<QuarantinedMail> {
                let mut tx = $begin(&self.pool).await?;
                let status = match resolution {
                    QuarantineResolution::Applied { .. } => "applied",
                    QuarantineResolution::Dismissed => "dismissed",
                };
                let done = sqlx::query(sql::RESOLVE_QUARANTINE)
                    .bind(id)
                    .bind(status)
                    .bind(DbTime::from(now))
                    .bind(by)
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    let found: Option<Uuid> = sqlx::query_scalar("SELECT id FROM mail_quarantine WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(match found {
                        None => StoreError::NotFound("quarantined message"),
                        Some(_) => ValidationError::new("status", "the message was already resolved").into(),
                    });
                }
                if let QuarantineResolution::Applied { change } = resolution {
                    write_change(&mut tx, change, DbTime::from(now)).await?;
                }
                let row = sqlx::query_as::<_, QuarantineRow>(sql::GET_QUARANTINE)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(reading("mail_quarantine"))?;
                tx.commit().await?;
                Ok(row.into_mail())
            }

            async fn record_optout_observation(&self, observation: &OptOutObservation) -> StoreResult<()> {
                health_record(&self.pool, observation).await
            }

            async fn optout_health(
                &self,
                mechanism: OptOutMechanism,
                since: DateTime<Utc>,
            ) -> StoreResult<OptOutHealth> {
                health_of(&self.pool, mechanism, since).await
            }

            async fn delayed_optouts(
                &self,
                mechanism: OptOutMechanism,
                arrived_after: DateTime<Utc>,
                longer_than_secs: u64,
            ) -> StoreResult<DelayedOptOuts> {
                health_delayed(&self.pool, mechanism, arrived_after, longer_than_secs).await
            }

            async fn quarantine_backlog(&self) -> StoreResult<QuarantineBacklog> {
                health_backlog(&self.pool).await
            }

            async fn open_optout_incident(&self, incident: &OptOutIncident) -> StoreResult<bool> {
                health_open_incident(&self.pool, incident).await
            }

            async fn get_optout_incident(&self, id: Uuid) -> StoreResult<Option<OptOutIncident>> {
                health_get_incident(&self.pool, id).await
            }

            async fn list_optout_incidents(&self, open_only: bool) -> StoreResult<Vec<OptOutIncident>> {
                health_list_incidents(&self.pool, open_only).await
            }

            async fn update_optout_incident(
                &self,
                incident: &OptOutIncident,
                expected_version: u64,
            ) -> StoreResult<()> {
                health_update_incident(&self.pool, incident, expected_version).await
            }

            async fn open_optout_incidents_count(&self) -> StoreResult<u64> {
                health_open_count(&self.pool).await
            }
        }
    };
}
pub(crate) use consent_backend;

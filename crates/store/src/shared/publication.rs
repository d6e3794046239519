//! Policy versions and material-change mailings: statements (the same in both
//! dialects), rows, and the whole implementation as a macro each backend expands
//! with its pool and its way of beginning a write transaction.

use super::DbTime;
use crate::publication::{PolicyMailing, PolicyRecipient, PolicyText, PolicyVersion};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use cpniguard_core::ValidationError;
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use uuid::Uuid;

macro_rules! version_columns {
    () => {
        "version, effective_on, material, summary_en, body_en, summary_es, body_es, \
         created_by, created_at, updated_at, published_by, published_at"
    };
}

pub(crate) const NEXT_VERSION: &str = "SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions";
pub(crate) const INSERT: &str = "INSERT INTO policy_versions (version, effective_on, material, summary_en, body_en, \
     summary_es, body_es, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";
/// Binds: version, then the draft's columns, now. Only a draft matches.
pub(crate) const UPDATE_DRAFT: &str = "UPDATE policy_versions SET effective_on = $2, material = $3, summary_en = $4, \
     body_en = $5, summary_es = $6, body_es = $7, updated_at = $8 WHERE version = $1 AND published_at IS NULL";
pub(crate) const PUBLISH: &str = "UPDATE policy_versions SET published_by = $2, published_at = $3, updated_at = $3 \
     WHERE version = $1 AND published_at IS NULL";
pub(crate) const GET: &str = concat!("SELECT ", version_columns!(), " FROM policy_versions WHERE version = $1");
pub(crate) const LIST: &str = concat!("SELECT ", version_columns!(), " FROM policy_versions ORDER BY version");

/// The recipients' condition on account `a` with the cut-off `$1`: not closed, and a
/// current email associated by then.
macro_rules! has_email_of_record {
    () => {
        "a.status <> 'closed' AND EXISTS (SELECT 1 FROM contact_points e WHERE e.account_id = a.id \
         AND e.kind = 'email' AND e.dissociated_at IS NULL AND e.associated_at <= $1)"
    };
}

pub(crate) const COUNT_RECIPIENTS: &str = concat!("SELECT COUNT(*) FROM accounts a WHERE ", has_email_of_record!());
/// Binds: cut-off, after (account id), limit. The email is the longest-held one.
pub(crate) const RECIPIENTS: &str = concat!(
    "SELECT a.id, a.language, a.name, (SELECT e.value FROM contact_points e WHERE e.account_id = a.id \
     AND e.kind = 'email' AND e.dissociated_at IS NULL AND e.associated_at <= $1 \
     ORDER BY e.associated_at, e.id LIMIT 1) AS email FROM accounts a WHERE a.id > $2 AND ",
    has_email_of_record!(),
    " ORDER BY a.id LIMIT $3"
);

pub(crate) const START_MAILING: &str =
    "INSERT INTO policy_mailings (version, total, queued, started_at) VALUES ($1, $2, 0, $3)";
pub(crate) const GET_MAILING: &str =
    "SELECT version, total, queued, after_account, started_at, finished_at FROM policy_mailings WHERE version = $1";
/// Binds: version, notices newly queued, last account. The position only moves on.
pub(crate) const ADVANCE_MAILING: &str = "UPDATE policy_mailings SET queued = queued + $2, after_account = \
     CASE WHEN after_account IS NULL OR after_account < $3 THEN $3 ELSE after_account END WHERE version = $1";
pub(crate) const FINISH_MAILING: &str =
    "UPDATE policy_mailings SET finished_at = $2 WHERE version = $1 AND finished_at IS NULL";
/// Binds: the key prefix and the prefix with its last character (':') incremented,
/// a range the unique index on the key answers on both backends.
pub(crate) const MAILING_STATUS_COUNTS: &str = "SELECT status, COUNT(*) FROM notices \
     WHERE idempotency_key >= $1 AND idempotency_key < $2 GROUP BY status";

const TABLE: &str = "policy_versions";

/// The half-open key range of a version's notices.
pub(crate) fn key_range(version: u32) -> (String, String) {
    let from = crate::publication::policy_notice_key_prefix(version);
    let mut to = from.clone();
    to.pop();
    to.push(';');
    (from, to)
}

/// The values bound for a draft's content, in statement order (`$2`..`$7`).
pub(crate) struct DraftColumns<'a> {
    pub(crate) effective_on: String,
    pub(crate) material: bool,
    pub(crate) summary_en: Option<&'a str>,
    pub(crate) body_en: Option<&'a str>,
    pub(crate) summary_es: Option<&'a str>,
    pub(crate) body_es: Option<&'a str>,
}

impl<'a> DraftColumns<'a> {
    pub(crate) fn of(d: &'a crate::publication::PolicyDraft) -> Self {
        Self {
            effective_on: d.effective_on.format("%Y-%m-%d").to_string(),
            material: d.material,
            summary_en: d.en.as_ref().map(|t| t.summary.as_str()),
            body_en: d.en.as_ref().map(|t| t.body.as_str()),
            summary_es: d.es.as_ref().map(|t| t.summary.as_str()),
            body_es: d.es.as_ref().map(|t| t.body.as_str()),
        }
    }
}

/// The refusal to publish a version that lacks a language.
pub(crate) fn check_complete(v: &PolicyVersion) -> StoreResult<()> {
    for (language, text) in [(Language::En, &v.en), (Language::Es, &v.es)] {
        if text.is_none() {
            return Err(StoreError::Invalid(ValidationError::new(
                language.as_str(),
                "both the English and the Spanish text are needed before publishing",
            )));
        }
    }
    Ok(())
}

pub(crate) fn db_version(v: u32) -> i64 {
    i64::from(v)
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    version: i64,
    effective_on: String,
    material: bool,
    summary_en: Option<String>,
    body_en: Option<String>,
    summary_es: Option<String>,
    body_es: Option<String>,
    created_by: String,
    created_at: DbTime,
    updated_at: DbTime,
    published_by: Option<String>,
    published_at: Option<DbTime>,
}

fn text(summary: Option<String>, body: Option<String>) -> Option<PolicyText> {
    Some(PolicyText { summary: summary?, body: body? })
}

impl VersionRow {
    pub(crate) fn into_version(self) -> StoreResult<PolicyVersion> {
        Ok(PolicyVersion {
            version: super::unsigned(TABLE, "version", self.version)?,
            effective_on: NaiveDate::parse_from_str(&self.effective_on, "%Y-%m-%d")
                .map_err(|_| StoreError::corrupt(TABLE, "effective_on is not a date"))?,
            material: self.material,
            en: text(self.summary_en, self.body_en),
            es: text(self.summary_es, self.body_es),
            created_by: self.created_by,
            created_at: self.created_at.time(),
            updated_at: self.updated_at.time(),
            published_by: self.published_by,
            published_at: self.published_at.map(DbTime::time),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MailingRow {
    version: i64,
    total: i64,
    queued: i64,
    after_account: Option<Uuid>,
    started_at: DbTime,
    finished_at: Option<DbTime>,
}

impl MailingRow {
    pub(crate) fn into_mailing(self, counts: Vec<(String, i64)>) -> StoreResult<PolicyMailing> {
        const T: &str = "policy_mailings";
        Ok(PolicyMailing {
            version: super::unsigned(T, "version", self.version)?,
            total: super::unsigned(T, "total", self.total)?,
            queued: super::unsigned(T, "queued", self.queued)?,
            after_account: self.after_account.map(AccountId),
            started_at: self.started_at.time(),
            finished_at: self.finished_at.map(DbTime::time),
            delivery: super::notices::status_counts(counts)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RecipientRow {
    id: Uuid,
    language: String,
    name: String,
    email: String,
}

impl RecipientRow {
    pub(crate) fn into_recipient(self) -> StoreResult<PolicyRecipient> {
        Ok(PolicyRecipient {
            account_id: AccountId(self.id),
            language: Language::parse(&self.language)
                .ok_or_else(|| StoreError::corrupt("accounts", "unknown language"))?,
            name: self.name,
            email: EmailAddress::parse(&self.email)
                .map_err(|_| StoreError::corrupt("contact_points", "an email that does not parse"))?,
        })
    }
}

macro_rules! publication_backend {
    ($store:ty, $pool:ty, $db:ty, $conn:ty, $begin:path) => {
        use crate::error::{reading, writing};
        use crate::publication::{PolicyDraft, PolicyMailing, PolicyRecipient, PolicyVersion, PublicationStore};
        use crate::shared::publication::{self as sql, MailingRow, RecipientRow, VersionRow};
        use crate::shared::{DbTime, notices as nsql};
        use crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use cpniguard_core::ids::AccountId;
        use cpniguard_core::notice::NewNotice;
        use uuid::Uuid;

        async fn version_in(conn: &mut $conn, version: u32) -> StoreResult<Option<PolicyVersion>> {
            let row = sqlx::query_as::<_, VersionRow>(sql::GET)
                .bind(sql::db_version(version))
                .fetch_optional(&mut *conn)
                .await
                .map_err(reading("policy_versions"))?;
            row.map(VersionRow::into_version).transpose()
        }

        async fn mailing_in(conn: &mut $conn, version: u32) -> StoreResult<Option<PolicyMailing>> {
            let row = sqlx::query_as::<_, MailingRow>(sql::GET_MAILING)
                .bind(sql::db_version(version))
                .fetch_optional(&mut *conn)
                .await
                .map_err(reading("policy_mailings"))?;
            let Some(row) = row else { return Ok(None) };
            let (from, to) = sql::key_range(version);
            let counts: Vec<(String, i64)> = sqlx::query_as(sql::MAILING_STATUS_COUNTS)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await
                .map_err(reading("notices"))?;
            row.into_mailing(counts).map(Some)
        }

        #[async_trait]
        impl PublicationStore for $store {
            async fn create_policy_draft(
                &self,
                draft: &PolicyDraft,
                by: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<PolicyVersion> {
                let mut tx = $begin(&self.pool).await?;
                let next: i64 = sqlx::query_scalar(sql::NEXT_VERSION).fetch_one(&mut *tx).await?;
                let c = sql::DraftColumns::of(draft);
                sqlx::query(sql::INSERT)
                    .bind(next)
                    .bind(c.effective_on)
                    .bind(c.material)
                    .bind(c.summary_en)
                    .bind(c.body_en)
                    .bind(c.summary_es)
                    .bind(c.body_es)
                    .bind(by)
                    .bind(DbTime::from(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("policy version", "policy version"))?;
                let version = crate::shared::unsigned("policy_versions", "version", next)?;
                let stored = version_in(&mut tx, version).await?.ok_or(StoreError::NotFound("policy version"))?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn update_policy_draft(
                &self,
                version: u32,
                draft: &PolicyDraft,
                now: DateTime<Utc>,
            ) -> StoreResult<PolicyVersion> {
                let mut tx = $begin(&self.pool).await?;
                let current = version_in(&mut tx, version).await?.ok_or(StoreError::NotFound("policy version"))?;
                if current.is_published() {
                    return Err(StoreError::Conflict("published policy version"));
                }
                let c = sql::DraftColumns::of(draft);
                let done = sqlx::query(sql::UPDATE_DRAFT)
                    .bind(sql::db_version(version))
                    .bind(c.effective_on)
                    .bind(c.material)
                    .bind(c.summary_en)
                    .bind(c.body_en)
                    .bind(c.summary_es)
                    .bind(c.body_es)
                    .bind(DbTime::from(now))
                    .execute(&mut *tx)
                    .await?;
                // Published meanwhile (PostgreSQL re-checks the condition after a
                // concurrent publish commits).
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("published policy version"));
                }
                let stored = version_in(&mut tx, version).await?.ok_or(StoreError::NotFound("policy version"))?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn publish_policy_version(
                &self,
                version: u32,
                by: &str,
                now: DateTime<Utc>,
                of_record_before: DateTime<Utc>,
            ) -> StoreResult<PolicyVersion> {
                let mut tx = $begin(&self.pool).await?;
                let draft = version_in(&mut tx, version).await?.ok_or(StoreError::NotFound("policy version"))?;
                if draft.is_published() {
                    return Err(StoreError::Conflict("published policy version"));
                }
                sql::check_complete(&draft)?;
                let done = sqlx::query(sql::PUBLISH)
                    .bind(sql::db_version(version))
                    .bind(by)
                    .bind(DbTime::from(now))
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("published policy version"));
                }
                if draft.material {
                    let total: i64 = sqlx::query_scalar(sql::COUNT_RECIPIENTS)
                        .bind(DbTime::from(of_record_before))
                        .fetch_one(&mut *tx)
                        .await?;
                    sqlx::query(sql::START_MAILING)
                        .bind(sql::db_version(version))
                        .bind(total)
                        .bind(DbTime::from(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(writing("policy mailing", "policy version"))?;
                }
                let stored = version_in(&mut tx, version).await?.ok_or(StoreError::NotFound("policy version"))?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn get_policy_version(&self, version: u32) -> StoreResult<Option<PolicyVersion>> {
                let mut conn = self.pool.acquire().await?;
                version_in(&mut conn, version).await
            }

            async fn list_policy_versions(&self) -> StoreResult<Vec<PolicyVersion>> {
                let rows = sqlx::query_as::<_, VersionRow>(sql::LIST)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("policy_versions"))?;
                rows.into_iter().map(VersionRow::into_version).collect()
            }

            async fn policy_mailing(&self, version: u32) -> StoreResult<Option<PolicyMailing>> {
                let mut conn = self.pool.acquire().await?;
                mailing_in(&mut conn, version).await
            }

            async fn policy_mailing_recipients(
                &self,
                after: Option<AccountId>,
                of_record_before: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<PolicyRecipient>> {
                let rows = sqlx::query_as::<_, RecipientRow>(sql::RECIPIENTS)
                    .bind(DbTime::from(of_record_before))
                    .bind(after.map_or(Uuid::nil(), |a| a.0))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("accounts"))?;
                rows.into_iter().map(RecipientRow::into_recipient).collect()
            }

            async fn record_policy_mailing_batch(
                &self,
                version: u32,
                notices: &[NewNotice],
                last: AccountId,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let mut tx = $begin(&self.pool).await?;
                let mut queued = 0i64;
                for chunk in notices.chunks(nsql::ROWS_PER_STATEMENT) {
                    let returned: Vec<Uuid> = nsql::insert::<$db>(chunk, DbTime::from(now))
                        .build_query_scalar()
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(writing("notice", "account"))?;
                    queued += i64::try_from(returned.len()).unwrap_or(i64::MAX);
                }
                let done = sqlx::query(sql::ADVANCE_MAILING)
                    .bind(sql::db_version(version))
                    .bind(queued)
                    .bind(last.0)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::NotFound("policy mailing"));
                }
                tx.commit().await?;
                crate::shared::unsigned("notices", "queued", queued)
            }

            async fn finish_policy_mailing(&self, version: u32, now: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::FINISH_MAILING)
                    .bind(sql::db_version(version))
                    .bind(DbTime::from(now))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use publication_backend;

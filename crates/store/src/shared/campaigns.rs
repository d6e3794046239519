//! Marketing campaigns: statements (the same in both dialects), rows and their
//! conversions, and the whole implementation as a macro each backend expands with its
//! pool and its way of beginning a write transaction.

use super::DbTime;
use crate::campaigns::{AudienceContact, AudienceMember, AudienceSnapshot, Campaign, CampaignEvent};
use crate::{StoreError, StoreResult};
use cpniguard_core::ValidationError;
use cpniguard_core::consent::ApprovalState;
use cpniguard_core::ids::AccountId;
use sqlx::types::Json;
use std::collections::BTreeMap;
use uuid::Uuid;

pub(crate) const INSERT: &str = "INSERT INTO campaigns (id, version, state, created_at, closed_at, retain_until, record) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const UPDATE: &str = "UPDATE campaigns SET version = $2, state = $3, closed_at = $4, retain_until = $5, \
     record = $6 WHERE id = $1 AND version = $7";
pub(crate) const VERSION: &str = "SELECT version FROM campaigns WHERE id = $1";
pub(crate) const GET: &str = "SELECT version, record FROM campaigns WHERE id = $1";
pub(crate) const LIST: &str = "SELECT version, record FROM campaigns ORDER BY created_at, id";
pub(crate) const LIST_IN_STATE: &str = "SELECT version, record FROM campaigns WHERE state = $1 ORDER BY created_at, id";
pub(crate) const IN_PERIOD: &str = "SELECT version, record FROM campaigns \
     WHERE created_at < $2 AND (closed_at IS NULL OR closed_at >= $1) ORDER BY created_at, id";
pub(crate) const INSERT_EVENT: &str = "INSERT INTO campaign_events (id, campaign_id, at, actor_id, actor, kind, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const EVENTS: &str = "SELECT id, campaign_id, at, actor_id, actor, kind, detail FROM campaign_events \
     WHERE campaign_id = $1 ORDER BY at, id";
pub(crate) const INSERT_AUDIENCE: &str = "INSERT INTO campaign_audiences (id, campaign_id, campaign_version, \
     computed_at, computed_by, scope, candidates, included, excluded, decision_ref) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(crate) const AUDIENCES: &str = "SELECT id, campaign_id, campaign_version, computed_at, computed_by, scope, \
     candidates, included, excluded, decision_ref FROM campaign_audiences WHERE campaign_id = $1 \
     ORDER BY computed_at, id";
pub(crate) const MEMBERS: &str = "SELECT account_id, state, usable, basis, included FROM campaign_audience_members \
     WHERE audience_id = $1 ORDER BY account_id";
pub(crate) const INCLUDED_MEMBERS: &str = "SELECT account_id, state, usable, basis, included \
     FROM campaign_audience_members WHERE audience_id = $1 AND included = TRUE ORDER BY account_id";
pub(crate) const CONTACTS: &str = "SELECT m.account_id, a.name, a.language, c.kind, c.value \
     FROM campaign_audience_members m JOIN accounts a ON a.id = m.account_id \
     LEFT JOIN contact_points c ON c.account_id = m.account_id AND c.dissociated_at IS NULL \
     WHERE m.audience_id = $1 AND m.included = TRUE ORDER BY m.account_id, c.kind, c.value";
pub(crate) const RETAIN_UNTIL: &str = "SELECT retain_until FROM campaigns WHERE id = $1";
pub(crate) const DELETE_MEMBERS: &str = "DELETE FROM campaign_audience_members WHERE audience_id IN \
     (SELECT id FROM campaign_audiences WHERE campaign_id = $1)";
pub(crate) const DELETE_AUDIENCES: &str = "DELETE FROM campaign_audiences WHERE campaign_id = $1";
pub(crate) const DELETE_EVENTS: &str = "DELETE FROM campaign_events WHERE campaign_id = $1";
pub(crate) const DELETE: &str = "DELETE FROM campaigns WHERE id = $1";
pub(crate) const AWAITING_REVIEW: &str = "SELECT COUNT(*) FROM campaigns WHERE state = 'submitted'";
pub(crate) const REVIEW_COUNTS: &str = "SELECT kind, COUNT(*) FROM campaign_events WHERE at >= $1 AND at < $2 \
     AND kind IN ('submitted', 'approved', 'rejected', 'completed') GROUP BY kind";

/// Audience members per `INSERT` (6 parameters each, within both backends' limits).
pub(crate) const MEMBERS_PER_STATEMENT: usize = 1000;

const TABLE: &str = "campaigns";

pub(crate) fn db_u64(field: &str, v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(ValidationError::new(field, "too large")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct CampaignRow {
    version: i64,
    record: Json<Campaign>,
}

impl CampaignRow {
    pub(crate) fn into_campaign(self) -> StoreResult<Campaign> {
        let mut campaign = self.record.0;
        // The column is authoritative: the document is written with it.
        campaign.version = super::unsigned(TABLE, "version", self.version)?;
        Ok(campaign)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    campaign_id: Uuid,
    at: DbTime,
    actor_id: String,
    actor: String,
    kind: String,
    detail: Json<serde_json::Value>,
}

impl EventRow {
    pub(crate) fn into_event(self) -> CampaignEvent {
        CampaignEvent {
            id: self.id,
            campaign_id: self.campaign_id,
            at: self.at.time(),
            actor_id: self.actor_id,
            actor: self.actor,
            kind: self.kind,
            detail: self.detail.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AudienceRow {
    id: Uuid,
    campaign_id: Uuid,
    campaign_version: i64,
    computed_at: DbTime,
    computed_by: String,
    scope: String,
    candidates: i64,
    included: i64,
    excluded: Json<BTreeMap<String, u64>>,
    decision_ref: Option<String>,
}

impl AudienceRow {
    pub(crate) fn into_snapshot(self) -> StoreResult<AudienceSnapshot> {
        let t = "campaign_audiences";
        Ok(AudienceSnapshot {
            id: self.id,
            campaign_id: self.campaign_id,
            campaign_version: super::unsigned(t, "campaign_version", self.campaign_version)?,
            computed_at: self.computed_at.time(),
            computed_by: self.computed_by,
            scope: self.scope,
            candidates: super::unsigned(t, "candidates", self.candidates)?,
            included: super::unsigned(t, "included", self.included)?,
            excluded: self.excluded.0,
            decision_ref: self.decision_ref,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    account_id: Uuid,
    state: String,
    usable: bool,
    basis: Option<Uuid>,
    included: bool,
}

impl MemberRow {
    pub(crate) fn into_member(self) -> StoreResult<AudienceMember> {
        Ok(AudienceMember {
            account_id: AccountId(self.account_id),
            state: ApprovalState::parse(&self.state)
                .ok_or_else(|| StoreError::corrupt("campaign_audience_members", "unknown approval state"))?,
            usable: self.usable,
            basis: self.basis,
            included: self.included,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    account_id: Uuid,
    name: String,
    language: String,
    kind: Option<String>,
    value: Option<String>,
}

/// Fold the rows of [`CONTACTS`] (ordered by account) into one entry per account.
pub(crate) fn fold_contacts(rows: Vec<ContactRow>) -> StoreResult<Vec<AudienceContact>> {
    let mut out: Vec<AudienceContact> = Vec::new();
    for row in rows {
        if out.last().is_none_or(|c| c.account_id.0 != row.account_id) {
            out.push(AudienceContact {
                account_id: AccountId(row.account_id),
                name: row.name,
                language: row.language,
                emails: Vec::new(),
                phones: Vec::new(),
                postal: Vec::new(),
            });
        }
        let Some(entry) = out.last_mut() else { continue };
        match (row.kind.as_deref(), row.value) {
            (Some("email"), Some(v)) => entry.emails.push(v),
            (Some("phone"), Some(v)) => entry.phones.push(v),
            (Some("postal"), Some(v)) => entry
                .postal
                .push(serde_json::from_str(&v).map_err(|_| StoreError::corrupt("contact_points", "postal value"))?),
            _ => {}
        }
    }
    Ok(out)
}

/// The refusal of a deletion before the retention date (or before there is one).
pub(crate) fn check_retention(retain_until: Option<&str>, today: chrono::NaiveDate) -> StoreResult<()> {
    let Some(text) = retain_until else {
        return Err(StoreError::Invalid(ValidationError::new(
            "retain_until",
            "the campaign record is kept until its retention period after completion ends; it has not completed",
        )));
    };
    let until = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::corrupt(TABLE, "retain_until is not a date"))?;
    if today <= until {
        return Err(StoreError::Invalid(ValidationError::new(
            "retain_until",
            format!(
                "the campaign record must be kept through {until}; it may be deleted from {}",
                until.succ_opt().unwrap_or(until)
            ),
        )));
    }
    Ok(())
}

/// The start of `day` (UTC).
pub(crate) fn day_start(day: chrono::NaiveDate) -> DbTime {
    DbTime::from(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

macro_rules! campaigns_backend {
    ($store:ty, $pool:ty, $db:ty, $conn:ty, $begin:path) => {
        use crate::campaigns::{
            AudienceContact, AudienceMember, AudienceRecords, AudienceSnapshot, Campaign, CampaignEvent,
            CampaignReviewCounts, CampaignState, CampaignStore, ResolvedCriteria,
        };
        use crate::error::{reading, unique_is, writing};
        use crate::shared::DbTime;
        use crate::shared::campaigns::{
            self as sql, AudienceRow, CampaignRow, ContactRow, EventRow, MemberRow, day_start, db_u64,
        };
        use crate::consent::AccountApproval;
        use crate::shared::consent::approval::{self, ApprovalQuery, ApprovalRow};
        use crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, Utc};
        use cpniguard_core::consent::{ConsentPolicy, ScopeDef};
        use cpniguard_core::ids::AccountId;
        use sqlx::types::Json;
        use uuid::Uuid;

        async fn insert_event(conn: &mut $conn, e: &CampaignEvent) -> StoreResult<()> {
            sqlx::query(sql::INSERT_EVENT)
                .bind(e.id)
                .bind(e.campaign_id)
                .bind(DbTime::from(e.at))
                .bind(e.actor_id.as_str())
                .bind(e.actor.as_str())
                .bind(e.kind.as_str())
                .bind(Json(&e.detail))
                .execute(&mut *conn)
                .await
                .map_err(writing("campaign event", "campaign"))?;
            Ok(())
        }

        /// The version stored now; `NotFound` when there is no such campaign.
        async fn stored_version(conn: &mut $conn, id: Uuid) -> StoreResult<i64> {
            let v: Option<i64> = sqlx::query_scalar(sql::VERSION).bind(id).fetch_optional(&mut *conn).await?;
            v.ok_or(StoreError::NotFound("campaign"))
        }

        /// `WHERE` conditions for the criteria, every value bound as a parameter.
        fn push_criteria(q: &mut sqlx::QueryBuilder<$db>, c: &ResolvedCriteria) {
            q.push(" FROM accounts a WHERE a.status <> 'closed'");
            if let Some(kind) = c.account_kind {
                q.push(" AND a.kind = ").push_bind(kind.as_str());
            }
            if let Some(language) = c.language {
                q.push(" AND a.language = ").push_bind(language.as_str());
            }
            if let Some(service) = &c.service_type {
                q.push(" AND EXISTS (SELECT 1 FROM services s WHERE s.account_id = a.id AND s.service_type = ")
                    .push_bind(service.clone())
                    .push(" AND s.since <= ")
                    .push_bind(c.service_on)
                    .push(" AND (s.until IS NULL OR s.until >= ")
                    .push_bind(c.service_on)
                    .push("))");
            }
            if let Some((over, period)) = c.long_distance {
                q.push(
                    " AND (SELECT COALESCE(SUM(c.duration_secs), 0) FROM calls c WHERE c.account_id = a.id \
                     AND c.call_type = 'long_distance' AND c.started_at >= ",
                )
                .push_bind(day_start(period.from))
                .push(" AND c.started_at < ")
                .push_bind(day_start(period.to + chrono::Days::new(1)))
                .push(") > ")
                .push_bind(i64::from(over) * 60);
            }
            if let Some((min, max, period)) = c.invoice_total {
                q.push(" AND (SELECT COALESCE(SUM(i.total_cents), 0) FROM invoices i WHERE i.account_id = a.id AND i.issued_on >= ")
                    .push_bind(period.from)
                    .push(" AND i.issued_on <= ")
                    .push_bind(period.to)
                    .push(") BETWEEN ")
                    .push_bind(min)
                    .push(" AND ")
                    .push_bind(max);
            }
        }

        fn fetch_campaigns(rows: Vec<CampaignRow>) -> StoreResult<Vec<Campaign>> {
            rows.into_iter().map(CampaignRow::into_campaign).collect()
        }

        #[async_trait]
        impl AudienceRecords for $store {
            async fn audience_candidates(&self, criteria: &ResolvedCriteria) -> StoreResult<Vec<AccountId>> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT a.id");
                push_criteria(&mut q, criteria);
                q.push(" ORDER BY a.id");
                let ids: Vec<Uuid> =
                    q.build_query_scalar().fetch_all(&self.pool).await.map_err(reading("accounts"))?;
                Ok(ids.into_iter().map(AccountId).collect())
            }

            async fn audience_approvals(
                &self,
                criteria: &ResolvedCriteria,
                scope: &ScopeDef,
                policy: &ConsentPolicy,
                at: DateTime<Utc>,
            ) -> StoreResult<Vec<AccountApproval>> {
                // Materialised so the criteria (a per-account sum over call detail) run
                // once per account, not once per event.
                let mut q = sqlx::QueryBuilder::<$db>::new("WITH candidates AS MATERIALIZED (SELECT a.id");
                push_criteria(&mut q, criteria);
                q.push(")");
                ApprovalQuery::new(scope, policy, at).push_decided(&mut q, false, &|q| {
                    q.push(" AND account_id IN (SELECT id FROM candidates)");
                });
                q.push(approval::SELECT_JOINED).push("candidates a").push(approval::JOIN_DECIDED);
                let rows: Vec<ApprovalRow> =
                    q.build_query_as().fetch_all(&self.pool).await.map_err(reading("consent_events"))?;
                rows.into_iter().map(ApprovalRow::into_approval).collect()
            }

            async fn audience_members(&self, audience: Uuid, included_only: bool) -> StoreResult<Vec<AudienceMember>> {
                let statement = if included_only { sql::INCLUDED_MEMBERS } else { sql::MEMBERS };
                let rows = sqlx::query_as::<_, MemberRow>(statement)
                    .bind(audience)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("campaign_audience_members"))?;
                rows.into_iter().map(MemberRow::into_member).collect()
            }

            async fn audience_contacts(&self, audience: Uuid) -> StoreResult<Vec<AudienceContact>> {
                let rows = sqlx::query_as::<_, ContactRow>(sql::CONTACTS)
                    .bind(audience)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("contact_points"))?;
                sql::fold_contacts(rows)
            }
        }

        #[async_trait]
        impl CampaignStore for $store {
            async fn create_campaign(&self, c: &Campaign, event: &CampaignEvent) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::INSERT)
                    .bind(c.id)
                    .bind(db_u64("version", c.version)?)
                    .bind(c.state.as_str())
                    .bind(DbTime::from(c.created_at))
                    .bind(c.closed_at.map(DbTime::from))
                    .bind(c.retain_until.map(|d| d.to_string()))
                    .bind(Json(c))
                    .execute(&mut *tx)
                    .await
                    .map_err(unique_is("campaign"))?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_campaign(&self, id: Uuid) -> StoreResult<Option<Campaign>> {
                let row = sqlx::query_as::<_, CampaignRow>(sql::GET)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("campaigns"))?;
                row.map(CampaignRow::into_campaign).transpose()
            }

            async fn list_campaigns(&self, state: Option<CampaignState>) -> StoreResult<Vec<Campaign>> {
                let rows = match state {
                    Some(s) => sqlx::query_as::<_, CampaignRow>(sql::LIST_IN_STATE).bind(s.as_str()).fetch_all(&self.pool).await,
                    None => sqlx::query_as::<_, CampaignRow>(sql::LIST).fetch_all(&self.pool).await,
                }
                .map_err(reading("campaigns"))?;
                fetch_campaigns(rows)
            }

            async fn campaigns_in_period(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Campaign>> {
                let rows = sqlx::query_as::<_, CampaignRow>(sql::IN_PERIOD)
                    .bind(DbTime::from(from))
                    .bind(DbTime::from(to))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("campaigns"))?;
                fetch_campaigns(rows)
            }

            async fn update_campaign(&self, c: &Campaign, expected: u64, event: &CampaignEvent) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                let done = sqlx::query(sql::UPDATE)
                    .bind(c.id)
                    .bind(db_u64("version", c.version)?)
                    .bind(c.state.as_str())
                    .bind(c.closed_at.map(DbTime::from))
                    .bind(c.retain_until.map(|d| d.to_string()))
                    .bind(Json(c))
                    .bind(db_u64("version", expected)?)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    stored_version(&mut tx, c.id).await?;
                    return Err(StoreError::Conflict("campaign version"));
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn campaign_events(&self, id: Uuid) -> StoreResult<Vec<CampaignEvent>> {
                let rows = sqlx::query_as::<_, EventRow>(sql::EVENTS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("campaign_events"))?;
                Ok(rows.into_iter().map(EventRow::into_event).collect())
            }

            async fn count_audience_candidates(&self, criteria: &ResolvedCriteria) -> StoreResult<u64> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*)");
                push_criteria(&mut q, criteria);
                let n: i64 = q.build_query_scalar().fetch_one(&self.pool).await.map_err(reading("accounts"))?;
                crate::shared::unsigned("accounts", "count", n)
            }

            async fn record_audience(
                &self,
                s: &AudienceSnapshot,
                members: &[AudienceMember],
                event: &CampaignEvent,
            ) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                if stored_version(&mut tx, s.campaign_id).await? != db_u64("campaign_version", s.campaign_version)? {
                    return Err(StoreError::Conflict("campaign version"));
                }
                sqlx::query(sql::INSERT_AUDIENCE)
                    .bind(s.id)
                    .bind(s.campaign_id)
                    .bind(db_u64("campaign_version", s.campaign_version)?)
                    .bind(DbTime::from(s.computed_at))
                    .bind(s.computed_by.as_str())
                    .bind(s.scope.as_str())
                    .bind(db_u64("candidates", s.candidates)?)
                    .bind(db_u64("included", s.included)?)
                    .bind(Json(&s.excluded))
                    .bind(s.decision_ref.as_deref())
                    .execute(&mut *tx)
                    .await
                    .map_err(unique_is("audience snapshot"))?;
                for chunk in members.chunks(sql::MEMBERS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO campaign_audience_members (audience_id, account_id, state, usable, basis, included) ",
                    );
                    q.push_values(chunk, |mut row, m| {
                        row.push_bind(s.id)
                            .push_bind(m.account_id.0)
                            .push_bind(m.state.as_str())
                            .push_bind(m.usable)
                            .push_bind(m.basis)
                            .push_bind(m.included);
                    });
                    q.build().execute(&mut *tx).await.map_err(writing("audience member", "audience snapshot"))?;
                }
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audience_snapshots(&self, campaign: Uuid) -> StoreResult<Vec<AudienceSnapshot>> {
                let rows = sqlx::query_as::<_, AudienceRow>(sql::AUDIENCES)
                    .bind(campaign)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("campaign_audiences"))?;
                rows.into_iter().map(AudienceRow::into_snapshot).collect()
            }

            async fn log_campaign_event(&self, event: &CampaignEvent) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                insert_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_campaign(&self, id: Uuid, today: NaiveDate) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                let until: Option<Option<String>> =
                    sqlx::query_scalar(sql::RETAIN_UNTIL).bind(id).fetch_optional(&mut *tx).await?;
                let until = until.ok_or(StoreError::NotFound("campaign"))?;
                sql::check_retention(until.as_deref(), today)?;
                for statement in [sql::DELETE_MEMBERS, sql::DELETE_AUDIENCES, sql::DELETE_EVENTS, sql::DELETE] {
                    sqlx::query(statement).bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn campaigns_awaiting_review_count(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(sql::AWAITING_REVIEW).fetch_one(&self.pool).await?;
                crate::shared::unsigned("campaigns", "count", n)
            }

            async fn campaign_review_counts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<CampaignReviewCounts> {
                let rows: Vec<(String, i64)> = sqlx::query_as(sql::REVIEW_COUNTS)
                    .bind(DbTime::from(from))
                    .bind(DbTime::from(to))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("campaign_events"))?;
                let mut counts = CampaignReviewCounts::default();
                for (kind, n) in rows {
                    let n = crate::shared::unsigned("campaign_events", "count", n)?;
                    match kind.as_str() {
                        "submitted" => counts.submitted = n,
                        "approved" => counts.approved = n,
                        "rejected" => counts.rejected = n,
                        _ => counts.completed = n,
                    }
                }
                Ok(counts)
            }
        }
    };
}

pub(crate) use campaigns_backend;

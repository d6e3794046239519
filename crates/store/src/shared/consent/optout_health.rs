//! Opt-out mechanism health (issue 6, item 7): the observations the opt-out paths
//! record, the opt-out quarantine's backlog, and the failure incidents. Statements are
//! the same in both dialects; [`optout_health_fns`] expands to the functions the
//! backends' `ConsentStore` methods call with their pool.

use crate::consent::{OptOutIncident, OptOutMechanism};
use crate::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::types::Json;

pub(crate) const INSERT_OBSERVATION: &str = "INSERT INTO optout_health_observations \
     (id, mechanism, at, outcome, detail, arrived_at, waited_secs) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Binds: mechanism, arrived after, longer than (seconds).
pub(crate) const DELAYED_SINCE: &str = "SELECT COUNT(*), MAX(waited_secs), MIN(at) FROM optout_health_observations \
     WHERE mechanism = $1 AND outcome = 'ok' AND arrived_at > $2 AND waited_secs > $3";

/// Binds: mechanism, since. One row per outcome seen.
pub(crate) const COUNTS_SINCE: &str = "SELECT outcome, COUNT(*) FROM optout_health_observations \
     WHERE mechanism = $1 AND at >= $2 GROUP BY outcome";

pub(crate) const LAST_OK: &str =
    "SELECT MAX(at) FROM optout_health_observations WHERE mechanism = $1 AND outcome = 'ok'";

/// Binds: mechanism, after (the last success, or the epoch).
pub(crate) const FAILURES_AFTER: &str = "SELECT MIN(at), COUNT(*) FROM optout_health_observations \
     WHERE mechanism = $1 AND outcome = 'failed' AND at > $2";

/// Reasons that may hide a customer's opt-out: an ambiguous message was applied to
/// every account already, and auto-replies and bounces are no one's request.
pub(crate) const BACKLOG: &str = "SELECT MIN(received_at), COUNT(*) FROM mail_quarantine \
     WHERE status = 'open' AND reason IN ('unmatched', 'auth_failed', 'unparseable')";

/// `ON CONFLICT DO NOTHING` covers the partial unique index: one open incident per
/// mechanism.
pub(crate) const INSERT_INCIDENT: &str = "INSERT INTO optout_incidents \
     (id, version, mechanism, status, detected_at, record) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";

pub(crate) const UPDATE_INCIDENT: &str =
    "UPDATE optout_incidents SET version = $2, status = $3, record = $4 WHERE id = $1 AND version = $5";

pub(crate) const INCIDENT_EXISTS: &str = "SELECT COUNT(*) FROM optout_incidents WHERE id = $1";

pub(crate) const GET_INCIDENT: &str = "SELECT version, record FROM optout_incidents WHERE id = $1";

pub(crate) const LIST_INCIDENTS: &str = "SELECT version, record FROM optout_incidents ORDER BY detected_at, id";

pub(crate) const LIST_OPEN_INCIDENTS: &str =
    "SELECT version, record FROM optout_incidents WHERE status = 'open' ORDER BY detected_at, id";

pub(crate) const COUNT_OPEN_INCIDENTS: &str = "SELECT COUNT(*) FROM optout_incidents WHERE status = 'open'";

const TABLE: &str = "optout_incidents";

pub(crate) fn outcome(ok: bool) -> &'static str {
    if ok { "ok" } else { "failed" }
}

/// Failures are counted after the last success; with none, from the epoch.
pub(crate) fn after(last_ok: Option<DateTime<Utc>>) -> DateTime<Utc> {
    last_ok.unwrap_or(DateTime::UNIX_EPOCH)
}

/// A wait as the column holds it; no wait is anywhere near `i64::MAX` seconds.
pub(crate) fn seconds(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

pub(crate) fn mechanism(m: OptOutMechanism) -> &'static str {
    m.as_str()
}

#[derive(sqlx::FromRow)]
pub(crate) struct IncidentRow {
    version: i64,
    record: Json<OptOutIncident>,
}

impl IncidentRow {
    pub(crate) fn into_incident(self) -> StoreResult<OptOutIncident> {
        let mut incident = self.record.0;
        // The column is authoritative: the document is written with it.
        incident.version = crate::shared::unsigned(TABLE, "version", self.version)?;
        Ok(incident)
    }
}

pub(crate) fn not_found_or_conflict(exists: i64) -> StoreError {
    if exists == 0 {
        StoreError::NotFound("opt-out incident")
    } else {
        StoreError::Conflict("opt-out incident version")
    }
}

/// Expands (inside a backend's consent module, after `consent_backend!`'s imports) to
/// `health_*` functions over `&$pool`.
macro_rules! optout_health_fns {
    ($pool:ty) => {
        use crate::consent::{
            DelayedOptOuts, OptOutHealth, OptOutIncident, OptOutMechanism, OptOutObservation, QuarantineBacklog,
        };
        use crate::shared::breach::db_version;
        use crate::shared::consent::optout_health::{self as hsql, IncidentRow as OptOutRow};

        async fn health_record(pool: &$pool, o: &OptOutObservation) -> StoreResult<()> {
            sqlx::query(hsql::INSERT_OBSERVATION)
                .bind(o.id)
                .bind(hsql::mechanism(o.mechanism))
                .bind(DbTime::from(o.at))
                .bind(hsql::outcome(o.ok))
                .bind(o.detail.as_str())
                .bind(o.known_arrival().map(DbTime::from))
                .bind(hsql::seconds(o.waited_secs()))
                .execute(pool)
                .await?;
            Ok(())
        }

        async fn health_delayed(
            pool: &$pool,
            m: OptOutMechanism,
            arrived_after: DateTime<Utc>,
            longer_than_secs: u64,
        ) -> StoreResult<DelayedOptOuts> {
            let table = "optout_health_observations";
            let (n, longest, first): (i64, Option<i64>, Option<DbTime>) = sqlx::query_as(hsql::DELAYED_SINCE)
                .bind(hsql::mechanism(m))
                .bind(DbTime::from(arrived_after))
                .bind(hsql::seconds(longer_than_secs))
                .fetch_one(pool)
                .await
                .map_err(reading(table))?;
            Ok(DelayedOptOuts {
                count: crate::shared::unsigned(table, "count", n)?,
                longest_secs: crate::shared::unsigned(table, "waited_secs", longest.unwrap_or(0))?,
                first_applied_at: first.map(DbTime::time),
            })
        }

        async fn health_of(pool: &$pool, m: OptOutMechanism, since: DateTime<Utc>) -> StoreResult<OptOutHealth> {
            let table = "optout_health_observations";
            let counts: Vec<(String, i64)> = sqlx::query_as(hsql::COUNTS_SINCE)
                .bind(hsql::mechanism(m))
                .bind(DbTime::from(since))
                .fetch_all(pool)
                .await
                .map_err(reading(table))?;
            let mut health = OptOutHealth::default();
            for (outcome, n) in counts {
                let n = crate::shared::unsigned(table, "count", n)?;
                if outcome == "ok" {
                    health.ok_since = n;
                } else {
                    health.failed_since = n;
                }
            }
            let last_ok: Option<DbTime> =
                sqlx::query_scalar(hsql::LAST_OK).bind(hsql::mechanism(m)).fetch_one(pool).await?;
            health.last_ok_at = last_ok.map(DbTime::time);
            let (first, n): (Option<DbTime>, i64) = sqlx::query_as(hsql::FAILURES_AFTER)
                .bind(hsql::mechanism(m))
                .bind(DbTime::from(hsql::after(health.last_ok_at)))
                .fetch_one(pool)
                .await?;
            health.failing_since = first.map(DbTime::time);
            health.failures_since_last_ok = crate::shared::unsigned(table, "count", n)?;
            Ok(health)
        }

        async fn health_backlog(pool: &$pool) -> StoreResult<QuarantineBacklog> {
            let (oldest, n): (Option<DbTime>, i64) = sqlx::query_as(hsql::BACKLOG).fetch_one(pool).await?;
            Ok(QuarantineBacklog {
                open: crate::shared::unsigned("mail_quarantine", "count", n)?,
                oldest_received_at: oldest.map(DbTime::time),
            })
        }

        async fn health_open_incident(pool: &$pool, i: &OptOutIncident) -> StoreResult<bool> {
            let done = sqlx::query(hsql::INSERT_INCIDENT)
                .bind(i.id)
                .bind(db_version(i.version)?)
                .bind(hsql::mechanism(i.mechanism))
                .bind(i.status.as_str())
                .bind(DbTime::from(i.detected_at))
                .bind(Json(i))
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn health_get_incident(pool: &$pool, id: Uuid) -> StoreResult<Option<OptOutIncident>> {
            let row: Option<OptOutRow> = sqlx::query_as(hsql::GET_INCIDENT)
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(reading("optout_incidents"))?;
            row.map(OptOutRow::into_incident).transpose()
        }

        async fn health_list_incidents(pool: &$pool, open_only: bool) -> StoreResult<Vec<OptOutIncident>> {
            let statement = if open_only { hsql::LIST_OPEN_INCIDENTS } else { hsql::LIST_INCIDENTS };
            let rows: Vec<OptOutRow> =
                sqlx::query_as(statement).fetch_all(pool).await.map_err(reading("optout_incidents"))?;
            rows.into_iter().map(OptOutRow::into_incident).collect()
        }

        async fn health_update_incident(pool: &$pool, i: &OptOutIncident, expected: u64) -> StoreResult<()> {
            let done = sqlx::query(hsql::UPDATE_INCIDENT)
                .bind(i.id)
                .bind(db_version(i.version)?)
                .bind(i.status.as_str())
                .bind(Json(i))
                .bind(db_version(expected)?)
                .execute(pool)
                .await?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            let exists: i64 = sqlx::query_scalar(hsql::INCIDENT_EXISTS).bind(i.id).fetch_one(pool).await?;
            Err(hsql::not_found_or_conflict(exists))
        }

        async fn health_open_count(pool: &$pool) -> StoreResult<u64> {
            let n: i64 = sqlx::query_scalar(hsql::COUNT_OPEN_INCIDENTS).fetch_one(pool).await?;
            crate::shared::unsigned("optout_incidents", "count", n)
        }
    };
}

pub(crate) use optout_health_fns;

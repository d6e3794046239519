//! The approval status of one scope at one time for many accounts, decided by the
//! database in one statement (issue 23): the same rules as
//! [`cpniguard_core::consent::status`], with the time arithmetic done beforehand as
//! bounds on each event's own time ([`TimeBounds`]), so the statement compares stored
//! times with constants and is the same text in both dialects.
//!
//! How it decides, per account, over the scope's events up to `at`:
//! - `relevant` keeps the choices (opt-out, opt-in, revocation, one-time approval) and,
//!   for an opt-out tier scope, the served notices with a medium that no bounce known
//!   at `at` refers to; a notice is `waited` when its waiting period has ended.
//! - `tallied` numbers them in time order (time, then id) in one window pass: how many
//!   choices, notices and waited notices up to each row and in all, and the time of the
//!   latest notice. "The last X" is the row of kind X whose running count equals the
//!   account's total — an integer comparison, no per-account lookups.
//! - `decided` keeps, per account, the one row the status rests on: the last choice;
//!   without one, the latest notice when it is due for renewal or none has waited, and
//!   otherwise the last waited notice.
//!
//! Accounts with no row are `no_notice` (the caller's outer join or default).

use super::super::DbTime;
use crate::StoreResult;
use crate::consent::AccountApproval;
use cpniguard_core::consent::{ApprovalState, ConsentPolicy, ScopeDef, TimeBounds};
use cpniguard_core::ids::AccountId;
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

/// What the statement binds: the scope, its tier and the bounds for `at`.
pub(crate) struct ApprovalQuery {
    scope: String,
    tier: &'static str,
    bounds: TimeBounds,
}

impl ApprovalQuery {
    pub(crate) fn new(scope: &ScopeDef, policy: &ConsentPolicy, at: chrono::DateTime<chrono::Utc>) -> Self {
        ApprovalQuery { scope: scope.name.clone(), tier: scope.tier.as_str(), bounds: TimeBounds::new(policy, at) }
    }

    /// Pushes `WITH ... decided AS (...)`: one row (`account_id`, `id` = basis, `state`,
    /// `usable`) per account that has a choice or a counting notice. `restrict` pushes
    /// a condition on the events' `account_id` (starting with ` AND `), or nothing for
    /// all accounts; it is pushed twice. A caller's own CTEs come before: pass
    /// `with = false` when the builder already holds `WITH ...` and needs `, ` instead.
    pub(crate) fn push_decided<DB: Database>(
        &self,
        q: &mut QueryBuilder<DB>,
        with: bool,
        restrict: &dyn Fn(&mut QueryBuilder<DB>),
    ) where
        String: for<'a> Encode<'a, DB> + Type<DB>,
        &'static str: for<'a> Encode<'a, DB> + Type<DB>,
        DbTime: for<'a> Encode<'a, DB> + Type<DB>,
    {
        let b = &self.bounds;
        let time = |t| DbTime::from(t);
        q.push(if with { "WITH " } else { ", " });
        // SQLite runs an unmaterialised CTE again for every notice it checks; PostgreSQL
        // checks an inlined one through one hash (a materialised one it scans per notice).
        q.push(if DB::NAME == "SQLite" { "bounced AS MATERIALIZED (" } else { "bounced AS (" });
        q.push("SELECT DISTINCT account_id, refers_to FROM consent_events WHERE scope = ")
            .push_bind(self.scope.clone())
            .push(" AND kind = 'notice_bounced' AND refers_to IS NOT NULL AND at <= ")
            .push_bind(time(b.at));
        restrict(q);
        q.push(
            "), relevant AS (SELECT e.account_id, e.id, e.kind, e.at, \
             CASE WHEN e.kind = 'notice_served' THEN 0 ELSE 1 END AS choice, \
             CASE WHEN e.kind = 'notice_served' AND e.at <= CASE e.notice_medium WHEN 'mail' THEN ",
        )
        .push_bind(time(b.mail_waited))
        .push(" ELSE ")
        .push_bind(time(b.electronic_waited))
        .push(" END THEN 1 ELSE 0 END AS waited FROM consent_events e WHERE e.scope = ")
        .push_bind(self.scope.clone())
        .push(" AND e.at <= ")
        .push_bind(time(b.at));
        restrict(q);
        q.push(
            " AND (e.kind IN ('opt_out', 'opt_in', 'revocation', 'one_time_approval') OR (e.kind = 'notice_served' \
             AND e.notice_medium IS NOT NULL AND ",
        )
        .push_bind(self.tier)
        .push(
            " = 'opt_out' AND NOT EXISTS (SELECT 1 FROM bounced b WHERE b.account_id = e.account_id \
             AND b.refers_to = e.id)))), \
             tallied AS (SELECT account_id, id, kind, at, choice, waited, \
             SUM(choice) OVER upto AS choices_upto, SUM(choice) OVER whole AS choices, \
             SUM(1 - choice) OVER upto AS notices_upto, SUM(1 - choice) OVER whole AS notices, \
             SUM(waited) OVER upto AS waited_upto, SUM(waited) OVER whole AS waited_all, \
             MAX(CASE WHEN choice = 0 THEN at END) OVER whole AS latest_notice_at FROM relevant \
             WINDOW upto AS (PARTITION BY account_id ORDER BY at, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), \
             whole AS (PARTITION BY account_id ORDER BY at, id \
             ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)), \
             flagged AS (SELECT account_id, id, kind, at, choice, waited, choices_upto, choices, notices_upto, \
             notices, waited_upto, waited_all, CASE WHEN latest_notice_at < ",
        )
        .push_bind(time(b.renotice_due_before));
        for (from, to) in b.renotice_due_within {
            q.push(" OR latest_notice_at BETWEEN ").push_bind(time(from)).push(" AND ").push_bind(time(to));
        }
        q.push(
            " THEN 1 ELSE 0 END AS due FROM tallied), \
             stated AS (SELECT account_id, id, CASE WHEN choices > 0 THEN CASE WHEN ",
        )
        .push_bind(self.tier)
        .push(
            " = 'one_time' THEN CASE WHEN kind <> 'one_time_approval' THEN 'opted_out' WHEN at > ",
        )
        .push_bind(time(b.one_time_after))
        .push(
            " THEN 'one_time_approved' ELSE 'no_notice' END \
             WHEN kind = 'opt_in' THEN 'opted_in' ELSE 'opted_out' END \
             WHEN due = 1 THEN 'renotice_due' WHEN waited_all > 0 THEN 'approved_by_notice' ELSE 'waiting' END AS state \
             FROM flagged WHERE CASE WHEN choices > 0 THEN choice = 1 AND choices_upto = choices \
             WHEN due = 1 OR waited_all = 0 THEN choice = 0 AND notices_upto = notices \
             ELSE waited = 1 AND waited_upto = waited_all END), \
             decided AS (SELECT account_id, id, state, \
             state IN ('opted_in', 'approved_by_notice', 'one_time_approved') AS usable FROM stated)",
        );
    }
}

/// The select over `decided` for an outer join from a set of accounts `a` (every
/// account, or a campaign's candidates): accounts without a row are `no_notice`.
pub(crate) const SELECT_JOINED: &str = " SELECT a.id AS account_id, COALESCE(d.state, 'no_notice') AS state, \
     COALESCE(d.usable, FALSE) AS usable, d.id AS basis FROM ";

/// The join condition and order that follow `SELECT_JOINED ... <accounts> a`.
pub(crate) const JOIN_DECIDED: &str = " LEFT JOIN decided d ON d.account_id = a.id ORDER BY a.id";

/// The select over `decided` alone (accounts with a row only).
pub(crate) const SELECT_DECIDED: &str = " SELECT account_id, state, usable, id AS basis FROM decided";

/// One account's decided approval as the statement returns it.
#[derive(sqlx::FromRow)]
pub(crate) struct ApprovalRow {
    account_id: Uuid,
    state: String,
    usable: bool,
    basis: Option<Uuid>,
}

impl ApprovalRow {
    pub(crate) fn account(&self) -> Uuid {
        self.account_id
    }

    pub(crate) fn into_approval(self) -> StoreResult<AccountApproval> {
        let state = ApprovalState::parse(&self.state)
            .ok_or_else(|| crate::StoreError::corrupt("consent_events", "unknown approval state"))?;
        Ok(AccountApproval { account_id: AccountId(self.account_id), state, usable: self.usable, basis: self.basis })
    }
}

/// The approval of an account that has no choice and no counting notice.
pub(crate) fn no_notice(account: Uuid) -> AccountApproval {
    AccountApproval { account_id: AccountId(account), state: ApprovalState::NoNotice, usable: false, basis: None }
}

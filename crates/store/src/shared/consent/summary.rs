//! The per-account, per-scope summary of the consent history (`consent_scope_summary`,
//! migration 0027) that lets the bulk approval status read one short row per account
//! instead of every event (issue 23). It holds facts, not a status: the latest event's
//! time, the last choice, and the latest notice that counts with how many count; the
//! approval rules and the policy's numbers are applied at read time
//! ([`super::approval`]).
//!
//! Every write of consent events ([`keys_of`] the events it recorded) rewrites the rows
//! of the accounts and scopes it touched from their whole history, in the same
//! transaction: first [`lock`] takes (or creates) the rows, then [`rewrite`] computes
//! them. Locking first matters on PostgreSQL: a statement reads the events committed
//! when it starts, so two transactions writing to one account could each compute the
//! row without the other's event; the second now waits at the lock for the first to
//! commit, and its rewrite starts after, seeing both. (SQLite's writers are serialised
//! by `BEGIN IMMEDIATE`, so there the lock costs one statement and changes nothing.)

use super::super::DbTime;
use cpniguard_core::consent::ConsentEvent;
use sqlx::{Database, Encode, QueryBuilder, Type};
use std::collections::HashSet;
use uuid::Uuid;

/// Keys per statement: three binds each for the lock, two for the rewrite.
pub(crate) const KEYS_PER_STATEMENT: usize = 1_000;

/// One account's scope whose row is rewritten, with the time of one of its events (a
/// placeholder `last_at` for a row the lock creates; the rewrite replaces it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SummaryKey<'a> {
    scope: &'a str,
    account: Uuid,
    at: DbTime,
}

/// The keys of the events that were recorded (`recorded`: their ids), each once, in
/// (scope, account) order so that concurrent writers lock rows in the same order.
pub(crate) fn keys_of<'a>(events: &'a [ConsentEvent], recorded: &[Uuid]) -> Vec<SummaryKey<'a>> {
    let recorded: HashSet<&Uuid> = recorded.iter().collect();
    let mut keys: Vec<SummaryKey<'a>> = events
        .iter()
        .filter(|e| recorded.contains(&e.id))
        .map(|e| SummaryKey { scope: &e.scope, account: e.account_id.0, at: DbTime::from(e.at) })
        .collect();
    keys.sort_unstable();
    keys.dedup_by(|a, b| (a.scope, a.account) == (b.scope, b.account));
    keys
}

/// Takes the rows of `keys`, creating the missing ones, until the transaction ends.
pub(crate) fn lock<DB>(keys: &[SummaryKey<'_>]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::new("INSERT INTO consent_scope_summary (scope, account_id, last_at, notices) ");
    q.push_values(keys, |mut row, k| {
        row.push_bind(k.scope).push_bind(k.account).push_bind(k.at).push("0");
    });
    // An update to the same value: PostgreSQL locks the row it updates.
    q.push(" ON CONFLICT (scope, account_id) DO UPDATE SET notices = consent_scope_summary.notices");
    q
}

/// Recomputes the rows of `keys` from their events (every key has at least one).
pub(crate) fn rewrite<DB>(keys: &[SummaryKey<'_>]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::new("WITH keys (scope, account_id) AS (");
    q.push_values(keys, |mut row, k| {
        row.push_bind(k.scope).push_bind(k.account);
    });
    q.push(REWRITE_KEYS);
    q
}

/// Follows `WITH keys (scope, account_id) AS (VALUES ...`. Each event gets a role: a
/// choice, a notice that counts (a medium, and no bounce of the same account and scope
/// refers to it), or none; the first of each role in (time, id) descending order is
/// the latest. Migration 0027 backfills with the same computation over every key.
/// `WHERE TRUE` keeps SQLite from reading `ON CONFLICT` as the last join's `ON`.
const REWRITE_KEYS: &str = "), events AS (SELECT e.scope, e.account_id, e.id, e.kind, e.at, e.notice_medium, \
     CASE WHEN e.kind IN ('opt_out', 'opt_in', 'revocation', 'one_time_approval') THEN 'choice' \
     WHEN e.kind = 'notice_served' AND e.notice_medium IS NOT NULL AND NOT EXISTS (SELECT 1 FROM consent_events b \
     WHERE b.scope = e.scope AND b.account_id = e.account_id AND b.kind = 'notice_bounced' AND b.refers_to = e.id) \
     THEN 'notice' END AS role \
     FROM consent_events e JOIN keys k ON e.scope = k.scope AND e.account_id = k.account_id), \
     ranked AS (SELECT scope, account_id, id, kind, at, notice_medium, role, \
     ROW_NUMBER() OVER (PARTITION BY scope, account_id, role ORDER BY at DESC, id DESC) AS place, \
     COUNT(*) OVER (PARTITION BY scope, account_id, role) AS how_many FROM events) \
     INSERT INTO consent_scope_summary (scope, account_id, last_at, choice_id, choice_kind, choice_at, \
     notice_id, notice_at, notice_medium, notices) \
     SELECT l.scope, l.account_id, l.last_at, c.id, c.kind, c.at, n.id, n.at, n.notice_medium, \
     COALESCE(n.how_many, 0) \
     FROM (SELECT scope, account_id, MAX(at) AS last_at FROM events GROUP BY scope, account_id) l \
     LEFT JOIN ranked c ON c.scope = l.scope AND c.account_id = l.account_id AND c.role = 'choice' AND c.place = 1 \
     LEFT JOIN ranked n ON n.scope = l.scope AND n.account_id = l.account_id AND n.role = 'notice' AND n.place = 1 \
     WHERE TRUE \
     ON CONFLICT (scope, account_id) DO UPDATE SET last_at = excluded.last_at, choice_id = excluded.choice_id, \
     choice_kind = excluded.choice_kind, choice_at = excluded.choice_at, notice_id = excluded.notice_id, \
     notice_at = excluded.notice_at, notice_medium = excluded.notice_medium, notices = excluded.notices";

/// A bare `SELECT count(*)` over the summary: the table the bulk approval reads.
pub(crate) const COUNT_ROWS: &str = "SELECT COUNT(*) FROM consent_scope_summary";

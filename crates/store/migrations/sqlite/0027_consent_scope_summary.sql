-- The bulk approval status (issue 23) at a million accounts: one short row per account
-- and scope with what the approval rules look at, so the bulk read is one pass over
-- these rows instead of a window pass over every event. The consent store rewrites an
-- account's row from its events in the transaction that records them
-- (crates/store/src/shared/consent/summary.rs). Times only: what they mean (waiting
-- periods, the biennial notice) is decided at read time from the policy, so a policy
-- change rewrites nothing.
CREATE TABLE consent_scope_summary (
    scope         TEXT    NOT NULL,
    account_id    BLOB    NOT NULL REFERENCES accounts (id),
    -- The latest event of the scope, of any kind: the row decides the status only at
    -- or after it (an earlier instant is decided from the events).
    last_at       INTEGER NOT NULL,
    -- The last choice (opt-out, opt-in, revocation, one-time approval) by time, then id.
    choice_id     BLOB,
    choice_kind   TEXT,
    choice_at     INTEGER,
    -- The latest served notice that counts (it has a medium and no bounce refers to
    -- it), and how many count.
    notice_id     BLOB,
    notice_at     INTEGER,
    notice_medium TEXT,
    notices       INTEGER NOT NULL,
    PRIMARY KEY (scope, account_id)
) STRICT, WITHOUT ROWID;

-- The accounts whose events run past the instant asked about.
CREATE INDEX consent_scope_summary_by_last ON consent_scope_summary (scope, last_at);

-- Backfill from the events already stored: the same computation as the store's
-- rewrite (summary.rs), over every account and scope at once.
INSERT INTO consent_scope_summary
    (scope, account_id, last_at, choice_id, choice_kind, choice_at, notice_id, notice_at, notice_medium, notices)
WITH events AS (
    SELECT e.scope, e.account_id, e.id, e.kind, e.at, e.notice_medium,
        CASE WHEN e.kind IN ('opt_out', 'opt_in', 'revocation', 'one_time_approval') THEN 'choice'
             WHEN e.kind = 'notice_served' AND e.notice_medium IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM consent_events b WHERE b.scope = e.scope AND b.account_id = e.account_id
                     AND b.kind = 'notice_bounced' AND b.refers_to = e.id) THEN 'notice' END AS role
    FROM consent_events e
), ranked AS (
    SELECT scope, account_id, id, kind, at, notice_medium, role,
        ROW_NUMBER() OVER (PARTITION BY scope, account_id, role ORDER BY at DESC, id DESC) AS place,
        COUNT(*) OVER (PARTITION BY scope, account_id, role) AS how_many
    FROM events
)
SELECT l.scope, l.account_id, l.last_at, c.id, c.kind, c.at, n.id, n.at, n.notice_medium, COALESCE(n.how_many, 0)
FROM (SELECT scope, account_id, MAX(at) AS last_at FROM events GROUP BY scope, account_id) l
LEFT JOIN ranked c ON c.scope = l.scope AND c.account_id = l.account_id AND c.role = 'choice' AND c.place = 1
LEFT JOIN ranked n ON n.scope = l.scope AND n.account_id = l.account_id AND n.role = 'notice' AND n.place = 1;

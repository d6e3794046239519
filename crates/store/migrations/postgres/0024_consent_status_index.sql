-- The bulk approval status (issue 23) reads one scope's events in (account, time, id)
-- order with the few columns the rules look at. Kept in the index, they are read from
-- it alone (an index-only scan) instead of one heap page per event in account order,
-- which made the statement read the table many times over at a million accounts.
-- It replaces the index on the same key without those columns.
CREATE INDEX consent_events_status ON consent_events (scope, account_id, at, id)
    INCLUDE (kind, notice_medium, refers_to);
DROP INDEX consent_events_by_scope;

-- The bulk approval status (issue 23) reads one scope's events in (account, time, id)
-- order with the few columns the rules look at: kept in the index (SQLite has no
-- INCLUDE, so as trailing key columns), they are read from it alone instead of one
-- table lookup per event. It replaces the index on the same key without them.
CREATE INDEX consent_events_status ON consent_events (scope, account_id, at, id, kind, notice_medium, refers_to);
DROP INDEX consent_events_by_scope;

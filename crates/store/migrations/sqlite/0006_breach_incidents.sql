-- Breach incidents (issue 7), SQLite dialect. The record is a JSON document; the
-- columns beside it serve queries and the retention rule.

CREATE TABLE breach_incidents (
    id           BLOB    NOT NULL PRIMARY KEY,
    version      INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    -- YYYY-MM-DD: nothing is deleted through this day.
    retain_until TEXT    NOT NULL,
    record       TEXT    NOT NULL
) STRICT;

CREATE TABLE breach_events (
    id          BLOB    NOT NULL PRIMARY KEY,
    incident_id BLOB    NOT NULL REFERENCES breach_incidents (id),
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL
) STRICT;

CREATE INDEX breach_events_by_incident ON breach_events (incident_id, at, id);

-- The log is append-only; rows leave only with their incident, after retention.
CREATE TRIGGER breach_events_no_update BEFORE UPDATE ON breach_events
BEGIN
    SELECT RAISE(ABORT, 'breach events are append-only');
END;

CREATE TABLE breach_notices (
    incident_id BLOB NOT NULL REFERENCES breach_incidents (id),
    account_id  BLOB NOT NULL,
    notice_id   BLOB NOT NULL REFERENCES notices (id),
    PRIMARY KEY (incident_id, account_id)
) STRICT;

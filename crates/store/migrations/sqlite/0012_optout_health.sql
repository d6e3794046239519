-- Opt-out mechanism health (issue 6, item 7), SQLite dialect: what the opt-out paths
-- report about themselves, and the failure incidents (47 CFR 64.2009(f)) opened from
-- them.

CREATE TABLE optout_health_observations (
    id        BLOB    NOT NULL PRIMARY KEY,
    -- mail_ingest, mail_review, portal.
    mechanism TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    -- ok or failed.
    outcome   TEXT    NOT NULL,
    -- What failed (an error kind, never a message or an address).
    detail    TEXT    NOT NULL
) STRICT;

CREATE INDEX optout_health_by_mechanism ON optout_health_observations (mechanism, outcome, at);

-- The incident is one document (read whole); the columns serve queries and the rule
-- of one open incident per mechanism.
CREATE TABLE optout_incidents (
    id          BLOB    NOT NULL PRIMARY KEY,
    version     INTEGER NOT NULL,
    mechanism   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    detected_at INTEGER NOT NULL,
    record      TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX optout_incidents_one_open ON optout_incidents (mechanism) WHERE status = 'open';

-- The age of the oldest opt-out held for review.
CREATE INDEX mail_quarantine_open ON mail_quarantine (status, received_at);

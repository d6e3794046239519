-- Opt-out mechanism health (issue 6, item 7), PostgreSQL dialect: what the opt-out
-- paths report about themselves, and the failure incidents (47 CFR 64.2009(f)) opened
-- from them.

CREATE TABLE optout_health_observations (
    id        uuid        NOT NULL PRIMARY KEY,
    -- mail_ingest, mail_review, portal.
    mechanism text        NOT NULL,
    at        timestamptz NOT NULL,
    -- ok or failed.
    outcome   text        NOT NULL,
    -- What failed (an error kind, never a message or an address).
    detail    text        NOT NULL
);

CREATE INDEX optout_health_by_mechanism ON optout_health_observations (mechanism, outcome, at);

-- The incident is one document (read whole); the columns serve queries and the rule
-- of one open incident per mechanism.
CREATE TABLE optout_incidents (
    id          uuid        NOT NULL PRIMARY KEY,
    version     bigint      NOT NULL,
    mechanism   text        NOT NULL,
    status      text        NOT NULL,
    detected_at timestamptz NOT NULL,
    record      jsonb       NOT NULL
);

CREATE UNIQUE INDEX optout_incidents_one_open ON optout_incidents (mechanism) WHERE status = 'open';

-- The age of the oldest opt-out held for review.
CREATE INDEX mail_quarantine_open ON mail_quarantine (status, received_at);

-- Marketing campaigns (issue 8), SQLite dialect. The campaign is a JSON document;
-- the columns beside it serve queries and the retention rule. The review trail and
-- the audience snapshots are append-only; rows leave only with their campaign, after
-- its retention date (checked by the store).

CREATE TABLE campaigns (
    id           BLOB    NOT NULL PRIMARY KEY,
    version      INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    -- When it completed or was withdrawn.
    closed_at    INTEGER,
    -- YYYY-MM-DD once closed: nothing is changed or deleted through this day.
    retain_until TEXT,
    record       TEXT    NOT NULL
) STRICT;

CREATE INDEX campaigns_by_state ON campaigns (state, created_at);

CREATE TABLE campaign_events (
    id          BLOB    NOT NULL PRIMARY KEY,
    campaign_id BLOB    NOT NULL REFERENCES campaigns (id),
    at          INTEGER NOT NULL,
    actor_id    TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL
) STRICT;

CREATE INDEX campaign_events_by_campaign ON campaign_events (campaign_id, at, id);
CREATE INDEX campaign_events_by_time ON campaign_events (at, kind);

CREATE TABLE campaign_audiences (
    id               BLOB    NOT NULL PRIMARY KEY,
    campaign_id      BLOB    NOT NULL REFERENCES campaigns (id),
    campaign_version INTEGER NOT NULL,
    computed_at      INTEGER NOT NULL,
    computed_by      TEXT    NOT NULL,
    scope            TEXT    NOT NULL,
    candidates       INTEGER NOT NULL,
    included         INTEGER NOT NULL,
    excluded         TEXT    NOT NULL,
    decision_ref     TEXT
) STRICT;

CREATE INDEX campaign_audiences_by_campaign ON campaign_audiences (campaign_id, computed_at);

-- Every account matching the criteria, with the approval it had at that moment and
-- the consent event that approval rests on.
CREATE TABLE campaign_audience_members (
    audience_id BLOB    NOT NULL REFERENCES campaign_audiences (id),
    account_id  BLOB    NOT NULL,
    state       TEXT    NOT NULL,
    usable      INTEGER NOT NULL,
    basis       BLOB,
    included    INTEGER NOT NULL,
    PRIMARY KEY (audience_id, account_id)
) STRICT;

CREATE TRIGGER campaign_events_no_update BEFORE UPDATE ON campaign_events
BEGIN
    SELECT RAISE(ABORT, 'campaign review trails and audience snapshots are append-only');
END;
CREATE TRIGGER campaign_audiences_no_update BEFORE UPDATE ON campaign_audiences
BEGIN
    SELECT RAISE(ABORT, 'campaign review trails and audience snapshots are append-only');
END;
CREATE TRIGGER campaign_audience_members_no_update BEFORE UPDATE ON campaign_audience_members
BEGIN
    SELECT RAISE(ABORT, 'campaign review trails and audience snapshots are append-only');
END;

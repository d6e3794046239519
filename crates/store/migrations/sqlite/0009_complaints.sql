-- Complaints and questions to the privacy office, and actions against data brokers (issue 9), SQLite dialect.
-- Each record is a JSON document; the columns beside it serve listings and counts.

CREATE TABLE complaints (
    id          BLOB    NOT NULL PRIMARY KEY,
    received_at INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    account_id  BLOB    REFERENCES accounts (id),
    -- A repeated intake (the same message, a retried request) is recognised by it.
    dedup_key   TEXT    UNIQUE,
    record      TEXT    NOT NULL
) STRICT;

CREATE INDEX complaints_by_received ON complaints (received_at, id);
CREATE INDEX complaints_by_account ON complaints (account_id, id);
CREATE INDEX complaints_by_status ON complaints (status, id);

CREATE TABLE complaint_events (
    id           BLOB    NOT NULL PRIMARY KEY,
    complaint_id BLOB    NOT NULL REFERENCES complaints (id),
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    -- The category the complaint was put in at this step (NULL: unchanged).
    category     TEXT,
    note         TEXT
) STRICT;

CREATE INDEX complaint_events_by_complaint ON complaint_events (complaint_id, at, id);

-- Complaints are kept: neither they nor their log are ever deleted.
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint events are append-only');
END;

CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint events are append-only');
END;

CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints
BEGIN
    SELECT RAISE(ABORT, 'complaints are kept');
END;

-- Mail to the privacy address that needs a person before it becomes a complaint.
CREATE TABLE privacy_mail_quarantine (
    id          BLOB    NOT NULL PRIMARY KEY,
    received_at INTEGER NOT NULL,
    sha256      TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL,
    record      TEXT    NOT NULL,
    raw         BLOB    NOT NULL
) STRICT;

CREATE INDEX privacy_mail_quarantine_by_time ON privacy_mail_quarantine (received_at, id);

CREATE TABLE broker_actions (
    id       BLOB NOT NULL PRIMARY KEY,
    -- YYYY-MM-DD, the day the action was taken.
    taken_on TEXT NOT NULL,
    record   TEXT NOT NULL
) STRICT;

CREATE INDEX broker_actions_by_day ON broker_actions (taken_on, id);

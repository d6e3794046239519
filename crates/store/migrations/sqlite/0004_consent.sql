-- Consent (issue 6), SQLite dialect: the append-only approval history and the
-- quarantine of opt-out mail that could not be applied unattended.

CREATE TABLE consent_events (
    id              BLOB    NOT NULL PRIMARY KEY,
    account_id      BLOB    NOT NULL REFERENCES accounts (id),
    scope           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    -- When it took effect (received; a notice sent or mailed).
    at              INTEGER NOT NULL,
    channel         TEXT    NOT NULL,
    recorded_by     TEXT    NOT NULL,
    recorded_at     INTEGER NOT NULL,
    interaction_id  TEXT,
    message_id      TEXT,
    message_sha256  TEXT,
    letter_ref      TEXT,
    notice_version  TEXT,
    notice_medium   TEXT,
    refers_to       BLOB,
    idempotency_key TEXT    UNIQUE
) STRICT;

-- One account's history, and the bulk status of one scope over all accounts.
CREATE INDEX consent_events_by_account ON consent_events (account_id, at, id);
CREATE INDEX consent_events_by_scope ON consent_events (scope, account_id, at, id);

-- Append-only: history rows are never changed or removed by the application. A purge
-- after the retention period must be an explicit, reviewed migration.
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN
    SELECT RAISE(ABORT, 'consent history is append-only');
END;
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN
    SELECT RAISE(ABORT, 'consent history is append-only');
END;

CREATE TABLE mail_quarantine (
    id              BLOB    NOT NULL PRIMARY KEY,
    received_at     INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    detail          TEXT    NOT NULL,
    message_id      TEXT,
    sha256          TEXT    NOT NULL UNIQUE,
    sender          TEXT,
    -- JSON array of account ids.
    account_ids     TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    resolved_at     INTEGER,
    resolved_by     TEXT,
    resolution_note TEXT,
    raw             BLOB    NOT NULL
) STRICT;

CREATE INDEX mail_quarantine_by_time ON mail_quarantine (received_at, id);

-- Opt-out mail is matched to the current email addresses of accounts.
CREATE INDEX contact_points_current_emails ON contact_points (lower(value))
    WHERE kind = 'email' AND dissociated_at IS NULL;

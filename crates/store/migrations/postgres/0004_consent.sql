-- Consent (issue 6), PostgreSQL dialect: the same tables and columns as the SQLite
-- migration, in native types.

CREATE TABLE consent_events (
    id              uuid        NOT NULL PRIMARY KEY,
    account_id      uuid        NOT NULL REFERENCES accounts (id),
    scope           text        COLLATE "C" NOT NULL,
    kind            text        COLLATE "C" NOT NULL,
    at              timestamptz NOT NULL,
    channel         text        COLLATE "C" NOT NULL,
    recorded_by     text        NOT NULL,
    recorded_at     timestamptz NOT NULL,
    interaction_id  text,
    message_id      text,
    message_sha256  text,
    letter_ref      text,
    notice_version  text,
    notice_medium   text,
    refers_to       uuid,
    idempotency_key text        COLLATE "C" UNIQUE
);

CREATE INDEX consent_events_by_account ON consent_events (account_id, at, id);
CREATE INDEX consent_events_by_scope ON consent_events (scope, account_id, at, id);

-- Append-only: history rows are never changed or removed by the application.
CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent history is append-only';
END;
$$;
CREATE TRIGGER consent_events_no_change BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();

CREATE TABLE mail_quarantine (
    id              uuid        NOT NULL PRIMARY KEY,
    received_at     timestamptz NOT NULL,
    reason          text        COLLATE "C" NOT NULL,
    detail          text        NOT NULL,
    message_id      text,
    sha256          text        COLLATE "C" NOT NULL UNIQUE,
    sender          text,
    account_ids     jsonb       NOT NULL,
    status          text        COLLATE "C" NOT NULL,
    resolved_at     timestamptz,
    resolved_by     text,
    resolution_note text,
    raw             bytea       NOT NULL
);

CREATE INDEX mail_quarantine_by_time ON mail_quarantine (received_at, id);

CREATE INDEX contact_points_current_emails ON contact_points (lower(value))
    WHERE kind = 'email' AND dissociated_at IS NULL;

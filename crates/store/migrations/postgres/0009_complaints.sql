-- Complaints and questions to the privacy office, and actions against data brokers (issue 9), PostgreSQL dialect.
-- Each record is a JSON document; the columns beside it serve listings and counts.

CREATE TABLE complaints (
    id          uuid        NOT NULL PRIMARY KEY,
    received_at timestamptz NOT NULL,
    status      text        COLLATE "C" NOT NULL,
    category    text        COLLATE "C" NOT NULL,
    account_id  uuid        REFERENCES accounts (id),
    -- A repeated intake (the same message, a retried request) is recognised by it.
    dedup_key   text        UNIQUE,
    record      jsonb       NOT NULL
);

CREATE INDEX complaints_by_received ON complaints (received_at, id);
CREATE INDEX complaints_by_account ON complaints (account_id, id);
CREATE INDEX complaints_by_status ON complaints (status, id);

CREATE TABLE complaint_events (
    id           uuid        NOT NULL PRIMARY KEY,
    complaint_id uuid        NOT NULL REFERENCES complaints (id),
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,
    status       text        NOT NULL,
    -- The category the complaint was put in at this step (NULL: unchanged).
    category     text,
    note         text
);

CREATE INDEX complaint_events_by_complaint ON complaint_events (complaint_id, at, id);

-- Complaints are kept: neither they nor their log are ever deleted.
CREATE FUNCTION complaints_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'complaints and their log are kept';
END;
$$;

CREATE TRIGGER complaint_events_no_change BEFORE UPDATE OR DELETE ON complaint_events
    FOR EACH ROW EXECUTE FUNCTION complaints_kept();

CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints
    FOR EACH ROW EXECUTE FUNCTION complaints_kept();

-- Mail to the privacy address that needs a person before it becomes a complaint.
CREATE TABLE privacy_mail_quarantine (
    id          uuid        NOT NULL PRIMARY KEY,
    received_at timestamptz NOT NULL,
    sha256      text        NOT NULL UNIQUE,
    status      text        NOT NULL,
    record      jsonb       NOT NULL,
    raw         bytea       NOT NULL
);

CREATE INDEX privacy_mail_quarantine_by_time ON privacy_mail_quarantine (received_at, id);

CREATE TABLE broker_actions (
    id       uuid  NOT NULL PRIMARY KEY,
    -- YYYY-MM-DD, the day the action was taken.
    taken_on text  COLLATE "C" NOT NULL,
    record   jsonb NOT NULL
);

CREATE INDEX broker_actions_by_day ON broker_actions (taken_on, id);

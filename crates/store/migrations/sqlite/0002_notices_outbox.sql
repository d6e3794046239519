-- The notices outbox and the privacy office's task list, SQLite dialect (the same
-- representation as 0001: BLOB ids, INTEGER unix-microsecond timestamps, STRICT).
--
-- A notice is written in the same transaction as the change that owes it, then
-- claimed and delivered by a worker: queued -> sending (under a lease) -> sent, or
-- failed (with a next attempt time) and finally abandoned.

CREATE TABLE notices (
    id                  BLOB    NOT NULL PRIMARY KEY,
    account_id          BLOB    REFERENCES accounts (id),
    kind                TEXT    NOT NULL,
    channel             TEXT    NOT NULL,
    -- The Destination snapshotted when queued, as JSON.
    destination         TEXT    NOT NULL,
    template            TEXT    NOT NULL,
    language            TEXT    NOT NULL,
    -- Template parameters, a JSON object of strings (never CPNI, never a changed value).
    params              TEXT    NOT NULL,
    -- Queuing the same intended delivery twice queues it once.
    idempotency_key     TEXT    NOT NULL UNIQUE,
    status              TEXT    NOT NULL,
    attempts            INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at     INTEGER NOT NULL,
    -- Set while a worker holds the notice (status 'sending').
    lease_until         INTEGER,
    claimed_by          TEXT,
    last_error          TEXT,
    provider_message_id TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    sent_at             INTEGER
) STRICT;

-- The claim query: due queued/failed notices by next_attempt_at, expired leases.
CREATE INDEX notices_due ON notices (status, next_attempt_at);

-- An account's notices, newest (highest UUIDv7) first.
CREATE INDEX notices_by_account ON notices (account_id, id);

CREATE TABLE privacy_tasks (
    id          BLOB    NOT NULL PRIMARY KEY,
    account_id  BLOB    REFERENCES accounts (id),
    kind        TEXT    NOT NULL,
    -- What happened and what to do, without CPNI or contact values.
    detail      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
) STRICT;

CREATE INDEX privacy_tasks_by_time ON privacy_tasks (created_at, id);

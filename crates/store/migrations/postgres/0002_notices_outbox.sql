-- The notices outbox and the privacy office's task list, PostgreSQL dialect: the same
-- tables and columns as the SQLite migration, in native types. Compared text uses the
-- "C" collation, as in 0001.
--
-- A notice is written in the same transaction as the change that owes it, then
-- claimed and delivered by a worker: queued -> sending (under a lease) -> sent, or
-- failed (with a next attempt time) and finally abandoned.

CREATE TABLE notices (
    id                  uuid        NOT NULL PRIMARY KEY,
    account_id          uuid        REFERENCES accounts (id),
    kind                text        COLLATE "C" NOT NULL,
    channel             text        COLLATE "C" NOT NULL,
    -- The Destination snapshotted when queued.
    destination         jsonb       NOT NULL,
    template            text        NOT NULL,
    language            text        NOT NULL,
    -- Template parameters, an object of strings (never CPNI, never a changed value).
    params              jsonb       NOT NULL,
    -- Queuing the same intended delivery twice queues it once.
    idempotency_key     text        COLLATE "C" NOT NULL UNIQUE,
    status              text        COLLATE "C" NOT NULL,
    attempts            bigint      NOT NULL CHECK (attempts >= 0),
    next_attempt_at     timestamptz NOT NULL,
    -- Set while a worker holds the notice (status 'sending').
    lease_until         timestamptz,
    claimed_by          text        COLLATE "C",
    last_error          text,
    provider_message_id text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    sent_at             timestamptz
);

-- The claim query: due queued/failed notices by next_attempt_at, expired leases.
CREATE INDEX notices_due ON notices (status, next_attempt_at);

-- An account's notices, newest (highest UUIDv7) first.
CREATE INDEX notices_by_account ON notices (account_id, id);

CREATE TABLE privacy_tasks (
    id          uuid        NOT NULL PRIMARY KEY,
    account_id  uuid        REFERENCES accounts (id),
    kind        text        COLLATE "C" NOT NULL,
    -- What happened and what to do, without CPNI or contact values.
    detail      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz
);

CREATE INDEX privacy_tasks_by_time ON privacy_tasks (created_at, id);

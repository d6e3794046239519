-- Customer authentication (issue 4), PostgreSQL dialect: the same tables and columns as
-- the SQLite migration, in native types. Secrets are Argon2id PHC strings; tokens SHA-256.

CREATE TABLE customer_credentials (
    account_id  uuid    NOT NULL REFERENCES accounts (id),
    -- password | pin | backup_answer
    kind        TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    question    TEXT,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, kind)
);

CREATE TABLE auth_lockouts (
    account_id   uuid        NOT NULL PRIMARY KEY REFERENCES accounts (id),
    failures     bigint NOT NULL CHECK (failures >= 0),
    window_start timestamptz,
    locked_until timestamptz
);

CREATE TABLE auth_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid    NOT NULL REFERENCES accounts (id),
    staff_id   uuid,
    source     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    at         timestamptz NOT NULL
);

CREATE INDEX auth_failures_by_staff ON auth_failures (staff_id, at);
CREATE INDEX auth_failures_by_source ON auth_failures (source, at);

CREATE TABLE auth_interactions (
    id         uuid    NOT NULL PRIMARY KEY,
    account_id uuid    NOT NULL REFERENCES accounts (id),
    channel    TEXT    NOT NULL,
    staff_id   uuid,
    opened_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX auth_interactions_by_account ON auth_interactions (account_id, opened_at);

CREATE TABLE auth_evidence (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    interaction_id uuid    NOT NULL REFERENCES auth_interactions (id),
    kind           TEXT    NOT NULL,
    detail         TEXT,
    recorded_at    timestamptz NOT NULL
);

CREATE INDEX auth_evidence_by_interaction ON auth_evidence (interaction_id, id);

CREATE TABLE recovery_tokens (
    token_hash bytea   NOT NULL PRIMARY KEY,
    account_id uuid    NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE TABLE portal_sessions (
    token_hash     bytea   NOT NULL PRIMARY KEY,
    account_id     uuid    NOT NULL REFERENCES accounts (id),
    interaction_id uuid    NOT NULL REFERENCES auth_interactions (id),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz
);

CREATE TABLE pretexting_signals (
    id         uuid    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    account_id uuid,
    staff_id   uuid,
    source     TEXT,
    detail     TEXT    NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX pretexting_signals_by_account ON pretexting_signals (account_id, kind, created_at);

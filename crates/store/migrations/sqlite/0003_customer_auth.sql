-- Customer authentication (issue 4), SQLite dialect: BLOB ids, INTEGER unix-microsecond
-- timestamps, STRICT. Secrets are Argon2id PHC strings; tokens are SHA-256 hashes.

CREATE TABLE customer_credentials (
    account_id  BLOB    NOT NULL REFERENCES accounts (id),
    -- password | pin | backup_answer
    kind        TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    question    TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind)
) STRICT;

CREATE TABLE auth_lockouts (
    account_id   BLOB    NOT NULL PRIMARY KEY REFERENCES accounts (id),
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    window_start INTEGER,
    locked_until INTEGER
) STRICT;

CREATE TABLE auth_failures (
    id         INTEGER PRIMARY KEY,
    account_id BLOB    NOT NULL REFERENCES accounts (id),
    staff_id   BLOB,
    source     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    at         INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_failures_by_staff ON auth_failures (staff_id, at);
CREATE INDEX auth_failures_by_source ON auth_failures (source, at);

CREATE TABLE auth_interactions (
    id         BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB    NOT NULL REFERENCES accounts (id),
    channel    TEXT    NOT NULL,
    staff_id   BLOB,
    opened_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_interactions_by_account ON auth_interactions (account_id, opened_at);

CREATE TABLE auth_evidence (
    id             INTEGER PRIMARY KEY,
    interaction_id BLOB    NOT NULL REFERENCES auth_interactions (id),
    kind           TEXT    NOT NULL,
    detail         TEXT,
    recorded_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_evidence_by_interaction ON auth_evidence (interaction_id, id);

CREATE TABLE recovery_tokens (
    token_hash BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB    NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

CREATE TABLE portal_sessions (
    token_hash     BLOB    NOT NULL PRIMARY KEY,
    account_id     BLOB    NOT NULL REFERENCES accounts (id),
    interaction_id BLOB    NOT NULL REFERENCES auth_interactions (id),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER
) STRICT;

CREATE TABLE pretexting_signals (
    id         BLOB    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    account_id BLOB,
    staff_id   BLOB,
    source     TEXT,
    detail     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX pretexting_signals_by_account ON pretexting_signals (account_id, kind, created_at);

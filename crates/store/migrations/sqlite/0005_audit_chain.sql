-- The audit chain, SQLite dialect (as 0001: BLOB ids, INTEGER unix-microsecond
-- timestamps, STRICT). One row per disclosure decision, hash-linked by seq; see
-- cpniguard_core::audit for the canonical encoding the hashes cover.
--
-- account_id is a reference, not a foreign key: the trail outlives the account.
-- Lists (policy ids, record references) are JSON arrays of strings.

CREATE TABLE audit_entries (
    seq             INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
    at              INTEGER NOT NULL,
    principal_kind  TEXT    NOT NULL,
    principal_id    TEXT    NOT NULL,
    principal_role  TEXT,
    action          TEXT    NOT NULL,
    account_id      BLOB,
    purpose         TEXT,
    channel         TEXT,
    interaction_id  TEXT,
    legal_ref       TEXT,
    fraud_ref       TEXT,
    decision        TEXT    NOT NULL,
    policy_ids      TEXT    NOT NULL,
    policy_set_hash TEXT    NOT NULL,
    request_id      TEXT,
    record_refs     TEXT    NOT NULL,
    prev_hash       BLOB    NOT NULL,
    hash            BLOB    NOT NULL
) STRICT;

CREATE INDEX audit_entries_by_account ON audit_entries (account_id, seq);
CREATE INDEX audit_entries_by_principal ON audit_entries (principal_kind, principal_id, seq);
CREATE INDEX audit_entries_by_time ON audit_entries (at, seq);

CREATE TABLE audit_checkpoints (
    seq       INTEGER NOT NULL PRIMARY KEY,
    hash      BLOB    NOT NULL,
    at        INTEGER NOT NULL,
    signature BLOB    NOT NULL
) STRICT;

-- The chain's head, one row: appends read and move it in their transaction, so
-- every append links to the one before. It also survives retention truncation.
CREATE TABLE audit_chain_head (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB    NOT NULL
) STRICT;

INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

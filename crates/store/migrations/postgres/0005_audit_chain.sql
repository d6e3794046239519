-- The audit chain, PostgreSQL dialect: the same tables and columns as the SQLite
-- migration, in native types. One row per disclosure decision, hash-linked by seq;
-- see cpniguard_core::audit for the canonical encoding the hashes cover.
--
-- account_id is a reference, not a foreign key: the trail outlives the account.
-- Lists (policy ids, record references) are JSON arrays of strings, kept as text
-- so both backends read back the bytes they were given.

CREATE TABLE audit_entries (
    seq             bigint      NOT NULL PRIMARY KEY CHECK (seq >= 1),
    at              timestamptz NOT NULL,
    principal_kind  text        COLLATE "C" NOT NULL,
    principal_id    text        COLLATE "C" NOT NULL,
    principal_role  text,
    action          text        NOT NULL,
    account_id      uuid,
    purpose         text,
    channel         text,
    interaction_id  text,
    legal_ref       text,
    fraud_ref       text,
    decision        text        COLLATE "C" NOT NULL,
    policy_ids      text        NOT NULL,
    policy_set_hash text        NOT NULL,
    request_id      text,
    record_refs     text        NOT NULL,
    prev_hash       bytea       NOT NULL,
    hash            bytea       NOT NULL
);

CREATE INDEX audit_entries_by_account ON audit_entries (account_id, seq);
CREATE INDEX audit_entries_by_principal ON audit_entries (principal_kind, principal_id, seq);
CREATE INDEX audit_entries_by_time ON audit_entries (at, seq);

CREATE TABLE audit_checkpoints (
    seq       bigint      NOT NULL PRIMARY KEY,
    hash      bytea       NOT NULL,
    at        timestamptz NOT NULL,
    signature bytea       NOT NULL
);

-- The chain's head, one row: appends lock it (SELECT … FOR UPDATE) for their
-- transaction, so appends from any number of server processes form one chain.
CREATE TABLE audit_chain_head (
    id   integer NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  bigint  NOT NULL,
    hash bytea   NOT NULL
);

INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

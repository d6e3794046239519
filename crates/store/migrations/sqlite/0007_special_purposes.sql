-- Legal process and fraud cases recorded by the privacy office (issue 5), SQLite
-- dialect. The disclosure gate reads them to decide requests made under the
-- `legal_process` and `fraud_protection` purposes.

-- A subpoena, court order or warrant. Immutable: a corrected document is a new record.
CREATE TABLE legal_processes (
    id                BLOB    NOT NULL PRIMARY KEY,
    kind              TEXT    NOT NULL,
    issuing_authority TEXT    NOT NULL,
    reference         TEXT    NOT NULL,
    -- YYYY-MM-DD
    issued_on         TEXT    NOT NULL,
    account_id        BLOB    NOT NULL REFERENCES accounts (id),
    -- The records covered are those dated in [scope_from, scope_to).
    scope_from        INTEGER NOT NULL,
    scope_to          INTEGER NOT NULL CHECK (scope_from < scope_to),
    document_sha256   TEXT    NOT NULL CHECK (length(document_sha256) = 64),
    recorded_by       BLOB    NOT NULL,
    recorded_at       INTEGER NOT NULL,
    UNIQUE (issuing_authority, reference)
) STRICT;

CREATE INDEX legal_processes_by_account ON legal_processes (account_id, recorded_at);
CREATE INDEX legal_processes_by_time ON legal_processes (recorded_at, id);

CREATE TRIGGER legal_processes_no_update BEFORE UPDATE ON legal_processes
BEGIN
    SELECT RAISE(ABORT, 'legal process records are immutable');
END;

CREATE TRIGGER legal_processes_no_delete BEFORE DELETE ON legal_processes
BEGIN
    SELECT RAISE(ABORT, 'legal process records are immutable');
END;

CREATE TABLE fraud_cases (
    id        BLOB    NOT NULL PRIMARY KEY,
    reference TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    opened_by BLOB    NOT NULL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
) STRICT;

-- One open case per reference; a closed reference may be opened again.
CREATE UNIQUE INDEX fraud_cases_open_reference ON fraud_cases (reference) WHERE closed_at IS NULL;
CREATE INDEX fraud_cases_by_time ON fraud_cases (opened_at, id);

CREATE TABLE fraud_case_accounts (
    case_id    BLOB NOT NULL REFERENCES fraud_cases (id),
    account_id BLOB NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (case_id, account_id)
) STRICT;

CREATE INDEX fraud_case_accounts_by_account ON fraud_case_accounts (account_id);

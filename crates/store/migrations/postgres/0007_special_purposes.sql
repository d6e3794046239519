-- Legal process and fraud cases recorded by the privacy office (issue 5), PostgreSQL
-- dialect. The disclosure gate reads them to decide requests made under the
-- `legal_process` and `fraud_protection` purposes.

-- A subpoena, court order or warrant. Immutable: a corrected document is a new record.
CREATE TABLE legal_processes (
    id                uuid        NOT NULL PRIMARY KEY,
    kind              text        NOT NULL,
    issuing_authority text        NOT NULL,
    reference         text        NOT NULL,
    -- YYYY-MM-DD
    issued_on         text        NOT NULL,
    account_id        uuid        NOT NULL REFERENCES accounts (id),
    -- The records covered are those dated in [scope_from, scope_to).
    scope_from        timestamptz NOT NULL,
    scope_to          timestamptz NOT NULL CHECK (scope_from < scope_to),
    document_sha256   text        NOT NULL CHECK (length(document_sha256) = 64),
    recorded_by       uuid        NOT NULL,
    recorded_at       timestamptz NOT NULL,
    UNIQUE (issuing_authority, reference)
);

CREATE INDEX legal_processes_by_account ON legal_processes (account_id, recorded_at);
CREATE INDEX legal_processes_by_time ON legal_processes (recorded_at, id);

CREATE FUNCTION legal_processes_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'legal process records are immutable';
END;
$$;

CREATE TRIGGER legal_processes_no_change BEFORE UPDATE OR DELETE ON legal_processes
    FOR EACH ROW EXECUTE FUNCTION legal_processes_immutable();

CREATE TABLE fraud_cases (
    id        uuid        NOT NULL PRIMARY KEY,
    reference text        NOT NULL,
    reason    text        NOT NULL,
    opened_by uuid        NOT NULL,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz
);

-- One open case per reference; a closed reference may be opened again.
CREATE UNIQUE INDEX fraud_cases_open_reference ON fraud_cases (reference) WHERE closed_at IS NULL;
CREATE INDEX fraud_cases_by_time ON fraud_cases (opened_at, id);

CREATE TABLE fraud_case_accounts (
    case_id    uuid NOT NULL REFERENCES fraud_cases (id),
    account_id uuid NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (case_id, account_id)
);

CREATE INDEX fraud_case_accounts_by_account ON fraud_case_accounts (account_id);

-- Customer authentication that holds at call-center scale (issue 18), PostgreSQL
-- dialect: the same tables and columns as the SQLite migration, in native types.

CREATE TABLE auth_source_limits (
    limit_name    TEXT        NOT NULL,
    source_key    TEXT        NOT NULL,
    window_start  timestamptz NOT NULL,
    failures      bigint      NOT NULL CHECK (failures >= 0),
    blocked_until timestamptz,
    PRIMARY KEY (limit_name, source_key)
);

CREATE TABLE business_exemption_grants (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id               uuid        NOT NULL REFERENCES accounts (id),
    contract_reference       TEXT,
    dedicated_representative TEXT,
    set_by                   uuid        NOT NULL,
    set_at                   timestamptz NOT NULL
);

CREATE INDEX business_exemption_grants_by_account ON business_exemption_grants (account_id, id);

CREATE TABLE auth_lock_lifts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES accounts (id),
    lifted_by   uuid        NOT NULL,
    reason      TEXT        NOT NULL,
    lifted_at   timestamptz NOT NULL
);

CREATE INDEX auth_lock_lifts_by_account ON auth_lock_lifts (account_id, id);

CREATE TABLE attested_credential_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id   uuid        NOT NULL,
    account_id uuid        NOT NULL REFERENCES accounts (id),
    evidence   TEXT        NOT NULL,
    at         timestamptz NOT NULL
);

CREATE INDEX attested_credential_changes_by_staff ON attested_credential_changes (staff_id, at);
CREATE INDEX pretexting_signals_by_staff ON pretexting_signals (staff_id, kind, created_at);

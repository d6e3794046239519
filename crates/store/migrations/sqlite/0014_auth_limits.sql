-- Customer authentication that holds at call-center scale (issue 18), SQLite dialect.

-- Per-source failure counters for unauthenticated checks (portal sign-in and recovery,
-- bad staff tokens), in the database so every server behind a load balancer counts
-- the same failures. One row per limit and source key (an IPv4 address or an IPv6 /64).
CREATE TABLE auth_source_limits (
    limit_name    TEXT    NOT NULL,
    source_key    TEXT    NOT NULL,
    window_start  INTEGER NOT NULL,
    failures      INTEGER NOT NULL CHECK (failures >= 0),
    blocked_until INTEGER,
    PRIMARY KEY (limit_name, source_key)
) STRICT;

-- Every setting, change or removal of an account's contract exemption (64.2010(g)),
-- who made it and when: the newest row is the exemption in force. Append-only.
CREATE TABLE business_exemption_grants (
    id                       INTEGER PRIMARY KEY,
    account_id               BLOB    NOT NULL REFERENCES accounts (id),
    -- NULL: the exemption was removed.
    contract_reference       TEXT,
    dedicated_representative TEXT,
    set_by                   BLOB    NOT NULL,
    set_at                   INTEGER NOT NULL
) STRICT;

CREATE INDEX business_exemption_grants_by_account ON business_exemption_grants (account_id, id);

-- Locks lifted by the privacy office, with the reason. Append-only.
CREATE TABLE auth_lock_lifts (
    id          INTEGER PRIMARY KEY,
    account_id  BLOB    NOT NULL REFERENCES accounts (id),
    lifted_by   BLOB    NOT NULL,
    reason      TEXT    NOT NULL,
    lifted_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_lock_lifts_by_account ON auth_lock_lifts (account_id, id);

-- Secrets set or reset by a staff member in an interaction authenticated only by
-- staff-attested evidence (photo ID, call back), to spot one staff member doing it on
-- account after account.
CREATE TABLE attested_credential_changes (
    id         INTEGER PRIMARY KEY,
    staff_id   BLOB    NOT NULL,
    account_id BLOB    NOT NULL REFERENCES accounts (id),
    evidence   TEXT    NOT NULL,
    at         INTEGER NOT NULL
) STRICT;

CREATE INDEX attested_credential_changes_by_staff ON attested_credential_changes (staff_id, at);
CREATE INDEX pretexting_signals_by_staff ON pretexting_signals (staff_id, kind, created_at);

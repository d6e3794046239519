-- CPNI Guard schema, SQLite dialect.
--
-- Representation (the PostgreSQL schema has the same tables and columns):
--   ids          16-byte BLOBs (UUID bytes); call ids are the rowid
--   timestamps   INTEGER unix microseconds, so ranges compare and sort as numbers
--   dates        TEXT YYYY-MM-DD, which also sorts correctly
--   booleans     INTEGER 0/1
-- Tables are STRICT so a value of the wrong type is refused on write, not discovered
-- on read. Every CPNI table carries account_id and is indexed by it first.

CREATE TABLE accounts (
    id                          BLOB    NOT NULL PRIMARY KEY,
    account_number              TEXT    NOT NULL UNIQUE,
    kind                        TEXT    NOT NULL,
    name                        TEXT    NOT NULL,
    -- The name lower-cased in Rust, so case-insensitive search treats accented
    -- letters the same way on both backends.
    name_search                 TEXT    NOT NULL,
    language                    TEXT    NOT NULL,
    time_zone                   TEXT    NOT NULL,
    status                      TEXT    NOT NULL,
    pic_freeze_local            INTEGER NOT NULL,
    pic_freeze_intralata        INTEGER NOT NULL,
    pic_freeze_interlata        INTEGER NOT NULL,
    directory_listing           TEXT    NOT NULL,
    business_exemption_contract TEXT,
    created_at                  INTEGER NOT NULL,
    updated_at                  INTEGER NOT NULL
) STRICT;

-- One row per association of a contact point with an account; ended associations
-- keep their row with dissociated_at set, which is the history.
CREATE TABLE contact_points (
    id             INTEGER PRIMARY KEY,
    account_id     BLOB    NOT NULL REFERENCES accounts (id),
    kind           TEXT    NOT NULL,
    -- ContactValue::storage_text: E.164 number, email address, or postal address JSON.
    value          TEXT    NOT NULL,
    associated_at  INTEGER NOT NULL,
    dissociated_at INTEGER
) STRICT;

CREATE INDEX contact_points_by_account ON contact_points (account_id, associated_at);

-- Search by a telephone number the account has now.
CREATE INDEX contact_points_current_phones ON contact_points (value)
    WHERE kind = 'phone' AND dissociated_at IS NULL;

CREATE TABLE services (
    id                 BLOB    NOT NULL PRIMARY KEY,
    account_id         BLOB    NOT NULL REFERENCES accounts (id),
    service_type       TEXT    NOT NULL,
    service_number     TEXT,
    quantity           INTEGER NOT NULL CHECK (quantity > 0),
    configuration      TEXT    NOT NULL,
    rate_plan          TEXT    NOT NULL,
    monthly_rate_cents INTEGER NOT NULL,
    since              TEXT    NOT NULL,
    until              TEXT
) STRICT;

CREATE INDEX services_by_account ON services (account_id, since);

CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    account_id       BLOB    NOT NULL REFERENCES accounts (id),
    service_number   TEXT    NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_secs    INTEGER NOT NULL CHECK (duration_secs >= 0),
    direction        TEXT    NOT NULL,
    other_party      TEXT    NOT NULL,
    destination      TEXT    NOT NULL,
    call_type        TEXT    NOT NULL,
    charge_cents     INTEGER NOT NULL CHECK (charge_cents >= 0),
    source_system    TEXT    NOT NULL,
    source_record_id TEXT    NOT NULL,
    -- A re-sent billing feed is recognised by the sender's own record id.
    UNIQUE (source_system, source_record_id)
) STRICT;

CREATE INDEX calls_by_account_time ON calls (account_id, started_at, id);

CREATE TABLE invoices (
    id           BLOB    NOT NULL PRIMARY KEY,
    account_id   BLOB    NOT NULL REFERENCES accounts (id),
    period_start TEXT    NOT NULL,
    period_end   TEXT    NOT NULL,
    issued_on    TEXT    NOT NULL,
    due_on       TEXT    NOT NULL,
    total_cents  INTEGER NOT NULL
) STRICT;

CREATE INDEX invoices_by_account ON invoices (account_id, period_start);

CREATE TABLE invoice_lines (
    account_id   BLOB    NOT NULL,
    invoice_id   BLOB    NOT NULL REFERENCES invoices (id),
    line_no      INTEGER NOT NULL,
    category     TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (account_id, invoice_id, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE staff (
    id                    BLOB    NOT NULL PRIMARY KEY,
    username              TEXT    NOT NULL UNIQUE,
    display_name          TEXT    NOT NULL,
    -- Role names joined by commas, in the roles' declared order.
    roles                 TEXT    NOT NULL,
    training_completed_on TEXT,
    active                INTEGER NOT NULL,
    created_at            INTEGER NOT NULL
) STRICT;

-- API tokens are stored only as their SHA-256.
CREATE TABLE staff_tokens (
    token_hash BLOB    NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
    staff_id   BLOB    NOT NULL REFERENCES staff (id),
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX staff_tokens_by_staff ON staff_tokens (staff_id);

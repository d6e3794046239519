-- CPNI Guard schema, PostgreSQL dialect: the same tables and columns as the SQLite
-- schema, in native types. Every CPNI table carries account_id and is indexed by it
-- first, so the tables can later be partitioned or distributed by account.
--
-- Text that is compared or ordered (account numbers, user names, contact values, the
-- call feed's record keys) uses the "C" collation: byte order, the same as SQLite,
-- whatever the database's locale; usable by LIKE 'prefix%' through the ordinary
-- B-tree index; and the cheapest to compare when millions of call keys are checked.

CREATE TABLE accounts (
    id                          uuid        NOT NULL PRIMARY KEY,
    account_number              text        COLLATE "C" NOT NULL UNIQUE,
    kind                        text        NOT NULL,
    name                        text        NOT NULL,
    -- The name lower-cased in Rust, so case-insensitive search treats accented
    -- letters the same way on both backends.
    name_search                 text        COLLATE "C" NOT NULL,
    language                    text        NOT NULL,
    time_zone                   text        NOT NULL,
    status                      text        NOT NULL,
    pic_freeze_local            boolean     NOT NULL,
    pic_freeze_intralata        boolean     NOT NULL,
    pic_freeze_interlata        boolean     NOT NULL,
    directory_listing           text        NOT NULL,
    business_exemption_contract text,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL
);

-- One row per association of a contact point with an account; ended associations
-- keep their row with dissociated_at set, which is the history.
CREATE TABLE contact_points (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     uuid        NOT NULL REFERENCES accounts (id),
    kind           text        NOT NULL,
    -- ContactValue::storage_text: E.164 number, email address, or postal address JSON.
    value          text        COLLATE "C" NOT NULL,
    associated_at  timestamptz NOT NULL,
    dissociated_at timestamptz
);

CREATE INDEX contact_points_by_account ON contact_points (account_id, associated_at);

-- Search by a telephone number the account has now.
CREATE INDEX contact_points_current_phones ON contact_points (value)
    WHERE kind = 'phone' AND dissociated_at IS NULL;

CREATE TABLE services (
    id                 uuid   NOT NULL PRIMARY KEY,
    account_id         uuid   NOT NULL REFERENCES accounts (id),
    service_type       text   NOT NULL,
    service_number     text,
    quantity           bigint NOT NULL CHECK (quantity > 0),
    configuration      jsonb  NOT NULL,
    rate_plan          text   NOT NULL,
    monthly_rate_cents bigint NOT NULL,
    since              date   NOT NULL,
    until              date
);

CREATE INDEX services_by_account ON services (account_id, since);

CREATE TABLE calls (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       uuid        NOT NULL REFERENCES accounts (id),
    service_number   text        NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_secs    bigint      NOT NULL CHECK (duration_secs >= 0),
    direction        text        NOT NULL,
    other_party      text        NOT NULL,
    destination      text        NOT NULL,
    call_type        text        NOT NULL,
    charge_cents     bigint      NOT NULL CHECK (charge_cents >= 0),
    source_system    text        COLLATE "C" NOT NULL,
    source_record_id text        COLLATE "C" NOT NULL,
    -- A re-sent billing feed is recognised by the sender's own record id.
    UNIQUE (source_system, source_record_id)
);

CREATE INDEX calls_by_account_time ON calls (account_id, started_at, id);

CREATE TABLE invoices (
    id           uuid   NOT NULL PRIMARY KEY,
    account_id   uuid   NOT NULL REFERENCES accounts (id),
    period_start date   NOT NULL,
    period_end   date   NOT NULL,
    issued_on    date   NOT NULL,
    due_on       date   NOT NULL,
    total_cents  bigint NOT NULL
);

CREATE INDEX invoices_by_account ON invoices (account_id, period_start);

CREATE TABLE invoice_lines (
    account_id   uuid   NOT NULL,
    invoice_id   uuid   NOT NULL REFERENCES invoices (id),
    line_no      bigint NOT NULL,
    category     text   NOT NULL,
    description  text   NOT NULL,
    amount_cents bigint NOT NULL,
    PRIMARY KEY (account_id, invoice_id, line_no)
);

CREATE TABLE staff (
    id                    uuid        NOT NULL PRIMARY KEY,
    username              text        COLLATE "C" NOT NULL UNIQUE,
    display_name          text        NOT NULL,
    -- Role names joined by commas, in the roles' declared order.
    roles                 text        NOT NULL,
    training_completed_on date,
    active                boolean     NOT NULL,
    created_at            timestamptz NOT NULL
);

-- API tokens are stored only as their SHA-256.
CREATE TABLE staff_tokens (
    token_hash bytea       NOT NULL PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    staff_id   uuid        NOT NULL REFERENCES staff (id),
    label      text        NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE INDEX staff_tokens_by_staff ON staff_tokens (staff_id);

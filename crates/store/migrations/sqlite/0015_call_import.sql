-- Call detail imported from switches (issue 19), SQLite dialect.
--
-- 1. A raw switch record carries no price, so a call's charge may be unknown (NULL),
--    which is not the same as free (0).
-- 2. One switch record becomes two calls when both ends are customers (an outbound
--    call on the caller's account, an inbound one on the callee's), so the
--    de-duplication key is the source, the switch's record id and the direction.
-- SQLite cannot change a column or a table constraint in place: the table is rebuilt
-- with its rows and ids.

CREATE TABLE calls_rebuilt (
    id               INTEGER PRIMARY KEY,
    account_id       BLOB    NOT NULL REFERENCES accounts (id),
    service_number   TEXT    NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_secs    INTEGER NOT NULL CHECK (duration_secs >= 0),
    direction        TEXT    NOT NULL,
    other_party      TEXT    NOT NULL,
    destination      TEXT    NOT NULL,
    call_type        TEXT    NOT NULL,
    charge_cents     INTEGER CHECK (charge_cents IS NULL OR charge_cents >= 0),
    source_system    TEXT    NOT NULL,
    source_record_id TEXT    NOT NULL,
    UNIQUE (source_system, source_record_id, direction)
) STRICT;

INSERT INTO calls_rebuilt (id, account_id, service_number, started_at, duration_secs, direction, other_party,
    destination, call_type, charge_cents, source_system, source_record_id)
SELECT id, account_id, service_number, started_at, duration_secs, direction, other_party,
    destination, call_type, charge_cents, source_system, source_record_id
FROM calls;

DROP TABLE calls;
ALTER TABLE calls_rebuilt RENAME TO calls;
CREATE INDEX calls_by_account_time ON calls (account_id, started_at, id);

-- Import matches every row's numbers against the services that held them.
CREATE INDEX services_by_number ON services (service_number) WHERE service_number IS NOT NULL;

-- Rows an import could not store as calls: `unmatched` (no account held either number
-- at the time; `call` keeps the parsed record so a later match can store it) and
-- `malformed` (not a record of the format). The row as read is CPNI.
-- `row_key` is the record's de-duplication key (unmatched) or a hash of the row
-- (malformed), so importing the same file twice keeps one entry.
CREATE TABLE call_import_quarantine (
    id             INTEGER PRIMARY KEY,
    source         TEXT    NOT NULL,
    row_key        TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('unmatched', 'malformed')),
    file_name      TEXT    NOT NULL,
    line_number    INTEGER NOT NULL CHECK (line_number > 0),
    reason         TEXT    NOT NULL,
    row_text       TEXT    NOT NULL,
    call           TEXT,
    started_at     INTEGER,
    quarantined_at INTEGER NOT NULL,
    UNIQUE (source, row_key)
) STRICT;

CREATE INDEX call_import_quarantine_by_kind ON call_import_quarantine (kind, id);

-- Call detail imported from switches (issue 19), PostgreSQL dialect.
--
-- 1. A raw switch record carries no price, so a call's charge may be unknown (NULL),
--    which is not the same as free (0).
-- 2. One switch record becomes two calls when both ends are customers (an outbound
--    call on the caller's account, an inbound one on the callee's), so the
--    de-duplication key is the source, the switch's record id and the direction.

ALTER TABLE calls ALTER COLUMN charge_cents DROP NOT NULL;
ALTER TABLE calls DROP CONSTRAINT calls_source_system_source_record_id_key;
ALTER TABLE calls ADD CONSTRAINT calls_source_record_direction_key
    UNIQUE (source_system, source_record_id, direction);

-- Import matches every row's numbers against the services that held them.
CREATE INDEX services_by_number ON services (service_number) WHERE service_number IS NOT NULL;

-- Rows an import could not store as calls: `unmatched` (no account held either number
-- at the time; `call` keeps the parsed record so a later match can store it) and
-- `malformed` (not a record of the format). The row as read is CPNI.
-- `row_key` is the record's de-duplication key (unmatched) or a hash of the row
-- (malformed), so importing the same file twice keeps one entry.
CREATE TABLE call_import_quarantine (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text        COLLATE "C" NOT NULL,
    row_key        text        COLLATE "C" NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('unmatched', 'malformed')),
    file_name      text        NOT NULL,
    line_number    bigint      NOT NULL CHECK (line_number > 0),
    reason         text        NOT NULL,
    row_text       text        NOT NULL,
    call           text,
    started_at     timestamptz,
    quarantined_at timestamptz NOT NULL,
    UNIQUE (source, row_key)
);

CREATE INDEX call_import_quarantine_by_kind ON call_import_quarantine (kind, id);

-- The switch records each import source stored (issue 19), PostgreSQL only: a
-- re-imported or overlapping file learns which of its rows are stored with one probe of
-- this table's primary key, before matching them to accounts or touching the calls.
--
-- `calls` cannot answer that cheaply: it is partitioned by month, so its unique key
-- holds the start time too, and a probe by record id alone reads every month. The
-- import writes a key here in the statement that stores the calls (only for calls it
-- stored), so a key says its record is stored; a record without one goes through the
-- matching and the insert, whose conflict handling still refuses a second copy.
-- Retention drops the keys of the months it drops. SQLite answers from the calls'
-- own key (source, record id, direction) and needs no table.

CREATE TABLE call_import_keys (
    source     text        COLLATE "C" NOT NULL,
    record_id  text        COLLATE "C" NOT NULL,
    -- The record's start time: retention drops keys with the months of their calls.
    started_at timestamptz NOT NULL,
    PRIMARY KEY (source, record_id)
);

INSERT INTO call_import_keys (source, record_id, started_at)
SELECT DISTINCT ON (source_system, source_record_id) source_system, source_record_id, started_at
FROM calls
ORDER BY source_system, source_record_id, started_at;

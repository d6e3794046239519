-- Call detail partitioned by month (issue 19), PostgreSQL only. Retention then drops a
-- month whose every call is past the retention period as one partition, instead of
-- deleting its rows one by one; months holding calls of an account under a legal hold
-- or a retained breach incident are still deleted in bounded batches around them.
--
-- The de-duplication key includes the partition key. PostgreSQL enforces a unique index
-- on a partitioned table only when it contains the partition key, so the key is now
-- (source_system, source_record_id, direction, started_at). That is the same record:
-- a switch record's start time is part of the record, read the same way every time
-- (the source's zone is fixed in its configuration). The alternative, a separate
-- table of keys, would double every import's writes and need its own retention.
-- SQLite keeps the key without the start time.

ALTER TABLE calls RENAME TO calls_unpartitioned;
ALTER INDEX calls_by_account_time RENAME TO calls_unpartitioned_by_account_time;
ALTER INDEX calls_by_time RENAME TO calls_unpartitioned_by_time;
ALTER TABLE calls_unpartitioned RENAME CONSTRAINT calls_pkey TO calls_unpartitioned_pkey;
ALTER TABLE calls_unpartitioned
    RENAME CONSTRAINT calls_source_record_direction_key TO calls_unpartitioned_source_record_direction_key;

CREATE TABLE calls (
    id               bigint      GENERATED ALWAYS AS IDENTITY,
    account_id       uuid        NOT NULL REFERENCES accounts (id),
    service_number   text        NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_secs    bigint      NOT NULL CHECK (duration_secs >= 0),
    direction        text        NOT NULL,
    other_party      text        NOT NULL,
    destination      text        NOT NULL,
    call_type        text        NOT NULL,
    -- Unknown (NULL) until a rated record or an invoice brings a price.
    charge_cents     bigint      CHECK (charge_cents >= 0),
    source_system    text        COLLATE "C" NOT NULL,
    source_record_id text        COLLATE "C" NOT NULL,
    PRIMARY KEY (id, started_at),
    CONSTRAINT calls_source_record_direction_key
        UNIQUE (source_system, source_record_id, direction, started_at)
) PARTITION BY RANGE (started_at);

CREATE INDEX calls_by_account_time ON calls (account_id, started_at, id);
CREATE INDEX calls_by_time ON calls (started_at, id);

-- The partition of each month of `times` (UTC months, `calls_yYYYYmMM`), made where
-- missing. Called before every insert into calls, in a statement of its own: making a
-- partition locks `calls` briefly, which happens once a month, not once a batch. Two
-- importers making the same month at once: the second finds it made.
CREATE FUNCTION cpniguard_call_months(times timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    month timestamp;
BEGIN
    FOR month IN
        SELECT DISTINCT date_trunc('month', t AT TIME ZONE 'UTC') FROM unnest(times) AS t
    LOOP
        IF to_regclass(format('calls_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'))) IS NULL THEN
            BEGIN
                EXECUTE format(
                    'CREATE TABLE IF NOT EXISTS %I PARTITION OF calls FOR VALUES FROM (%L) TO (%L)',
                    format('calls_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM')),
                    month AT TIME ZONE 'UTC',
                    (month + interval '1 month') AT TIME ZONE 'UTC');
            EXCEPTION WHEN duplicate_table OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END;
$$;

-- Drop every month wholly before `before` none of whose calls belong to an account
-- retention keeps (the same rule as the bounded delete in the store's retention.rs: an
-- active legal hold on the account, or on a breach incident that affected it, or such
-- an incident not closed or retained through `today`). Returns each dropped month
-- (YYYY-MM) with its number of calls, for the audit entry.
CREATE FUNCTION cpniguard_drop_expired_call_months(before timestamptz, today text)
RETURNS TABLE (call_month text, call_count bigint)
LANGUAGE plpgsql AS $$
DECLARE
    part record;
    kept boolean;
BEGIN
    FOR part IN
        SELECT c.relname AS name, substr(c.relname, 8, 4) || '-' || substr(c.relname, 13, 2) AS month
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'calls'::regclass AND c.relname ~ '^calls_y[0-9]{4}m[0-9]{2}$'
        ORDER BY c.relname
    LOOP
        -- The month ends (UTC) after `before`: some of its calls are still kept.
        CONTINUE WHEN ((part.month || '-01')::timestamp + interval '1 month') AT TIME ZONE 'UTC' > before;
        EXECUTE format(
            'SELECT EXISTS (SELECT 1 FROM (
                 SELECT h.account_id FROM legal_holds h
                     WHERE h.lifted_at IS NULL AND h.account_id IS NOT NULL
                 UNION
                 SELECT a.account_id FROM breach_affected_accounts a
                     JOIN breach_incidents i ON i.id = a.incident_id
                     WHERE i.state <> %L OR i.retain_until >= %L
                        OR EXISTS (SELECT 1 FROM legal_holds h
                                   WHERE h.lifted_at IS NULL AND h.incident_id = i.id)
             ) k WHERE EXISTS (SELECT 1 FROM %I c WHERE c.account_id = k.account_id))',
            'closed', today, part.name) INTO kept;
        CONTINUE WHEN kept;
        call_month := part.month;
        EXECUTE format('SELECT count(*) FROM %I', part.name) INTO call_count;
        EXECUTE format('DROP TABLE %I', part.name);
        RETURN NEXT;
    END LOOP;
END;
$$;

SELECT cpniguard_call_months(array_agg(m)) FROM (
    SELECT DISTINCT date_trunc('month', started_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m
    FROM calls_unpartitioned
) AS months;

INSERT INTO calls (id, account_id, service_number, started_at, duration_secs, direction, other_party,
                   destination, call_type, charge_cents, source_system, source_record_id)
OVERRIDING SYSTEM VALUE
SELECT id, account_id, service_number, started_at, duration_secs, direction, other_party,
       destination, call_type, charge_cents, source_system, source_record_id
FROM calls_unpartitioned;

-- New ids continue after the copied ones.
SELECT setval(pg_get_serial_sequence('calls', 'id'), COALESCE((SELECT max(id) FROM calls), 0) + 1, false);

DROP TABLE calls_unpartitioned;

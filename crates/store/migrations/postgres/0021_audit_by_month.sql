-- Audit entries partitioned by month of their time (issue 21), PostgreSQL only, like call
-- detail (0018): a search by time reads only the months it covers, and retention
-- (`audit prune`, behind a signed checkpoint) drops whole months instead of deleting
-- their rows one by one.
--
-- The chain's order is its seq. PostgreSQL enforces a unique index on a partitioned
-- table only when it contains the partition key, so the primary key is now (seq, at)
-- and no index alone keeps two partitions from holding the same seq. Three things do:
--   1. appends read and lock the one-row chain head (audit_chain_head, FOR UPDATE) and
--      number their entries from it, so appenders in every process queue on one row;
--   2. the trigger below refuses any entry whose seq is not after the committed head,
--      so a second row with a seq already in the chain cannot be inserted, in whatever
--      month it claims to be;
--   3. `audit verify` walks the chain by seq and refuses a gap, a repeat or a broken
--      hash link, whatever wrote it.
-- The alternative, a separate unpartitioned table of seqs with its own unique index,
-- would add a second index write to every append and outlive retention unless pruned
-- as well; the head row already serialises appends.
-- SQLite keeps its single table: it has no partitions, and its seq is the primary key.

ALTER TABLE audit_entries RENAME TO audit_entries_unpartitioned;
ALTER INDEX audit_entries_by_account RENAME TO audit_entries_unpartitioned_by_account;
ALTER INDEX audit_entries_by_principal RENAME TO audit_entries_unpartitioned_by_principal;
ALTER INDEX audit_entries_by_time RENAME TO audit_entries_unpartitioned_by_time;
ALTER TABLE audit_entries_unpartitioned RENAME CONSTRAINT audit_entries_pkey TO audit_entries_unpartitioned_pkey;

CREATE TABLE audit_entries (
    seq             bigint      NOT NULL CHECK (seq >= 1),
    at              timestamptz NOT NULL,
    principal_kind  text        COLLATE "C" NOT NULL,
    principal_id    text        COLLATE "C" NOT NULL,
    principal_role  text,
    action          text        NOT NULL,
    account_id      uuid,
    purpose         text,
    channel         text,
    interaction_id  text,
    legal_ref       text,
    fraud_ref       text,
    decision        text        COLLATE "C" NOT NULL,
    policy_ids      text        NOT NULL,
    policy_set_hash text        NOT NULL,
    request_id      text,
    record_refs     text        NOT NULL,
    prev_hash       bytea       NOT NULL,
    hash            bytea       NOT NULL,
    PRIMARY KEY (seq, at)
) PARTITION BY RANGE (at);

CREATE INDEX audit_entries_by_account ON audit_entries (account_id, seq);
CREATE INDEX audit_entries_by_principal ON audit_entries (principal_kind, principal_id, seq);
CREATE INDEX audit_entries_by_time ON audit_entries (at, seq);

-- The partition of each UTC month of `times` for the partitioned table `parent`
-- (`PARENT_yYYYYmMM`), made where missing. Called in a statement of its own before an
-- insert: making a partition locks the parent briefly, once a month. Two callers making
-- the same month at once: the second finds it made.
CREATE FUNCTION cpniguard_month_partitions(parent text, times timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    month timestamp;
    part text;
BEGIN
    FOR month IN
        SELECT DISTINCT date_trunc('month', t AT TIME ZONE 'UTC') FROM unnest(times) AS t
    LOOP
        part := format('%s_y%sm%s', parent, to_char(month, 'YYYY'), to_char(month, 'MM'));
        IF to_regclass(part) IS NULL THEN
            BEGIN
                EXECUTE format(
                    'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    part, parent,
                    month AT TIME ZONE 'UTC',
                    (month + interval '1 month') AT TIME ZONE 'UTC');
            EXCEPTION WHEN duplicate_table OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END;
$$;

-- Call detail makes its months with the same function now (0018 had its own copy).
CREATE OR REPLACE FUNCTION cpniguard_call_months(times timestamptz[]) RETURNS void
LANGUAGE sql AS $$ SELECT cpniguard_month_partitions('calls', times) $$;

-- Drop every month of audit entries all of whose entries come before `keep_from` (the
-- first seq retention keeps; the store checks a signed checkpoint sits right behind it
-- in the same transaction). Returns how many entries the dropped months held.
CREATE FUNCTION cpniguard_drop_audit_months_before(keep_from bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    part record;
    newest bigint;
    held bigint;
    dropped bigint := 0;
BEGIN
    FOR part IN
        SELECT c.relname AS name
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_entries'::regclass AND c.relname ~ '^audit_entries_y[0-9]{4}m[0-9]{2}$'
    LOOP
        EXECUTE format('SELECT max(seq), count(*) FROM %I', part.name) INTO newest, held;
        CONTINUE WHEN newest IS NULL OR newest >= keep_from;
        EXECUTE format('DROP TABLE %I', part.name);
        dropped := dropped + held;
    END LOOP;
    RETURN dropped;
END;
$$;

SELECT cpniguard_month_partitions('audit_entries', array_agg(m)) FROM (
    SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m
    FROM audit_entries_unpartitioned
) AS months;

INSERT INTO audit_entries
SELECT seq, at, principal_kind, principal_id, principal_role, action, account_id, purpose, channel,
       interaction_id, legal_ref, fraud_ref, decision, policy_ids, policy_set_hash, request_id,
       record_refs, prev_hash, hash
FROM audit_entries_unpartitioned;

DROP TABLE audit_entries_unpartitioned;

-- Point 2 above. Created after the copy, which moves rows already in the chain; a
-- restore (pg_restore) likewise loads the rows before it creates triggers.
CREATE FUNCTION cpniguard_audit_seq_after_head() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <= (SELECT seq FROM audit_chain_head WHERE id = 1) THEN
        RAISE unique_violation USING MESSAGE =
            format('audit entry %s is not after the chain head: the chain already holds its seq', NEW.seq);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_entries_seq_after_head BEFORE INSERT ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION cpniguard_audit_seq_after_head();

-- Breach incidents' affected accounts move out of the incident's JSON record into
-- their own rows, SQLite dialect: a breach can reach a million accounts, and every
-- change to the incident rewrote (and every read parsed) the whole list. The record
-- keeps only the count.

CREATE TABLE breach_affected_accounts (
    incident_id BLOB NOT NULL REFERENCES breach_incidents (id),
    account_id  BLOB NOT NULL,
    PRIMARY KEY (incident_id, account_id)
) STRICT, WITHOUT ROWID;

INSERT INTO breach_affected_accounts (incident_id, account_id)
SELECT i.id, unhex(replace(a.value, '-', ''))
FROM breach_incidents i, json_each(i.record, '$.affected_accounts') a;

UPDATE breach_incidents
SET record = json_set(
    json_remove(record, '$.affected_accounts'),
    '$.affected_count',
    COALESCE(json_array_length(record, '$.affected_accounts'), 0)
);

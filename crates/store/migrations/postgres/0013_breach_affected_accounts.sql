-- Breach incidents' affected accounts move out of the incident's JSON record into
-- their own rows, PostgreSQL dialect: a breach can reach a million accounts, and every
-- change to the incident rewrote (and every read parsed) the whole list. The record
-- keeps only the count.

CREATE TABLE breach_affected_accounts (
    incident_id uuid NOT NULL REFERENCES breach_incidents (id),
    account_id  uuid NOT NULL,
    PRIMARY KEY (incident_id, account_id)
);

INSERT INTO breach_affected_accounts (incident_id, account_id)
SELECT i.id, a.value::uuid
FROM breach_incidents i, jsonb_array_elements_text(COALESCE(i.record -> 'affected_accounts', '[]'::jsonb)) a;

UPDATE breach_incidents
SET record = (record - 'affected_accounts')
    || jsonb_build_object('affected_count', jsonb_array_length(COALESCE(record -> 'affected_accounts', '[]'::jsonb)));

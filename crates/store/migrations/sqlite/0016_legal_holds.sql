-- Legal holds (issue 19), SQLite dialect: placed and lifted by the privacy office on an
-- account or a breach incident. While a hold is active, retention deletes none of the
-- account's call detail (or, for an incident, of any account it affected).

CREATE TABLE legal_holds (
    id          BLOB    NOT NULL PRIMARY KEY,
    account_id  BLOB    REFERENCES accounts (id),
    incident_id BLOB    REFERENCES breach_incidents (id),
    reason      TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    placed_by   TEXT    NOT NULL,
    placed_at   INTEGER NOT NULL,
    lifted_by   TEXT,
    lifted_at   INTEGER,
    CHECK ((account_id IS NULL) <> (incident_id IS NULL))
) STRICT;

CREATE INDEX legal_holds_active_by_account ON legal_holds (account_id) WHERE lifted_at IS NULL;
CREATE INDEX legal_holds_active_by_incident ON legal_holds (incident_id) WHERE lifted_at IS NULL;
-- Retention finds the oldest calls first.
CREATE INDEX calls_by_time ON calls (started_at, id);
CREATE INDEX breach_affected_by_account ON breach_affected_accounts (account_id);

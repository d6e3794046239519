-- Legal holds (issue 19), PostgreSQL dialect: placed and lifted by the privacy office
-- on an account or a breach incident. While a hold is active, retention deletes none of
-- the account's call detail (or, for an incident, of any account it affected).

CREATE TABLE legal_holds (
    id          uuid        NOT NULL PRIMARY KEY,
    account_id  uuid        REFERENCES accounts (id),
    incident_id uuid        REFERENCES breach_incidents (id),
    reason      text        NOT NULL,
    reference   text        NOT NULL,
    placed_by   text        NOT NULL,
    placed_at   timestamptz NOT NULL,
    lifted_by   text,
    lifted_at   timestamptz,
    CHECK ((account_id IS NULL) <> (incident_id IS NULL))
);

CREATE INDEX legal_holds_active_by_account ON legal_holds (account_id) WHERE lifted_at IS NULL;
CREATE INDEX legal_holds_active_by_incident ON legal_holds (incident_id) WHERE lifted_at IS NULL;
-- Retention finds the oldest calls first.
CREATE INDEX calls_by_time ON calls (started_at, id);
CREATE INDEX breach_affected_by_account ON breach_affected_accounts (account_id);

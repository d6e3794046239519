-- Breach incidents (issue 7), PostgreSQL dialect. The record is a JSON document; the
-- columns beside it serve queries and the retention rule.

CREATE TABLE breach_incidents (
    id           uuid   NOT NULL PRIMARY KEY,
    version      bigint NOT NULL,
    state        text   NOT NULL,
    -- YYYY-MM-DD: nothing is deleted through this day.
    retain_until text   NOT NULL,
    record       jsonb  NOT NULL
);

CREATE TABLE breach_events (
    id          uuid        NOT NULL PRIMARY KEY,
    incident_id uuid        NOT NULL REFERENCES breach_incidents (id),
    at          timestamptz NOT NULL,
    actor       text        NOT NULL,
    kind        text        NOT NULL,
    detail      jsonb       NOT NULL
);

CREATE INDEX breach_events_by_incident ON breach_events (incident_id, at, id);

-- The log is append-only; rows leave only with their incident, after retention.
CREATE FUNCTION breach_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'breach events are append-only';
END;
$$;

CREATE TRIGGER breach_events_no_update BEFORE UPDATE ON breach_events
    FOR EACH ROW EXECUTE FUNCTION breach_events_append_only();

CREATE TABLE breach_notices (
    incident_id uuid NOT NULL REFERENCES breach_incidents (id),
    account_id  uuid NOT NULL,
    notice_id   uuid NOT NULL REFERENCES notices (id),
    PRIMARY KEY (incident_id, account_id)
);

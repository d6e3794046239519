-- Marketing campaigns (issue 8), PostgreSQL dialect. The campaign is a JSON document;
-- the columns beside it serve queries and the retention rule. The review trail and
-- the audience snapshots are append-only; rows leave only with their campaign, after
-- its retention date (checked by the store).

CREATE TABLE campaigns (
    id           uuid        NOT NULL PRIMARY KEY,
    version      bigint      NOT NULL,
    state        text        NOT NULL,
    created_at   timestamptz NOT NULL,
    -- When it completed or was withdrawn.
    closed_at    timestamptz,
    -- YYYY-MM-DD once closed: nothing is changed or deleted through this day.
    retain_until text,
    record       jsonb       NOT NULL
);

CREATE INDEX campaigns_by_state ON campaigns (state, created_at);

CREATE TABLE campaign_events (
    id          uuid        NOT NULL PRIMARY KEY,
    campaign_id uuid        NOT NULL REFERENCES campaigns (id),
    at          timestamptz NOT NULL,
    actor_id    text        NOT NULL,
    actor       text        NOT NULL,
    kind        text        NOT NULL,
    detail      jsonb       NOT NULL
);

CREATE INDEX campaign_events_by_campaign ON campaign_events (campaign_id, at, id);
CREATE INDEX campaign_events_by_time ON campaign_events (at, kind);

CREATE TABLE campaign_audiences (
    id               uuid        NOT NULL PRIMARY KEY,
    campaign_id      uuid        NOT NULL REFERENCES campaigns (id),
    campaign_version bigint      NOT NULL,
    computed_at      timestamptz NOT NULL,
    computed_by      text        NOT NULL,
    scope            text        NOT NULL,
    candidates       bigint      NOT NULL,
    included         bigint      NOT NULL,
    excluded         jsonb       NOT NULL,
    decision_ref     text
);

CREATE INDEX campaign_audiences_by_campaign ON campaign_audiences (campaign_id, computed_at);

-- Every account matching the criteria, with the approval it had at that moment and
-- the consent event that approval rests on.
CREATE TABLE campaign_audience_members (
    audience_id uuid    NOT NULL REFERENCES campaign_audiences (id),
    account_id  uuid    NOT NULL,
    state       text    NOT NULL,
    usable      boolean NOT NULL,
    basis       uuid,
    included    boolean NOT NULL,
    PRIMARY KEY (audience_id, account_id)
);

CREATE FUNCTION campaign_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'campaign review trails and audience snapshots are append-only';
END;
$$;

CREATE TRIGGER campaign_events_no_update BEFORE UPDATE ON campaign_events
    FOR EACH ROW EXECUTE FUNCTION campaign_records_append_only();
CREATE TRIGGER campaign_audiences_no_update BEFORE UPDATE ON campaign_audiences
    FOR EACH ROW EXECUTE FUNCTION campaign_records_append_only();
CREATE TRIGGER campaign_audience_members_no_update BEFORE UPDATE ON campaign_audience_members
    FOR EACH ROW EXECUTE FUNCTION campaign_records_append_only();

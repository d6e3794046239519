-- Breach records as evidence (issue 20), PostgreSQL dialect: the date a breach record
-- is kept through only moves later. The store refuses an earlier date itself; this
-- trigger refuses it from any other writer too, so moving the determination back
-- cannot bring a deletion forward.

CREATE FUNCTION breach_retention_only_later() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the retention date of a breach record only moves later';
END;
$$;

CREATE TRIGGER breach_retention_only_later BEFORE UPDATE OF retain_until ON breach_incidents
    FOR EACH ROW WHEN (NEW.retain_until::date < OLD.retain_until::date)
    EXECUTE FUNCTION breach_retention_only_later();

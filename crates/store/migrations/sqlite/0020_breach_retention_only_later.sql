-- Breach records as evidence (issue 20), SQLite dialect: the date a breach record is
-- kept through only moves later. The store refuses an earlier date itself; this
-- trigger refuses it from any other writer too, so moving the determination back
-- cannot bring a deletion forward.

CREATE TRIGGER breach_retention_only_later BEFORE UPDATE OF retain_until ON breach_incidents
WHEN NEW.retain_until < OLD.retain_until
BEGIN
    SELECT RAISE(ABORT, 'the retention date of a breach record only moves later');
END;

-- Audit entries found by their action (the privacy office's last chain verification,
-- `audit.verified`; an auditor's search by action): an index, so the lookup reads the
-- few entries of that action instead of every entry of the period.
CREATE INDEX audit_entries_by_action ON audit_entries (action, seq);

-- Marketing campaigns under supervisory review, audience snapshots and their records (issue 8), SQLite dialect.
SELECT 1;

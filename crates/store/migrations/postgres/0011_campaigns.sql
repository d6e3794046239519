-- Marketing campaigns under supervisory review, audience snapshots and their records (issue 8), PostgreSQL dialect.
SELECT 1;

-- Opt-out health after an outage (issue 20, item 6), PostgreSQL dialect: how long an
-- opt-out waited between its arrival at the carrier and its application. A database
-- outage leaves no failure behind (nothing could be stored), but the mail it held up
-- is applied late once the mail system redelivers it; the wait is that trace.

-- When the opt-out reached the carrier (NULL: unknown, or no earlier than `at`), and
-- the seconds from then to `at`, what the threshold is compared with.
ALTER TABLE optout_health_observations ADD COLUMN arrived_at timestamptz;
ALTER TABLE optout_health_observations ADD COLUMN waited_secs bigint NOT NULL DEFAULT 0;

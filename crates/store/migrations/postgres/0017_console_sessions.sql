-- The web console (issue 17), PostgreSQL dialect: staff passwords (Argon2id PHC
-- strings, never the password) and console sessions, kept only as the SHA-256 of the
-- cookie.

CREATE TABLE staff_passwords (
    staff_id   uuid        NOT NULL PRIMARY KEY REFERENCES staff (id),
    hash       text        NOT NULL,
    updated_at timestamptz NOT NULL
);

-- A session ends at `expires_at` (absolute), when unused since the idle limit (the
-- reader passes the earliest `last_seen_at` it accepts), or at sign-out (`ended_at`).
CREATE TABLE console_sessions (
    token_hash   bytea       NOT NULL PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    staff_id     uuid        NOT NULL REFERENCES staff (id),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);

CREATE INDEX console_sessions_by_staff ON console_sessions (staff_id);

-- The web console (issue 17), SQLite dialect: staff passwords (Argon2id PHC strings,
-- never the password) and console sessions, kept only as the SHA-256 of the cookie.

CREATE TABLE staff_passwords (
    staff_id   BLOB    NOT NULL PRIMARY KEY REFERENCES staff (id),
    hash       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- A session ends at `expires_at` (absolute), when unused since the idle limit (the
-- reader passes the earliest `last_seen_at` it accepts), or at sign-out (`ended_at`).
CREATE TABLE console_sessions (
    token_hash   BLOB    NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
    staff_id     BLOB    NOT NULL REFERENCES staff (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ended_at     INTEGER
) STRICT;

CREATE INDEX console_sessions_by_staff ON console_sessions (staff_id);

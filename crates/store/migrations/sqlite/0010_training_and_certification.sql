-- Staff CPNI training and discipline, and the annual certification (issue 9), SQLite
-- dialect. The PostgreSQL migration has the same tables and columns in native types.

-- One row per course completed. The latest completion is also copied to
-- staff.training_completed_on (same transaction), which is what the disclosure gate reads.
CREATE TABLE training_records (
    id           BLOB    NOT NULL PRIMARY KEY,
    staff_id     BLOB    NOT NULL REFERENCES staff (id),
    course       TEXT    NOT NULL,
    completed_on TEXT    NOT NULL,
    expires_on   TEXT    NOT NULL CHECK (expires_on > completed_on),
    -- `api` or `import`.
    source       TEXT    NOT NULL,
    recorded_by  TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX training_records_by_staff ON training_records (staff_id, completed_on);
CREATE INDEX training_records_by_date ON training_records (completed_on);

-- CSV rows an import refused, with the reason, so nothing sent is silently dropped.
CREATE TABLE training_import_rejects (
    id          BLOB    NOT NULL PRIMARY KEY,
    import_id   BLOB    NOT NULL,
    line        INTEGER NOT NULL,
    raw         TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
) STRICT;

CREATE INDEX training_import_rejects_by_time ON training_import_rejects (recorded_at, line);

-- Disciplinary action for misuse of CPNI (64.2009(b)).
CREATE TABLE disciplinary_records (
    id          BLOB    NOT NULL PRIMARY KEY,
    staff_id    BLOB    NOT NULL REFERENCES staff (id),
    occurred_on TEXT    NOT NULL,
    misuse      TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
) STRICT;

CREATE INDEX disciplinary_records_by_date ON disciplinary_records (occurred_on);

-- One annual certification per calendar year: draft -> signed -> filed.
CREATE TABLE certifications (
    year             INTEGER NOT NULL PRIMARY KEY,
    status           TEXT    NOT NULL,
    due_on           TEXT    NOT NULL,
    officer_name     TEXT    NOT NULL,
    officer_title    TEXT    NOT NULL,
    -- The figures as drafted (JSON); frozen once signed.
    figures          TEXT    NOT NULL,
    drafted_at       INTEGER NOT NULL,
    signed_by        TEXT,
    signed_at        INTEGER,
    filing_reference TEXT,
    filed_on         TEXT
) STRICT;

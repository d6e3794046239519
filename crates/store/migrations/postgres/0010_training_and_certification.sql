-- Staff CPNI training and discipline, and the annual certification (issue 9),
-- PostgreSQL dialect: the same tables and columns as the SQLite migration.

-- One row per course completed. The latest completion is also copied to
-- staff.training_completed_on (same transaction), which is what the disclosure gate reads.
CREATE TABLE training_records (
    id           uuid        NOT NULL PRIMARY KEY,
    staff_id     uuid        NOT NULL REFERENCES staff (id),
    course       text        NOT NULL,
    completed_on date        NOT NULL,
    expires_on   date        NOT NULL CHECK (expires_on > completed_on),
    -- `api` or `import`.
    source       text        NOT NULL,
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL
);

CREATE INDEX training_records_by_staff ON training_records (staff_id, completed_on);
CREATE INDEX training_records_by_date ON training_records (completed_on);

-- CSV rows an import refused, with the reason, so nothing sent is silently dropped.
CREATE TABLE training_import_rejects (
    id          uuid        NOT NULL PRIMARY KEY,
    import_id   uuid        NOT NULL,
    line        bigint      NOT NULL,
    raw         text        NOT NULL,
    reason      text        NOT NULL,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL
);

CREATE INDEX training_import_rejects_by_time ON training_import_rejects (recorded_at, line);

-- Disciplinary action for misuse of CPNI (64.2009(b)).
CREATE TABLE disciplinary_records (
    id          uuid        NOT NULL PRIMARY KEY,
    staff_id    uuid        NOT NULL REFERENCES staff (id),
    occurred_on date        NOT NULL,
    misuse      text        NOT NULL,
    action      text        NOT NULL,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL
);

CREATE INDEX disciplinary_records_by_date ON disciplinary_records (occurred_on);

-- One annual certification per calendar year: draft -> signed -> filed.
CREATE TABLE certifications (
    year             bigint      NOT NULL PRIMARY KEY,
    status           text        NOT NULL,
    due_on           date        NOT NULL,
    officer_name     text        NOT NULL,
    officer_title    text        NOT NULL,
    -- The figures as drafted (JSON); frozen once signed.
    figures          jsonb       NOT NULL,
    drafted_at       timestamptz NOT NULL,
    signed_by        text,
    signed_at        timestamptz,
    filing_reference text,
    filed_on         date
);

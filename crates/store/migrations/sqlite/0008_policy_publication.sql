-- Published CPNI policy versions in English and Spanish, and material-change mailings (issue 9), SQLite dialect.

-- One row per version, numbered from 1. A draft is edited in place until published;
-- a published version is never changed or removed (the triggers below), so every
-- earlier version stays readable as it was.
CREATE TABLE policy_versions (
    version      INTEGER NOT NULL PRIMARY KEY,
    -- YYYY-MM-DD in the carrier's time zone.
    effective_on TEXT    NOT NULL,
    material     BOOLEAN NOT NULL,
    -- Markdown; a draft may lack a language, a published version has both.
    summary_en   TEXT,
    body_en      TEXT,
    summary_es   TEXT,
    body_es      TEXT,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_by TEXT,
    published_at INTEGER
);

CREATE TRIGGER policy_versions_published_no_update BEFORE UPDATE ON policy_versions
    WHEN OLD.published_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a published policy version is immutable');
END;
CREATE TRIGGER policy_versions_published_no_delete BEFORE DELETE ON policy_versions
    WHEN OLD.published_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a published policy version is immutable');
END;

-- The material-change mailing of a version: accounts are queued in id order, and
-- after_account is the last one done, so a restarted mailing resumes there.
CREATE TABLE policy_mailings (
    version       INTEGER NOT NULL PRIMARY KEY REFERENCES policy_versions (version),
    total         INTEGER NOT NULL CHECK (total >= 0),
    queued        INTEGER NOT NULL CHECK (queued >= 0),
    after_account BLOB,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER
);

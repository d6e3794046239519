-- Published CPNI policy versions in English and Spanish, and material-change mailings (issue 9), PostgreSQL dialect.

-- One row per version, numbered from 1. A draft is edited in place until published;
-- a published version is never changed or removed (the trigger below), so every
-- earlier version stays readable as it was.
CREATE TABLE policy_versions (
    version      bigint      NOT NULL PRIMARY KEY,
    -- YYYY-MM-DD in the carrier's time zone.
    effective_on text        COLLATE "C" NOT NULL,
    material     boolean     NOT NULL,
    -- Markdown; a draft may lack a language, a published version has both.
    summary_en   text,
    body_en      text,
    summary_es   text,
    body_es      text,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    published_by text,
    published_at timestamptz
);

CREATE FUNCTION policy_versions_published_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'a published policy version is immutable';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER policy_versions_published_no_change BEFORE UPDATE OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION policy_versions_published_immutable();

-- The material-change mailing of a version: accounts are queued in id order, and
-- after_account is the last one done, so a restarted mailing resumes there.
CREATE TABLE policy_mailings (
    version       bigint      NOT NULL PRIMARY KEY REFERENCES policy_versions (version),
    total         bigint      NOT NULL CHECK (total >= 0),
    queued        bigint      NOT NULL CHECK (queued >= 0),
    after_account uuid,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz
);

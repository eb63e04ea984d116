-- Imports (issue 19): registered sources, their runs, and which listings each brought in.

-- A source the directory reads listings from: a live ORUK API, a file, an OpenActive feed, a
-- spreadsheet. `config` is JSON (paging, concurrency, rate); `cursor` is where the next run
-- resumes (an RPDE `next` URL, an ORUK `modified_after`, a page number), saved with each batch.
CREATE TABLE import_sources (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    location         TEXT NOT NULL,
    trust            TEXT NOT NULL CHECK (trust IN ('publish', 'moderate')),
    attribution      TEXT,
    keep_ids         INTEGER NOT NULL DEFAULT 1,
    -- How often the running server refreshes it (NULL: only when run by hand).
    refresh_minutes  INTEGER,
    config           TEXT NOT NULL DEFAULT '{}',
    cursor           TEXT,
    created_at       TEXT NOT NULL,
    last_run_started_at  TEXT,
    last_run_finished_at TEXT,
    -- 'running', 'succeeded', 'failed' (the run stopped; the cursor says where to resume).
    last_run_status  TEXT,
    -- JSON {created, updated, unchanged, archived, rejected} of the last run.
    last_run_counts  TEXT,
    -- JSON array of the last run's first rejections and its failure, if any.
    last_run_errors  TEXT
);

-- Which directory listing each source record became. `kind`: 'service', 'organization' or
-- 'location'. `created_by_source` = 0 when the source's organisation was linked to one the
-- directory already held (same register number, or similar name at the same postcode): the
-- source never changes or archives what it did not create. `content_hash` is the SHA-256 of the
-- record as last read, so the same data again writes nothing. `detached_at`: an admin cut the
-- listing loose from the source (local edits win from then on).
CREATE TABLE import_records (
    source_id          TEXT NOT NULL REFERENCES import_sources(id),
    kind               TEXT NOT NULL,
    source_record_id   TEXT NOT NULL,
    entity_id          TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    created_by_source  INTEGER NOT NULL DEFAULT 1,
    last_read_at       TEXT NOT NULL,
    archived_by_source INTEGER NOT NULL DEFAULT 0,
    detached_at        TEXT,
    PRIMARY KEY (source_id, kind, source_record_id)
) WITHOUT ROWID;
CREATE INDEX import_records_by_entity ON import_records(entity_id);

-- Every run of a source, newest last (what admins read besides the source's last run).
CREATE TABLE import_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id   TEXT NOT NULL REFERENCES import_sources(id),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    counts      TEXT NOT NULL DEFAULT '{}',
    errors      TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX import_runs_by_source ON import_runs(source_id, id);

-- OpenActive imports (issue 19): the newest version of every item an OpenActive source's feeds
-- have given, so split feeds join in any order and across runs (a ScheduledSession read before
-- its SessionSeries waits here for it), and a session's change re-maps its series.

CREATE TABLE openactive_items (
    -- import_sources.id (no foreign key: imports-core's table may be created after this one).
    source_id   TEXT NOT NULL,
    -- 'series' (a SessionSeries or other parent event) or 'session' (a ScheduledSession).
    kind        TEXT NOT NULL,
    -- The RPDE item id.
    item_id     TEXT NOT NULL,
    modified    TEXT NOT NULL,
    -- For a series its `@id` (else its item id); for a session its `superEvent`.
    series_key  TEXT,
    deleted     INTEGER NOT NULL DEFAULT 0,
    -- The item's `data` as JSON (NULL for a deleted item).
    data        TEXT,
    PRIMARY KEY (source_id, kind, item_id)
) WITHOUT ROWID;

CREATE INDEX openactive_items_by_series ON openactive_items(source_id, series_key);

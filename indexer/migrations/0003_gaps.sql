-- Gap detection (issue 6): replaced place boundaries, and unmet-need counts.

-- Every version of a place that was replaced at run time (`indexer places load`), newest last.
CREATE TABLE place_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT,
    age_0_15    INTEGER,
    age_16_24   INTEGER,
    age_25_34   INTEGER,
    age_35_49   INTEGER,
    age_50_64   INTEGER,
    age_65_plus INTEGER,
    boundary    TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX place_history_by_code ON place_history(code, replaced_at);

-- Residents signposting found nothing for, by place, need and ISO week (`2026-W47`).
-- Signposting increments these (upsert count = count + 1); gapMatrix reads them.
CREATE TABLE unmet_need_counts (
    place_code TEXT NOT NULL,
    need_code  TEXT NOT NULL,
    week       TEXT NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (place_code, need_code, week)
) WITHOUT ROWID;

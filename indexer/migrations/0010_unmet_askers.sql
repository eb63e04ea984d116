-- Who has already been counted for an unmet need this week (issue 24): one count per
-- (asker, Place, need, ISO week), so repeating a request cannot inflate the gap statistics.
-- `asker_digest` is SHA-256 of a secret key (meta `unmet_asker_key`, random per data
-- directory), the week and the asker's rate-limit key: it cannot be turned back into an
-- address without the key, does not link an asker across weeks, and rows of past weeks are
-- deleted as new ones arrive.
CREATE TABLE unmet_need_askers (
    place_code   TEXT NOT NULL,
    need_code    TEXT NOT NULL,
    week         TEXT NOT NULL,
    asker_digest BLOB NOT NULL,
    PRIMARY KEY (place_code, need_code, week, asker_digest)
) WITHOUT ROWID;
CREATE INDEX unmet_need_askers_by_week ON unmet_need_askers(week);

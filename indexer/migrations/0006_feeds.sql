-- Feeds (issue 18): the change log orders the RPDE feeds, and OpenActive's scheduled sessions
-- are materialised for a rolling window so each has its own ever-growing `modified`.

-- The change-log `seq` of a listing's newest change, the RPDE `modified` of its feed item.
-- `record_change` sets it inside the writing transaction; SQLite has one writer at a time, so
-- `seq` is commit-ordered and no reader ever sees a smaller value appear after a larger one.
-- Seeded and bulk-loaded listings keep 0 and are ordered by id among themselves.
ALTER TABLE services ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE funds ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 0;

-- Backfill from the change log: a listing's newest row; a service also moves with its
-- organisation (it nests it). One grouped pass over the log each, not a lookup per listing.
WITH latest AS (
    SELECT entity_id, MAX(seq) AS seq FROM change_log WHERE kind = 'service' GROUP BY entity_id
)
UPDATE services SET feed_seq = latest.seq FROM latest WHERE latest.entity_id = services.id;

WITH latest AS (
    SELECT entity_id, MAX(seq) AS seq FROM change_log WHERE kind = 'organization' GROUP BY entity_id
)
UPDATE organizations SET feed_seq = latest.seq FROM latest WHERE latest.entity_id = organizations.id;

UPDATE services SET feed_seq = o.feed_seq
FROM organizations o
WHERE o.id = services.organization_id AND o.feed_seq > services.feed_seq;

WITH latest AS (
    SELECT entity_id, MAX(seq) AS seq FROM change_log WHERE kind = 'fund' GROUP BY entity_id
)
UPDATE funds SET feed_seq = latest.seq FROM latest WHERE latest.entity_id = funds.id;

CREATE INDEX services_by_feed_seq ON services(feed_seq, id);
CREATE INDEX organizations_by_feed_seq ON organizations(feed_seq, id);
CREATE INDEX funds_by_feed_seq ON funds(feed_seq, id);

-- OpenActive ScheduledSessions generated from schedules for a rolling window of weeks.
-- `modified` comes from one counter over this table (MAX + 1 inside a write transaction), so
-- sessions entering the window as days pass, and sessions of changed or removed series, sort
-- after everything served before. A session no longer wanted (past, or its series changed or
-- removed) stays as a tombstone (`deleted` = 1), never disappears.
CREATE TABLE scheduled_sessions (
    id          TEXT PRIMARY KEY,
    service_id  TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    -- RFC 3339 with the Europe/London offset of the day.
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    modified    INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX scheduled_sessions_by_modified ON scheduled_sessions(modified, id);
CREATE INDEX scheduled_sessions_by_service ON scheduled_sessions(service_id) WHERE deleted = 0;

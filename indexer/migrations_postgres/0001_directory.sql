-- The directory's schema for PostgreSQL: the SQLite migrations 0001-0014 in one, in the same
-- types SQLite gives them (TEXT timestamps in RFC 3339, 0/1 BIGINT flags, DOUBLE PRECISION
-- reals), so every query reads and compares them the same way on both backends. Later changes
-- go in new numbered files here and in `migrations/`, never edits to this one.
--
-- Differences from SQLite: identity columns for AUTOINCREMENT, no WITHOUT ROWID, BYTEA for
-- BLOB, and the views created after every column exists.

-- The directory's tables. Append-only: change the schema in a new migration, never here.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Boundaries and Census 2021 population. `boundary` is a GeoJSON geometry object.
CREATE TABLE places (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT REFERENCES places(code) DEFERRABLE,
    age_0_15    BIGINT,
    age_16_24   BIGINT,
    age_25_34   BIGINT,
    age_35_49   BIGINT,
    age_50_64   BIGINT,
    age_65_plus BIGINT,
    boundary    TEXT NOT NULL
);
CREATE INDEX places_by_parent ON places(parent_code);
CREATE INDEX places_by_level ON places(level, name);

CREATE TABLE postcodes (
    postcode      TEXT PRIMARY KEY,
    latitude      DOUBLE PRECISION NOT NULL,
    longitude     DOUBLE PRECISION NOT NULL,
    district_code TEXT NOT NULL,
    ward_code     TEXT NOT NULL,
    lsoa_code     TEXT NOT NULL
);

CREATE TABLE organizations (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    url              TEXT,
    email            TEXT,
    phone            TEXT,
    identifiers      TEXT NOT NULL DEFAULT '[]',
    is_example       BIGINT NOT NULL,
    attribution      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    last_reviewed_at TEXT,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX organizations_by_name ON organizations(name, id);

CREATE TABLE services (
    id                      TEXT PRIMARY KEY,
    organization_id         TEXT NOT NULL REFERENCES organizations(id) DEFERRABLE,
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL,
    url                     TEXT,
    email                   TEXT,
    phone                   TEXT,
    status                  TEXT NOT NULL,
    minimum_age             BIGINT,
    maximum_age             BIGINT,
    eligibility_description TEXT,
    delivery_modes          TEXT NOT NULL DEFAULT '[]',
    free                    BIGINT NOT NULL,
    cost_options            TEXT NOT NULL DEFAULT '[]',
    languages               TEXT NOT NULL DEFAULT '[]',
    contacts                TEXT NOT NULL DEFAULT '[]',
    how_to_join             TEXT,
    activity_concepts       TEXT NOT NULL DEFAULT '[]',
    is_example              BIGINT NOT NULL,
    attribution             TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    last_reviewed_at        TEXT,
    version                 BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX services_by_organization ON services(organization_id);
CREATE INDEX services_by_name ON services(name, id);

CREATE TABLE service_needs (
    service_id TEXT NOT NULL REFERENCES services(id) DEFERRABLE,
    need_code  TEXT NOT NULL,
    position   BIGINT NOT NULL,
    PRIMARY KEY (service_id, need_code)
);
CREATE INDEX service_needs_by_need ON service_needs(need_code, service_id);

CREATE TABLE service_areas (
    service_id  TEXT NOT NULL REFERENCES services(id) DEFERRABLE,
    place_code  TEXT NOT NULL REFERENCES places(code) DEFERRABLE,
    description TEXT,
    PRIMARY KEY (service_id, place_code)
);
CREATE INDEX service_areas_by_place ON service_areas(place_code);

CREATE TABLE locations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    address_1     TEXT,
    city          TEXT,
    postcode      TEXT,
    latitude      DOUBLE PRECISION NOT NULL,
    longitude     DOUBLE PRECISION NOT NULL,
    accessibility TEXT NOT NULL DEFAULT '[]',
    is_example    BIGINT NOT NULL,
    county_code   TEXT,
    district_code TEXT,
    ward_code     TEXT,
    msoa_code     TEXT,
    lsoa_code     TEXT
);
CREATE INDEX locations_by_district ON locations(district_code);
CREATE INDEX locations_by_ward ON locations(ward_code);
CREATE INDEX locations_by_msoa ON locations(msoa_code);
CREATE INDEX locations_by_lsoa ON locations(lsoa_code);

CREATE TABLE service_at_location (
    id          TEXT PRIMARY KEY,
    service_id  TEXT NOT NULL REFERENCES services(id) DEFERRABLE,
    location_id TEXT NOT NULL REFERENCES locations(id) DEFERRABLE,
    UNIQUE (service_id, location_id)
);
CREATE INDEX service_at_location_by_location ON service_at_location(location_id);

CREATE TABLE schedules (
    id          TEXT PRIMARY KEY,
    service_id  TEXT NOT NULL REFERENCES services(id) DEFERRABLE,
    location_id TEXT REFERENCES locations(id) DEFERRABLE,
    freq        TEXT NOT NULL,
    interval    BIGINT NOT NULL,
    byday       TEXT NOT NULL,
    opens_at    TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    valid_from  TEXT,
    valid_to    TEXT,
    description TEXT
);
CREATE INDEX schedules_by_service ON schedules(service_id);

CREATE TABLE funds (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL,
    funder_organization_id  TEXT REFERENCES organizations(id) DEFERRABLE,
    funder_name             TEXT NOT NULL,
    applicant_type          TEXT NOT NULL,
    minimum_amount          DOUBLE PRECISION,
    maximum_amount          DOUBLE PRECISION,
    currency                TEXT NOT NULL,
    minimum_age             BIGINT,
    maximum_age             BIGINT,
    eligibility_description TEXT,
    opens_on                TEXT,
    closes_on               TEXT,
    how_to_apply            TEXT,
    url                     TEXT,
    is_example              BIGINT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    last_reviewed_at        TEXT,
    version                 BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX funds_by_name ON funds(name, id);

CREATE TABLE fund_needs (
    fund_id   TEXT NOT NULL REFERENCES funds(id) DEFERRABLE,
    need_code TEXT NOT NULL,
    PRIMARY KEY (fund_id, need_code)
);

CREATE TABLE fund_beneficiary_locations (
    fund_id    TEXT NOT NULL REFERENCES funds(id) DEFERRABLE,
    place_code TEXT NOT NULL REFERENCES places(code) DEFERRABLE,
    PRIMARY KEY (fund_id, place_code)
);
CREATE INDEX fund_beneficiary_locations_by_place ON fund_beneficiary_locations(place_code);

-- The change log (outbox): every write to a listing appends a row in the same transaction.
-- The search index applies rows in `seq` order and records the last one it applied in its
-- commit payload, so after a crash it catches up from here. Append-only, like all migrations.
CREATE TABLE change_log (
    seq        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind       TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    changed_at TEXT NOT NULL
);

-- Gap detection (issue 6): replaced place boundaries, and unmet-need counts.

-- Every version of a place that was replaced at run time (`indexer places load`), newest last.
CREATE TABLE place_history (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT,
    age_0_15    BIGINT,
    age_16_24   BIGINT,
    age_25_34   BIGINT,
    age_35_49   BIGINT,
    age_50_64   BIGINT,
    age_65_plus BIGINT,
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
    count      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (place_code, need_code, week)
);

-- Editing by VCSE organisations (issue 4): principals and tokens, moderation, archive, audit.

-- Who may call the API beyond anonymous reads. An editor is bound to one organisation.
CREATE TABLE principals (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT,
    role            TEXT NOT NULL CHECK (role IN ('partner', 'editor', 'moderator', 'admin')),
    organization_id TEXT REFERENCES organizations(id) DEFERRABLE,
    created_at      TEXT NOT NULL,
    CHECK ((role = 'editor') = (organization_id IS NOT NULL))
);
CREATE INDEX principals_by_organization ON principals(organization_id);

-- Bearer tokens: only a SHA-256 hash is stored; the token itself is shown once.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals(id) DEFERRABLE,
    token_hash   TEXT NOT NULL UNIQUE,
    -- The first characters of the token, so a person can tell their tokens apart.
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX tokens_by_principal ON tokens(principal_id);

-- Moderation and archive. `publication`: 'published', 'pending_review' or 'rejected'.
ALTER TABLE organizations ADD COLUMN publication TEXT NOT NULL DEFAULT 'published';
ALTER TABLE organizations ADD COLUMN rejection_reason TEXT;
ALTER TABLE organizations ADD COLUMN archived_at TEXT;
ALTER TABLE organizations ADD COLUMN trusted BIGINT NOT NULL DEFAULT 0;
-- The organisation's own postcode, for spotting duplicates.
ALTER TABLE organizations ADD COLUMN postcode TEXT;

ALTER TABLE services ADD COLUMN publication TEXT NOT NULL DEFAULT 'published';
ALTER TABLE services ADD COLUMN rejection_reason TEXT;
ALTER TABLE services ADD COLUMN archived_at TEXT;

ALTER TABLE funds ADD COLUMN publication TEXT NOT NULL DEFAULT 'published';
ALTER TABLE funds ADD COLUMN rejection_reason TEXT;
ALTER TABLE funds ADD COLUMN archived_at TEXT;

-- Venues created by an organisation belong to it; seeded venues belong to nobody (moderators).
ALTER TABLE locations ADD COLUMN organization_id TEXT REFERENCES organizations(id) DEFERRABLE;
ALTER TABLE locations ADD COLUMN archived_at TEXT;
ALTER TABLE locations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

ALTER TABLE schedules ADD COLUMN archived_at TEXT;
ALTER TABLE schedules ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE INDEX organizations_by_publication ON organizations(publication) WHERE publication <> 'published';
CREATE INDEX services_by_publication ON services(publication) WHERE publication <> 'published';
CREATE INDEX funds_by_publication ON funds(publication) WHERE publication <> 'published';

-- What the public sees: published and not archived (a service also needs its organisation to be).

-- The audit trail: one row per change, with field-level before/after in `changes`, a JSON array
-- of {field_name, previous_value, replacement_value} (HSDS `metadata` names). Never updated.
CREATE TABLE audit_log (
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    resource_type    TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    last_action_type TEXT NOT NULL,
    last_action_date TEXT NOT NULL,
    actor_id         TEXT,
    updated_by       TEXT NOT NULL,
    version          BIGINT,
    reason           TEXT,
    changes          TEXT NOT NULL
);
CREATE INDEX audit_log_by_resource ON audit_log(resource_id, id);

-- The public views check a listing's organisation by a primary-key lookup per row (EXISTS)
-- rather than `IN (SELECT id FROM public_organizations)`, which SQLite materialises over every
-- organisation for each statement: tens of milliseconds per query at national scale.


-- Feeds (issue 18): the change log orders the RPDE feeds, and OpenActive's scheduled sessions
-- are materialised for a rolling window so each has its own ever-growing `modified`.

-- The change-log `seq` of a listing's newest change, the RPDE `modified` of its feed item.
-- `record_change` sets it inside the writing transaction; SQLite has one writer at a time, so
-- `seq` is commit-ordered and no reader ever sees a smaller value appear after a larger one.
-- Seeded and bulk-loaded listings keep 0 and are ordered by id among themselves.
ALTER TABLE services ADD COLUMN feed_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN feed_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE funds ADD COLUMN feed_seq BIGINT NOT NULL DEFAULT 0;

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
    modified    BIGINT NOT NULL,
    deleted     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scheduled_sessions_by_modified ON scheduled_sessions(modified, id);
CREATE INDEX scheduled_sessions_by_service ON scheduled_sessions(service_id) WHERE deleted = 0;

-- Areas loaded from the publishers' files (issue 23): which district each place and postcode
-- came with, so one area is replaced without touching the others, a log of loads, and the
-- members of custom Places.

-- The district (GSS code) whose area pack brought the row; NULL for the bundled Norfolk seed
-- and for custom Places.
ALTER TABLE places ADD COLUMN area_code TEXT;
CREATE INDEX places_by_area ON places(area_code);
ALTER TABLE postcodes ADD COLUMN area_code TEXT;
CREATE INDEX postcodes_by_district ON postcodes(district_code);

-- One row per district per accepted area load (what it held), newest last.
CREATE TABLE area_loads (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    area_code   TEXT NOT NULL,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    wards       BIGINT NOT NULL,
    msoas       BIGINT NOT NULL,
    lsoas       BIGINT NOT NULL,
    postcodes   BIGINT NOT NULL,
    population  BIGINT NOT NULL,
    replaced_postcodes BIGINT NOT NULL
);
CREATE INDEX area_loads_by_area ON area_loads(area_code, id);

-- The ward or LSOA codes an operator grouped into a custom Place (`places.level = 'custom'`).
CREATE TABLE custom_place_members (
    place_code  TEXT NOT NULL REFERENCES places(code) DEFERRABLE,
    member_code TEXT NOT NULL,
    PRIMARY KEY (place_code, member_code)
);

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
    keep_ids         BIGINT NOT NULL DEFAULT 1,
    -- How often the running server refreshes it (NULL: only when run by hand).
    refresh_minutes  BIGINT,
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
    source_id          TEXT NOT NULL REFERENCES import_sources(id) DEFERRABLE,
    kind               TEXT NOT NULL,
    source_record_id   TEXT NOT NULL,
    entity_id          TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    created_by_source  BIGINT NOT NULL DEFAULT 1,
    last_read_at       TEXT NOT NULL,
    archived_by_source BIGINT NOT NULL DEFAULT 0,
    detached_at        TEXT,
    PRIMARY KEY (source_id, kind, source_record_id)
);
CREATE INDEX import_records_by_entity ON import_records(entity_id);

-- Every run of a source, newest last (what admins read besides the source's last run).
CREATE TABLE import_runs (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    source_id   TEXT NOT NULL REFERENCES import_sources(id) DEFERRABLE,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    counts      TEXT NOT NULL DEFAULT '{}',
    errors      TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX import_runs_by_source ON import_runs(source_id, id);

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
    deleted     BIGINT NOT NULL DEFAULT 0,
    -- The item's `data` as JSON (NULL for a deleted item).
    data        TEXT,
    PRIMARY KEY (source_id, kind, item_id)
);

CREATE INDEX openactive_items_by_series ON openactive_items(source_id, series_key);

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
    asker_digest BYTEA NOT NULL,
    PRIMARY KEY (place_code, need_code, week, asker_digest)
);
CREATE INDEX unmet_need_askers_by_week ON unmet_need_askers(week);

-- Schedule exceptions (issue 24, "Calendar truth"): the dates a schedule does not run, holiday
-- closures and one-off cancellations (OpenActive's `exceptDate`), as a JSON array of
-- `{"date": "YYYY-MM-DD", "reason": "..."}` in date order. A column rather than a table, like
-- cost options and contacts: exceptions are only ever read with their schedule, so every read
-- that already loads schedules set-wise (a page of services, the feeds, the export) gets them
-- with no extra query. `public_schedules` (`SELECT *`) includes the new column.
ALTER TABLE schedules ADD COLUMN exceptions TEXT NOT NULL DEFAULT '[]';

-- List pages (issue 24) come from the search index, which holds active services only; the few
-- public services that are not active (inactive, defunct, temporarily closed) are read beside
-- it, through this partial index, so a page never scans a million active rows to find them.
CREATE INDEX services_not_active ON services(status) WHERE status <> 'active';

-- A service's cost can be unknown (issue 24): `services.free` NULL means the organisation has
-- not said (SQLite needed a column swap for this; PostgreSQL drops NOT NULL in place).
ALTER TABLE services ALTER COLUMN free DROP NOT NULL;

-- The public views come last: PostgreSQL expands `SELECT *` when a view is created, so they
-- must see every column the migrations above added (SQLite expands it at each read).
CREATE VIEW public_organizations AS
    SELECT * FROM organizations WHERE publication = 'published' AND archived_at IS NULL;
CREATE VIEW public_services AS
    SELECT * FROM services s
    WHERE s.publication = 'published' AND s.archived_at IS NULL
      AND EXISTS (SELECT 1 FROM organizations o
                  WHERE o.id = s.organization_id AND o.publication = 'published' AND o.archived_at IS NULL);
CREATE VIEW public_funds AS
    SELECT * FROM funds f
    WHERE f.publication = 'published' AND f.archived_at IS NULL
      AND (f.funder_organization_id IS NULL
           OR EXISTS (SELECT 1 FROM organizations o
                      WHERE o.id = f.funder_organization_id AND o.publication = 'published' AND o.archived_at IS NULL));
CREATE VIEW public_locations AS SELECT * FROM locations WHERE archived_at IS NULL;
CREATE VIEW public_schedules AS SELECT * FROM schedules WHERE archived_at IS NULL;

-- SQLite's functions that the store's portable SQL uses, for PostgreSQL: `json_each` over a
-- JSON array given as text (one `value` per element, as text), and `group_concat`.
CREATE FUNCTION json_each(array_text TEXT) RETURNS TABLE (value TEXT)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT json_array_elements_text(array_text::json) $$;

CREATE FUNCTION group_concat_step(joined TEXT, item TEXT, separator TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN item IS NULL THEN joined WHEN joined IS NULL THEN item ELSE joined || separator || item END $$;
CREATE FUNCTION group_concat_step(joined TEXT, item TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT group_concat_step(joined, item, ',') $$;
CREATE AGGREGATE group_concat(TEXT, TEXT) (SFUNC = group_concat_step, STYPE = TEXT);
CREATE AGGREGATE group_concat(TEXT) (SFUNC = group_concat_step, STYPE = TEXT);

-- Editing by VCSE organisations (issue 4): principals and tokens, moderation, archive, audit.

-- Who may call the API beyond anonymous reads. An editor is bound to one organisation.
CREATE TABLE principals (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT,
    role            TEXT NOT NULL CHECK (role IN ('partner', 'editor', 'moderator', 'admin')),
    organization_id TEXT REFERENCES organizations(id),
    created_at      TEXT NOT NULL,
    CHECK ((role = 'editor') = (organization_id IS NOT NULL))
);
CREATE INDEX principals_by_organization ON principals(organization_id);

-- Bearer tokens: only a SHA-256 hash is stored; the token itself is shown once.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals(id),
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
ALTER TABLE organizations ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0;
-- The organisation's own postcode, for spotting duplicates.
ALTER TABLE organizations ADD COLUMN postcode TEXT;

ALTER TABLE services ADD COLUMN publication TEXT NOT NULL DEFAULT 'published';
ALTER TABLE services ADD COLUMN rejection_reason TEXT;
ALTER TABLE services ADD COLUMN archived_at TEXT;

ALTER TABLE funds ADD COLUMN publication TEXT NOT NULL DEFAULT 'published';
ALTER TABLE funds ADD COLUMN rejection_reason TEXT;
ALTER TABLE funds ADD COLUMN archived_at TEXT;

-- Venues created by an organisation belong to it; seeded venues belong to nobody (moderators).
ALTER TABLE locations ADD COLUMN organization_id TEXT REFERENCES organizations(id);
ALTER TABLE locations ADD COLUMN archived_at TEXT;
ALTER TABLE locations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

ALTER TABLE schedules ADD COLUMN archived_at TEXT;
ALTER TABLE schedules ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE INDEX organizations_by_publication ON organizations(publication) WHERE publication <> 'published';
CREATE INDEX services_by_publication ON services(publication) WHERE publication <> 'published';
CREATE INDEX funds_by_publication ON funds(publication) WHERE publication <> 'published';

-- What the public sees: published and not archived (a service also needs its organisation to be).
CREATE VIEW public_organizations AS
    SELECT * FROM organizations WHERE publication = 'published' AND archived_at IS NULL;
CREATE VIEW public_services AS
    SELECT * FROM services
    WHERE publication = 'published' AND archived_at IS NULL
      AND organization_id IN (SELECT id FROM public_organizations);
CREATE VIEW public_funds AS
    SELECT * FROM funds
    WHERE publication = 'published' AND archived_at IS NULL
      AND (funder_organization_id IS NULL OR funder_organization_id IN (SELECT id FROM public_organizations));
CREATE VIEW public_locations AS SELECT * FROM locations WHERE archived_at IS NULL;
CREATE VIEW public_schedules AS SELECT * FROM schedules WHERE archived_at IS NULL;

-- The audit trail: one row per change, with field-level before/after in `changes`, a JSON array
-- of {field_name, previous_value, replacement_value} (HSDS `metadata` names). Never updated.
CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_type    TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    last_action_type TEXT NOT NULL,
    last_action_date TEXT NOT NULL,
    actor_id         TEXT,
    updated_by       TEXT NOT NULL,
    version          INTEGER,
    reason           TEXT,
    changes          TEXT NOT NULL
);
CREATE INDEX audit_log_by_resource ON audit_log(resource_id, id);

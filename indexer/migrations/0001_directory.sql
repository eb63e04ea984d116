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
    parent_code TEXT REFERENCES places(code),
    age_0_15    INTEGER,
    age_16_24   INTEGER,
    age_25_34   INTEGER,
    age_35_49   INTEGER,
    age_50_64   INTEGER,
    age_65_plus INTEGER,
    boundary    TEXT NOT NULL
);
CREATE INDEX places_by_parent ON places(parent_code);
CREATE INDEX places_by_level ON places(level, name);

CREATE TABLE postcodes (
    postcode      TEXT PRIMARY KEY,
    latitude      REAL NOT NULL,
    longitude     REAL NOT NULL,
    district_code TEXT NOT NULL,
    ward_code     TEXT NOT NULL,
    lsoa_code     TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE organizations (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    url              TEXT,
    email            TEXT,
    phone            TEXT,
    identifiers      TEXT NOT NULL DEFAULT '[]',
    is_example       INTEGER NOT NULL,
    attribution      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    last_reviewed_at TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX organizations_by_name ON organizations(name, id);

CREATE TABLE services (
    id                      TEXT PRIMARY KEY,
    organization_id         TEXT NOT NULL REFERENCES organizations(id),
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL,
    url                     TEXT,
    email                   TEXT,
    phone                   TEXT,
    status                  TEXT NOT NULL,
    minimum_age             INTEGER,
    maximum_age             INTEGER,
    eligibility_description TEXT,
    delivery_modes          TEXT NOT NULL DEFAULT '[]',
    free                    INTEGER NOT NULL,
    cost_options            TEXT NOT NULL DEFAULT '[]',
    languages               TEXT NOT NULL DEFAULT '[]',
    contacts                TEXT NOT NULL DEFAULT '[]',
    how_to_join             TEXT,
    activity_concepts       TEXT NOT NULL DEFAULT '[]',
    is_example              INTEGER NOT NULL,
    attribution             TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    last_reviewed_at        TEXT,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX services_by_organization ON services(organization_id);
CREATE INDEX services_by_name ON services(name, id);

CREATE TABLE service_needs (
    service_id TEXT NOT NULL REFERENCES services(id),
    need_code  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (service_id, need_code)
) WITHOUT ROWID;
CREATE INDEX service_needs_by_need ON service_needs(need_code, service_id);

CREATE TABLE service_areas (
    service_id  TEXT NOT NULL REFERENCES services(id),
    place_code  TEXT NOT NULL REFERENCES places(code),
    description TEXT,
    PRIMARY KEY (service_id, place_code)
) WITHOUT ROWID;
CREATE INDEX service_areas_by_place ON service_areas(place_code);

CREATE TABLE locations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    address_1     TEXT,
    city          TEXT,
    postcode      TEXT,
    latitude      REAL NOT NULL,
    longitude     REAL NOT NULL,
    accessibility TEXT NOT NULL DEFAULT '[]',
    is_example    INTEGER NOT NULL,
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
    service_id  TEXT NOT NULL REFERENCES services(id),
    location_id TEXT NOT NULL REFERENCES locations(id),
    UNIQUE (service_id, location_id)
);
CREATE INDEX service_at_location_by_location ON service_at_location(location_id);

CREATE TABLE schedules (
    id          TEXT PRIMARY KEY,
    service_id  TEXT NOT NULL REFERENCES services(id),
    location_id TEXT REFERENCES locations(id),
    freq        TEXT NOT NULL,
    interval    INTEGER NOT NULL,
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
    funder_organization_id  TEXT REFERENCES organizations(id),
    funder_name             TEXT NOT NULL,
    applicant_type          TEXT NOT NULL,
    minimum_amount          REAL,
    maximum_amount          REAL,
    currency                TEXT NOT NULL,
    minimum_age             INTEGER,
    maximum_age             INTEGER,
    eligibility_description TEXT,
    opens_on                TEXT,
    closes_on               TEXT,
    how_to_apply            TEXT,
    url                     TEXT,
    is_example              INTEGER NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    last_reviewed_at        TEXT,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX funds_by_name ON funds(name, id);

CREATE TABLE fund_needs (
    fund_id   TEXT NOT NULL REFERENCES funds(id),
    need_code TEXT NOT NULL,
    PRIMARY KEY (fund_id, need_code)
) WITHOUT ROWID;

CREATE TABLE fund_beneficiary_locations (
    fund_id    TEXT NOT NULL REFERENCES funds(id),
    place_code TEXT NOT NULL REFERENCES places(code),
    PRIMARY KEY (fund_id, place_code)
) WITHOUT ROWID;
CREATE INDEX fund_beneficiary_locations_by_place ON fund_beneficiary_locations(place_code);

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
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    area_code   TEXT NOT NULL,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    wards       INTEGER NOT NULL,
    msoas       INTEGER NOT NULL,
    lsoas       INTEGER NOT NULL,
    postcodes   INTEGER NOT NULL,
    population  INTEGER NOT NULL,
    replaced_postcodes INTEGER NOT NULL
);
CREATE INDEX area_loads_by_area ON area_loads(area_code, id);

-- The ward or LSOA codes an operator grouped into a custom Place (`places.level = 'custom'`).
CREATE TABLE custom_place_members (
    place_code  TEXT NOT NULL REFERENCES places(code),
    member_code TEXT NOT NULL,
    PRIMARY KEY (place_code, member_code)
) WITHOUT ROWID;

//! Areas loaded from packs and custom Places: replacing a district's places and postcodes in
//! one transaction (replaced places kept in `place_history`), the load log, and custom Places
//! with their members.

use crate::store::db::{self, Backend, Conn};
use chrono::{DateTime, Utc};

use super::rows::place_code;
use super::Store;
use crate::areas::AreaPack;
use crate::domain::{Place, PlaceCode, PlaceLevel};
use crate::error::Result;

/// Rows per multi-row INSERT (SQLite allows 32,766 bound values a statement).
const PLACES_PER_INSERT: usize = 500;
const POSTCODES_PER_INSERT: usize = 4_000;

fn json_codes<'a>(codes: impl IntoIterator<Item = &'a PlaceCode>) -> String {
    serde_json::Value::from(codes.into_iter().map(|c| c.as_str()).collect::<Vec<_>>()).to_string()
}

/// The `meta` key counting writes of places and postcodes (area loads, custom Places), so
/// another process on the same data directory (a running server) sees them and reloads.
const GEOGRAPHY_GENERATION: &str = "geography_generation";

/// Counts one more write of the geography, inside the writing transaction.
pub(super) async fn bump_geography_generation(conn: &mut Conn<'_>) -> Result<()> {
    db::query(
        "INSERT INTO meta (key, value) VALUES (?1, '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)",
    )
    .bind(GEOGRAPHY_GENERATION)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// How many times places or postcodes were written by an area load or a custom Place (0
    /// before the first): a process holding them in memory reloads when this grows.
    pub async fn geography_generation(&self) -> Result<i64> {
        Ok(self
            .meta(GEOGRAPHY_GENERATION)
            .await?
            .and_then(|value| value.parse().ok())
            .unwrap_or(0))
    }

    /// Why the pack cannot replace what is stored, if anything: one of its places already
    /// belongs to another loaded area, or a place the load would drop is still named by a
    /// service's or fund's area.
    pub async fn area_conflicts(&self, pack: &AreaPack) -> Result<Vec<String>> {
        let districts = json_codes(pack.district_codes().iter());
        let codes = json_codes(pack.places.iter().map(|(p, _)| &p.code));
        let claimed: Vec<(String, String)> = db::query_as(
            "SELECT code, area_code FROM places
             WHERE code IN (SELECT value FROM json_each(?1)) AND area_code IS NOT NULL
               AND area_code NOT IN (SELECT value FROM json_each(?2))
             ORDER BY code",
        )
        .bind(&codes)
        .bind(&districts)
        .fetch_all(self.pool())
        .await?;
        let mut conflicts: Vec<String> = claimed
            .into_iter()
            .map(|(code, area)| format!("place {code} already belongs to the loaded area {area}"))
            .collect();
        let named: Vec<String> = db::query_scalar(
            "SELECT code FROM places
             WHERE area_code IN (SELECT value FROM json_each(?1)) AND code NOT IN (SELECT value FROM json_each(?2))
               AND (code IN (SELECT place_code FROM service_areas) OR code IN (SELECT place_code FROM fund_beneficiary_locations))
             ORDER BY code",
        )
        .bind(&districts)
        .bind(&codes)
        .fetch_all(self.pool())
        .await?;
        conflicts.extend(named.into_iter().map(|code| {
            format!("place {code} is not in the new pack but services or funds serve it: change their areas first")
        }));
        Ok(conflicts)
    }

    /// Replaces the pack's districts (their places and postcodes) in one transaction. Every
    /// replaced or dropped place is copied into `place_history` first; the load is logged in
    /// `area_loads`. Returns how many postcodes the districts held before, and the geography
    /// generation this write made.
    pub async fn replace_area(&self, pack: &AreaPack, source: &str, at: DateTime<Utc>) -> Result<(i64, i64)> {
        let districts = json_codes(pack.district_codes().iter());
        let codes = json_codes(pack.places.iter().map(|(p, _)| &p.code));
        let mut tx = self.begin_write().await?;
        // Parents and children are replaced together: check references at commit.
        let defer = match tx.backend() {
            Backend::Sqlite => "PRAGMA defer_foreign_keys = ON",
            Backend::Postgres => "SET CONSTRAINTS ALL DEFERRED",
        };
        db::query(defer).execute(&mut tx).await?;
        db::query(
            "INSERT INTO place_history (code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49,
                age_50_64, age_65_plus, boundary, replaced_at, source)
             SELECT code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49, age_50_64, age_65_plus,
                boundary, ?3, ?4 FROM places
             WHERE area_code IN (SELECT value FROM json_each(?1)) OR code IN (SELECT value FROM json_each(?2))",
        )
        .bind(&districts)
        .bind(&codes)
        .bind(at.to_rfc3339())
        .bind(source)
        .execute(&mut tx)
        .await?;
        db::query(
            "DELETE FROM places WHERE area_code IN (SELECT value FROM json_each(?1))
               AND code NOT IN (SELECT value FROM json_each(?2))",
        )
        .bind(&districts)
        .bind(&codes)
        .execute(&mut tx)
        .await?;
        let entries: Vec<(&Place, &String, &PlaceCode)> = pack
            .places
            .iter()
            .zip(&pack.area_of)
            .map(|((place, boundary), area)| (place, boundary, area))
            .collect();
        for chunk in entries.chunks(PLACES_PER_INSERT) {
            upsert_places(&mut tx, chunk).await?;
        }
        let replaced_postcodes: i64 = db::query_scalar(
            "SELECT COUNT(*) FROM postcodes WHERE district_code IN (SELECT value FROM json_each(?1))
                OR area_code IN (SELECT value FROM json_each(?1))",
        )
        .bind(&districts)
        .fetch_one(&mut tx)
        .await?;
        db::query(
            "DELETE FROM postcodes WHERE district_code IN (SELECT value FROM json_each(?1))
                OR area_code IN (SELECT value FROM json_each(?1))",
        )
        .bind(&districts)
        .execute(&mut tx)
        .await?;
        for chunk in pack.postcodes.chunks(POSTCODES_PER_INSERT) {
            let sql = format!(
                "INSERT INTO postcodes (postcode, latitude, longitude, district_code, ward_code, lsoa_code, area_code)
                 VALUES {}
                 ON CONFLICT (postcode) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude,
                    district_code = excluded.district_code, ward_code = excluded.ward_code,
                    lsoa_code = excluded.lsoa_code, area_code = excluded.area_code",
                db::value_rows(chunk.len(), 7)
            );
            let mut insert = db::query(&sql);
            for record in chunk {
                insert = insert
                    .bind(record.postcode.as_str())
                    .bind(record.latitude)
                    .bind(record.longitude)
                    .bind(record.district_code.as_str())
                    .bind(record.ward_code.as_str())
                    .bind(record.lsoa_code.as_str())
                    .bind(record.district_code.as_str());
            }
            insert.execute(&mut tx).await?;
        }
        for district in &pack.summary.districts {
            log_load(&mut tx, district, source, at, replaced_postcodes).await?;
        }
        bump_geography_generation(&mut tx).await?;
        let generation: String = db::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(GEOGRAPHY_GENERATION)
            .fetch_one(&mut tx)
            .await?;
        tx.commit().await?;
        Ok((replaced_postcodes, generation.parse().unwrap_or(0)))
    }

    /// Loads logged for a district, newest first: (source, loaded at, postcodes, population).
    pub async fn area_loads(&self, area: &PlaceCode) -> Result<Vec<(String, String, i64, i64)>> {
        Ok(db::query_as(
            "SELECT source, loaded_at, postcodes, population FROM area_loads WHERE area_code = ? ORDER BY id DESC",
        )
        .bind(area.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    /// The code of the custom Place with this name, if one exists.
    pub async fn custom_place_named(&self, name: &str) -> Result<Option<PlaceCode>> {
        let code: Option<String> = db::query_scalar("SELECT code FROM places WHERE level = ? AND name = ?")
            .bind(PlaceLevel::Custom.as_str())
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        code.as_deref().map(place_code).transpose()
    }

    /// The highest number used by a custom Place's code (`P00000007` → 7), 0 if none.
    pub async fn highest_custom_place_number(&self) -> Result<i64> {
        let highest: Option<String> = db::query_scalar("SELECT MAX(code) FROM places WHERE level = ?")
            .bind(PlaceLevel::Custom.as_str())
            .fetch_one(self.pool())
            .await?;
        Ok(highest.and_then(|code| code.get(1..)?.parse().ok()).unwrap_or(0))
    }

    /// Writes a custom Place and its member codes, replacing (with history) one of that code.
    pub async fn save_custom_place(
        &self,
        place: &Place,
        boundary: &str,
        members: &[PlaceCode],
        source: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        db::query(
            "INSERT INTO place_history (code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49,
                age_50_64, age_65_plus, boundary, replaced_at, source)
             SELECT code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49, age_50_64, age_65_plus,
                boundary, ?, ? FROM places WHERE code = ?",
        )
        .bind(at.to_rfc3339())
        .bind(source)
        .bind(place.code.as_str())
        .execute(&mut tx)
        .await?;
        super::write::upsert_place(&mut tx, place, boundary).await?;
        db::query("DELETE FROM custom_place_members WHERE place_code = ?")
            .bind(place.code.as_str())
            .execute(&mut tx)
            .await?;
        for member in members {
            db::query(
                "INSERT INTO custom_place_members (place_code, member_code) VALUES (?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(place.code.as_str())
            .bind(member.as_str())
            .execute(&mut tx)
            .await?;
        }
        bump_geography_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The member codes of a custom Place, in code order.
    pub async fn custom_place_members(&self, code: &PlaceCode) -> Result<Vec<PlaceCode>> {
        let members: Vec<String> =
            db::query_scalar("SELECT member_code FROM custom_place_members WHERE place_code = ? ORDER BY member_code")
                .bind(code.as_str())
                .fetch_all(self.pool())
                .await?;
        members.iter().map(|m| place_code(m)).collect()
    }
}

async fn upsert_places(conn: &mut Conn<'_>, chunk: &[(&Place, &String, &PlaceCode)]) -> Result<()> {
    let sql = format!(
        "INSERT INTO places (code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49, age_50_64,
            age_65_plus, boundary, area_code)
         VALUES {}
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
            parent_code = excluded.parent_code, age_0_15 = excluded.age_0_15, age_16_24 = excluded.age_16_24,
            age_25_34 = excluded.age_25_34, age_35_49 = excluded.age_35_49, age_50_64 = excluded.age_50_64,
            age_65_plus = excluded.age_65_plus, boundary = excluded.boundary, area_code = excluded.area_code",
        db::value_rows(chunk.len(), 12)
    );
    let mut insert = db::query(&sql);
    for (place, boundary, area) in chunk {
        let population = place.population;
        insert = insert
            .bind(place.code.as_str())
            .bind(place.name.as_str())
            .bind(place.level.as_str())
            .bind(place.parent_code.as_ref().map(|c| c.as_str()))
            .bind(population.map(|p| p.age_0_15))
            .bind(population.map(|p| p.age_16_24))
            .bind(population.map(|p| p.age_25_34))
            .bind(population.map(|p| p.age_35_49))
            .bind(population.map(|p| p.age_50_64))
            .bind(population.map(|p| p.age_65_plus))
            .bind(boundary.as_str())
            .bind(area.as_str());
    }
    insert.execute(conn).await?;
    Ok(())
}

async fn log_load(
    conn: &mut Conn<'_>,
    district: &crate::areas::DistrictSummary,
    source: &str,
    at: DateTime<Utc>,
    replaced_postcodes: i64,
) -> Result<()> {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    db::query(
        "INSERT INTO area_loads (area_code, name, source, loaded_at, wards, msoas, lsoas, postcodes, population, replaced_postcodes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(district.code.as_str())
    .bind(&district.name)
    .bind(source)
    .bind(at.to_rfc3339())
    .bind(count(district.wards))
    .bind(count(district.msoas))
    .bind(count(district.lsoas))
    .bind(count(district.postcodes))
    .bind(district.population)
    .bind(replaced_postcodes)
    .execute(conn)
    .await?;
    Ok(())
}

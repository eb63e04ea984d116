//! Queries and writes for gap detection: the candidate services, LSOA postcode means, unmet-need
//! counts, and replacing places with their history.

use std::collections::HashMap;

use crate::store::db::{self, Conn};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::feed::{id_filter, ids_condition};
use super::rows::{json, need_codes, place_code, uuid};
use super::Store;
use crate::domain::schedule::byday_weekdays;
use crate::domain::{Frequency, GeoPoint, NeedCode, Place, PlaceCode};
use crate::error::{Error, Result};
use crate::gaps::assets::{CandidateService, Venue, WeeklyRule};

#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: String,
    name: String,
    minimum_age: Option<i64>,
    maximum_age: Option<i64>,
    delivery_modes: String,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    last_reviewed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct VenueRow {
    id: String,
    name: String,
    postcode: Option<String>,
    latitude: f64,
    longitude: f64,
    county_code: Option<String>,
    district_code: Option<String>,
    ward_code: Option<String>,
    msoa_code: Option<String>,
    lsoa_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: String,
    service_id: String,
    location_id: Option<String>,
    freq: String,
    interval: i64,
    byday: String,
}

fn corrupt(what: &str, reason: impl std::fmt::Display) -> Error {
    Error::Database(sqlx::Error::Decode(format!("{what}: {reason}").into()))
}

/// The public venues: every one (`None`), or those of the services bound as `?1`.
fn venues_condition(ids: Option<&[Uuid]>) -> &'static str {
    match ids {
        None => "?1 IS NULL",
        Some(_) => {
            "id IN (SELECT location_id FROM service_at_location WHERE service_id IN (SELECT value FROM json_each(?1)))"
        }
    }
}

impl Store {
    /// Every active service with its venues, weekly rules and service areas, by (name, id).
    pub async fn gap_candidates(&self) -> Result<Vec<CandidateService>> {
        self.gap_candidates_of(None).await
    }

    /// The active public services among `ids` (all of them if `None`) with their venues,
    /// weekly rules and service areas, by (name, id). Gap detection reads them all once, then
    /// only those the change log names.
    ///
    /// Each table is read on its own, without joins or `ORDER BY`, and put together and sorted
    /// here: at a million services SQLite's per-row lookups (the public views' organisation
    /// check, a venue by id, a correlated subquery for needs) and sorts by name took about a
    /// minute, where the plain reads take a few seconds. The services' condition is
    /// `public_services`' rule, written with `IN` so that the public organisations are read
    /// once rather than looked up per service.
    pub async fn gap_candidates_of(&self, ids: Option<&[Uuid]>) -> Result<Vec<CandidateService>> {
        let mut rows: Vec<CandidateRow> = db::query_as(&format!(
            "SELECT s.id, s.name, s.minimum_age, s.maximum_age, s.delivery_modes, s.last_reviewed_at
             FROM services s
             WHERE s.status = 'active' AND s.publication = 'published' AND s.archived_at IS NULL
               AND s.organization_id IN (SELECT id FROM public_organizations) AND {}",
            ids_condition(ids, "s.id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        rows.sort_unstable_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        let mut services = Vec::with_capacity(rows.len());
        let mut position = HashMap::with_capacity(rows.len());
        for row in rows {
            position.insert(row.id.clone(), services.len());
            services.push(CandidateService {
                id: uuid(&row.id)?,
                name: row.name,
                minimum_age: row.minimum_age,
                maximum_age: row.maximum_age,
                needs: Vec::new(),
                delivery_modes: json(&row.delivery_modes)?,
                last_reviewed_at: row.last_reviewed_at,
                venues: Vec::new(),
                rules: Vec::new(),
                areas: Vec::new(),
            });
        }
        self.attach_needs(&mut services, &position, ids).await?;
        self.attach_venues(&mut services, &position, ids).await?;
        self.attach_rules_and_areas(&mut services, &position, ids).await?;
        Ok(services)
    }

    async fn attach_needs(
        &self,
        services: &mut [CandidateService],
        position: &HashMap<String, usize>,
        ids: Option<&[Uuid]>,
    ) -> Result<()> {
        let needs: Vec<(String, String)> = db::query_as(&format!(
            "SELECT service_id, need_code FROM service_needs WHERE {}",
            ids_condition(ids, "service_id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        for (service_id, need) in needs {
            let Some(&i) = position.get(&service_id) else { continue };
            services[i].needs.extend(need_codes(Some(need))?);
        }
        for service in services.iter_mut() {
            service.needs.sort_unstable();
            service.needs.dedup();
        }
        Ok(())
    }

    async fn attach_venues(
        &self,
        services: &mut [CandidateService],
        position: &HashMap<String, usize>,
        ids: Option<&[Uuid]>,
    ) -> Result<()> {
        let links: Vec<(String, String)> = db::query_as(&format!(
            "SELECT service_id, location_id FROM service_at_location WHERE {}",
            ids_condition(ids, "service_id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        let rows: Vec<VenueRow> = db::query_as(&format!(
            "SELECT id, name, postcode, latitude, longitude, county_code, district_code, ward_code, msoa_code, lsoa_code
             FROM public_locations WHERE {}",
            venues_condition(ids)
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        let code = |raw: Option<String>| raw.as_deref().map(place_code).transpose();
        let mut venues: HashMap<String, Venue> = HashMap::with_capacity(rows.len());
        for row in rows {
            let point = GeoPoint::new(row.latitude, row.longitude).map_err(|(_, e)| corrupt("location", e))?;
            let venue = Venue {
                location_id: uuid(&row.id)?,
                name: row.name,
                postcode: row.postcode,
                point,
                places: [
                    code(row.county_code)?,
                    code(row.district_code)?,
                    code(row.ward_code)?,
                    code(row.msoa_code)?,
                    code(row.lsoa_code)?,
                ],
            };
            venues.insert(row.id, venue);
        }
        for (service_id, location_id) in links {
            let (Some(&i), Some(venue)) = (position.get(&service_id), venues.get(&location_id)) else {
                continue;
            };
            services[i].venues.push(venue.clone());
        }
        for service in services.iter_mut() {
            // A UUID's bytes sort as its text does: the order `ORDER BY name, id` gave.
            service
                .venues
                .sort_unstable_by(|a, b| (&a.name, a.location_id).cmp(&(&b.name, b.location_id)));
        }
        Ok(())
    }

    async fn attach_rules_and_areas(
        &self,
        services: &mut [CandidateService],
        position: &HashMap<String, usize>,
        ids: Option<&[Uuid]>,
    ) -> Result<()> {
        let mut rules: Vec<RuleRow> = db::query_as(&format!(
            "SELECT id, service_id, location_id, freq, interval, byday FROM public_schedules WHERE {}",
            ids_condition(ids, "service_id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        rules.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        for row in rules {
            let Some(&i) = position.get(&row.service_id) else {
                continue;
            };
            services[i].rules.push(WeeklyRule {
                location_id: row.location_id.as_deref().map(uuid).transpose()?,
                freq: Frequency::parse(&row.freq).map_err(|e| corrupt("schedule freq", e))?,
                interval: row.interval,
                weekdays: byday_weekdays(&row.byday),
            });
        }
        let areas: Vec<(String, String)> = db::query_as(&format!(
            "SELECT service_id, place_code FROM service_areas WHERE {} ORDER BY service_id, place_code",
            ids_condition(ids, "service_id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        for (service_id, code) in areas {
            let Some(&i) = position.get(&service_id) else { continue };
            services[i].areas.push(place_code(&code)?);
        }
        Ok(())
    }

    /// The mean postcode point and postcode count of every LSOA that has postcodes.
    pub async fn lsoa_postcode_means(&self) -> Result<Vec<(PlaceCode, f64, f64, i64)>> {
        let rows: Vec<(String, f64, f64, i64)> = db::query_as(
            "SELECT lsoa_code, AVG(latitude), AVG(longitude), COUNT(*) FROM postcodes GROUP BY lsoa_code ORDER BY lsoa_code",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(code, lat, lng, count)| Ok((place_code(&code)?, lat, lng, count)))
            .collect()
    }

    /// Unmet needs signposting recorded per place and need, in ISO weeks from `since_week`
    /// (e.g. `2025-W48`) on. Rows with a need code no longer in the taxonomy are skipped.
    pub async fn unmet_need_counts_since(&self, since_week: &str) -> Result<Vec<(PlaceCode, NeedCode, i64)>> {
        let rows: Vec<(String, String, i64)> = db::query_as(
            "SELECT place_code, need_code, CAST(SUM(count) AS BIGINT) FROM unmet_need_counts WHERE week >= ?
             GROUP BY place_code, need_code ORDER BY place_code, need_code",
        )
        .bind(since_week)
        .fetch_all(self.pool())
        .await?;
        let mut counts = Vec::with_capacity(rows.len());
        for (code, need, count) in rows {
            let Ok(need) = NeedCode::parse(&need) else { continue };
            counts.push((place_code(&code)?, need, count));
        }
        Ok(counts)
    }

    /// How many replaced versions of places are kept.
    pub async fn place_history_count(&self) -> Result<i64> {
        Ok(db::query_scalar("SELECT COUNT(*) FROM place_history")
            .fetch_one(self.pool())
            .await?)
    }

    /// Writes new and replaced places in one transaction, copying each replaced row into
    /// `place_history` first. `populations` updates the rolled-up population of other places.
    pub async fn replace_places(
        &self,
        changed: &[(Place, String)],
        populations: &[Place],
        source: &str,
        replaced_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for (place, boundary) in changed {
            archive_place(&mut tx, &place.code, source, replaced_at).await?;
            super::write::upsert_place(&mut tx, place, boundary).await?;
        }
        for place in populations {
            update_population(&mut tx, place).await?;
        }
        super::areas::bump_geography_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn archive_place(conn: &mut Conn<'_>, code: &PlaceCode, source: &str, at: DateTime<Utc>) -> Result<()> {
    db::query(
        "INSERT INTO place_history (code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49,
            age_50_64, age_65_plus, boundary, replaced_at, source)
         SELECT code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49, age_50_64, age_65_plus,
            boundary, ?, ? FROM places WHERE code = ?",
    )
    .bind(at.to_rfc3339())
    .bind(source)
    .bind(code.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

async fn update_population(conn: &mut Conn<'_>, place: &Place) -> Result<()> {
    let population = place.population;
    db::query(
        "UPDATE places SET age_0_15 = ?, age_16_24 = ?, age_25_34 = ?, age_35_49 = ?, age_50_64 = ?, age_65_plus = ?
         WHERE code = ?",
    )
    .bind(population.map(|p| p.age_0_15))
    .bind(population.map(|p| p.age_16_24))
    .bind(population.map(|p| p.age_25_34))
    .bind(population.map(|p| p.age_35_49))
    .bind(population.map(|p| p.age_50_64))
    .bind(population.map(|p| p.age_65_plus))
    .bind(place.code.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Works out every venue's places again from `places` (after boundaries changed), updates
    /// the venues whose places differ, and puts their services on the change log, in one
    /// transaction. Returns how many venues changed.
    pub async fn relocate_venues(&self, places: &crate::places::PlaceIndex) -> Result<usize> {
        type Row = (
            String,
            f64,
            f64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = db::query_as(
            "SELECT id, latitude, longitude, county_code, district_code, ward_code, msoa_code, lsoa_code FROM locations",
        )
        .fetch_all(self.pool())
        .await?;
        let mut tx = self.begin_write().await?;
        let mut changed = 0;
        for (id, latitude, longitude, county, district, ward, msoa, lsoa) in rows {
            let Ok(point) = crate::domain::GeoPoint::new(latitude, longitude) else {
                continue;
            };
            let now = places.location_places(point);
            let text = |code: &Option<crate::domain::PlaceCode>| code.as_ref().map(|c| c.as_str().to_string());
            let new = [
                text(&now.county_code),
                text(&now.district_code),
                text(&now.ward_code),
                text(&now.msoa_code),
                text(&now.lsoa_code),
            ];
            if new == [county, district, ward, msoa, lsoa] {
                continue;
            }
            db::query(
                "UPDATE locations SET county_code = ?, district_code = ?, ward_code = ?, msoa_code = ?, lsoa_code = ? WHERE id = ?",
            )
            .bind(&new[0])
            .bind(&new[1])
            .bind(&new[2])
            .bind(&new[3])
            .bind(&new[4])
            .bind(&id)
            .execute(&mut tx)
            .await?;
            let services: Vec<String> =
                db::query_scalar("SELECT service_id FROM service_at_location WHERE location_id = ?")
                    .bind(&id)
                    .fetch_all(&mut tx)
                    .await?;
            for service in services {
                super::feed::record_change(&mut tx, super::feed::ChangeKind::Service, super::rows::uuid(&service)?)
                    .await?;
            }
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }
}

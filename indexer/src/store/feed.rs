//! Reads that feed the search index: everything about a set of listings (or all of them) in a
//! few set-wise queries, grouped by listing.

use std::collections::HashMap;

use uuid::Uuid;

use super::rows::*;
use super::Store;
use crate::domain::*;
use crate::error::Result;

/// A venue of a service with the places it falls in.
#[derive(Debug, Clone)]
pub struct Venue {
    pub location: Location,
    pub places: LocationPlaces,
}

/// Everything the index needs about services (all of them, or those with the given ids).
#[derive(Debug, Default)]
pub struct ServiceFeed {
    pub services: Vec<Service>,
    pub venues: HashMap<Uuid, Vec<Venue>>,
    pub schedules: HashMap<Uuid, Vec<Schedule>>,
    pub areas: HashMap<Uuid, Vec<PlaceCode>>,
    pub organization_names: HashMap<Uuid, String>,
}

#[derive(sqlx::FromRow)]
struct VenueRow {
    service_id: String,
    #[sqlx(flatten)]
    location: LocationRow,
    county_code: Option<String>,
    district_code: Option<String>,
    ward_code: Option<String>,
    msoa_code: Option<String>,
    lsoa_code: Option<String>,
}

fn optional_code(raw: Option<String>) -> Result<Option<PlaceCode>> {
    raw.as_deref().map(place_code).transpose()
}

/// `NULL` (everything) or a JSON array of ids for `json_each`.
fn id_filter(ids: Option<&[Uuid]>) -> Option<String> {
    ids.map(|ids| serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).unwrap_or_default())
}

/// The condition that keeps rows whose `column` is one of the ids bound as `?1` (see
/// [`id_filter`]), or every row when there are no ids (`?1` is then `NULL`).
///
/// Two statements rather than `?1 IS NULL OR column IN (...)`: SQLite cannot use an index for
/// that `OR`, so a lookup of a few dozen ids would scan the whole table (a million services).
fn ids_condition(ids: Option<&[Uuid]>, column: &str) -> String {
    match ids {
        None => "?1 IS NULL".to_string(),
        Some(_) => format!("{column} IN (SELECT value FROM json_each(?1))"),
    }
}

impl Store {
    /// Services with the given ids (all if `None`) and their venues, schedules, areas and
    /// organisation names.
    pub async fn service_feed(&self, ids: Option<&[Uuid]>) -> Result<ServiceFeed> {
        let mut feed = self.services_venues_schedules(ids).await?;
        let filter = id_filter(ids);
        let areas: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT service_id, place_code FROM service_areas WHERE {}",
            ids_condition(ids, "service_id")
        ))
        .bind(&filter)
        .fetch_all(self.pool())
        .await?;
        for (service_id, code) in areas {
            feed.areas
                .entry(uuid(&service_id)?)
                .or_default()
                .push(place_code(&code)?);
        }

        let names: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT id, name FROM public_organizations WHERE {}",
            match ids {
                None => "?1 IS NULL".to_string(),
                Some(_) => format!(
                    "id IN (SELECT organization_id FROM services WHERE {})",
                    ids_condition(ids, "id")
                ),
            }
        ))
        .bind(&filter)
        .fetch_all(self.pool())
        .await?;
        for (id, name) in names {
            feed.organization_names.insert(uuid(&id)?, name);
        }
        Ok(feed)
    }

    /// Services with the given ids and their venues and schedules, without the areas and
    /// organisation names the index also wants: what signposting ranks candidates by, in three
    /// queries rather than five.
    pub async fn services_with_sessions(&self, ids: &[Uuid]) -> Result<ServiceFeed> {
        self.services_venues_schedules(Some(ids)).await
    }

    async fn services_venues_schedules(&self, ids: Option<&[Uuid]>) -> Result<ServiceFeed> {
        let filter = id_filter(ids);
        let rows: Vec<ServiceRow> = sqlx::query_as(&format!(
            "{} WHERE {} ORDER BY s.id",
            super::read::SERVICE_SELECT,
            ids_condition(ids, "s.id")
        ))
        .bind(&filter)
        .fetch_all(self.pool())
        .await?;
        let services = rows
            .into_iter()
            .map(ServiceRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        let mut feed = ServiceFeed {
            services,
            ..ServiceFeed::default()
        };

        let venues: Vec<VenueRow> = sqlx::query_as(&format!(
            "SELECT sal.service_id, l.* FROM service_at_location sal JOIN public_locations l ON l.id = sal.location_id
             WHERE {}",
            ids_condition(ids, "sal.service_id")
        ))
        .bind(&filter)
        .fetch_all(self.pool())
        .await?;
        for row in venues {
            let places = LocationPlaces {
                county_code: optional_code(row.county_code)?,
                district_code: optional_code(row.district_code)?,
                ward_code: optional_code(row.ward_code)?,
                msoa_code: optional_code(row.msoa_code)?,
                lsoa_code: optional_code(row.lsoa_code)?,
            };
            let venue = Venue {
                location: row.location.into_domain()?,
                places,
            };
            feed.venues.entry(uuid(&row.service_id)?).or_default().push(venue);
        }

        let schedules: Vec<ScheduleRow> = sqlx::query_as(&format!(
            "SELECT * FROM public_schedules WHERE {}",
            ids_condition(ids, "service_id")
        ))
        .bind(&filter)
        .fetch_all(self.pool())
        .await?;
        for row in schedules {
            let schedule = row.into_domain()?;
            feed.schedules.entry(schedule.service_id).or_default().push(schedule);
        }

        Ok(feed)
    }

    /// Every service's id, with the points of its public venues: what a rebuild orders the
    /// index by, without reading whole services.
    pub async fn service_venue_points(&self) -> Result<Vec<(Uuid, Vec<GeoPoint>)>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM services ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        let mut services: Vec<(Uuid, Vec<GeoPoint>)> = ids
            .iter()
            .map(|id| Ok((uuid(id)?, Vec::new())))
            .collect::<Result<_>>()?;
        services.sort_by_key(|(id, _)| *id);
        let points: Vec<(String, f64, f64)> = sqlx::query_as(
            "SELECT sal.service_id, l.latitude, l.longitude
             FROM service_at_location sal JOIN public_locations l ON l.id = sal.location_id",
        )
        .fetch_all(self.pool())
        .await?;
        for (service_id, latitude, longitude) in points {
            let id = uuid(&service_id)?;
            let (Ok(slot), Ok(point)) = (
                services.binary_search_by_key(&id, |(id, _)| *id),
                GeoPoint::new(latitude, longitude),
            ) else {
                continue;
            };
            services[slot].1.push(point);
        }
        Ok(services)
    }

    /// Public organisations with the given ids (all if `None`).
    pub async fn organizations_by_ids(&self, ids: Option<&[Uuid]>) -> Result<Vec<Organization>> {
        let rows: Vec<OrganizationRow> = sqlx::query_as(&format!(
            "SELECT * FROM public_organizations WHERE {} ORDER BY id",
            ids_condition(ids, "id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(OrganizationRow::into_domain).collect()
    }

    /// Ids of the services of these organisations, public or not.
    pub async fn service_ids_of_organizations(&self, organization_ids: &[Uuid]) -> Result<Vec<Uuid>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM services WHERE organization_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )
        .bind(id_filter(Some(organization_ids)))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|id| uuid(id)).collect()
    }

    /// Public funds with the given ids (all if `None`).
    pub async fn funds_by_ids(&self, ids: Option<&[Uuid]>) -> Result<Vec<Fund>> {
        let rows: Vec<FundRow> = sqlx::query_as(&format!(
            "{} WHERE {} ORDER BY f.id",
            super::read::FUND_SELECT,
            ids_condition(ids, "f.id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(FundRow::into_domain).collect()
    }

    /// Services with the given ids, in no particular order: the public ones, or with
    /// `everything` also those hidden by moderation or archive.
    pub async fn services_by_ids(&self, ids: &[Uuid], everything: bool) -> Result<Vec<Service>> {
        let select = if everything {
            super::read::ANY_SERVICE_SELECT
        } else {
            super::read::SERVICE_SELECT
        };
        let rows: Vec<ServiceRow> =
            sqlx::query_as(&format!("{select} WHERE s.id IN (SELECT value FROM json_each(?1))"))
                .bind(id_filter(Some(ids)))
                .fetch_all(self.pool())
                .await?;
        rows.into_iter().map(ServiceRow::into_domain).collect()
    }

    /// The areas each of the given services serves.
    pub async fn areas_of_services(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<PlaceCode>>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT service_id, place_code FROM service_areas WHERE service_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(id_filter(Some(ids)))
        .fetch_all(self.pool())
        .await?;
        let mut areas: HashMap<Uuid, Vec<PlaceCode>> = HashMap::new();
        for (service_id, code) in rows {
            areas.entry(uuid(&service_id)?).or_default().push(place_code(&code)?);
        }
        Ok(areas)
    }

    /// The areas the public services of each of the given organisations serve.
    pub async fn areas_of_organizations(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<PlaceCode>>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT s.organization_id, sa.place_code FROM service_areas sa
             JOIN public_services s ON s.id = sa.service_id
             WHERE s.organization_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(id_filter(Some(ids)))
        .fetch_all(self.pool())
        .await?;
        let mut areas: HashMap<Uuid, Vec<PlaceCode>> = HashMap::new();
        for (organization_id, code) in rows {
            areas
                .entry(uuid(&organization_id)?)
                .or_default()
                .push(place_code(&code)?);
        }
        Ok(areas)
    }

    /// Schedules of the given services.
    pub async fn schedules_of_services(&self, ids: &[Uuid]) -> Result<Vec<Schedule>> {
        let rows: Vec<ScheduleRow> = sqlx::query_as(
            "SELECT * FROM public_schedules WHERE service_id IN (SELECT value FROM json_each(?1)) ORDER BY service_id, id",
        )
        .bind(id_filter(Some(ids)))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(ScheduleRow::into_domain).collect()
    }

    /// Change-log rows after `seq`, oldest first, at most `limit`.
    pub async fn changes_after(&self, seq: i64, limit: i64) -> Result<Vec<Change>> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT seq, kind, entity_id FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(seq)
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(seq, kind, id)| {
                Ok(Change {
                    seq,
                    kind: ChangeKind::parse(&kind).map_err(|e| crate::Error::invalid("change_log.kind", e.0))?,
                    id: uuid(&id)?,
                })
            })
            .collect()
    }

    /// The newest change-log sequence number (0 if the log is empty).
    pub async fn last_change_seq(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log")
            .fetch_one(self.pool())
            .await?)
    }
}

/// What kind of listing a change-log row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Organization,
    Service,
    Fund,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Organization => "organization",
            ChangeKind::Service => "service",
            ChangeKind::Fund => "fund",
        }
    }

    pub fn parse(raw: &str) -> std::result::Result<Self, crate::ParseError> {
        match raw {
            "organization" => Ok(ChangeKind::Organization),
            "service" => Ok(ChangeKind::Service),
            "fund" => Ok(ChangeKind::Fund),
            other => Err(crate::ParseError::new(format!("unknown change kind {other:?}"))),
        }
    }
}

/// One change-log row: this listing changed (or was removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub kind: ChangeKind,
    pub id: Uuid,
}

/// Appends a change-log row; call inside the transaction that made the change.
pub async fn record_change(conn: &mut sqlx::SqliteConnection, kind: ChangeKind, id: Uuid) -> Result<()> {
    sqlx::query("INSERT INTO change_log (kind, entity_id, changed_at) VALUES (?, ?, ?)")
        .bind(kind.as_str())
        .bind(id.to_string())
        .bind(chrono::Utc::now())
        .execute(conn)
        .await?;
    Ok(())
}

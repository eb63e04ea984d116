//! Writes, each run on a connection the caller holds (usually inside one transaction). Listings
//! are saved with one upsert that creates or replaces the row in place; links ignore repeats.

use crate::store::db::{self, Conn};
use uuid::Uuid;

use crate::domain::*;
use crate::error::Result;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

fn code(code: &Option<PlaceCode>) -> Option<&str> {
    code.as_ref().map(PlaceCode::as_str)
}

/// Inserts a place, or updates it in place (never delete and insert: children, service areas
/// and funds refer to it).
pub async fn upsert_place(conn: &mut Conn<'_>, place: &Place, boundary_geojson: &str) -> Result<()> {
    let population = place.population;
    db::query(
        "INSERT INTO places (code, name, level, parent_code, age_0_15, age_16_24, age_25_34, age_35_49, age_50_64, age_65_plus, boundary)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
            parent_code = excluded.parent_code, age_0_15 = excluded.age_0_15, age_16_24 = excluded.age_16_24,
            age_25_34 = excluded.age_25_34, age_35_49 = excluded.age_35_49, age_50_64 = excluded.age_50_64,
            age_65_plus = excluded.age_65_plus, boundary = excluded.boundary",
    )
    .bind(place.code.as_str())
    .bind(&place.name)
    .bind(place.level.as_str())
    .bind(code(&place.parent_code))
    .bind(population.map(|p| p.age_0_15))
    .bind(population.map(|p| p.age_16_24))
    .bind(population.map(|p| p.age_25_34))
    .bind(population.map(|p| p.age_35_49))
    .bind(population.map(|p| p.age_50_64))
    .bind(population.map(|p| p.age_65_plus))
    .bind(boundary_geojson)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_postcode(conn: &mut Conn<'_>, record: &PostcodeRecord) -> Result<()> {
    db::query("INSERT INTO postcodes (postcode, latitude, longitude, district_code, ward_code, lsoa_code) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(record.postcode.as_str())
        .bind(record.latitude)
        .bind(record.longitude)
        .bind(record.district_code.as_str())
        .bind(record.ward_code.as_str())
        .bind(record.lsoa_code.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// `INSERT ... ON CONFLICT (id) DO UPDATE` for `columns` (the first is `id`): one statement that
/// creates a listing or replaces its row in place (children keep referring to it).
fn upsert_sql(table: &str, columns: &[&str]) -> String {
    let placeholders = vec!["?"; columns.len()].join(", ");
    let updates = columns[1..]
        .iter()
        .map(|column| format!("{column} = excluded.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders}) ON CONFLICT (id) DO UPDATE SET {updates}",
        columns.join(", ")
    )
}

/// Also the bulk writer's columns (`store::bulk`), so the two cannot drift apart.
pub(super) const ORGANIZATION_COLUMNS: &[&str] = &[
    "id",
    "name",
    "description",
    "url",
    "email",
    "phone",
    "identifiers",
    "is_example",
    "attribution",
    "created_at",
    "updated_at",
    "last_reviewed_at",
    "version",
    "publication",
    "rejection_reason",
    "archived_at",
    "trusted",
    "postcode",
];

/// Creates an organisation or replaces its row.
pub async fn save_organization(conn: &mut Conn<'_>, organization: &Organization) -> Result<()> {
    db::query(&upsert_sql("organizations", ORGANIZATION_COLUMNS))
        .bind(organization.id.to_string())
        .bind(&organization.name)
        .bind(&organization.description)
        .bind(&organization.url)
        .bind(&organization.email)
        .bind(&organization.phone)
        .bind(json(&organization.identifiers))
        .bind(organization.is_example)
        .bind(&organization.attribution)
        .bind(organization.created_at)
        .bind(organization.updated_at)
        .bind(organization.last_reviewed_at)
        .bind(organization.version)
        .bind(organization.state.publication.as_str())
        .bind(&organization.state.rejection_reason)
        .bind(organization.state.archived_at)
        .bind(organization.trusted)
        .bind(&organization.postcode)
        .execute(conn)
        .await?;
    Ok(())
}

/// Also the bulk writer's columns (`store::bulk`), so the two cannot drift apart.
pub(super) const SERVICE_COLUMNS: &[&str] = &[
    "id",
    "organization_id",
    "name",
    "description",
    "url",
    "email",
    "phone",
    "status",
    "minimum_age",
    "maximum_age",
    "eligibility_description",
    "delivery_modes",
    "free",
    "cost_options",
    "languages",
    "contacts",
    "how_to_join",
    "activity_concepts",
    "is_example",
    "attribution",
    "created_at",
    "updated_at",
    "last_reviewed_at",
    "version",
    "publication",
    "rejection_reason",
    "archived_at",
];

/// Creates a service or replaces its row, with its needs (in order: the first is the primary need).
pub async fn save_service(conn: &mut Conn<'_>, service: &Service) -> Result<()> {
    save_service_row(conn, service).await?;
    replace_service_needs(conn, service).await
}

/// Binds a service's own row, in the order of [`SERVICE_COLUMNS`] (the row written one at a
/// time here, and many at a time by the bulk paths).
pub(crate) fn bind_service_row<'q>(query: db::Query<'q>, service: &'q Service) -> db::Query<'q> {
    query
        .bind(service.id.to_string())
        .bind(service.organization_id.to_string())
        .bind(&service.name)
        .bind(&service.description)
        .bind(&service.url)
        .bind(&service.email)
        .bind(&service.phone)
        .bind(service.status.as_str())
        .bind(service.minimum_age)
        .bind(service.maximum_age)
        .bind(&service.eligibility_description)
        .bind(json(&service.delivery_modes))
        .bind(service.free)
        .bind(json(&service.cost_options))
        .bind(json(&service.languages))
        .bind(json(&service.contacts))
        .bind(&service.how_to_join)
        .bind(json(&service.activity_concepts))
        .bind(service.is_example)
        .bind(&service.attribution)
        .bind(service.created_at)
        .bind(service.updated_at)
        .bind(service.last_reviewed_at)
        .bind(service.version)
        .bind(service.state.publication.as_str())
        .bind(&service.state.rejection_reason)
        .bind(service.state.archived_at)
}

/// Writes a service's own row (not its needs: see [`replace_service_needs`]).
pub async fn save_service_row(conn: &mut Conn<'_>, service: &Service) -> Result<()> {
    bind_service_row(db::query(&upsert_sql("services", SERVICE_COLUMNS)), service)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces a service's needs with `service.needs`, in order.
pub async fn replace_service_needs(conn: &mut Conn<'_>, service: &Service) -> Result<()> {
    db::query("DELETE FROM service_needs WHERE service_id = ?")
        .bind(service.id.to_string())
        .execute(&mut *conn)
        .await?;
    if service.needs.is_empty() {
        return Ok(());
    }
    // One statement for all of them (a service has a handful).
    let sql = format!(
        "INSERT INTO service_needs (service_id, need_code, position) VALUES {}",
        vec!["(?, ?, ?)"; service.needs.len()].join(", ")
    );
    let mut insert = db::query(&sql);
    for (position, need) in service.needs.iter().enumerate() {
        insert = insert
            .bind(service.id.to_string())
            .bind(need.as_str())
            .bind(position as i64);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

pub async fn insert_service_area(conn: &mut Conn<'_>, service_id: Uuid, area: &ServiceArea) -> Result<()> {
    db::query("INSERT INTO service_areas (service_id, place_code, description) VALUES (?, ?, ?)")
        .bind(service_id.to_string())
        .bind(area.place_code.as_str())
        .bind(&area.description)
        .execute(conn)
        .await?;
    Ok(())
}

/// Also the bulk writer's columns (`store::bulk`), so the two cannot drift apart.
pub(super) const LOCATION_COLUMNS: &[&str] = &[
    "id",
    "name",
    "address_1",
    "city",
    "postcode",
    "latitude",
    "longitude",
    "accessibility",
    "is_example",
    "county_code",
    "district_code",
    "ward_code",
    "msoa_code",
    "lsoa_code",
    "organization_id",
    "archived_at",
    "version",
];

/// Creates a venue or replaces its row (seeding saves a shared venue once per service: same data).
pub async fn save_location(conn: &mut Conn<'_>, location: &Location, places: &LocationPlaces) -> Result<()> {
    db::query(&upsert_sql("locations", LOCATION_COLUMNS))
        .bind(location.id.to_string())
        .bind(&location.name)
        .bind(&location.address_1)
        .bind(&location.city)
        .bind(&location.postcode)
        .bind(location.latitude)
        .bind(location.longitude)
        .bind(json(&location.accessibility))
        .bind(location.is_example)
        .bind(code(&places.county_code))
        .bind(code(&places.district_code))
        .bind(code(&places.ward_code))
        .bind(code(&places.msoa_code))
        .bind(code(&places.lsoa_code))
        .bind(location.organization_id.map(|id| id.to_string()))
        .bind(location.archived_at)
        .bind(location.version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that a service is delivered at a location (HSDS `service_at_location`).
pub async fn link_service_to_location(
    conn: &mut Conn<'_>,
    id: Uuid,
    service_id: Uuid,
    location_id: Uuid,
) -> Result<()> {
    db::query("INSERT INTO service_at_location (id, service_id, location_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(id.to_string())
        .bind(service_id.to_string())
        .bind(location_id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

const SCHEDULE_COLUMNS: &[&str] = &[
    "id",
    "service_id",
    "location_id",
    "freq",
    "interval",
    "byday",
    "opens_at",
    "closes_at",
    "valid_from",
    "valid_to",
    "description",
    "archived_at",
    "version",
    "exceptions",
];

/// Creates a schedule or replaces its row.
pub async fn save_schedule(conn: &mut Conn<'_>, schedule: &Schedule) -> Result<()> {
    db::query(&upsert_sql("schedules", SCHEDULE_COLUMNS))
        .bind(schedule.id.to_string())
        .bind(schedule.service_id.to_string())
        .bind(schedule.location_id.map(|id| id.to_string()))
        .bind(schedule.freq.as_str())
        .bind(schedule.interval)
        .bind(&schedule.byday)
        .bind(&schedule.opens_at)
        .bind(&schedule.closes_at)
        .bind(schedule.valid_from)
        .bind(schedule.valid_to)
        .bind(&schedule.description)
        .bind(schedule.archived_at)
        .bind(schedule.version)
        .bind(json(&schedule.exceptions))
        .execute(conn)
        .await?;
    Ok(())
}

const FUND_COLUMNS: &[&str] = &[
    "id",
    "name",
    "description",
    "funder_organization_id",
    "funder_name",
    "applicant_type",
    "minimum_amount",
    "maximum_amount",
    "currency",
    "minimum_age",
    "maximum_age",
    "eligibility_description",
    "opens_on",
    "closes_on",
    "how_to_apply",
    "url",
    "is_example",
    "created_at",
    "updated_at",
    "last_reviewed_at",
    "version",
    "publication",
    "rejection_reason",
    "archived_at",
];

/// Creates a fund or replaces its row, with its needs and beneficiary places.
pub async fn save_fund(conn: &mut Conn<'_>, fund: &Fund) -> Result<()> {
    db::query(&upsert_sql("funds", FUND_COLUMNS))
        .bind(fund.id.to_string())
        .bind(&fund.name)
        .bind(&fund.description)
        .bind(fund.funder_organization_id.map(|id| id.to_string()))
        .bind(&fund.funder_name)
        .bind(fund.applicant_type.as_str())
        .bind(fund.minimum_amount)
        .bind(fund.maximum_amount)
        .bind(&fund.currency)
        .bind(fund.minimum_age)
        .bind(fund.maximum_age)
        .bind(&fund.eligibility_description)
        .bind(fund.opens_on)
        .bind(fund.closes_on)
        .bind(&fund.how_to_apply)
        .bind(&fund.url)
        .bind(fund.is_example)
        .bind(fund.created_at)
        .bind(fund.updated_at)
        .bind(fund.last_reviewed_at)
        .bind(fund.version)
        .bind(fund.state.publication.as_str())
        .bind(&fund.state.rejection_reason)
        .bind(fund.state.archived_at)
        .execute(&mut *conn)
        .await?;
    let id = fund.id.to_string();
    for table in ["fund_needs", "fund_beneficiary_locations"] {
        db::query(&format!("DELETE FROM {table} WHERE fund_id = ?"))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
    }
    for need in &fund.needs {
        db::query("INSERT INTO fund_needs (fund_id, need_code) VALUES (?, ?)")
            .bind(&id)
            .bind(need.as_str())
            .execute(&mut *conn)
            .await?;
    }
    for place in &fund.beneficiary_locations {
        db::query("INSERT INTO fund_beneficiary_locations (fund_id, place_code) VALUES (?, ?)")
            .bind(&id)
            .bind(place.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces the areas a service serves.
pub async fn replace_service_areas(conn: &mut Conn<'_>, service_id: Uuid, areas: &[ServiceArea]) -> Result<()> {
    db::query("DELETE FROM service_areas WHERE service_id = ?")
        .bind(service_id.to_string())
        .execute(&mut *conn)
        .await?;
    for area in areas {
        insert_service_area(conn, service_id, area).await?;
    }
    Ok(())
}

/// Replaces the venues a service is delivered at; link ids are derived from the pair, so a
/// link that stays keeps its id.
pub async fn replace_service_locations(conn: &mut Conn<'_>, service_id: Uuid, location_ids: &[Uuid]) -> Result<()> {
    db::query("DELETE FROM service_at_location WHERE service_id = ?")
        .bind(service_id.to_string())
        .execute(&mut *conn)
        .await?;
    for location_id in location_ids {
        let link_id = Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{service_id}:{location_id}").as_bytes());
        link_service_to_location(conn, link_id, service_id, *location_id).await?;
    }
    Ok(())
}

//! Invented example listings, placed at real Norfolk postcodes, for demonstration and testing.
//! Every name ends in "(example)" and every record is stored with `is_example = true`.

use std::collections::HashMap;

use crate::store::db::Conn;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::{midnight, seed_id, SeedReport};
use crate::domain::need::need_for_activity_concept;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::places::PlaceIndex;
use crate::store::write;

const LISTINGS: &str = include_str!("../../../seed/example_listings.json");
const ACTIVITY_LIST: &str = include_str!("../../../seed/reference/openactive_activity_list.csv");
const FILE: &str = "example_listings.json";

#[derive(Deserialize)]
struct ExampleFile {
    organizations: Vec<ExampleOrganization>,
    funds: Vec<ExampleFund>,
}

#[derive(Deserialize)]
struct ExampleOrganization {
    key: String,
    name: String,
    description: String,
    url: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    identifiers: Vec<OrganizationIdentifier>,
    services: Vec<ExampleService>,
}

#[derive(Deserialize)]
struct ExampleService {
    key: String,
    name: String,
    description: String,
    url: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    status: String,
    needs: Vec<String>,
    #[serde(default)]
    activity_concepts: Vec<String>,
    minimum_age: Option<i64>,
    maximum_age: Option<i64>,
    eligibility_description: Option<String>,
    delivery_modes: Vec<String>,
    /// Absent when the listing says nothing about cost: stored as unknown, never as free.
    #[serde(default)]
    free: Option<bool>,
    #[serde(default)]
    cost_options: Vec<CostOption>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    contacts: Vec<Contact>,
    how_to_join: Option<String>,
    last_reviewed_at: Option<NaiveDate>,
    #[serde(default)]
    service_areas: Vec<ExampleServiceArea>,
    #[serde(default)]
    locations: Vec<ExampleLocation>,
}

#[derive(Deserialize)]
struct ExampleServiceArea {
    gss_code: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct ExampleLocation {
    key: String,
    name: String,
    address_1: Option<String>,
    city: Option<String>,
    postcode: String,
    #[serde(default)]
    accessibility: Vec<String>,
    #[serde(default)]
    schedules: Vec<ExampleSchedule>,
}

#[derive(Deserialize)]
struct ExampleSchedule {
    freq: String,
    interval: Option<i64>,
    byday: String,
    opens_at: String,
    closes_at: String,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct ExampleFund {
    key: String,
    name: String,
    description: String,
    funder_organization_key: Option<String>,
    funder_name: String,
    applicant_type: String,
    needs: Vec<String>,
    minimum_amount: Option<f64>,
    maximum_amount: Option<f64>,
    currency: String,
    minimum_age: Option<i64>,
    maximum_age: Option<i64>,
    eligibility_description: Option<String>,
    beneficiary_locations: Vec<String>,
    opens_on: Option<NaiveDate>,
    closes_on: Option<NaiveDate>,
    how_to_apply: Option<String>,
    url: Option<String>,
}

fn bad(reason: impl std::fmt::Display) -> Error {
    Error::seed(FILE, reason)
}

/// Everything a conversion needs to know besides the record itself.
struct Context<'a> {
    places: &'a PlaceIndex,
    postcodes: &'a HashMap<&'a str, &'a PostcodeRecord>,
    activities: HashMap<String, ActivityRef>,
    seeded_at: DateTime<Utc>,
}

pub(super) async fn load(
    conn: &mut Conn<'_>,
    places: &PlaceIndex,
    postcodes: &HashMap<&str, &PostcodeRecord>,
    seeded_at: DateTime<Utc>,
    report: &mut SeedReport,
) -> Result<()> {
    let file: ExampleFile = serde_json::from_str(LISTINGS).map_err(bad)?;
    let context = Context {
        places,
        postcodes,
        activities: activity_list()?,
        seeded_at,
    };
    let mut seen_locations = std::collections::HashSet::new();
    for example in &file.organizations {
        let organization = context.organization(example);
        write::save_organization(conn, &organization).await?;
        report.organizations += 1;
        for service in &example.services {
            context
                .load_service(conn, organization.id, service, report, &mut seen_locations)
                .await?;
        }
    }
    for example in &file.funds {
        write::save_fund(conn, &context.fund(example)?).await?;
        report.funds += 1;
    }
    Ok(())
}

/// OpenActive Activity List labels (lower case) to their concept.
fn activity_list() -> Result<HashMap<String, ActivityRef>> {
    #[derive(Deserialize)]
    struct Row {
        identifier: String,
        pref_label: String,
    }
    let mut reader = csv::Reader::from_reader(ACTIVITY_LIST.as_bytes());
    reader
        .deserialize::<Row>()
        .map(|row| {
            let row = row.map_err(|e| Error::seed("openactive_activity_list.csv", e))?;
            Ok((
                row.pref_label.to_lowercase(),
                ActivityRef {
                    id: row.identifier,
                    pref_label: row.pref_label,
                },
            ))
        })
        .collect()
}

fn parse_all<T>(
    raw: &[String],
    parse: impl Fn(&str) -> std::result::Result<T, crate::error::ParseError>,
) -> Result<Vec<T>> {
    raw.iter().map(|value| parse(value).map_err(bad)).collect()
}

impl Context<'_> {
    fn organization(&self, example: &ExampleOrganization) -> Organization {
        Organization {
            id: seed_id("organization", &example.key),
            name: example.name.clone(),
            description: example.description.clone(),
            url: example.url.clone(),
            email: example.email.clone(),
            phone: example.phone.clone(),
            identifiers: example.identifiers.clone(),
            is_example: true,
            attribution: None,
            created_at: self.seeded_at,
            updated_at: self.seeded_at,
            last_reviewed_at: example
                .services
                .iter()
                .filter_map(|s| s.last_reviewed_at)
                .max()
                .map(midnight),
            version: 1,
            state: ListingState::default(),
            trusted: false,
            postcode: None,
        }
    }

    async fn load_service(
        &self,
        conn: &mut Conn<'_>,
        organization_id: uuid::Uuid,
        example: &ExampleService,
        report: &mut SeedReport,
        seen_locations: &mut std::collections::HashSet<uuid::Uuid>,
    ) -> Result<()> {
        let service = self.service(organization_id, example)?;
        write::save_service(conn, &service).await?;
        report.services += 1;
        for area in &example.service_areas {
            let place_code = PlaceCode::parse(&area.gss_code).map_err(bad)?;
            write::insert_service_area(
                conn,
                service.id,
                &ServiceArea {
                    place_code,
                    description: area.description.clone(),
                },
            )
            .await?;
        }
        for (location_position, example_location) in example.locations.iter().enumerate() {
            let (location, location_places) = self.location(example_location)?;
            write::save_location(conn, &location, &location_places).await?;
            // Several services can meet at one venue: count it once.
            if seen_locations.insert(location.id) {
                report.locations += 1;
            }
            let link_id = seed_id("service_at_location", &format!("{}:{}", service.id, location.id));
            write::link_service_to_location(conn, link_id, service.id, location.id).await?;
            for (position, schedule) in example_location.schedules.iter().enumerate() {
                let key = format!(
                    "{}:{location_position}:{}:{position}",
                    example.key, example_location.key
                );
                let id = seed_id("schedule", &key);
                write::save_schedule(conn, &schedule_of(id, service.id, location.id, schedule)?).await?;
                report.schedules += 1;
            }
        }
        Ok(())
    }

    fn service(&self, organization_id: uuid::Uuid, example: &ExampleService) -> Result<Service> {
        let activity_concepts = example
            .activity_concepts
            .iter()
            .map(|label| {
                self.activities
                    .get(&label.to_lowercase())
                    .cloned()
                    .ok_or_else(|| bad(format!("unknown activity {label:?}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut needs = parse_all(&example.needs, NeedCode::parse)?;
        for concept in &activity_concepts {
            if let Some(need) = need_for_activity_concept(&concept.pref_label) {
                if !needs.contains(&need) {
                    needs.push(need);
                }
            }
        }
        Ok(Service {
            id: seed_id("service", &example.key),
            organization_id,
            name: example.name.clone(),
            description: example.description.clone(),
            url: example.url.clone(),
            email: example.email.clone(),
            phone: example.phone.clone(),
            status: ServiceStatus::parse(&example.status).map_err(bad)?,
            minimum_age: example.minimum_age,
            maximum_age: example.maximum_age,
            eligibility_description: example.eligibility_description.clone(),
            delivery_modes: parse_all(&example.delivery_modes, DeliveryMode::parse)?,
            free: example.free,
            cost_options: example.cost_options.clone(),
            languages: example
                .languages
                .iter()
                .map(|name| crate::domain::language::parse_language(name).map_err(bad))
                .collect::<Result<_>>()?,
            contacts: example.contacts.clone(),
            how_to_join: example.how_to_join.clone(),
            needs,
            activity_concepts,
            is_example: true,
            attribution: None,
            created_at: self.seeded_at,
            updated_at: self.seeded_at,
            last_reviewed_at: example.last_reviewed_at.map(midnight),
            version: 1,
            state: ListingState::default(),
        })
    }

    fn location(&self, example: &ExampleLocation) -> Result<(Location, LocationPlaces)> {
        let postcode = Postcode::parse(&example.postcode).map_err(bad)?;
        let record = self
            .postcodes
            .get(postcode.as_str())
            .ok_or_else(|| bad(format!("postcode {postcode} is not in Norfolk")))?;
        let location = Location {
            id: seed_id("location", &example.key),
            name: example.name.clone(),
            address_1: example.address_1.clone(),
            city: example.city.clone(),
            postcode: Some(postcode.to_string()),
            latitude: record.latitude,
            longitude: record.longitude,
            accessibility: parse_all(&example.accessibility, AccessibilityFeature::parse)?,
            is_example: true,
            organization_id: None,
            archived_at: None,
            version: 1,
        };
        // Places come from the postcode file (as the `postcode` query reports them), MSOA and
        // county from the hierarchy.
        let location_places = LocationPlaces {
            county_code: self.places.parent(&record.district_code).map(|p| p.code.clone()),
            district_code: Some(record.district_code.clone()),
            ward_code: Some(record.ward_code.clone()),
            msoa_code: self.places.parent(&record.lsoa_code).map(|p| p.code.clone()),
            lsoa_code: Some(record.lsoa_code.clone()),
        };
        Ok((location, location_places))
    }

    fn fund(&self, example: &ExampleFund) -> Result<Fund> {
        Ok(Fund {
            id: seed_id("fund", &example.key),
            name: example.name.clone(),
            description: example.description.clone(),
            funder_organization_id: example
                .funder_organization_key
                .as_deref()
                .map(|key| seed_id("organization", key)),
            funder_name: example.funder_name.clone(),
            applicant_type: ApplicantType::parse(&example.applicant_type).map_err(bad)?,
            needs: parse_all(&example.needs, NeedCode::parse)?,
            minimum_amount: example.minimum_amount,
            maximum_amount: example.maximum_amount,
            currency: example.currency.clone(),
            minimum_age: example.minimum_age,
            maximum_age: example.maximum_age,
            eligibility_description: example.eligibility_description.clone(),
            beneficiary_locations: parse_all(&example.beneficiary_locations, PlaceCode::parse)?,
            opens_on: example.opens_on,
            closes_on: example.closes_on,
            how_to_apply: example.how_to_apply.clone(),
            url: example.url.clone(),
            is_example: true,
            created_at: self.seeded_at,
            updated_at: self.seeded_at,
            last_reviewed_at: Some(self.seeded_at),
            version: 1,
            state: ListingState::default(),
        })
    }
}

fn schedule_of(
    id: uuid::Uuid,
    service_id: uuid::Uuid,
    location_id: uuid::Uuid,
    example: &ExampleSchedule,
) -> Result<Schedule> {
    Ok(Schedule {
        id,
        service_id,
        location_id: Some(location_id),
        freq: Frequency::parse(&example.freq).map_err(bad)?,
        interval: example.interval.unwrap_or(1),
        byday: example.byday.clone(),
        opens_at: example.opens_at.clone(),
        closes_at: example.closes_at.clone(),
        valid_from: example.valid_from,
        valid_to: example.valid_to,
        description: example.description.clone(),
        exceptions: Vec::new(),
        archived_at: None,
        version: 1,
    })
}

//! Norfolk County Council's mobile library stops with their 4-weekly timetables. These are the
//! 2019 timetables (compiled by Libraries Hacked): real places and times, but out of date, and
//! said so in every listing. One service per mobile library vehicle, one location per stop.

use crate::store::db::Conn;
use chrono::{DateTime, NaiveDate, Utc};

use super::{midnight, seed_id, SeedReport};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::places::PlaceIndex;
use crate::store::write;

const STOPS: &str = include_str!("../../../seed/assets/norfolk_mobile_library_stops_2019.csv");
const FILE: &str = "norfolk_mobile_library_stops_2019.csv";
const ORGANIZATION_KEY: &str = "norfolk-mobile-libraries";
const ATTRIBUTION: &str = "Norfolk County Council mobile library timetables (2019), compiled by Libraries Hacked (MIT licence). Out of date: routes have changed since 2019.";

#[derive(serde::Deserialize)]
struct StopRow {
    mobile: String,
    route: String,
    community: String,
    stop: String,
    address: String,
    lat: f64,
    lng: f64,
    day: String,
    arrival: String,
    departure: String,
    start: NaiveDate,
    timetable_url: String,
}

fn byday(day: &str) -> Result<&'static str> {
    Ok(match day {
        "Monday" => "MO",
        "Tuesday" => "TU",
        "Wednesday" => "WE",
        "Thursday" => "TH",
        "Friday" => "FR",
        "Saturday" => "SA",
        "Sunday" => "SU",
        other => return Err(Error::seed(FILE, format!("unknown day {other:?}"))),
    })
}

pub(super) async fn load(
    conn: &mut Conn<'_>,
    places: &PlaceIndex,
    seeded_at: DateTime<Utc>,
    report: &mut SeedReport,
) -> Result<()> {
    // A stop visited by several vehicles is one location: count it once.
    let mut seen_locations = std::collections::HashSet::new();
    let stops: Vec<StopRow> = csv::Reader::from_reader(STOPS.as_bytes())
        .deserialize()
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::seed(FILE, e))?;
    let reviewed = stops.iter().map(|s| s.start).max().map(midnight);
    let organization = Organization {
        id: seed_id("organization", ORGANIZATION_KEY),
        name: "Norfolk Library and Information Service: mobile libraries".to_string(),
        description: "Norfolk County Council's mobile libraries visit villages across Norfolk every four weeks: borrow and return books, audiobooks and large print, order items, and ask for information. The stops and times listed here are the 2019 timetables and have changed since; check the council's current timetable before travelling.".to_string(),
        url: None,
        email: None,
        phone: None,
        identifiers: Vec::new(),
        is_example: false,
        attribution: Some(ATTRIBUTION.to_string()),
        created_at: seeded_at,
        updated_at: seeded_at,
        last_reviewed_at: reviewed,
        version: 1,
        state: ListingState::default(),
        trusted: false,
        postcode: None,
    };
    write::save_organization(conn, &organization).await?;
    report.organizations += 1;

    let mut vehicles: Vec<&str> = stops.iter().map(|s| s.mobile.as_str()).collect();
    vehicles.sort();
    vehicles.dedup();
    for vehicle in vehicles {
        let vehicle_stops: Vec<(usize, &StopRow)> =
            stops.iter().enumerate().filter(|(_, s)| s.mobile == vehicle).collect();
        let service = vehicle_service(&organization, vehicle, vehicle_stops.len(), seeded_at);
        write::save_service(conn, &service).await?;
        report.services += 1;
        for (row, stop) in vehicle_stops {
            load_stop(conn, places, &service, row, stop, report, &mut seen_locations).await?;
        }
    }
    Ok(())
}

fn vehicle_service(organization: &Organization, vehicle: &str, stop_count: usize, seeded_at: DateTime<Utc>) -> Service {
    Service {
        id: seed_id("service", &format!("mobile-library:{vehicle}")),
        organization_id: organization.id,
        name: format!("Mobile library {vehicle} (2019 timetable)"),
        description: format!(
            "Mobile library {vehicle} stops at {stop_count} places every four weeks. Borrow books, large print and audiobooks, order items and ask for information; no need to book. Times are from the 2019 timetable and have changed since."
        ),
        url: None,
        email: None,
        phone: None,
        status: ServiceStatus::Active,
        minimum_age: None,
        maximum_age: None,
        eligibility_description: Some("Everyone; free library membership".to_string()),
        delivery_modes: vec![DeliveryMode::InPerson],
        // Public libraries are free to use (the timetable says so of membership).
        free: Some(true),
        cost_options: Vec::new(),
        languages: vec!["en".to_string()],
        contacts: Vec::new(),
        how_to_join: Some("Turn up at the stop at the listed time".to_string()),
        needs: NeedCode::parse("information-and-advice").into_iter().collect(),
        activity_concepts: Vec::new(),
        is_example: false,
        attribution: Some(ATTRIBUTION.to_string()),
        created_at: seeded_at,
        updated_at: seeded_at,
        last_reviewed_at: organization.last_reviewed_at,
        version: 1,
        state: ListingState::default(),
    }
}

/// Stores one timetable row; `row` (its position in the file) keys the schedule, since the
/// timetable repeats some stops within a route.
async fn load_stop(
    conn: &mut Conn<'_>,
    places: &PlaceIndex,
    service: &Service,
    row: usize,
    stop: &StopRow,
    report: &mut SeedReport,
    seen_locations: &mut std::collections::HashSet<uuid::Uuid>,
) -> Result<()> {
    let location_key = format!("{}|{}|{}|{}", stop.community, stop.stop, stop.lat, stop.lng);
    let point = GeoPoint::new(stop.lat, stop.lng).map_err(|(_, e)| Error::seed(FILE, e))?;
    let location = Location {
        id: seed_id("location", &format!("mobile-stop:{location_key}")),
        name: format!("{}, {}", stop.stop, stop.community),
        address_1: Some(stop.address.clone()),
        city: Some(stop.community.clone()),
        postcode: None,
        latitude: stop.lat,
        longitude: stop.lng,
        accessibility: Vec::new(),
        is_example: false,
        organization_id: None,
        archived_at: None,
        version: 1,
    };
    write::save_location(conn, &location, &places.location_places(point)).await?;
    if seen_locations.insert(location.id) {
        report.locations += 1;
    }
    report.schedules += 1;
    let link_id = seed_id("service_at_location", &format!("{}:{}", service.id, location.id));
    write::link_service_to_location(conn, link_id, service.id, location.id).await?;
    let schedule = Schedule {
        id: seed_id("schedule", &format!("mobile:{row}:{}:{location_key}", stop.route)),
        service_id: service.id,
        location_id: Some(location.id),
        freq: Frequency::Weekly,
        interval: 4,
        byday: byday(&stop.day)?.to_string(),
        opens_at: stop.arrival.clone(),
        closes_at: stop.departure.clone(),
        valid_from: Some(stop.start),
        valid_to: None,
        description: Some(format!(
            "Every 4 weeks on {}, {}-{} (route {}, 2019 timetable: {})",
            stop.day, stop.arrival, stop.departure, stop.route, stop.timetable_url
        )),
        exceptions: Vec::new(),
        archived_at: None,
        version: 1,
    };
    write::save_schedule(conn, &schedule).await
}

//! A directory service as an OpenActive `SessionSeries` (Modelling Opportunity Data 2.0).
//!
//! A service is an opportunity when it is active, offers at least one OpenActive Activity List
//! activity (`activity_concepts`, stored with the list's real ids) and has a schedule at a venue.
//! Needs are not turned into activities: "strength and balance" names many activities, and
//! guessing one would publish a wrong concept. Phone and online services, and services with no
//! venue, are not opportunities (OpenActive's virtual-location rules are for sessions held
//! online, which the directory does not record as such); they appear as deleted items.
//!
//! A service running at several venues is published at one: the venue of its first schedule
//! (by schedule id) that names one, else its first venue; `eventSchedule` holds the schedules at
//! that venue and those that name none.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use super::{activity_scheme, context, series_id, Accessibility};
use crate::domain::schedule::{parse_byday, weekday_code};
use crate::domain::*;
use crate::places::PlaceIndex;
use crate::store::feed::Venue;

/// The scheme every activity concept belongs to.
pub const ACTIVITY_LIST: &str = "https://openactive.io/activity-list";
/// The timezone every schedule's local times are in.
pub const SCHEDULE_TIMEZONE: &str = "Europe/London";

/// `schema:Place` with its address and coordinates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub identifier: Uuid,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<PostalAddress>,
    pub geo: GeoCoordinates,
}

/// `schema:PostalAddress`. OpenActive requires every part, so an address missing its street,
/// town or postcode is left out rather than published half empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub street_address: String,
    pub address_locality: String,
    pub address_region: String,
    pub postal_code: String,
    pub address_country: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeoCoordinates {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

/// The organiser: the service's organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organizer {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub identifier: Uuid,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
}

/// A SKOS concept from an OpenActive list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Concept {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    #[serde(rename = "@id")]
    pub id: String,
    pub pref_label: String,
    pub in_scheme: String,
}

impl Concept {
    pub fn new(id: &str, pref_label: &str, in_scheme: &str) -> Concept {
        Concept {
            kind: "Concept",
            id: id.to_string(),
            pref_label: pref_label.to_string(),
            in_scheme: in_scheme.to_string(),
        }
    }
}

/// `schema:QuantitativeValue` for an age range.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuantitativeValue {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
}

/// A price of taking part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    pub price_currency: String,
}

/// A recurrence as OpenActive writes it. A `PartialSchedule`: the sessions themselves are in
/// the ScheduledSession feed, so no id template is needed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialSchedule {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    /// `P1W`, `P2W`, `P1M` ...
    pub repeat_frequency: String,
    /// schema.org day URLs for weekly rules; iCal BYDAY (`1TU`, `-1FR`) for monthly rules
    /// with ordinals, which schema.org days cannot say (the model allows Text here).
    pub by_day: Vec<String>,
    pub start_time: String,
    pub end_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// Dates with no session (the schedule's exceptions: closures, cancellations), as
    /// `schema:Date`s; the ScheduledSession feed generates none on them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except_date: Vec<NaiveDate>,
    pub schedule_timezone: &'static str,
}

/// A SessionSeries item's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSeries {
    #[serde(rename = "@context")]
    pub context: &'static str,
    #[serde(rename = "@type")]
    pub kind: &'static str,
    #[serde(rename = "@id")]
    pub id: String,
    pub identifier: Uuid,
    pub name: String,
    pub description: String,
    pub url: String,
    pub location: Place,
    pub organizer: Organizer,
    pub activity: Vec<Concept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_range: Option<QuantitativeValue>,
    pub offers: Vec<Offer>,
    /// Only when the organisation has said whether it is free.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_accessible_for_free: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accessibility_support: Vec<Concept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessibility_information: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendee_instructions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling_note: Option<String>,
    pub event_attendance_mode: &'static str,
    pub event_status: &'static str,
    pub event_schedule: Vec<PartialSchedule>,
}

/// Everything a SessionSeries is built from, read set-wise for a page of services.
pub struct SeriesSource<'a> {
    pub service: &'a Service,
    pub venues: &'a [Venue],
    pub schedules: &'a [Schedule],
    pub organization: Option<&'a Organization>,
}

impl SeriesSource<'_> {
    /// The venue the series is published at and the schedules held there, or `None` when the
    /// service is not an OpenActive opportunity (see the module header).
    pub fn opportunity(&self) -> Option<(&Venue, Vec<&Schedule>)> {
        if self.service.status != ServiceStatus::Active
            || self.service.activity_concepts.is_empty()
            || !self.service.state.is_public()
            || self.organization.is_none()
        {
            return None;
        }
        let mut schedules: Vec<&Schedule> = self.schedules.iter().filter(|s| s.minutes().is_some()).collect();
        schedules.sort_by_key(|schedule| schedule.id);
        let mut venues: Vec<&Venue> = self.venues.iter().collect();
        venues.sort_by_key(|venue| venue.location.id);
        let venue = schedules
            .iter()
            .filter_map(|schedule| schedule.location_id)
            .find_map(|id| venues.iter().find(|venue| venue.location.id == id))
            .or(venues.first())?;
        let at_venue: Vec<&Schedule> = schedules
            .into_iter()
            .filter(|schedule| schedule.location_id.is_none_or(|id| id == venue.location.id))
            .collect();
        if at_venue.is_empty() {
            return None;
        }
        Some((*venue, at_venue))
    }

    /// The SessionSeries, or `None` when the service is not an opportunity.
    pub fn session_series(&self, base: &str, places: &PlaceIndex) -> Option<SessionSeries> {
        let (venue, schedules) = self.opportunity()?;
        let organization = self.organization?;
        let service = self.service;
        let id = series_id(base, service.id);
        let accessibility = Accessibility::of(&venue.location.accessibility);
        Some(SessionSeries {
            context: context(),
            kind: "SessionSeries",
            url: service
                .url
                .clone()
                .or_else(|| organization.url.clone())
                .unwrap_or_else(|| id.clone()),
            id,
            identifier: service.id,
            name: service.name.clone(),
            description: service.description.clone(),
            location: place(venue, places),
            organizer: Organizer {
                kind: "Organization",
                identifier: organization.id,
                name: organization.name.clone(),
                url: organization.url.clone(),
                email: organization.email.clone(),
                telephone: organization.phone.clone(),
            },
            activity: service
                .activity_concepts
                .iter()
                .map(|concept| Concept::new(&activity_url(&concept.id), &concept.pref_label, activity_scheme()))
                .collect(),
            age_range: age_range(service),
            offers: offers(service),
            is_accessible_for_free: service.free,
            accessibility_support: accessibility.support,
            accessibility_information: accessibility.information,
            attendee_instructions: service.how_to_join.clone(),
            scheduling_note: scheduling_note(&schedules),
            event_attendance_mode: "https://schema.org/OfflineEventAttendanceMode",
            event_status: "https://schema.org/EventScheduled",
            event_schedule: schedules.into_iter().map(partial_schedule).collect(),
        })
    }
}

fn place(venue: &Venue, places: &PlaceIndex) -> Place {
    let location = &venue.location;
    let region = [&venue.places.county_code, &venue.places.district_code]
        .into_iter()
        .flatten()
        .find_map(|code| places.get(code).map(|place| place.name.clone()));
    let address = match (&location.address_1, &location.city, &location.postcode, region) {
        (Some(street), Some(city), Some(postcode), Some(region)) => Some(PostalAddress {
            kind: "PostalAddress",
            street_address: street.clone(),
            address_locality: city.clone(),
            address_region: region,
            postal_code: postcode.clone(),
            address_country: "GB",
        }),
        _ => None,
    };
    Place {
        kind: "Place",
        identifier: location.id,
        name: location.name.clone(),
        address,
        geo: GeoCoordinates {
            kind: "GeoCoordinates",
            latitude: location.latitude,
            longitude: location.longitude,
        },
    }
}

/// An Activity List concept's URL. The directory stores the list's identifier (the UUID after
/// `#`); a full URL is kept as it is.
pub fn activity_url(id: &str) -> String {
    if id.starts_with("https://") || id.starts_with("http://") {
        id.to_string()
    } else {
        format!("{ACTIVITY_LIST}#{id}")
    }
}

fn age_range(service: &Service) -> Option<QuantitativeValue> {
    if service.minimum_age.is_none() && service.maximum_age.is_none() {
        return None;
    }
    Some(QuantitativeValue {
        kind: "QuantitativeValue",
        min_value: service.minimum_age,
        max_value: service.maximum_age,
    })
}

/// One offer per cost option; a free service with none offers a price of 0 (OpenActive's way
/// of saying free). A cost option without an amount keeps its description and no price, and so
/// does the one offer of a service whose cost is not known (the model requires an offer).
fn offers(service: &Service) -> Vec<Offer> {
    if service.cost_options.is_empty() {
        let name = match service.free {
            Some(true) => "Free",
            Some(false) => "Price on request",
            None => "Cost not known: ask the organiser",
        };
        return vec![Offer {
            kind: "Offer",
            name: Some(name.to_string()),
            description: None,
            price: (service.free == Some(true)).then_some(0.0),
            price_currency: "GBP".to_string(),
        }];
    }
    service
        .cost_options
        .iter()
        .map(|option| Offer {
            kind: "Offer",
            name: Some(option.option.clone()).filter(|name| !name.trim().is_empty()),
            description: option.amount_description.clone().filter(|text| !text.trim().is_empty()),
            price: option.amount.map(|amount| (amount * 100.0).round() / 100.0),
            price_currency: option.currency.clone(),
        })
        .collect()
}

fn scheduling_note(schedules: &[&Schedule]) -> Option<String> {
    let notes: Vec<&str> = schedules
        .iter()
        .filter_map(|schedule| schedule.description.as_deref())
        .filter(|note| !note.trim().is_empty())
        .collect();
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// The schema.org URL of a weekday.
pub fn day_url(weekday: chrono::Weekday) -> String {
    const NAMES: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    format!("https://schema.org/{}", NAMES[weekday.num_days_from_monday() as usize])
}

fn partial_schedule(schedule: &Schedule) -> PartialSchedule {
    let interval = schedule.interval.max(1);
    let days = parse_byday(&schedule.byday).unwrap_or_default();
    let (repeat_frequency, by_day) = match schedule.freq {
        Frequency::Weekly => (
            format!("P{interval}W"),
            days.iter().map(|day| day_url(day.weekday)).collect(),
        ),
        Frequency::Monthly => (
            format!("P{interval}M"),
            days.iter()
                .map(|day| match day.ordinal {
                    Some(ordinal) => format!("{ordinal}{}", weekday_code(day.weekday)),
                    None => day_url(day.weekday),
                })
                .collect(),
        ),
    };
    PartialSchedule {
        kind: "PartialSchedule",
        repeat_frequency,
        by_day,
        start_time: schedule.opens_at.clone(),
        end_time: schedule.closes_at.clone(),
        duration: schedule
            .minutes()
            .filter(|(start, end)| end > start)
            .map(|(start, end)| iso_duration(i64::from(end - start))),
        start_date: schedule.valid_from,
        end_date: schedule.valid_to,
        except_date: schedule.exceptions.iter().map(|exception| exception.date).collect(),
        schedule_timezone: SCHEDULE_TIMEZONE,
    }
}

/// An ISO 8601 duration of whole minutes: `PT1H`, `PT45M`, `PT1H30M`.
pub fn iso_duration(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_days() {
        assert_eq!(iso_duration(60), "PT1H");
        assert_eq!(iso_duration(45), "PT45M");
        assert_eq!(iso_duration(90), "PT1H30M");
        assert_eq!(day_url(chrono::Weekday::Tue), "https://schema.org/Tuesday");
    }
}

//! Listings → ORUK documents. Pure functions of what the store read: no I/O here, so a batch
//! of services renders from a handful of set-wise reads (see `directory`).

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use super::documents as oruk;
use super::taxonomies::vocabularies;
use crate::domain::*;
use crate::places::PlaceIndex;
use crate::store::oruk::LinkedVenue;

/// Everything one service's document is made from.
#[derive(Debug, Clone, Copy)]
pub struct ServiceParts<'a> {
    pub service: &'a Service,
    pub organization: &'a Organization,
    pub venues: &'a [LinkedVenue],
    pub schedules: &'a [Schedule],
    pub areas: &'a [ServiceArea],
}

/// The id of a sub-object the directory has no id for: `v5(parent, "<kind>:<position>")`.
pub fn child_id(parent: Uuid, kind: &str, position: impl std::fmt::Display) -> Uuid {
    Uuid::new_v5(&parent, format!("{kind}:{position}").as_bytes())
}

/// RFC 3339 in UTC with a `Z`, to the precision stored (what `modified_after` compares).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// A service's one-to-one fields.
pub fn service_fields(service: &Service) -> oruk::ServiceFields {
    oruk::ServiceFields {
        id: service.id,
        organization_id: service.organization_id,
        name: service.name.clone(),
        description: non_empty(&Some(service.description.clone())),
        url: non_empty(&service.url),
        email: non_empty(&service.email),
        status: service.status.as_str().to_string(),
        fees: (service.free == Some(true)).then(|| "Free".to_string()),
        minimum_age: service.minimum_age,
        maximum_age: service.maximum_age,
        assured_date: service
            .last_reviewed_at
            .map(|at| at.date_naive().format("%Y-%m-%d").to_string()),
        last_modified: timestamp(service.updated_at),
    }
}

/// A service in a list, with its organisation's one-to-one fields.
pub fn service_summary(service: &Service, organization: &Organization) -> oruk::ServiceSummary {
    oruk::ServiceSummary {
        fields: service_fields(service),
        organization: organization_summary(organization),
    }
}

/// The fully nested service.
pub fn service(parts: ServiceParts<'_>, places: &PlaceIndex) -> oruk::Service {
    let ServiceParts {
        service,
        organization,
        venues,
        schedules,
        areas,
    } = parts;
    let links: Vec<(Uuid, Uuid)> = venues
        .iter()
        .map(|venue| (venue.location.id, venue.service_at_location_id))
        .collect();
    oruk::Service {
        fields: service_fields(service),
        organization: self::organization(organization),
        service_at_locations: venues
            .iter()
            .map(|venue| oruk::ServiceAtLocation {
                id: venue.service_at_location_id,
                service_id: service.id,
                location_id: venue.location.id,
                location: location(venue, places),
            })
            .collect(),
        schedules: schedules.iter().map(|s| schedule(s, &links)).collect(),
        service_areas: areas
            .iter()
            .enumerate()
            .map(|(at, area)| service_area(service.id, at, area, places))
            .collect(),
        languages: languages(service),
        cost_options: cost_options(service),
        contacts: contacts(service),
        phones: non_empty(&service.phone)
            .map(|number| oruk::Phone {
                id: child_id(service.id, "phone", 0),
                service_id: Some(service.id),
                contact_id: None,
                number,
            })
            .into_iter()
            .collect(),
        attributes: attributes(service),
    }
}

/// An organisation's one-to-one fields.
pub fn organization_summary(organization: &Organization) -> oruk::OrganizationSummary {
    oruk::OrganizationSummary {
        id: organization.id,
        name: organization.name.clone(),
        description: organization.description.clone(),
        email: non_empty(&organization.email),
        website: non_empty(&organization.url),
    }
}

/// An organisation with its register identifiers.
pub fn organization(organization: &Organization) -> oruk::Organization {
    oruk::Organization {
        fields: organization_summary(organization),
        organization_identifiers: organization
            .identifiers
            .iter()
            .enumerate()
            .map(|(at, identifier)| oruk::OrganizationIdentifier {
                id: child_id(organization.id, "organization_identifier", at),
                organization_id: organization.id,
                identifier_scheme: identifier.identifier_scheme.clone(),
                identifier_type: identifier_type(&identifier.identifier_scheme).to_string(),
                identifier: identifier.identifier.clone(),
            })
            .collect(),
    }
}

/// What an org-id.guide register's identifiers are called.
fn identifier_type(scheme: &str) -> &str {
    match scheme {
        "GB-CHC" => "Charity Number (England and Wales)",
        "GB-SC" => "Charity Number (Scotland)",
        "GB-NIC" => "Charity Number (Northern Ireland)",
        "GB-COH" => "Company Number",
        "GB-MPR" => "Mutuals Public Register Number",
        "GB-LAE" => "Local Authority Code (England)",
        "GB-NHS" => "NHS Organisation Code",
        other => other,
    }
}

/// A venue's one-to-one fields.
pub fn location_fields(location: &Location) -> oruk::LocationFields {
    oruk::LocationFields {
        id: location.id,
        location_type: "physical".into(),
        name: location.name.clone(),
        latitude: location.latitude,
        longitude: location.longitude,
    }
}

/// A venue with its address (when it has a postcode) and accessibility features.
pub fn location(venue: &LinkedVenue, places: &PlaceIndex) -> oruk::Location {
    let location = &venue.location;
    let place_name = |code: &Option<PlaceCode>| {
        code.as_ref()
            .and_then(|code| places.get(code))
            .map(|place| place.name.clone())
    };
    let addresses = non_empty(&location.postcode)
        .map(|postal_code| oruk::Address {
            id: child_id(location.id, "address", 0),
            location_id: location.id,
            address_1: non_empty(&location.address_1).unwrap_or_else(|| location.name.clone()),
            city: non_empty(&location.city)
                .or_else(|| place_name(&venue.district_code))
                .unwrap_or_default(),
            state_province: place_name(&venue.county_code)
                .or_else(|| place_name(&venue.district_code))
                .unwrap_or_default(),
            postal_code,
            country: "GB".into(),
            address_type: "physical".into(),
        })
        .into_iter()
        .collect();
    oruk::Location {
        fields: location_fields(location),
        addresses,
        accessibility: location
            .accessibility
            .iter()
            .map(|feature| oruk::Accessibility {
                id: child_id(location.id, "accessibility", feature.as_str()),
                location_id: location.id,
                description: feature_label(*feature),
                accessibility: feature.as_str().to_string(),
            })
            .collect(),
    }
}

fn feature_label(feature: AccessibilityFeature) -> String {
    let text = feature.as_str().replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// `HH:MM` → `HH:MM:SS`.
fn clock(raw: &str) -> String {
    if raw.len() == 5 {
        format!("{raw}:00")
    } else {
        raw.to_string()
    }
}

fn schedule(schedule: &Schedule, links: &[(Uuid, Uuid)]) -> oruk::Schedule {
    let day = |date: Option<chrono::NaiveDate>| date.map(|d| d.format("%Y-%m-%d").to_string());
    oruk::Schedule {
        id: schedule.id,
        service_id: schedule.service_id,
        service_at_location_id: schedule.location_id.and_then(|location_id| {
            links
                .iter()
                .find(|(location, _)| *location == location_id)
                .map(|(_, link)| *link)
        }),
        valid_from: day(schedule.valid_from),
        valid_to: day(schedule.valid_to),
        dtstart: day(schedule.valid_from),
        freq: schedule.freq.as_str().to_uppercase(),
        interval: schedule.interval.max(1),
        byday: schedule.byday.clone(),
        description: non_empty(&schedule.description),
        opens_at: clock(&schedule.opens_at),
        closes_at: clock(&schedule.closes_at),
    }
}

fn service_area(service_id: Uuid, at: usize, area: &ServiceArea, places: &PlaceIndex) -> oruk::ServiceArea {
    let code = area.place_code.as_str();
    let name = places
        .get(&area.place_code)
        .map(|place| place.name.clone())
        .unwrap_or_else(|| code.to_string());
    oruk::ServiceArea {
        id: child_id(service_id, "service_area", at),
        service_id,
        service_area: non_empty(&area.description).unwrap_or_else(|| format!("{name} ({code})")),
        uri: format!("http://statistics.data.gov.uk/id/statistical-geography/{code}"),
        name,
    }
}

fn languages(service: &Service) -> Vec<oruk::Language> {
    service
        .languages
        .iter()
        .filter(|name| !name.trim().is_empty())
        .enumerate()
        .map(|(at, name)| oruk::Language {
            id: child_id(service.id, "language", at),
            service_id: service.id,
            // Languages are stored as tags; listings from before that hold English names.
            code: crate::domain::language::tag_of(name),
            name: crate::domain::language::language_name(name.trim())
                .map_or_else(|| name.trim().to_string(), str::to_string),
        })
        .collect()
}

/// The service's costs, or `None` when nothing is known of them (not said to be free and no
/// cost given), so the document leaves `cost_options` out rather than claim there are none.
fn cost_options(service: &Service) -> Option<Vec<oruk::CostOption>> {
    if service.free.is_none() && service.cost_options.is_empty() {
        return None;
    }
    let options = service
        .cost_options
        .iter()
        .enumerate()
        .map(|(at, cost)| oruk::CostOption {
            id: child_id(service.id, "cost_option", at),
            service_id: service.id,
            option: cost.option.clone(),
            amount: cost.amount,
            currency: cost.currency.clone(),
            amount_description: non_empty(&cost.amount_description),
        })
        .collect();
    Some(options)
}

fn contacts(service: &Service) -> Vec<oruk::Contact> {
    service
        .contacts
        .iter()
        .enumerate()
        .map(|(at, contact)| {
            let id = child_id(service.id, "contact", at);
            oruk::Contact {
                id,
                service_id: service.id,
                name: non_empty(&contact.name),
                title: non_empty(&contact.title),
                email: non_empty(&contact.email),
                phones: non_empty(&contact.phone)
                    .map(|number| oruk::Phone {
                        id: child_id(id, "phone", 0),
                        service_id: None,
                        contact_id: Some(id),
                        number,
                    })
                    .into_iter()
                    .collect(),
            }
        })
        .collect()
}

/// The service's needs, then its Activity List concepts, as taxonomy terms.
fn attributes(service: &Service) -> Vec<oruk::Attribute> {
    let vocabularies = vocabularies();
    let needs = service.needs.iter().filter_map(|need| {
        Some((
            format!("need:{}", need.as_str()),
            vocabularies.need_term(*need)?.clone(),
        ))
    });
    let activities = service.activity_concepts.iter().map(|activity| {
        (
            format!("activity:{}", activity.id),
            vocabularies.activity_term(activity),
        )
    });
    needs
        .chain(activities)
        .map(|(key, term)| oruk::Attribute {
            id: child_id(service.id, "attribute", key),
            link_id: service.id,
            taxonomy_term_id: term.id,
            link_type: "service".into(),
            link_entity: "service".into(),
            taxonomy_term: term,
        })
        .collect()
}

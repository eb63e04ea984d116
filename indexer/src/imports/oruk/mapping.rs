//! An ORUK service document → the source-neutral [`ImportedListing`].
//!
//! What maps to what:
//! - `fees` "Free…" (or every cost option at 0) → `free`; `cost_options` as they are; neither
//!   fees nor cost options → cost unknown (never free).
//! - `phones[0]` → the service's phone; contacts keep their first phone.
//! - venues from `service_at_locations[].location`: first address, point when both coordinates
//!   are given (else the postcode's centre), accessibility codes the directory knows.
//! - schedules with a `WEEKLY`/`MONTHLY` rule, days and times; a schedule with none of these
//!   (a description only) is left out, as the directory cannot place it on a timetable.
//! - `service_areas`: the GSS code at the end of `uri`, or in brackets in `service_area`.
//! - `attributes`: terms of the directory's needs vocabulary (or whose `term` is a need code)
//!   → needs; terms of the OpenActive Activity List → activity concepts.
//! - delivery: in person with a venue, else by phone with a phone number, else online.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

use super::document::*;
use crate::domain::*;
use crate::imports::record::*;
use crate::publish::oruk::taxonomies::vocabularies;

/// The Activity List's URI prefix.
const ACTIVITY_LIST_URI: &str = "https://openactive.io/activity-list";

/// Parses one service document (an NDJSON line) into an item; never fails: a bad document
/// becomes a [`RejectedRecord`].
pub fn item_from_json(text: &str, position: Option<u64>) -> ImportItem {
    match serde_json::from_str::<OrukService>(text) {
        Ok(document) => item_from_document(document, position),
        Err(e) => rejected(None, position, format!("not an ORUK service document: {e}"), None),
    }
}

/// As [`item_from_json`], from parsed JSON.
pub fn item_from_value(value: serde_json::Value, position: Option<u64>) -> ImportItem {
    match serde_json::from_value::<OrukService>(value) {
        Ok(document) => item_from_document(document, position),
        Err(e) => rejected(None, position, format!("not an ORUK service document: {e}"), None),
    }
}

fn rejected(id: Option<String>, position: Option<u64>, reason: String, field: Option<&str>) -> ImportItem {
    ImportItem::Rejected(RejectedRecord {
        source_record_id: id,
        position,
        reason,
        field: field.map(str::to_string),
    })
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Maps a parsed document.
pub fn item_from_document(document: OrukService, position: Option<u64>) -> ImportItem {
    let Some(id) = text(&document.id) else {
        return rejected(None, position, "a service needs an id".into(), Some("id"));
    };
    match listing(&document, &id, position) {
        Ok(listing) => ImportItem::Listing(Box::new(listing)),
        Err((field, reason)) => rejected(Some(id), position, reason, Some(field)),
    }
}

type Fault = (&'static str, String);

fn listing(document: &OrukService, id: &str, position: Option<u64>) -> Result<ImportedListing, Fault> {
    let name = text(&document.name).ok_or(("name", "a service needs a name".to_string()))?;
    let status = match text(&document.status) {
        Some(raw) => ServiceStatus::parse(&raw).map_err(|e| ("status", e.0))?,
        None => ServiceStatus::Active,
    };
    let venues = venues(document);
    let schedules = schedules(document)?;
    let phone = document.phones.iter().find_map(|p| text(&p.number));
    let cost_options: Vec<CostOption> = document
        .cost_options
        .iter()
        .filter_map(|cost| {
            Some(CostOption {
                option: text(&cost.option)?,
                amount: cost.amount,
                currency: text(&cost.currency).unwrap_or_else(|| "GBP".into()),
                amount_description: text(&cost.amount_description),
            })
        })
        .collect();
    let fees = text(&document.fees).unwrap_or_default().to_lowercase();
    let free = if fees.starts_with("free")
        || (fees.is_empty() && !cost_options.is_empty() && cost_options.iter().all(|c| c.amount == Some(0.0)))
    {
        Some(true)
    } else if fees.is_empty() && cost_options.is_empty() {
        // Neither fees nor cost options: the publisher did not say, which is not "free".
        None
    } else {
        Some(false)
    };
    let delivery_modes = if !venues.is_empty() {
        vec![DeliveryMode::InPerson]
    } else if phone.is_some() {
        vec![DeliveryMode::Phone]
    } else if text(&document.url).is_some() {
        vec![DeliveryMode::Online]
    } else {
        Vec::new()
    };
    let (needs, activity_concepts) = taxonomy(document);
    Ok(ImportedListing {
        source_record_id: id.to_string(),
        position,
        preferred_id: Uuid::parse_str(id).ok(),
        modified_at: text(&document.last_modified)
            .and_then(|raw| DateTime::parse_from_rfc3339(&raw).ok())
            .map(|at| at.with_timezone(&Utc)),
        last_reviewed_at: text(&document.assured_date)
            .and_then(|raw| NaiveDate::parse_from_str(raw.get(..10).unwrap_or(&raw), "%Y-%m-%d").ok())
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|at| at.and_utc()),
        organization: organization(document, &name),
        service: ImportedService {
            name,
            description: text(&document.description).unwrap_or_default(),
            url: text(&document.url),
            email: text(&document.email),
            phone,
            status,
            minimum_age: document.minimum_age,
            maximum_age: document.maximum_age,
            eligibility_description: text(&document.eligibility_description),
            delivery_modes,
            free,
            cost_options,
            languages: document
                .languages
                .iter()
                .filter_map(|l| {
                    // The code when it is one, else the name; a value that is neither is dropped.
                    [&l.code, &l.language, &l.name]
                        .into_iter()
                        .filter_map(text)
                        .find_map(|value| crate::domain::language::parse_language(&value).ok())
                })
                .collect(),
            contacts: document
                .contacts
                .iter()
                .map(|c| Contact {
                    name: text(&c.name),
                    title: text(&c.title),
                    email: text(&c.email),
                    phone: c.phones.iter().find_map(|p| text(&p.number)),
                })
                .collect(),
            how_to_join: text(&document.application_process),
            needs,
            activity_concepts,
        },
        venues,
        schedules,
        service_areas: service_areas(document),
    })
}

fn organization(document: &OrukService, service_name: &str) -> ImportedOrganization {
    let nested = document.organization.clone().unwrap_or_default();
    let id = text(&nested.id).or_else(|| text(&document.organization_id));
    let name = text(&nested.name).unwrap_or_else(|| service_name.to_string());
    ImportedOrganization {
        source_record_id: id.clone().unwrap_or_else(|| format!("name:{}", name.to_lowercase())),
        preferred_id: id.as_deref().and_then(|id| Uuid::parse_str(id).ok()),
        description: text(&nested.description).unwrap_or_default(),
        url: text(&nested.website),
        email: text(&nested.email),
        phone: nested.phones.iter().find_map(|p| text(&p.number)),
        identifiers: nested
            .organization_identifiers
            .iter()
            .filter_map(|identifier| {
                Some(OrganizationIdentifier {
                    identifier_scheme: text(&identifier.identifier_scheme)
                        .or_else(|| text(&identifier.identifier_type))?,
                    identifier: text(&identifier.identifier)?,
                })
            })
            .collect(),
        postcode: None,
        name,
    }
}

fn venues(document: &OrukService) -> Vec<ImportedVenue> {
    let links = document.service_at_locations.as_deref().unwrap_or_default();
    links
        .iter()
        .filter_map(|link| {
            let location = link.location.as_ref()?;
            let id = text(&location.id).or_else(|| text(&link.location_id))?;
            let address = location.addresses.first();
            let point = match (location.latitude, location.longitude) {
                (Some(lat), Some(lon)) if !(lat == 0.0 && lon == 0.0) => Some((lat, lon)),
                _ => None,
            };
            Some(ImportedVenue {
                preferred_id: Uuid::parse_str(&id).ok(),
                name: text(&location.name)
                    .or_else(|| address.and_then(|a| text(&a.address_1)))
                    .unwrap_or_else(|| "Venue".into()),
                address_1: address.and_then(|a| text(&a.address_1)),
                city: address.and_then(|a| text(&a.city)),
                postcode: address.and_then(|a| text(&a.postal_code)),
                point,
                accessibility: {
                    let mut features: Vec<AccessibilityFeature> = location
                        .accessibility
                        .iter()
                        .filter_map(|a| {
                            text(&a.accessibility)
                                .and_then(|code| AccessibilityFeature::parse(&code).ok())
                                .or_else(|| text(&a.description).and_then(|d| AccessibilityFeature::parse(&d).ok()))
                        })
                        .collect();
                    features.dedup();
                    features
                },
                source_record_id: id,
            })
        })
        .collect()
}

/// `HH:MM[:SS]` → `HH:MM`.
fn clock(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let time = NaiveTime::parse_from_str(raw, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M"))
        .ok()?;
    Some(time.format("%H:%M").to_string())
}

fn schedules(document: &OrukService) -> Result<Vec<ImportedSchedule>, Fault> {
    let links = document.service_at_locations.as_deref().unwrap_or_default();
    let day = |raw: &Option<String>| {
        text(raw).and_then(|raw| NaiveDate::parse_from_str(raw.get(..10).unwrap_or(&raw), "%Y-%m-%d").ok())
    };
    let mut found = Vec::new();
    for schedule in &document.schedules {
        let Some(freq) = text(&schedule.freq).and_then(|raw| Frequency::parse(&raw).ok()) else {
            continue;
        };
        let (Some(byday), Some(opens_at), Some(closes_at)) = (
            text(&schedule.byday),
            text(&schedule.opens_at).and_then(|t| clock(&t)),
            text(&schedule.closes_at).and_then(|t| clock(&t)),
        ) else {
            continue;
        };
        if crate::domain::schedule::parse_byday(&byday).is_err() {
            return Err(("schedules.byday", format!("bad BYDAY {byday:?}")));
        }
        let venue_record_id = text(&schedule.service_at_location_id).and_then(|link_id| {
            links
                .iter()
                .find(|link| text(&link.id).as_deref() == Some(link_id.as_str()))
                .and_then(|link| text(&link.location.as_ref()?.id).or_else(|| text(&link.location_id)))
        });
        found.push(ImportedSchedule {
            source_record_id: text(&schedule.id),
            preferred_id: text(&schedule.id).and_then(|id| Uuid::parse_str(&id).ok()),
            venue_record_id,
            freq,
            interval: schedule.interval.unwrap_or(1).max(1),
            byday,
            opens_at,
            closes_at,
            valid_from: day(&schedule.valid_from),
            valid_to: day(&schedule.valid_to),
            description: text(&schedule.description),
            exceptions: Vec::new(),
        });
    }
    Ok(found)
}

/// The GSS code of an area: the last segment of its URI, or a code in brackets in its text.
fn gss_code(area: &OrukServiceArea) -> Option<PlaceCode> {
    let from_uri = text(&area.uri).and_then(|uri| {
        let last = uri.trim_end_matches('/').rsplit('/').next()?.to_string();
        PlaceCode::parse(&last).ok()
    });
    from_uri.or_else(|| {
        let raw = text(&area.service_area)?;
        let inside = raw.rsplit_once('(')?.1.trim_end_matches(')');
        PlaceCode::parse(inside).ok()
    })
}

fn service_areas(document: &OrukService) -> Vec<ServiceArea> {
    let mut areas: Vec<ServiceArea> = Vec::new();
    for area in &document.service_areas {
        let Some(code) = gss_code(area) else { continue };
        if areas.iter().any(|known| known.place_code == code) {
            continue;
        }
        // The export writes "Name (CODE)" when the listing said nothing of the area.
        let generated = text(&area.name).map(|name| format!("{name} ({})", code.as_str()));
        let description = text(&area.service_area).filter(|said| Some(said) != generated.as_ref());
        areas.push(ServiceArea {
            place_code: code,
            description,
        });
    }
    areas
}

/// Needs and Activity List concepts named by the service's attributes.
fn taxonomy(document: &OrukService) -> (Vec<NeedCode>, Vec<ActivityRef>) {
    let vocabularies = vocabularies();
    let needs_id = vocabularies.needs.id.to_string();
    let activities_id = vocabularies.activities.id.to_string();
    let mut needs: Vec<NeedCode> = Vec::new();
    let mut activities: Vec<ActivityRef> = Vec::new();
    for attribute in &document.attributes {
        let Some(term) = &attribute.taxonomy_term else { continue };
        let taxonomy_id = text(&term.taxonomy_id).unwrap_or_default();
        let uri = text(&term.term_uri).unwrap_or_default();
        let is_activity = taxonomy_id == activities_id || uri.starts_with(ACTIVITY_LIST_URI);
        if is_activity {
            let id = text(&term.term)
                .filter(|t| Uuid::parse_str(t).is_ok())
                .or_else(|| text(&term.id))
                .or_else(|| text(&attribute.taxonomy_term_id));
            if let (Some(id), Some(label)) = (id, text(&term.name)) {
                if !activities.iter().any(|known| known.id == id) {
                    activities.push(ActivityRef { id, pref_label: label });
                }
            }
            continue;
        }
        let code = text(&term.term).and_then(|t| NeedCode::parse(&t).ok());
        let code = match code {
            Some(code) => Some(code),
            None if taxonomy_id == needs_id => text(&term.name).and_then(|n| {
                crate::domain::TAXONOMY
                    .iter()
                    .find(|need| need.label.eq_ignore_ascii_case(&n))
                    .and_then(|need| NeedCode::parse(need.code).ok())
            }),
            None => None,
        };
        if let Some(code) = code {
            if !needs.contains(&code) {
                needs.push(code);
            }
        }
    }
    (needs, activities)
}

//! An OpenActive `SessionSeries` (with its sessions) as a directory listing: the organiser,
//! the service, its venue and its schedules.
//!
//! | OpenActive | directory |
//! |---|---|
//! | `organizer` (Organization or Person) | organisation (name, url, email, telephone; `@id`/`identifier` as its source id) |
//! | `name`, `description`, `url`, `attendeeInstructions` | service name, description, url, how to join |
//! | `activity` concepts | activity concepts (kept), and needs through the Activity List ([`ActivityList`]) |
//! | `location` (Place: `geo`, `address`, `name`) | venue (coordinates, street, town, postcode) |
//! | `eventSchedule`, sessions | schedules ([`super::schedules`]), `exceptDate` as exceptions |
//! | `offers` | cost options; free when every offer is 0 or `isAccessibleForFree`; unknown when neither says |
//! | `ageRange` | minimum and maximum age |
//! | `accessibilitySupport`, `accessibilityInformation` | venue accessibility features |
//! | `eventStatus`, `eventAttendanceMode` | status; in person and/or online |
//!
//! A series that cannot be a listing (no name, no organiser) is rejected with the reason;
//! parts that cannot be read (one bad schedule) are dropped and reported as warnings.

use serde_json::Value;

use super::activities::ActivityList;
use super::rpde::text_of;
use super::schedules::{self, ScheduleRecord, SessionTimes};
use crate::domain::*;

/// The organiser of an opportunity.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizerRecord {
    /// `@id`, else `identifier`, else the name (what the source calls it).
    pub source_id: String,
    pub name: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Where an opportunity is held.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueRecord {
    /// `@id`, else `identifier`, else name and postcode.
    pub source_id: String,
    pub name: String,
    pub address_1: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<Postcode>,
    /// From `geo`; `None` when the feed gives none (the postcode places it then).
    pub point: Option<GeoPoint>,
    pub accessibility: Vec<AccessibilityFeature>,
}

/// A SessionSeries mapped to the directory's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    /// The feed item's id (the series' id at its source).
    pub source_id: String,
    pub organizer: OrganizerRecord,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub status: ServiceStatus,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    pub delivery_modes: Vec<DeliveryMode>,
    /// `None` when neither `isAccessibleForFree` nor a priced offer says.
    pub free: Option<bool>,
    pub cost_options: Vec<CostOption>,
    pub needs: Vec<NeedCode>,
    pub activity_concepts: Vec<ActivityRef>,
    pub how_to_join: Option<String>,
    pub venue: Option<VenueRecord>,
    pub schedules: Vec<ScheduleRecord>,
    /// Parts left out, with why.
    pub warnings: Vec<String>,
}

/// Maps a series' `data` and the sessions that point at it. `Err` is the reason it is rejected.
pub fn opportunity(
    source_id: &str,
    data: &Value,
    sessions: &[SessionTimes],
    activities: &ActivityList,
) -> Result<Opportunity, String> {
    let mut warnings = Vec::new();
    let name = text(data, "name").ok_or("name: missing")?;
    let organizer = organizer(data.get("organizer")).ok_or("organizer: missing, or without a name")?;
    let (activity_concepts, needs) = activities_of(data.get("activity"), activities, &mut warnings);
    let (mut schedules, problems) = schedules::from_event_schedule(data.get("eventSchedule"));
    warnings.extend(problems);
    if schedules.is_empty() {
        schedules = schedules::from_sessions(sessions);
    } else {
        schedules::add_cancellations(&mut schedules, sessions);
    }
    let (free, cost_options) = costs(data);
    let age = data.get("ageRange");
    Ok(Opportunity {
        source_id: source_id.to_string(),
        description: text(data, "description").unwrap_or_default(),
        url: text(data, "url"),
        status: status(data),
        minimum_age: age.and_then(|age| whole(age.get("minValue"))),
        maximum_age: age.and_then(|age| whole(age.get("maxValue"))),
        delivery_modes: delivery_modes(data),
        free,
        cost_options,
        needs,
        activity_concepts,
        how_to_join: text(data, "attendeeInstructions"),
        venue: data.get("location").and_then(|place| venue(place, data, &mut warnings)),
        schedules,
        warnings,
        name,
        organizer,
    })
}

/// A non-empty trimmed string field.
fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

fn whole(value: Option<&Value>) -> Option<i64> {
    let value = value?;
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|number| number.round() as i64))
}

fn organizer(value: Option<&Value>) -> Option<OrganizerRecord> {
    let value = value?;
    let name = text(value, "name").or_else(|| {
        let given = text(value, "givenName")?;
        Some(match text(value, "familyName") {
            Some(family) => format!("{given} {family}"),
            None => given,
        })
    })?;
    Some(OrganizerRecord {
        source_id: text(value, "@id")
            .or_else(|| value.get("identifier").and_then(text_of))
            .unwrap_or_else(|| name.clone()),
        url: text(value, "url"),
        email: text(value, "email"),
        phone: text(value, "telephone"),
        name,
    })
}

/// The concepts (Activity List ones with the list's identifier and label, others as given)
/// and the needs they mean.
fn activities_of(
    value: Option<&Value>,
    activities: &ActivityList,
    warnings: &mut Vec<String>,
) -> (Vec<ActivityRef>, Vec<NeedCode>) {
    let entries: Vec<&Value> = match value {
        Some(Value::Array(entries)) => entries.iter().collect(),
        Some(entry) => vec![entry],
        None => Vec::new(),
    };
    let mut concepts: Vec<ActivityRef> = Vec::new();
    let mut needs: Vec<NeedCode> = Vec::new();
    for entry in entries {
        let (id, label) = match entry {
            Value::String(label) => (None, Some(label.clone())),
            other => (
                text(other, "@id").or_else(|| text(other, "id")),
                text(other, "prefLabel"),
            ),
        };
        let concept = match activities.find(id.as_deref(), label.as_deref()) {
            Some(known) => known.clone(),
            None => {
                let Some(pref_label) = label else {
                    warnings.push(format!(
                        "activity {id:?} is not in the Activity List and has no prefLabel"
                    ));
                    continue;
                };
                warnings.push(format!(
                    "activity {pref_label:?} is not in the OpenActive Activity List"
                ));
                ActivityRef {
                    id: id.unwrap_or_else(|| pref_label.clone()),
                    pref_label,
                }
            }
        };
        for need in activities.needs_of(&concept) {
            if !needs.contains(&need) {
                needs.push(need);
            }
        }
        if !concepts.contains(&concept) {
            concepts.push(concept);
        }
    }
    (concepts, needs)
}

fn status(data: &Value) -> ServiceStatus {
    match data
        .get("eventStatus")
        .and_then(Value::as_str)
        .map(|s| s.rsplit('/').next().unwrap_or(s))
    {
        Some("EventCancelled") => ServiceStatus::Inactive,
        Some("EventPostponed") => ServiceStatus::TemporarilyClosed,
        _ => ServiceStatus::Active,
    }
}

fn delivery_modes(data: &Value) -> Vec<DeliveryMode> {
    let mode = data
        .get("eventAttendanceMode")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if mode.ends_with("OnlineEventAttendanceMode") {
        vec![DeliveryMode::Online]
    } else if mode.ends_with("MixedEventAttendanceMode") {
        vec![DeliveryMode::InPerson, DeliveryMode::Online]
    } else {
        vec![DeliveryMode::InPerson]
    }
}

/// Offers as cost options. Free when `isAccessibleForFree` or when every offer costs 0; a free
/// offer is then not a cost option (the directory says free instead). Not free when
/// `isAccessibleForFree` is false or an offer has a price above 0; otherwise unknown, and an
/// offer with neither a price nor a description (just a name) says nothing worth keeping.
fn costs(data: &Value) -> (Option<bool>, Vec<CostOption>) {
    let offers: Vec<&Value> = data
        .get("offers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let price = |offer: &Value| {
        offer
            .get("price")
            .and_then(|p| p.as_f64().or_else(|| p.as_str()?.trim().parse().ok()))
    };
    let all_zero = !offers.is_empty() && offers.iter().all(|offer| price(offer) == Some(0.0));
    let said = data.get("isAccessibleForFree").and_then(Value::as_bool);
    let priced = offers.iter().any(|offer| price(offer).is_some_and(|p| p > 0.0));
    let free = match (said, all_zero, priced) {
        (Some(true), _, _) | (None, true, _) => Some(true),
        (Some(false), _, _) | (None, false, true) => Some(false),
        (None, false, false) => None,
    };
    let cost_options = offers
        .into_iter()
        .filter(|offer| !(free == Some(true) && price(offer).is_none_or(|p| p == 0.0)))
        .filter(|offer| free.is_some() || text(offer, "description").is_some())
        .map(|offer| CostOption {
            option: text(offer, "name").unwrap_or_else(|| "Price".to_string()),
            amount: price(offer),
            currency: text(offer, "priceCurrency").unwrap_or_else(|| "GBP".to_string()),
            amount_description: text(offer, "description"),
        })
        .collect();
    (free, cost_options)
}

fn venue(place: &Value, data: &Value, warnings: &mut Vec<String>) -> Option<VenueRecord> {
    let address = place.get("address");
    let (address_1, city, postcode_text) = match address {
        Some(Value::String(line)) => (Some(line.clone()), None, None),
        Some(address) => (
            text(address, "streetAddress"),
            text(address, "addressLocality"),
            text(address, "postalCode"),
        ),
        None => (None, None, None),
    };
    let postcode = postcode_text.as_deref().and_then(|raw| match Postcode::parse(raw) {
        Ok(postcode) => Some(postcode),
        Err(e) => {
            warnings.push(format!("location.address.postalCode: {e}"));
            None
        }
    });
    let point = place.get("geo").and_then(|geo| {
        let latitude = geo.get("latitude").and_then(number)?;
        let longitude = geo.get("longitude").and_then(number)?;
        match GeoPoint::new(latitude, longitude) {
            Ok(point) => Some(point),
            Err((_, e)) => {
                warnings.push(format!("location.geo: {e}"));
                None
            }
        }
    });
    let name = text(place, "name")
        .or_else(|| address_1.clone())
        .or_else(|| postcode.as_ref().map(ToString::to_string))?;
    let source_id = text(place, "@id")
        .or_else(|| place.get("identifier").and_then(text_of))
        .unwrap_or_else(|| format!("{name}|{}", postcode.as_ref().map(Postcode::as_str).unwrap_or_default()));
    Some(VenueRecord {
        source_id,
        name,
        address_1,
        city,
        postcode,
        point,
        accessibility: accessibility(data, place),
    })
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64().or_else(|| value.as_str()?.trim().parse().ok())
}

/// Features named in `accessibilityInformation` (words, as the directory's own feed writes
/// them), else what `accessibilitySupport` concepts imply: hearing → hearing loop, visual →
/// large print, physical → wheelchair accessible. Parking from the venue's `amenityFeature`.
fn accessibility(data: &Value, place: &Value) -> Vec<AccessibilityFeature> {
    let mut features: Vec<AccessibilityFeature> = Vec::new();
    let mut add = |feature: AccessibilityFeature| {
        if !features.contains(&feature) {
            features.push(feature);
        }
    };
    let information = text(data, "accessibilityInformation")
        .unwrap_or_default()
        .to_lowercase();
    const WORDS: &[(&str, AccessibilityFeature)] = &[
        ("step-free", AccessibilityFeature::StepFree),
        ("step free", AccessibilityFeature::StepFree),
        ("hearing loop", AccessibilityFeature::HearingLoop),
        ("accessible toilet", AccessibilityFeature::AccessibleToilet),
        ("parking", AccessibilityFeature::Parking),
        ("seated", AccessibilityFeature::SeatedOptions),
        ("large print", AccessibilityFeature::LargePrint),
        ("wheelchair", AccessibilityFeature::WheelchairAccessible),
    ];
    for (word, feature) in WORDS {
        if information.contains(word) {
            add(*feature);
        }
    }
    if information.is_empty() {
        let labels = data
            .get("accessibilitySupport")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|concept| text(concept, "prefLabel"));
        for label in labels {
            match label.to_lowercase().as_str() {
                "hearing impairment" => add(AccessibilityFeature::HearingLoop),
                "visual impairment" => add(AccessibilityFeature::LargePrint),
                "physical impairment" => add(AccessibilityFeature::WheelchairAccessible),
                _ => {}
            }
        }
    }
    let parking = place
        .get("amenityFeature")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|feature| {
            feature.get("@type").and_then(Value::as_str) == Some("Parking")
                && feature.get("value").and_then(Value::as_bool) == Some(true)
        });
    if parking {
        add(AccessibilityFeature::Parking);
    }
    features
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fame_class() -> Value {
        json!({
            "@type": "SessionSeries",
            "@id": "https://leisure.example/series/42",
            "name": "Steady and strong (FaME)",
            "description": "Falls prevention exercise",
            "organizer": {"@type": "Organization", "@id": "https://leisure.example/org/1", "name": "Example Leisure Trust", "telephone": "01603 000000"},
            "activity": [
                {"@id": "https://openactive.io/activity-list#35f999ac-8ed5-46fa-87d0-1c7721aca77e", "prefLabel": "Falls and Exercise Management"},
                {"prefLabel": "Custom stretching"}
            ],
            "location": {"@type": "Place", "identifier": "V1", "name": "Example Hall",
                "address": {"streetAddress": "1 Example Road", "addressLocality": "Norwich", "postalCode": "nr2 4ab"},
                "geo": {"latitude": 52.63, "longitude": 1.29}},
            "offers": [{"@type": "Offer", "name": "Session", "price": 3.5, "priceCurrency": "GBP"}],
            "ageRange": {"minValue": 60},
            "accessibilitySupport": [{"prefLabel": "Hearing impairment"}],
            "eventSchedule": [{"repeatFrequency": "P1W", "byDay": ["https://schema.org/Monday"], "startTime": "10:00", "endTime": "11:00"}]
        })
    }

    #[test]
    fn maps_a_falls_prevention_series() {
        let mapped = opportunity("42", &fame_class(), &[], ActivityList::bundled()).expect("maps");
        assert_eq!(mapped.organizer.source_id, "https://leisure.example/org/1");
        assert_eq!(mapped.organizer.phone.as_deref(), Some("01603 000000"));
        let needs: Vec<&str> = mapped.needs.iter().map(NeedCode::as_str).collect();
        assert_eq!(needs, ["strength-and-balance", "physical-activity"]);
        assert_eq!(mapped.activity_concepts[0].id, "35f999ac-8ed5-46fa-87d0-1c7721aca77e");
        assert_eq!(mapped.activity_concepts[1].pref_label, "Custom stretching");
        assert!(mapped.warnings.iter().any(|w| w.contains("Custom stretching")));
        let venue = mapped.venue.expect("venue");
        assert_eq!(venue.postcode.map(|p| p.to_string()).as_deref(), Some("NR2 4AB"));
        assert_eq!(venue.source_id, "V1");
        assert_eq!(venue.accessibility, vec![AccessibilityFeature::HearingLoop]);
        assert_eq!(mapped.free, Some(false));
        assert_eq!(mapped.cost_options[0].amount, Some(3.5));
        assert_eq!((mapped.minimum_age, mapped.maximum_age), (Some(60), None));
        assert_eq!(mapped.schedules[0].byday, "MO");
    }

    #[test]
    fn free_offers_and_rejections() {
        let mut data = fame_class();
        data["offers"] = json!([{"name": "Free", "price": 0, "priceCurrency": "GBP"}]);
        let mapped = opportunity("42", &data, &[], ActivityList::bundled()).expect("maps");
        assert_eq!(mapped.free, Some(true));
        assert!(mapped.cost_options.is_empty());
        data["organizer"] = json!({"@type": "Organization"});
        assert_eq!(
            opportunity("42", &data, &[], ActivityList::bundled()),
            Err("organizer: missing, or without a name".to_string())
        );
    }
}

//! Which services count as an asset for a report, and where they are.
//!
//! The store hands over every active service with its venues, weekly rules and service areas
//! ([`CandidateService`]); [`EligibleAssets::select`] keeps those eligible for one need and set
//! of criteria and builds the nearest-neighbour index over their venues.
//!
//! A service is eligible when it is active, has the need, its age range reaches the youngest age
//! of the population group (a class for 60+ serves 65+; a youth club up to 18 does not), it is
//! not stale (unless stale listings are asked for), and, when a weekday is asked, it has a
//! session on that day (a service without schedules never matches a weekday).

use chrono::{DateTime, Utc, Weekday};
use uuid::Uuid;

use super::nearest::NearestIndex;
use super::{GapAsset, GapCriteria, RemoteService};
use crate::domain::{is_stale, DeliveryMode, Frequency, GeoPoint, NeedCode, PlaceCode, PlaceLevel};

/// An active service with everything gap detection needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateService {
    pub id: Uuid,
    pub name: String,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    pub needs: Vec<NeedCode>,
    pub delivery_modes: Vec<DeliveryMode>,
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub venues: Vec<Venue>,
    pub rules: Vec<WeeklyRule>,
    /// Places the service serves without a venue (HSDS `service_area`).
    pub areas: Vec<PlaceCode>,
}

/// A location a service runs at.
#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    pub location_id: Uuid,
    pub name: String,
    pub postcode: Option<String>,
    pub point: GeoPoint,
    /// The venue's county, district, ward, MSOA and LSOA as stored with it (see [`PlaceSlots`]).
    pub places: PlaceSlots,
}

/// A venue's stored county, district, ward, MSOA and LSOA codes, in that order: whether a venue
/// lies in a Place of those levels is read here, not worked out again from boundaries.
pub type PlaceSlots = [Option<PlaceCode>; 5];

/// Where a place of `level` sits in [`PlaceSlots`] (`None` for custom places, which venues do
/// not store: those are tested against their boundary).
pub fn slot_of(level: PlaceLevel) -> Option<usize> {
    match level {
        PlaceLevel::County => Some(0),
        PlaceLevel::District => Some(1),
        PlaceLevel::Ward => Some(2),
        PlaceLevel::Msoa => Some(3),
        PlaceLevel::Lsoa => Some(4),
        PlaceLevel::Custom => None,
    }
}

/// The part of a schedule that says how often a session happens.
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyRule {
    /// The venue the schedule is for; `None` means every venue of the service.
    pub location_id: Option<Uuid>,
    pub freq: Frequency,
    pub interval: i64,
    pub weekdays: Vec<Weekday>,
}

impl WeeklyRule {
    /// Average sessions a week (on `day` only, if given): weekly rules run on each of their
    /// days every `interval` weeks, monthly ones 12 times a year per day every `interval` months.
    pub fn sessions_per_week(&self, day: Option<Weekday>) -> f64 {
        let days = self
            .weekdays
            .iter()
            .filter(|d| day.is_none_or(|wanted| **d == wanted))
            .count() as f64;
        let interval = self.interval.max(1) as f64;
        match self.freq {
            Frequency::Weekly => days / interval,
            Frequency::Monthly => days * 12.0 / 52.0 / interval,
        }
    }

    fn applies_to(&self, location_id: Uuid) -> bool {
        self.location_id.is_none_or(|id| id == location_id)
    }
}

impl CandidateService {
    /// Eligible for the need and criteria, ignoring the weekday (checked per venue).
    pub fn is_eligible(&self, need: NeedCode, criteria: &GapCriteria, now: DateTime<Utc>) -> bool {
        let youngest = criteria.population.minimum_age();
        self.needs.contains(&need)
            && self.maximum_age.is_none_or(|oldest| oldest >= youngest)
            && (criteria.include_stale || !is_stale(self.last_reviewed_at, now))
    }

    /// Sessions a week at a venue (on `day`, if given).
    pub fn weekly_sessions_at(&self, location_id: Uuid, day: Option<Weekday>) -> f64 {
        self.rules
            .iter()
            .filter(|rule| rule.applies_to(location_id))
            .map(|rule| rule.sessions_per_week(day))
            .sum()
    }

    /// Whether the service serves areas without a venue: it has service areas, and either no
    /// venue or a phone or online mode.
    pub fn serves_areas_remotely(&self) -> bool {
        !self.areas.is_empty()
            && (self.venues.is_empty()
                || self
                    .delivery_modes
                    .iter()
                    .any(|mode| matches!(mode, DeliveryMode::Phone | DeliveryMode::Online)))
    }

    /// Runs on `day` at all (any venue), or no day was asked.
    fn runs_on(&self, day: Option<Weekday>) -> bool {
        day.is_none_or(|day| self.rules.iter().any(|rule| rule.weekdays.contains(&day)))
    }
}

/// The eligible venues for one need and set of criteria, indexed for nearest-neighbour search,
/// and the eligible area-serving services.
#[derive(Debug)]
pub struct EligibleAssets {
    /// Parallel to the index's points. `in_place` is false here; reports set it.
    pub venues: Vec<GapAsset>,
    pub index: NearestIndex,
    /// Area-serving services and the places they serve (empty unless remote services count).
    pub remote: Vec<(RemoteService, Vec<PlaceCode>)>,
}

/// Eligible assets with each venue's stored places, parallel to `assets.venues`.
#[derive(Debug)]
pub struct PlacedAssets {
    pub assets: EligibleAssets,
    pub places: Vec<PlaceSlots>,
}

impl PlacedAssets {
    /// Which venues lie in `place`: from their stored codes, or for a custom place, from its
    /// boundary.
    pub fn inside(&self, geography: &crate::directory::Geography, place: &crate::domain::Place) -> Vec<bool> {
        match slot_of(place.level) {
            Some(slot) => self
                .places
                .iter()
                .map(|slots| slots[slot].as_ref() == Some(&place.code))
                .collect(),
            None => super::report::venues_inside(geography, place, &self.assets.venues),
        }
    }
}

impl EligibleAssets {
    pub fn select(
        candidates: &[CandidateService],
        need: NeedCode,
        criteria: &GapCriteria,
        now: DateTime<Utc>,
    ) -> EligibleAssets {
        EligibleAssets::select_placed(candidates.iter(), need, criteria, now).assets
    }

    /// [`EligibleAssets::select`] over any candidates (for instance only those with the need),
    /// keeping each venue's stored places.
    pub fn select_placed<'a>(
        candidates: impl IntoIterator<Item = &'a CandidateService>,
        need: NeedCode,
        criteria: &GapCriteria,
        now: DateTime<Utc>,
    ) -> PlacedAssets {
        let mut venues = Vec::new();
        let mut places = Vec::new();
        let mut remote = Vec::new();
        for service in candidates.into_iter().filter(|s| s.is_eligible(need, criteria, now)) {
            for venue in &service.venues {
                let weekly_sessions = service.weekly_sessions_at(venue.location_id, criteria.day);
                if criteria.day.is_some() && weekly_sessions <= 0.0 {
                    continue;
                }
                venues.push(GapAsset {
                    service_id: service.id,
                    service_name: service.name.clone(),
                    location_id: venue.location_id,
                    location_name: venue.name.clone(),
                    postcode: venue.postcode.clone(),
                    point: venue.point,
                    weekly_sessions,
                    in_place: false,
                });
                places.push(venue.places.clone());
            }
            if criteria.include_remote && service.serves_areas_remotely() && service.runs_on(criteria.day) {
                let identity = RemoteService {
                    service_id: service.id,
                    service_name: service.name.clone(),
                };
                remote.push((identity, service.areas.clone()));
            }
        }
        let index = NearestIndex::build(venues.iter().map(|venue| venue.point).collect());
        PlacedAssets {
            assets: EligibleAssets { venues, index, remote },
            places,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaps::{MaxDistanceKm, PopulationGroup};

    #[test]
    fn sessions_per_week_by_frequency() {
        let weekly = WeeklyRule {
            location_id: None,
            freq: Frequency::Weekly,
            interval: 2,
            weekdays: vec![Weekday::Mon, Weekday::Thu],
        };
        assert_eq!(weekly.sessions_per_week(None), 1.0);
        assert_eq!(weekly.sessions_per_week(Some(Weekday::Mon)), 0.5);
        let monthly = WeeklyRule {
            freq: Frequency::Monthly,
            interval: 1,
            weekdays: vec![Weekday::Tue],
            ..weekly
        };
        assert!((monthly.sessions_per_week(None) - 12.0 / 52.0).abs() < 1e-12);
    }

    #[test]
    fn age_ranges_must_reach_the_group() {
        let need = NeedCode::parse("strength-and-balance").expect("known need");
        let now = Utc::now();
        let mut service = CandidateService {
            id: Uuid::nil(),
            name: "class".into(),
            minimum_age: Some(60),
            maximum_age: None,
            needs: vec![need],
            delivery_modes: vec![DeliveryMode::InPerson],
            last_reviewed_at: Some(now),
            venues: Vec::new(),
            rules: Vec::new(),
            areas: Vec::new(),
        };
        let mut criteria = GapCriteria::new(MaxDistanceKm::parse(5.0).expect("valid"));
        assert!(service.is_eligible(need, &criteria, now));
        service.maximum_age = Some(18);
        assert!(!service.is_eligible(need, &criteria, now));
        criteria.population = PopulationGroup::All;
        assert!(service.is_eligible(need, &criteria, now));
        service.last_reviewed_at = None;
        assert!(!service.is_eligible(need, &criteria, now));
        criteria.include_stale = true;
        assert!(service.is_eligible(need, &criteria, now));
    }
}

//! Gap detection: for every LSOA of a Place, how far the people at need live from the nearest
//! eligible community asset for a need, and whether that is within reach.
//!
//! Each LSOA is represented by its population-weighted point ([`points`]): the mean of its
//! postcode points. Its target population (65+, 50+ or everyone, Census 2021) is covered when an
//! eligible venue lies within the maximum distance (great-circle), or, if asked, when a service
//! that serves an area without a venue (phone, online, home visits) serves the LSOA.
//!
//! # Layout
//! - this module: query and report types.
//! - [`run`]: `Directory::gaps` and `Directory::gap_matrix`.
//! - [`nearest`]: the nearest-neighbour index (k-d tree on the unit sphere) and its brute-force twin.
//! - [`assets`]: the candidate services and which of them are eligible for a query.
//! - [`cache`]: the candidates and each need's eligible venues, kept between requests and in
//!   step with the change log.
//! - [`points`]: population-weighted LSOA points.
//! - [`report`]: building a report from areas and eligible assets (pure, no I/O).
//! - [`export`]: the report as GeoJSON and CSV.
//! - [`map`]: a report with what its map needs: frame, neighbours, readable area names;
//!   [`labels`]: town and village names from the wards.
//! - [`boundaries`]: replacing place boundaries at run time, validated, with history.
//! - `boundary_limits`: what a boundary load may hold (coordinates, vertices, time to check).

pub mod assets;
pub mod boundaries;
mod boundary_limits;
pub mod cache;
pub mod export;
pub mod labels;
pub mod map;
pub mod nearest;
pub mod points;
pub mod report;
mod run;

use chrono::Weekday;
use uuid::Uuid;

use crate::domain::{GeoPoint, NeedCode, Place, Population};
use crate::error::ParseError;

pub use points::{PointSource, PopulationPoints};

/// The Norfolk falls-prevention specification plans for about 800 people a year per Place.
pub const DEFAULT_DEMAND_PER_YEAR: i64 = 800;

/// Listings carry no capacity, so weekly places assume this many people per session.
pub const DEFAULT_PLACES_PER_SESSION: i64 = 12;

/// The furthest reach a report accepts, in kilometres.
pub const MAX_REACH_KM: f64 = 200.0;

/// Whose population a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PopulationGroup {
    /// Residents aged 65 and over (the falls-prevention target group; the default).
    #[default]
    Age65Plus,
    /// Residents aged 50 and over.
    Age50Plus,
    /// All residents.
    All,
}

impl PopulationGroup {
    /// The youngest age in the group.
    pub fn minimum_age(self) -> i64 {
        match self {
            PopulationGroup::Age65Plus => 65,
            PopulationGroup::Age50Plus => 50,
            PopulationGroup::All => 0,
        }
    }

    /// How many of `population` are in the group.
    pub fn count(self, population: &Population) -> i64 {
        match self {
            PopulationGroup::Age65Plus => population.age_65_plus,
            PopulationGroup::Age50Plus => population.age_50_plus(),
            PopulationGroup::All => population.total(),
        }
    }

    /// Words for titles and legends, e.g. `people aged 65+`.
    pub fn label(self) -> &'static str {
        match self {
            PopulationGroup::Age65Plus => "people aged 65+",
            PopulationGroup::Age50Plus => "people aged 50+",
            PopulationGroup::All => "residents",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "age_65_plus" | "65+" | "65_plus" => Ok(PopulationGroup::Age65Plus),
            "age_50_plus" | "50+" | "50_plus" => Ok(PopulationGroup::Age50Plus),
            "all" => Ok(PopulationGroup::All),
            _ => Err(ParseError::new(format!(
                "unknown population group {raw:?} (use AGE_65_PLUS, AGE_50_PLUS or ALL)"
            ))),
        }
    }
}

/// How far people can be expected to travel: more than 0 and at most 200 km.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaxDistanceKm(f64);

impl MaxDistanceKm {
    pub fn parse(km: f64) -> Result<Self, ParseError> {
        if km.is_finite() && km > 0.0 && km <= MAX_REACH_KM {
            Ok(MaxDistanceKm(km))
        } else {
            Err(ParseError::new(format!(
                "distance must be more than 0 and at most {MAX_REACH_KM} km, not {km}"
            )))
        }
    }

    pub fn km(self) -> f64 {
        self.0
    }
}

/// What counts as an eligible asset within reach, shared by `gaps` and `gapMatrix`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapCriteria {
    pub max_distance: MaxDistanceKm,
    pub population: PopulationGroup,
    /// Let services that serve an area without a venue (phone, online, visits) cover it.
    pub include_remote: bool,
    /// Count listings nobody has confirmed for 12 months (excluded by default: an unconfirmed
    /// listing is not evidence that anything runs).
    pub include_stale: bool,
    /// Only assets with a session on this weekday.
    pub day: Option<Weekday>,
}

impl GapCriteria {
    pub fn new(max_distance: MaxDistanceKm) -> GapCriteria {
        GapCriteria {
            max_distance,
            population: PopulationGroup::default(),
            include_remote: false,
            include_stale: false,
            day: None,
        }
    }
}

/// The demand a Place's capacity is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demand {
    pub people_per_year: i64,
    pub places_per_session: i64,
}

impl Default for Demand {
    fn default() -> Self {
        Demand {
            people_per_year: DEFAULT_DEMAND_PER_YEAR,
            places_per_session: DEFAULT_PLACES_PER_SESSION,
        }
    }
}

/// One eligible venue: a service at a location.
#[derive(Debug, Clone, PartialEq)]
pub struct GapAsset {
    pub service_id: Uuid,
    pub service_name: String,
    pub location_id: Uuid,
    pub location_name: String,
    pub postcode: Option<String>,
    pub point: GeoPoint,
    /// Sessions a week at this venue (for the weekday asked, if one was).
    pub weekly_sessions: f64,
    /// Whether the venue lies inside the report's Place.
    pub in_place: bool,
}

/// How an area is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// An eligible venue lies within reach.
    Venue,
    /// No venue within reach, but a service serving the area without a venue does (only with
    /// `include_remote`).
    Remote,
    /// Nothing within reach.
    None,
}

/// A service that serves an area without a venue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteService {
    pub service_id: Uuid,
    pub service_name: String,
}

/// One LSOA of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaGap {
    pub place: Place,
    /// The population-weighted point distances are measured from.
    pub point: GeoPoint,
    pub point_source: PointSource,
    pub target_population: i64,
    /// The nearest eligible venue anywhere (also outside the Place) and its distance.
    pub nearest: Option<(GapAsset, f64)>,
    pub coverage: Coverage,
    /// The first area-serving service covering the LSOA, when remote services count.
    pub remote_service: Option<RemoteService>,
}

impl AreaGap {
    pub fn covered(&self) -> bool {
        self.coverage != Coverage::None
    }

    pub fn uncovered_population(&self) -> i64 {
        if self.covered() {
            0
        } else {
            self.target_population
        }
    }

    pub fn nearest_distance_km(&self) -> Option<f64> {
        self.nearest.as_ref().map(|(_, km)| *km)
    }
}

/// The totals of a report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapSummary {
    pub target_population: i64,
    pub covered_population: i64,
    pub uncovered_population: i64,
    /// Covered share of the target population, 0 to 100 (0 when the target population is 0).
    pub coverage_percent: f64,
    /// Eligible venues inside the Place.
    pub asset_count: usize,
    /// Area-serving services covering at least one LSOA (0 unless remote services count).
    pub remote_service_count: usize,
    pub assets_per_10k: f64,
    /// Sessions a week at eligible venues inside the Place.
    pub weekly_sessions: f64,
    pub demand: Demand,
    /// `weekly_sessions × places_per_session`.
    pub weekly_places: f64,
}

/// A gap report for one Place and need.
#[derive(Debug, Clone, PartialEq)]
pub struct GapReport {
    pub place: Place,
    pub need: NeedCode,
    pub criteria: GapCriteria,
    /// Every LSOA, most uncovered people first.
    pub areas: Vec<AreaGap>,
    /// Eligible venues inside the Place, and any outside it that are an area's nearest.
    pub assets: Vec<GapAsset>,
    pub remote_services: Vec<RemoteService>,
    pub summary: GapSummary,
}

/// One cell of a gap matrix: a child Place and a need.
#[derive(Debug, Clone, PartialEq)]
pub struct GapMatrixRow {
    pub place: Place,
    pub need: NeedCode,
    pub summary: GapSummary,
    /// Residents signposting found no service for, over the last 52 weeks (from
    /// `unmet_need_counts`, which signposting writes).
    pub unmet_need_count: i64,
}

/// Coverage of every child Place of a parent for every need.
#[derive(Debug, Clone, PartialEq)]
pub struct GapMatrix {
    pub parent: Place,
    pub criteria: GapCriteria,
    /// Places in name order, needs in the order asked.
    pub rows: Vec<GapMatrixRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_must_be_positive_and_at_most_200_km() {
        assert!(MaxDistanceKm::parse(5.0).is_ok());
        assert!(MaxDistanceKm::parse(200.0).is_ok());
        for bad in [0.0, -1.0, 200.5, f64::NAN, f64::INFINITY] {
            assert!(MaxDistanceKm::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn population_groups_count_their_bands() {
        let population = Population {
            age_0_15: 1,
            age_16_24: 2,
            age_25_34: 3,
            age_35_49: 4,
            age_50_64: 5,
            age_65_plus: 6,
        };
        assert_eq!(PopulationGroup::Age65Plus.count(&population), 6);
        assert_eq!(PopulationGroup::Age50Plus.count(&population), 11);
        assert_eq!(PopulationGroup::All.count(&population), 21);
        assert_eq!(PopulationGroup::parse("AGE_50_PLUS"), Ok(PopulationGroup::Age50Plus));
    }
}

//! Signposting: from a resident's needs (given, or read from a link worker's words) to a short,
//! explained list of things near them they can actually use, per need; funds they may be
//! eligible for; and, where nothing suitable is within reach, the gap, counted anonymously.
//!
//! Nothing from the request is stored or logged. The only write is an aggregate counter of
//! unmet needs per (Place, need, ISO week), with no personal data.
//!
//! # Layout
//! - [`classify`]: needs from text, with triggers and negations.
//! - [`options`]: candidate options per need, their fit and explanations.
//! - [`render`]: plain-text and HTML shortlists to hand or send to the resident.

pub mod classify;
pub mod options;
pub mod render;

use chrono::{Datelike, NaiveDate, Utc};
use chrono_tz::Europe::London;
use futures_util::future::try_join_all;
use geo::ChamberlainDuquetteArea;

use crate::domain::schedule::Session;
use crate::domain::*;
use crate::error::Result;
use crate::Directory;
pub use classify::{classify, DetectedNeed};

/// Default reach where people live densely (towns, Norwich).
pub const URBAN_DISTANCE_KM: f64 = 5.0;
/// Default reach in rural areas, where everything is further.
pub const RURAL_DISTANCE_KM: f64 = 15.0;
/// An LSOA with fewer residents per km² than this counts as rural.
const RURAL_DENSITY_PER_KM2: f64 = 500.0;
/// Options listed per need by default.
pub const DEFAULT_OPTIONS_PER_NEED: usize = 3;

/// What a link worker asks, validated.
#[derive(Debug, Clone)]
pub struct SignpostRequest {
    pub point: GeoPoint,
    pub age: Option<i64>,
    /// Needs given explicitly.
    pub needs: Vec<NeedCode>,
    /// Free text in the link worker's words.
    pub description: Option<String>,
    /// `None`: the default for the area (urban or rural).
    pub max_distance_km: Option<f64>,
    pub days: Vec<chrono::Weekday>,
    pub time_from: Option<u16>,
    pub time_to: Option<u16>,
    /// Acceptable delivery modes; empty means any.
    pub delivery_modes: Vec<DeliveryMode>,
    pub free_only: bool,
    pub accessibility: Vec<AccessibilityFeature>,
    pub include_stale: bool,
    pub options_per_need: usize,
    /// Who asked, as an opaque key (a client address or /64, a principal id): an unmet need
    /// is counted once per asker, Place, need and week, so repeating a request cannot
    /// inflate the gap statistics. Only a keyed weekly digest of it is stored. `None` counts
    /// every request (engine callers such as the benches).
    pub asked_by: Option<String>,
}

/// One suggestion for a need.
#[derive(Debug, Clone)]
pub struct SignpostOption {
    pub service: Service,
    /// The venue nearest the person, when it has venues.
    pub location: Option<Location>,
    pub distance_km: Option<f64>,
    /// Matched by the area it serves (phone, online, home visits) rather than a venue.
    pub remote: bool,
    pub fit_score: f64,
    pub next_sessions: Vec<Session>,
    pub cost: String,
    pub stale: bool,
    /// Plain-language reasons: "Tuesdays 10:00, 1.8 km, free, step-free".
    pub reasons: Vec<String>,
}

/// The answer for one need.
#[derive(Debug, Clone)]
pub struct NeedResult {
    pub need: NeedCode,
    /// Up to `options_per_need`, best fit first.
    pub options: Vec<SignpostOption>,
    /// Nothing suitable within the distance.
    pub unmet: bool,
    /// When unmet: the nearest suitable option beyond the distance.
    pub nearest_beyond: Option<SignpostOption>,
    /// When unmet: phone or online services serving the person's area.
    pub remote_alternatives: Vec<SignpostOption>,
}

/// The whole answer.
#[derive(Debug, Clone)]
pub struct SignpostResult {
    pub needs: Vec<NeedResult>,
    /// What the classifier read in the description (including needs it ruled out).
    pub detected: Vec<DetectedNeed>,
    /// Funds the person may be eligible for (age, place, open today), each once.
    pub funds: Vec<Fund>,
    pub max_distance_km: f64,
    pub rural: bool,
    /// The district (Place) the person lives in.
    pub district: Option<PlaceCode>,
    pub generated_on: NaiveDate,
}

/// The ISO week of a date, as `unmet_need_counts.week` spells it (`2026-W48`).
pub fn iso_week(date: NaiveDate) -> String {
    let week = date.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

impl Directory {
    /// Answers a signposting request. See the module documentation.
    pub async fn signpost(&self, request: SignpostRequest) -> Result<SignpostResult> {
        let today = Utc::now().with_timezone(&London).date_naive();
        let places = self.places_at(request.point);
        let district = places
            .iter()
            .find(|p| p.level == PlaceLevel::District)
            .map(|p| p.code.clone());
        let rural = self.is_rural(&places);
        let max_distance_km =
            request
                .max_distance_km
                .unwrap_or(if rural { RURAL_DISTANCE_KM } else { URBAN_DISTANCE_KM });
        let detected = request.description.as_deref().map(classify).unwrap_or_default();
        // Each need once, in the order asked (a list of 30,000 copies is 1 need, not 30,000).
        let mut needs: Vec<NeedCode> = Vec::with_capacity(request.needs.len().min(32));
        for need in &request.needs {
            if !needs.contains(need) {
                needs.push(*need);
            }
        }
        for found in detected.iter().filter(|d| !d.negated) {
            if !needs.contains(&found.need) {
                needs.push(found.need);
            }
        }
        let containing: Vec<PlaceCode> = places.iter().map(|p| p.code.clone()).collect();
        let context = options::Context {
            request: &request,
            containing: &containing,
            max_distance_km,
            today,
        };
        // The needs are independent: their searches run side by side (on the blocking pool).
        let results = try_join_all(needs.iter().map(|need| self.options_for_need(&context, *need))).await?;
        if let Some(place) = &district {
            for result in results.iter().filter(|result| result.unmet) {
                self.store()
                    .count_unmet_need(place, result.need, &iso_week(today), request.asked_by.as_deref())
                    .await?;
            }
        }
        let funds = self.eligible_funds(&request, district.as_ref(), &needs, today).await?;
        Ok(SignpostResult {
            needs: results,
            detected,
            funds,
            max_distance_km,
            rural,
            district,
            generated_on: today,
        })
    }

    /// Rural when the LSOA containing the point has fewer than 500 residents per km².
    fn is_rural(&self, places: &[Place]) -> bool {
        let Some(lsoa) = places.iter().find(|p| p.level == PlaceLevel::Lsoa) else {
            return false;
        };
        let index = self.places();
        let (Some(population), Some(boundary)) = (lsoa.population, index.boundary(&lsoa.code)) else {
            return false;
        };
        let area_km2 = boundary.chamberlain_duquette_unsigned_area() / 1e6;
        area_km2 > 0.0 && (population.total() as f64 / area_km2) < RURAL_DENSITY_PER_KM2
    }

    async fn eligible_funds(
        &self,
        request: &SignpostRequest,
        district: Option<&PlaceCode>,
        needs: &[NeedCode],
        today: NaiveDate,
    ) -> Result<Vec<Fund>> {
        let Some(district) = district else {
            return Ok(Vec::new());
        };
        let funds = self.funds(Some(district), None).await?;
        Ok(funds
            .into_iter()
            .filter(|fund| fund.applicant_type == ApplicantType::Individual && fund.is_open_on(today))
            .filter(|fund| {
                request.age.is_none_or(|age| {
                    fund.minimum_age.is_none_or(|min| age >= min) && fund.maximum_age.is_none_or(|max| age <= max)
                })
            })
            .filter(|fund| fund.needs.is_empty() || fund.needs.iter().any(|need| needs.contains(need)))
            .collect())
    }
}

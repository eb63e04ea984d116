//! Building a gap report from a Place's LSOAs and the eligible assets: pure, no I/O.

use std::collections::{BTreeSet, HashMap, HashSet};

use geo::{BoundingRect, Intersects, MultiPolygon, Rect};

use super::assets::EligibleAssets;
use super::{AreaGap, Coverage, Demand, GapAsset, GapCriteria, GapReport, GapSummary, PointSource, RemoteService};
use crate::directory::Geography;
use crate::domain::{GeoPoint, NeedCode, Place, PlaceCode, PlaceLevel};
use crate::error::{Error, Result};
use uuid::Uuid;

/// An LSOA ready to be measured.
#[derive(Debug, Clone)]
pub struct AreaInput {
    pub place: Place,
    pub point: GeoPoint,
    pub point_source: PointSource,
}

/// The LSOAs of `place` (itself, if it is one) that have population and a point, by code.
/// `field` names the argument that gave the place, for the error when it has no population data.
pub fn areas_of(geography: &Geography, place: &Place, field: &str) -> Result<Vec<AreaInput>> {
    let lsoas: Vec<Place> = if place.level == PlaceLevel::Lsoa {
        vec![place.clone()]
    } else {
        geography
            .places
            .descendants(&place.code)
            .into_iter()
            .filter(|p| p.level == PlaceLevel::Lsoa)
            .cloned()
            .collect()
    };
    let mut areas: Vec<AreaInput> = lsoas
        .into_iter()
        .filter(|lsoa| lsoa.population.is_some())
        .filter_map(|lsoa| {
            let (point, point_source) = geography.population_points.get(&lsoa.code)?;
            Some(AreaInput {
                place: lsoa,
                point,
                point_source,
            })
        })
        .collect();
    if areas.is_empty() {
        return Err(Error::invalid(
            field,
            format!(
                "place {} ({}) has no population data: gaps are measured over LSOAs with Census population, which wards do not nest",
                place.code, place.name
            ),
        ));
    }
    areas.sort_by(|a, b| a.place.code.cmp(&b.place.code));
    Ok(areas)
}

/// Everything a report is computed from.
pub struct ReportInput<'a> {
    pub geography: &'a Geography,
    pub place: &'a Place,
    pub need: NeedCode,
    pub criteria: &'a GapCriteria,
    pub demand: Demand,
    pub areas: &'a [AreaInput],
    pub assets: &'a EligibleAssets,
    /// Which place each location lies in, worked out once for many reports (see
    /// [`locations_in`]); `None` tests each venue against the Place's boundary.
    pub location_places: Option<&'a HashMap<Uuid, PlaceCode>>,
}

/// The place among `places` each venue's location lies in (the first, if several), for the
/// venues of all `assets`; each location is tested once.
pub fn locations_in(geography: &Geography, places: &[Place], assets: &[&EligibleAssets]) -> HashMap<Uuid, PlaceCode> {
    type Bounded<'b> = (&'b PlaceCode, &'b MultiPolygon<f64>, Option<Rect<f64>>);
    let boundaries: Vec<Bounded<'_>> = places
        .iter()
        .filter_map(|place| {
            let boundary = geography.places.boundary(&place.code)?;
            Some((&place.code, boundary, boundary.bounding_rect()))
        })
        .collect();
    let mut found = HashMap::new();
    let mut tested = HashSet::new();
    for venue in assets.iter().flat_map(|a| &a.venues) {
        if !tested.insert(venue.location_id) {
            continue;
        }
        if let Some((code, _, _)) = boundaries.iter().find(|(_, b, r)| inside(b, *r, venue.point)) {
            found.insert(venue.location_id, (*code).clone());
        }
    }
    found
}

/// Measures every area against the eligible assets and sums up.
pub fn build(input: &ReportInput<'_>) -> GapReport {
    let in_place = match input.location_places {
        Some(known) => input
            .assets
            .venues
            .iter()
            .map(|venue| known.get(&venue.location_id) == Some(&input.place.code))
            .collect(),
        None => venues_inside(input.geography, input.place, &input.assets.venues),
    };
    build_with(input, &in_place)
}

/// [`build`] with which venues lie inside the Place already known (parallel to the venues).
pub fn build_with(input: &ReportInput<'_>, in_place: &[bool]) -> GapReport {
    let points: Vec<GeoPoint> = input.areas.iter().map(|area| area.point).collect();
    let nearest_of_areas = input.assets.index.nearest_all(&points);
    let mut nearest_positions = BTreeSet::new();
    let mut remote_used = BTreeSet::new();
    let mut areas: Vec<AreaGap> = input
        .areas
        .iter()
        .zip(nearest_of_areas)
        .map(|(area, nearest)| {
            if let Some(found) = nearest {
                nearest_positions.insert(found.index);
            }
            let (coverage, remote) = coverage_of(input, area, nearest);
            if let Some(position) = remote {
                remote_used.insert(position);
            }
            AreaGap {
                place: area.place.clone(),
                point: area.point,
                point_source: area.point_source,
                target_population: area.place.population.map_or(0, |p| input.criteria.population.count(&p)),
                nearest: nearest.map(|found| (with_place_flag(input.assets, in_place, found.index), found.distance_km)),
                coverage,
                remote_service: remote.map(|position| input.assets.remote[position].0.clone()),
            }
        })
        .collect();
    sort_most_uncovered_first(&mut areas);
    let assets: Vec<GapAsset> = (0..input.assets.venues.len())
        .filter(|i| in_place[*i] || nearest_positions.contains(i))
        .map(|i| with_place_flag(input.assets, in_place, i))
        .collect();
    let remote_services: Vec<RemoteService> = remote_used.iter().map(|&i| input.assets.remote[i].0.clone()).collect();
    let summary = summarise(&areas, &assets, remote_services.len(), input.demand);
    GapReport {
        place: input.place.clone(),
        need: input.need,
        criteria: *input.criteria,
        areas,
        assets,
        remote_services,
        summary,
    }
}

/// The summary [`build`] would give, without building the report: for the cells of a matrix.
/// `inside` is the count and weekly sessions of the eligible venues inside the Place, summed
/// in venue order (as [`build`] sums them).
pub fn summary_only(input: &ReportInput<'_>, inside: (usize, f64)) -> GapSummary {
    let points: Vec<GeoPoint> = input.areas.iter().map(|area| area.point).collect();
    let nearest_of_areas = input.assets.index.nearest_all(&points);
    let mut remote_used = BTreeSet::new();
    let (mut target_population, mut uncovered_population) = (0, 0);
    for (area, nearest) in input.areas.iter().zip(nearest_of_areas) {
        let (coverage, remote) = coverage_of(input, area, nearest);
        if let Some(position) = remote {
            remote_used.insert(position);
        }
        let target = area.place.population.map_or(0, |p| input.criteria.population.count(&p));
        target_population += target;
        if coverage == Coverage::None {
            uncovered_population += target;
        }
    }
    totals(
        target_population,
        uncovered_population,
        inside,
        remote_used.len(),
        input.demand,
    )
}

/// How an area is covered given its nearest eligible venue, and the position of the first
/// area-serving service serving it (reports name it even when a venue is within reach).
fn coverage_of(
    input: &ReportInput<'_>,
    area: &AreaInput,
    nearest: Option<super::nearest::Nearest>,
) -> (Coverage, Option<usize>) {
    let within_reach = nearest.is_some_and(|found| found.distance_km <= input.criteria.max_distance.km());
    let remote = if input.assets.remote.is_empty() {
        None
    } else {
        remote_service_for(input.geography, area, &input.assets.remote)
    };
    let coverage = match (within_reach, remote) {
        (true, _) => Coverage::Venue,
        (false, Some(_)) => Coverage::Remote,
        (false, None) => Coverage::None,
    };
    (coverage, remote)
}

fn with_place_flag(assets: &EligibleAssets, in_place: &[bool], position: usize) -> GapAsset {
    GapAsset {
        in_place: in_place[position],
        ..assets.venues[position].clone()
    }
}

/// Which venues lie inside the Place's boundary (a bounding-box check first).
pub(crate) fn venues_inside(geography: &Geography, place: &Place, venues: &[GapAsset]) -> Vec<bool> {
    let Some(boundary) = geography.places.boundary(&place.code) else {
        return vec![false; venues.len()];
    };
    let bounds: Option<Rect<f64>> = boundary.bounding_rect();
    venues
        .iter()
        .map(|venue| inside(boundary, bounds, venue.point))
        .collect()
}

fn inside(boundary: &MultiPolygon<f64>, bounds: Option<Rect<f64>>, point: GeoPoint) -> bool {
    let point = point.to_geo();
    bounds.is_some_and(|rect| rect.intersects(&point)) && boundary.intersects(&point)
}

/// The first area-serving service that serves the LSOA: its area is the LSOA, an ancestor of
/// it, or a place (such as a ward) containing the LSOA's point.
fn remote_service_for(
    geography: &Geography,
    area: &AreaInput,
    remote: &[(RemoteService, Vec<PlaceCode>)],
) -> Option<usize> {
    let mut serving: HashSet<&PlaceCode> = HashSet::new();
    serving.insert(&area.place.code);
    let ancestors = geography.places.ancestors(&area.place.code);
    serving.extend(ancestors.iter().map(|p| &p.code));
    let containing = geography.places.containing(area.point);
    serving.extend(containing.iter().map(|p| &p.code));
    remote
        .iter()
        .position(|(_, codes)| codes.iter().any(|code| serving.contains(code)))
}

/// Most uncovered people first, then the furthest from any asset, then by code.
fn sort_most_uncovered_first(areas: &mut [AreaGap]) {
    areas.sort_by(|a, b| {
        let distance = |area: &AreaGap| area.nearest_distance_km().unwrap_or(f64::INFINITY);
        b.uncovered_population()
            .cmp(&a.uncovered_population())
            .then(distance(b).total_cmp(&distance(a)))
            .then(a.place.code.cmp(&b.place.code))
    });
}

fn summarise(areas: &[AreaGap], assets: &[GapAsset], remote_service_count: usize, demand: Demand) -> GapSummary {
    let target_population: i64 = areas.iter().map(|a| a.target_population).sum();
    let uncovered_population: i64 = areas.iter().map(AreaGap::uncovered_population).sum();
    let inside: Vec<&GapAsset> = assets.iter().filter(|a| a.in_place).collect();
    let weekly_sessions: f64 = inside.iter().map(|a| a.weekly_sessions).sum();
    totals(
        target_population,
        uncovered_population,
        (inside.len(), weekly_sessions),
        remote_service_count,
        demand,
    )
}

/// The summary's figures from its counts; `inside` is the count and weekly sessions of the
/// eligible venues inside the Place.
fn totals(
    target_population: i64,
    uncovered_population: i64,
    (asset_count, weekly_sessions): (usize, f64),
    remote_service_count: usize,
    demand: Demand,
) -> GapSummary {
    let covered_population = target_population - uncovered_population;
    let ratio = |part: f64, whole: i64| if whole > 0 { part / whole as f64 } else { 0.0 };
    GapSummary {
        target_population,
        covered_population,
        uncovered_population,
        coverage_percent: 100.0 * ratio(covered_population as f64, target_population),
        asset_count,
        remote_service_count,
        assets_per_10k: 10_000.0 * ratio(asset_count as f64, target_population),
        weekly_sessions,
        demand,
        weekly_places: weekly_sessions * demand.places_per_session as f64,
    }
}

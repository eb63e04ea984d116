//! Replacing place boundaries at run time: Place boundaries change, so they are data.
//!
//! A load is a GeoJSON FeatureCollection of places to add or replace, in the shape of the seed's
//! files: `properties.code` (GSS), `name`, `parent_code` (or the seed's `lad_code` /
//! `msoa21_code`), and for LSOAs optionally the six Census age bands (`age_0_15` ...
//! `age_65_plus`). It is checked whole before anything is written; any problem rejects it with
//! the reason and leaves the places as they were:
//! - not GeoJSON, not a FeatureCollection, no features, a repeated or malformed code;
//! - past the limits ([`PlaceLoadLimits`], checked before any geometry work): a coordinate that
//!   is not a finite WGS84 point in the United Kingdom, too many vertices, checks that would
//!   run past the time limit;
//! - a geometry that is not a Polygon/MultiPolygon or is invalid (`geo`'s OGC validity check:
//!   self-intersections, rings too short, holes outside their shell, overlapping parts);
//! - inconsistent with the hierarchy: an unknown parent, a place not inside its parent (its
//!   interior point is outside), a replaced place no longer holding its children, or a place
//!   overlapping another of the same level by more than 1% of the smaller one's area.
//!
//! Accepted places are written in one transaction; each replaced row is copied into
//! `place_history` first. Populations are rolled up again, and the directory swaps in the new
//! place index and LSOA points, so the next gap report follows the new boundaries. Venues are
//! then placed again (their district, ward, MSOA and LSOA codes), and the services held at those
//! whose places changed go through the change log, so search follows too.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use geo::{Area, BooleanOps, BoundingRect, InteriorPoint, Intersects, MultiPolygon, Validation};
use serde_json::Value;
use tracing::info;

pub use super::boundary_limits::PlaceLoadLimits;
use super::boundary_limits::{checked_off_runtime, Deadline, VertexBudget};
use crate::domain::{Place, PlaceCode, PlaceLevel, Population};
use crate::error::{Error, Result};
use crate::places::{parse_boundary, roll_up_population, PlaceIndex};
use crate::Directory;

/// The share of the smaller place two places of one level may overlap by (generalised
/// boundaries of neighbours overlap in slivers).
const OVERLAP_TOLERANCE: f64 = 0.01;

/// What a load changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundaryLoad {
    pub added: usize,
    pub replaced: usize,
    /// Venues whose places changed with the new boundaries (their services are reindexed).
    pub relocated_venues: usize,
}

/// One parsed feature.
struct Incoming {
    place: Place,
    boundary_text: String,
    boundary: MultiPolygon<f64>,
}

fn rejected(message: impl Into<String>) -> Error {
    Error::invalid("file", message)
}

/// A load that passed every check, with the places as they will be.
struct CheckedLoad {
    incoming: Vec<Incoming>,
    merged: HashMap<PlaceCode, (Place, String)>,
    added: usize,
}

/// Parses and checks a load against the current places (see the module docs), giving up at
/// `deadline`.
fn check_load(
    geojson_text: &str,
    current: &PlaceIndex,
    limits: PlaceLoadLimits,
    deadline: Deadline,
) -> Result<CheckedLoad> {
    let incoming = parse_features(geojson_text, current, limits, deadline)?;
    let mut merged: HashMap<PlaceCode, (Place, String)> = current
        .list(None, None)
        .into_iter()
        .filter_map(|p| {
            Some((
                p.code.clone(),
                (p.clone(), current.boundary_geojson(&p.code)?.to_string()),
            ))
        })
        .collect();
    let added = incoming.iter().filter(|i| current.get(&i.place.code).is_none()).count();
    for item in &incoming {
        merged.insert(
            item.place.code.clone(),
            (item.place.clone(), item.boundary_text.clone()),
        );
    }
    deadline.check()?;
    let new_index = PlaceIndex::build(merged.values().cloned().collect()).map_err(|e| rejected(e.to_string()))?;
    check_consistency(&incoming, &new_index, deadline)?;
    Ok(CheckedLoad {
        incoming,
        merged,
        added,
    })
}

impl Directory {
    /// Adds or replaces the places in a GeoJSON FeatureCollection (see the module docs), within
    /// the limits of a request ([`PlaceLoadLimits::REQUEST`]). `source` is recorded in the
    /// history (e.g. the file name).
    pub async fn load_places(&self, geojson_text: &str, source: &str) -> Result<BoundaryLoad> {
        self.load_places_with(geojson_text, source, PlaceLoadLimits::REQUEST)
            .await
    }

    /// [`Directory::load_places`] within the given limits. The checks run on a blocking thread
    /// and give up at the time limit, so a hostile load never holds an async worker.
    pub async fn load_places_with(
        &self,
        geojson_text: &str,
        source: &str,
        limits: PlaceLoadLimits,
    ) -> Result<BoundaryLoad> {
        let current = self.places();
        let (text, against) = (geojson_text.to_string(), current.clone());
        let CheckedLoad {
            incoming,
            merged,
            added,
        } = checked_off_runtime(limits, move |deadline| check_load(&text, &against, limits, deadline)).await?;

        let mut places: Vec<Place> = merged.values().map(|(p, _)| p.clone()).collect();
        roll_up_population(&mut places);
        let changed_codes: HashSet<&PlaceCode> = incoming.iter().map(|i| &i.place.code).collect();
        let population_updates: Vec<Place> = places
            .iter()
            .filter(|p| {
                !changed_codes.contains(&p.code) && current.get(&p.code).map(|old| old.population) != Some(p.population)
            })
            .cloned()
            .collect();
        let rolled: HashMap<&PlaceCode, &Place> = places.iter().map(|p| (&p.code, p)).collect();
        let changed: Vec<(Place, String)> = incoming
            .iter()
            .map(|i| {
                (
                    rolled
                        .get(&i.place.code)
                        .map_or_else(|| i.place.clone(), |p| (*p).clone()),
                    i.boundary_text.clone(),
                )
            })
            .collect();
        // Held from the write until the lookups follow it, as an area load does: the write
        // counts one more geography generation, so a server on the same data directory (this
        // may be the command line) reloads the places too.
        let mut known_generation = self.geography_generation.lock().await;
        self.store()
            .replace_places(&changed, &population_updates, source, Utc::now())
            .await?;
        let relocated = self
            .follow_geography_change(&mut known_generation, crate::areas::load::PostcodeSource::Unchanged)
            .await?;
        drop(known_generation);
        let load = BoundaryLoad {
            added,
            replaced: incoming.len() - added,
            relocated_venues: relocated,
        };
        info!(
            added = load.added,
            replaced = load.replaced,
            relocated_venues = relocated,
            source,
            "places loaded"
        );
        Ok(load)
    }
}

fn parse_features(
    text: &str,
    current: &PlaceIndex,
    limits: PlaceLoadLimits,
    deadline: Deadline,
) -> Result<Vec<Incoming>> {
    let parsed: geojson::GeoJson = text.parse().map_err(|e| rejected(format!("not valid GeoJSON: {e}")))?;
    let geojson::GeoJson::FeatureCollection(collection) = parsed else {
        return Err(rejected("expected a GeoJSON FeatureCollection of places"));
    };
    if collection.features.is_empty() {
        return Err(rejected("the FeatureCollection has no features"));
    }
    // Every coordinate and the vertex counts first, before any feature's geometry is checked.
    let mut budget = VertexBudget::new(limits);
    for (position, feature) in collection.features.iter().enumerate() {
        let Some(geometry) = &feature.geometry else { continue };
        let code = feature
            .property("code")
            .and_then(Value::as_str)
            .unwrap_or("no code")
            .trim();
        budget.check(&geometry.value, &|reason| {
            rejected(format!("feature {position} ({code}): {reason}"))
        })?;
    }
    let mut seen = HashSet::new();
    let mut incoming = Vec::with_capacity(collection.features.len());
    for (position, feature) in collection.features.into_iter().enumerate() {
        deadline.check()?;
        let item = parse_feature(position, feature, current)?;
        if !seen.insert(item.place.code.clone()) {
            return Err(rejected(format!("place {} appears more than once", item.place.code)));
        }
        incoming.push(item);
    }
    Ok(incoming)
}

fn parse_feature(position: usize, feature: geojson::Feature, current: &PlaceIndex) -> Result<Incoming> {
    let properties = Value::Object(feature.properties.clone().unwrap_or_default());
    let text = |key: &str| properties[key].as_str().map(str::trim).filter(|s| !s.is_empty());
    let raw_code = text("code").ok_or_else(|| rejected(format!("feature {position} has no properties.code")))?;
    let code = PlaceCode::parse(raw_code).map_err(|e| rejected(format!("feature {position}: {e}")))?;
    let problem = |reason: String| rejected(format!("feature {position} ({code}): {reason}"));
    let existing = current.get(&code);
    let level = PlaceLevel::of_code(&code)
        .or(existing.map(|p| p.level))
        .ok_or_else(|| problem("the GSS code's prefix is not a county, district, ward, MSOA or LSOA".into()))?;
    let name = text("name")
        .map(str::to_string)
        .or_else(|| existing.map(|p| p.name.clone()))
        .ok_or_else(|| problem("a new place needs properties.name".into()))?;
    let parent_code = match text("parent_code")
        .or(text("lad_code").filter(|_| level != PlaceLevel::Lsoa))
        .or(text("msoa21_code"))
    {
        Some(raw) => Some(PlaceCode::parse(raw).map_err(|e| problem(format!("parent: {e}")))?),
        None => existing.and_then(|p| p.parent_code.clone()),
    };
    if parent_code.is_none() && level != PlaceLevel::County {
        return Err(problem("a new place needs properties.parent_code".into()));
    }
    let geometry = feature.geometry.ok_or_else(|| problem("no geometry".into()))?;
    let boundary_text = geojson::GeoJson::Geometry(geometry).to_string();
    let boundary = parse_boundary(&boundary_text).map_err(problem)?;
    if let Err(invalid) = boundary.check_validation() {
        return Err(problem(format!("invalid polygon: {invalid}")));
    }
    let population = (level == PlaceLevel::Lsoa)
        .then(|| population_of(&properties).or(existing.and_then(|p| p.population)))
        .flatten();
    Ok(Incoming {
        place: Place {
            code,
            name,
            level,
            parent_code,
            population,
        },
        boundary_text,
        boundary,
    })
}

fn population_of(properties: &Value) -> Option<Population> {
    let band = |key: &str| properties[key].as_i64().filter(|n| *n >= 0);
    Some(Population {
        age_0_15: band("age_0_15")?,
        age_16_24: band("age_16_24")?,
        age_25_34: band("age_25_34")?,
        age_35_49: band("age_35_49")?,
        age_50_64: band("age_50_64")?,
        age_65_plus: band("age_65_plus")?,
    })
}

/// Parents exist and hold their children; no two places of a level overlap.
fn check_consistency(incoming: &[Incoming], index: &PlaceIndex, deadline: Deadline) -> Result<()> {
    for item in incoming {
        deadline.check()?;
        let code = &item.place.code;
        if let Some(parent_code) = &item.place.parent_code {
            let parent = index
                .get(parent_code)
                .ok_or_else(|| rejected(format!("{code}: parent {parent_code} is not a known place")))?;
            if parent.level >= item.place.level {
                return Err(rejected(format!(
                    "{code}: parent {parent_code} is not a larger kind of place"
                )));
            }
            if !holds(index, parent_code, &item.boundary) {
                return Err(rejected(format!("{code} is not inside its parent {parent_code}")));
            }
        }
        for child in index.children(code) {
            let inside = index
                .boundary(&child.code)
                .is_some_and(|child_boundary| holds(index, code, child_boundary));
            if !inside {
                return Err(rejected(format!("{code} no longer contains its child {}", child.code)));
            }
        }
        check_overlaps(item, index, deadline)?;
    }
    Ok(())
}

/// Whether the place `container` contains an interior point of `boundary`.
fn holds(index: &PlaceIndex, container: &PlaceCode, boundary: &MultiPolygon<f64>) -> bool {
    let (Some(container), Some(point)) = (index.boundary(container), boundary.interior_point()) else {
        return false;
    };
    container.intersects(&point)
}

fn check_overlaps(item: &Incoming, index: &PlaceIndex, deadline: Deadline) -> Result<()> {
    let Some(bounds) = item.boundary.bounding_rect() else {
        return Ok(());
    };
    let own_area = item.boundary.unsigned_area();
    for other in index.list(Some(item.place.level), None) {
        if other.code == item.place.code {
            continue;
        }
        let Some(other_boundary) = index.boundary(&other.code) else {
            continue;
        };
        if !other_boundary
            .bounding_rect()
            .is_some_and(|rect| rect.intersects(&bounds))
        {
            continue;
        }
        deadline.check()?;
        let overlap = item.boundary.intersection(other_boundary).unsigned_area();
        let smaller = own_area.min(other_boundary.unsigned_area());
        if smaller > 0.0 && overlap / smaller > OVERLAP_TOLERANCE {
            return Err(rejected(format!(
                "{} overlaps {} ({}) by {:.0}% of the smaller place's area",
                item.place.code,
                other.code,
                other.name,
                100.0 * overlap / smaller
            )));
        }
    }
    Ok(())
}

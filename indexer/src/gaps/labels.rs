//! Place names for a gap map, taken from the wards the directory already holds: the directory
//! has no list of towns, and nothing here invents one.
//!
//! Each LSOA of the mapped Place is put in the ward its population-weighted point falls in, so
//! every ward gets a population (Census 2021, summed over its LSOAs) and a point (the
//! population-weighted mean of its LSOAs' points, where its people live).
//!
//! - **Towns** are wards whose names share their leading words: "Dereham Neatherd", "Dereham
//!   Toftwood" and "Dereham Withburga" are the town "Dereham"; "North Walsham East" and "North
//!   Walsham West" are "North Walsham". A single leading word that only says where in a town
//!   (North, South, St, Great ...) is not a town on its own.
//! - **Villages and small towns** are wards that stand alone with a plain name ("Swanton
//!   Morley", "Watton"); a ward named after several places ("All Saints & Wayland") or a part of
//!   the country ("... Rural") is not a label.
//!
//! A ward name is not always a town's ("Forest", "Launditch" and Breckland's "Lincoln" are rural
//! wards named after old hundreds or landmarks), so only built-up ones are labelled: a town or
//! ward with at least [`MIN_PEOPLE_PER_KM2`] residents a square kilometre. Names can still
//! mislead where a town's wards are named otherwise (Fakenham's are "Lancaster North" and
//! "Lancaster South"); they are the wards' own names, never made up.
//!
//! Labels are chosen largest population first, towns before single wards, each at least a
//! spacing (a tenth of the map's diagonal) from every label already chosen, so they do not
//! overlap, and at most [`MAX_LABELS`]. All of it is in-memory work over the report's LSOAs
//! (one point-in-polygon lookup each): no SQL.

use std::collections::{BTreeMap, HashMap};

use crate::domain::{GeoPoint, PlaceCode, PlaceLevel};
use crate::places::PlaceIndex;

use super::AreaGap;

/// Residents a square kilometre a town (or single ward) needs to be labelled: rural wards
/// have tens, market towns' wards hundreds to thousands.
pub const MIN_PEOPLE_PER_KM2: f64 = 200.0;

/// Most place labels on one map.
pub const MAX_LABELS: usize = 14;

/// Leading words that never name a town alone.
const NOT_A_TOWN_ALONE: &[&str] = &[
    "north", "south", "east", "west", "central", "upper", "lower", "great", "little", "st", "st.", "saint", "all",
    "old", "new", "the", "high", "town", "city", "market", "mid", "nether", "long", "king's", "kings",
];

/// Words that mark a ward name as several places, or a part of the country, not one place.
const NOT_ONE_PLACE: &[&str] = &["&", "and", "with", "rural", "villages", "parishes"];

/// A named point on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapLabel {
    /// A town (from several wards' shared name) or a ward's own name.
    pub name: String,
    /// Where its people live: the population-weighted mean of its LSOAs' points.
    pub point: GeoPoint,
    /// Census 2021 residents of its LSOAs.
    pub population: i64,
    /// Made of several wards (a town) rather than one (drawn larger).
    pub town: bool,
    /// Its wards.
    pub wards: Vec<PlaceCode>,
}

/// A ward of the map, with what its LSOAs add up to.
#[derive(Debug, Clone)]
struct WardTally {
    name: String,
    population: i64,
    area_km2: f64,
    weighted_lat: f64,
    weighted_lng: f64,
}

/// The wards of the mapped Place, each LSOA's ward, and the labels chosen from them.
#[derive(Debug, Clone, Default)]
pub struct PlaceLabels {
    /// The labels drawn, largest first.
    pub labels: Vec<MapLabel>,
    /// The ward each LSOA's point falls in (by LSOA code).
    pub ward_of_lsoa: HashMap<PlaceCode, PlaceCode>,
    /// Ward names by code.
    pub ward_names: HashMap<PlaceCode, String>,
}

impl PlaceLabels {
    /// Labels for the LSOAs of a report, spaced for a map whose diagonal is `diagonal_km`.
    pub fn build(places: &PlaceIndex, areas: &[AreaGap], diagonal_km: f64) -> PlaceLabels {
        let mut tallies: BTreeMap<PlaceCode, WardTally> = BTreeMap::new();
        let mut ward_of_lsoa = HashMap::new();
        for area in areas {
            let Some(ward) = places
                .containing_at_level(area.point, PlaceLevel::Ward)
                .into_iter()
                .next()
            else {
                continue;
            };
            ward_of_lsoa.insert(area.place.code.clone(), ward.code.clone());
            let people = area.place.population.map_or(0, |p| p.total()).max(1);
            let tally = tallies.entry(ward.code.clone()).or_insert_with(|| WardTally {
                name: ward.name.trim().to_string(),
                population: 0,
                area_km2: places.boundary(&ward.code).map_or(0.0, area_km2),
                weighted_lat: 0.0,
                weighted_lng: 0.0,
            });
            tally.population += people;
            tally.weighted_lat += area.point.latitude() * people as f64;
            tally.weighted_lng += area.point.longitude() * people as f64;
        }
        let ward_names = tallies.iter().map(|(code, t)| (code.clone(), t.name.clone())).collect();
        let candidates = candidates(&tallies);
        PlaceLabels {
            labels: spaced(candidates, (diagonal_km / 10.0).max(1.0)),
            ward_of_lsoa,
            ward_names,
        }
    }

    /// The chosen label nearest a point, and its distance in km: a place the reader can find
    /// on the map.
    pub fn nearest_town(&self, point: GeoPoint) -> Option<(&MapLabel, f64)> {
        self.labels
            .iter()
            .map(|label| (label, label.point.distance_km(&point)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Towns (wards sharing leading words) and plain single wards, largest first, towns first.
fn candidates(tallies: &BTreeMap<PlaceCode, WardTally>) -> Vec<MapLabel> {
    let mut prefix_counts: HashMap<String, usize> = HashMap::new();
    for tally in tallies.values() {
        for prefix in prefixes(&tally.name) {
            *prefix_counts.entry(prefix.to_lowercase()).or_default() += 1;
        }
    }
    let mut towns: BTreeMap<String, Vec<(&PlaceCode, &WardTally)>> = BTreeMap::new();
    let mut singles = Vec::new();
    for (code, tally) in tallies {
        let town = prefixes(&tally.name)
            .into_iter()
            .rev()
            .find(|prefix| prefix_counts.get(&prefix.to_lowercase()).is_some_and(|&n| n >= 2));
        match town {
            Some(town) => towns.entry(town).or_default().push((code, tally)),
            None if is_one_place(&tally.name) && built_up(&[(code, tally)]) => {
                singles.push(label(&tally.name, &[(code, tally)], false))
            }
            None => {}
        }
    }
    let mut all: Vec<MapLabel> = towns
        .iter()
        .filter(|(_, wards)| built_up(wards))
        .map(|(name, wards)| label(name, wards, true))
        .chain(singles)
        .collect();
    all.sort_by(|a, b| (b.town, b.population, &a.name).cmp(&(a.town, a.population, &b.name)));
    all
}

/// The leading-word prefixes of a ward name that could name a town: shorter than the whole
/// name, not ending in a joining word, and not a lone word that only says where in a town.
fn prefixes(name: &str) -> Vec<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    (1..words.len())
        .map(|n| &words[..n])
        .filter(|prefix| {
            !prefix
                .last()
                .is_some_and(|w| NOT_ONE_PLACE.contains(&w.to_lowercase().as_str()))
        })
        .filter(|prefix| !(prefix.len() == 1 && NOT_A_TOWN_ALONE.contains(&prefix[0].to_lowercase().as_str())))
        .map(|prefix| prefix.join(" "))
        .collect()
}

fn is_one_place(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(',')
        && !name
            .split_whitespace()
            .any(|word| NOT_ONE_PLACE.contains(&word.to_lowercase().as_str()))
}

/// A boundary's area, near enough for a density: degrees squared scaled at its latitude.
fn area_km2(boundary: &geo::MultiPolygon<f64>) -> f64 {
    use geo::{Area, BoundingRect};
    let latitude = boundary.bounding_rect().map_or(52.0, |rect| rect.center().y);
    boundary.unsigned_area() * KM_PER_DEGREE * KM_PER_DEGREE * latitude.to_radians().cos()
}

/// A degree of latitude on the mean Earth (radius 6,371 km).
const KM_PER_DEGREE: f64 = 111.195;

/// Whether wards are built up enough to name (see [`MIN_PEOPLE_PER_KM2`]).
fn built_up(wards: &[(&PlaceCode, &WardTally)]) -> bool {
    let people: i64 = wards.iter().map(|(_, t)| t.population).sum();
    let area: f64 = wards.iter().map(|(_, t)| t.area_km2).sum();
    area > 0.0 && people as f64 / area >= MIN_PEOPLE_PER_KM2
}

fn label(name: &str, wards: &[(&PlaceCode, &WardTally)], town: bool) -> MapLabel {
    let population: i64 = wards.iter().map(|(_, t)| t.population).sum();
    let weight = population.max(1) as f64;
    let lat = wards.iter().map(|(_, t)| t.weighted_lat).sum::<f64>() / weight;
    let lng = wards.iter().map(|(_, t)| t.weighted_lng).sum::<f64>() / weight;
    MapLabel {
        name: name.to_string(),
        point: GeoPoint::new(lat, lng).unwrap_or_else(|_| GeoPoint::new(0.0, 0.0).expect("the origin is a point")),
        population,
        town,
        wards: wards.iter().map(|(code, _)| (*code).clone()).collect(),
    }
}

/// Keeps candidates (best first) at least `spacing_km` from every one kept before.
fn spaced(candidates: Vec<MapLabel>, spacing_km: f64) -> Vec<MapLabel> {
    let mut kept: Vec<MapLabel> = Vec::new();
    for candidate in candidates {
        if kept.len() == MAX_LABELS {
            break;
        }
        if kept.iter().all(|k| k.point.distance_km(&candidate.point) >= spacing_km) {
            kept.push(candidate);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(name: &str, population: i64, lat: f64) -> WardTally {
        WardTally {
            name: name.into(),
            population,
            area_km2: if name.contains("Rural") { 100.0 } else { 5.0 },
            weighted_lat: lat * population as f64,
            weighted_lng: population as f64,
        }
    }

    #[test]
    fn wards_sharing_leading_words_are_one_town() {
        let mut tallies = BTreeMap::new();
        for (i, (name, population, lat)) in [
            ("Dereham Neatherd", 6000, 52.68),
            ("Dereham Toftwood", 5000, 52.66),
            ("North Walsham East", 4000, 52.82),
            ("North Walsham West", 4000, 52.82),
            ("Swanton Morley", 3000, 52.71),
            ("All Saints & Wayland", 3500, 52.5),
            ("Northgate", 2000, 52.6),
            ("Bathavon Rural North", 3000, 52.4),
            ("Bathavon Rural South", 3000, 52.3),
        ]
        .into_iter()
        .enumerate()
        {
            tallies.insert(
                PlaceCode::parse(&format!("E0500000{i}")).expect("code"),
                tally(name, population, lat),
            );
        }
        let found = candidates(&tallies);
        let names: Vec<(&str, bool)> = found.iter().map(|l| (l.name.as_str(), l.town)).collect();
        assert_eq!(
            names,
            [
                ("Dereham", true),
                ("North Walsham", true),
                ("Swanton Morley", false),
                ("Northgate", false)
            ]
        );
        assert_eq!(found[0].population, 11000);
        assert!((found[0].point.latitude() - (52.68 * 6.0 + 52.66 * 5.0) / 11.0).abs() < 1e-9);
    }

    #[test]
    fn labels_closer_than_the_spacing_give_way_to_larger_ones() {
        let at = |name: &str, lat: f64, population| MapLabel {
            name: name.into(),
            point: GeoPoint::new(lat, 1.0).expect("point"),
            population,
            town: false,
            wards: Vec::new(),
        };
        let kept = spaced(
            vec![at("Big", 52.0, 9000), at("Near", 52.01, 5000), at("Far", 52.2, 1000)],
            5.0,
        );
        let names: Vec<&str> = kept.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Big", "Far"]);
    }
}

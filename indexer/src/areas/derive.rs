//! From the files of a pack to places and postcodes: the checks that need several files, and
//! what is derived from them.
//!
//! - Codes must be unique per level, and agree between files: every Code-Point ward is a ward of
//!   the boundaries, every LSOA has Census population (all six bands), and the Census names no
//!   LSOA the boundaries lack.
//! - Nesting, by geometry (an interior point of the smaller area inside the larger): LSOA →
//!   MSOA → district, ward → district. Wards, MSOAs and LSOAs outside every district of the pack
//!   (a national file dropped in the pack) are left out and counted.
//! - Each postcode of the pack's districts takes the LSOA containing its point (point in
//!   polygon on the R-tree of [`PlaceIndex`]); a point in a sliver between generalised polygons
//!   takes the nearest LSOA within [`NEAREST_LSOA_DEGREES`]; further out it is a problem.
//!   Postcodes of other districts (whole Code-Point area files) are left out and counted.
//! - Populations roll up from LSOAs to MSOAs and districts.

use std::collections::{HashMap, HashSet};

use std::time::Instant;

use geo::{Distance, Euclidean, InteriorPoint};
use rayon::prelude::*;
use tracing::info;

use super::codepoint::CodePointRow;
use super::ons::{Boundary, BoundaryKind};
use super::pack::RawPack;
use super::problems::Problems;
use super::{AreaPack, AreaSummary, DistrictSummary};
use crate::domain::{GeoPoint, Place, PlaceCode, PlaceLevel, PostcodeRecord};
use crate::places::{roll_up_population, PlaceIndex};

/// How far (degrees, about 200 m) a postcode in no LSOA may be from the nearest one.
pub const NEAREST_LSOA_DEGREES: f64 = 0.002;

/// Checks the files against each other and derives the places and postcodes.
pub fn derive(mut raw: RawPack, problems: &mut Problems) -> Option<AreaPack> {
    let mut by_kind: HashMap<BoundaryKind, Vec<Boundary>> = HashMap::new();
    for kind in [
        BoundaryKind::District,
        BoundaryKind::Ward,
        BoundaryKind::Msoa,
        BoundaryKind::Lsoa,
    ] {
        let boundaries = raw.boundaries.remove(&kind).unwrap_or_default();
        by_kind.insert(kind, unique(boundaries, kind, problems));
    }
    let index = spatial_index(&by_kind);
    let districts = &by_kind[&BoundaryKind::District];
    let district_codes: HashSet<&PlaceCode> = districts.iter().map(|d| &d.code).collect();
    let mut summary = AreaSummary::default();

    let mut places: Vec<(Place, String)> = Vec::new();
    for district in districts {
        places.push((
            place(district, PlaceLevel::District, None),
            district.geometry_text.clone(),
        ));
    }
    let started = Instant::now();
    let msoa_containers = containers(&index, &by_kind[&BoundaryKind::Msoa], &[PlaceLevel::District]);
    let mut msoa_district: HashMap<PlaceCode, PlaceCode> = HashMap::new();
    for (msoa, [district]) in by_kind[&BoundaryKind::Msoa].iter().zip(msoa_containers) {
        let Some(district) = district else {
            summary.outside_areas += 1;
            continue;
        };
        let mut msoa_place = place(msoa, PlaceLevel::Msoa, Some(district.clone()));
        if let Some(hcl) = raw.msoa_names.get(msoa.code.as_str()) {
            msoa_place.name = format!("{hcl} ({})", msoa.name);
        }
        msoa_district.insert(msoa.code.clone(), district);
        places.push((msoa_place, msoa.geometry_text.clone()));
    }
    let ward_containers = containers(&index, &by_kind[&BoundaryKind::Ward], &[PlaceLevel::District]);
    let mut ward_codes = HashSet::new();
    for (ward, [contained_by]) in by_kind[&BoundaryKind::Ward].iter().zip(ward_containers) {
        let named = ward
            .district_code
            .as_deref()
            .and_then(|raw| PlaceCode::parse(raw).ok())
            .filter(|code| district_codes.contains(code));
        let Some(district) = named.or(contained_by) else {
            summary.outside_areas += 1;
            continue;
        };
        ward_codes.insert(ward.code.clone());
        places.push((
            place(ward, PlaceLevel::Ward, Some(district)),
            ward.geometry_text.clone(),
        ));
    }
    let mut lsoa_district: HashMap<PlaceCode, PlaceCode> = HashMap::new();
    let all_lsoa_codes: HashSet<&str> = by_kind[&BoundaryKind::Lsoa].iter().map(|l| l.code.as_str()).collect();
    let have_msoas = !msoa_district.is_empty();
    let lsoa_containers = containers(
        &index,
        &by_kind[&BoundaryKind::Lsoa],
        &[PlaceLevel::District, PlaceLevel::Msoa],
    );
    for (lsoa, [district, msoa]) in by_kind[&BoundaryKind::Lsoa].iter().zip(lsoa_containers) {
        let Some(district) = district else {
            summary.outside_areas += 1;
            continue;
        };
        let mut lsoa_place = place(lsoa, PlaceLevel::Lsoa, None);
        match raw.census.get(lsoa.code.as_str()).map(|counts| counts.population()) {
            Some(Some(population)) => lsoa_place.population = Some(population),
            Some(None) => problems.push(
                "population",
                format!(
                    "population of LSOA {} ({}) lacks some of the six age bands",
                    lsoa.code, lsoa.name
                ),
            ),
            None => problems.push(
                "population",
                format!(
                    "population missing for LSOA {} ({}): the Census file has no rows for it",
                    lsoa.code, lsoa.name
                ),
            ),
        }
        // Without any MSOA file, that one problem is reported, not one per LSOA.
        match msoa.filter(|m| msoa_district.contains_key(m)) {
            Some(msoa) if msoa_district.get(&msoa) != Some(&district) => problems.push(
                "nesting",
                format!(
                    "LSOA {} is in district {district} but its MSOA {msoa} is not",
                    lsoa.code
                ),
            ),
            Some(msoa) => lsoa_place.parent_code = Some(msoa),
            None if have_msoas => problems.push(
                "nesting",
                format!("LSOA {} ({}) is not inside any MSOA of the pack", lsoa.code, lsoa.name),
            ),
            None => {}
        }
        lsoa_district.insert(lsoa.code.clone(), district);
        places.push((lsoa_place, lsoa.geometry_text.clone()));
    }
    let mut unknown_census: Vec<&String> = raw
        .census
        .keys()
        .filter(|code| !all_lsoa_codes.contains(code.as_str()))
        .collect();
    unknown_census.sort();
    for code in unknown_census {
        problems.push(
            "census-unknown",
            format!("the Census file has population for LSOA {code}, which no LSOA boundary file has"),
        );
    }
    for district in districts.iter().filter(|_| have_msoas) {
        if !msoa_district.values().any(|d| d == &district.code) {
            problems.push(
                "nesting",
                format!(
                    "district {} ({}) holds no MSOA of the pack",
                    district.code, district.name
                ),
            );
        }
    }

    info!(
        stage = "nesting",
        elapsed_ms = started.elapsed().as_millis() as u64,
        "area pack: hierarchy derived"
    );
    let started = Instant::now();
    let postcodes = place_postcodes(
        &raw,
        &index,
        &district_codes,
        &ward_codes,
        &lsoa_district,
        &mut summary,
        problems,
    );
    info!(
        stage = "postcodes",
        postcodes = postcodes.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "area pack: postcodes placed in LSOAs"
    );
    if !problems.is_empty() {
        return None;
    }
    let (mut only_places, boundaries): (Vec<Place>, Vec<String>) = places.into_iter().unzip();
    roll_up_population(&mut only_places);
    summarise(&mut summary, &only_places, &postcodes, &lsoa_district, &msoa_district);
    summary.postcodes_without_coordinates = raw.codepoint.without_coordinates;
    summary.files = std::mem::take(&mut raw.files);
    let area_of = area_codes(&only_places, &msoa_district, &lsoa_district);
    Some(AreaPack {
        places: only_places.into_iter().zip(boundaries).collect(),
        area_of,
        postcodes,
        summary,
    })
}

/// Drops repeated codes (a problem each).
fn unique(boundaries: Vec<Boundary>, kind: BoundaryKind, problems: &mut Problems) -> Vec<Boundary> {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(boundaries.len());
    for boundary in boundaries {
        if seen.insert(boundary.code.clone()) {
            kept.push(boundary);
        } else {
            problems.push(
                "repeat",
                format!("{} {} appears more than once", kind.label(), boundary.code),
            );
        }
    }
    kept
}

fn place(boundary: &Boundary, level: PlaceLevel, parent_code: Option<PlaceCode>) -> Place {
    Place {
        code: boundary.code.clone(),
        name: boundary.name.clone(),
        level,
        parent_code,
        population: None,
    }
}

/// All the pack's boundaries in one R-tree, without parents yet (for nesting and postcodes).
fn spatial_index(by_kind: &HashMap<BoundaryKind, Vec<Boundary>>) -> PlaceIndex {
    let mut entries = Vec::new();
    for (kind, level) in [
        (BoundaryKind::District, PlaceLevel::District),
        (BoundaryKind::Ward, PlaceLevel::Ward),
        (BoundaryKind::Msoa, PlaceLevel::Msoa),
        (BoundaryKind::Lsoa, PlaceLevel::Lsoa),
    ] {
        for boundary in &by_kind[&kind] {
            entries.push((place(boundary, level, None), boundary.polygon.clone()));
        }
    }
    PlaceIndex::from_polygons(entries)
}

/// For each boundary (over every core), the places of `levels` containing an interior point of
/// it.
fn containers<const N: usize>(
    index: &PlaceIndex,
    boundaries: &[Boundary],
    levels: &[PlaceLevel; N],
) -> Vec<[Option<PlaceCode>; N]> {
    boundaries
        .par_iter()
        .map(|boundary| {
            let found = boundary
                .polygon
                .interior_point()
                .and_then(|inside| GeoPoint::new(inside.y(), inside.x()).ok())
                .map(|point| index.containing_uncached(point))
                .unwrap_or_default();
            levels.map(|level| found.iter().find(|p| p.level == level).map(|p| p.code.clone()))
        })
        .collect()
}

/// Each postcode of the pack's districts with its LSOA.
fn place_postcodes(
    raw: &RawPack,
    index: &PlaceIndex,
    district_codes: &HashSet<&PlaceCode>,
    ward_codes: &HashSet<PlaceCode>,
    lsoa_district: &HashMap<PlaceCode, PlaceCode>,
    summary: &mut AreaSummary,
    problems: &mut Problems,
) -> Vec<PostcodeRecord> {
    // Point in polygon is most of the work: every postcode's LSOA over every core first.
    let in_pack = |row: &CodePointRow| {
        PlaceCode::parse(&row.district_code)
            .ok()
            .filter(|code| district_codes.contains(code))
    };
    let lsoas: Vec<Option<PlaceCode>> = raw
        .codepoint
        .rows
        .par_iter()
        .map(|row| in_pack(row).and_then(|_| lsoa_at(index, row.point, lsoa_district)))
        .collect();
    let mut records = Vec::with_capacity(raw.codepoint.rows.len());
    let mut seen = HashSet::with_capacity(raw.codepoint.rows.len());
    for (row, lsoa) in raw.codepoint.rows.iter().zip(lsoas) {
        let Some(district) = in_pack(row) else {
            summary.postcodes_in_other_districts += 1;
            continue;
        };
        if !seen.insert(row.postcode.as_str()) {
            problems.push(
                "postcode-repeat",
                format!("postcode {} appears more than once", row.postcode),
            );
            continue;
        }
        let Some(ward) = PlaceCode::parse(&row.ward_code)
            .ok()
            .filter(|code| ward_codes.contains(code))
        else {
            problems.push(
                "postcode-ward",
                format!(
                    "postcode {}: ward {:?} is not in the ward boundaries",
                    row.postcode, row.ward_code
                ),
            );
            continue;
        };
        let Some(lsoa) = lsoa else {
            problems.push(
                "postcode-outside",
                format!(
                    "postcode {} at {:.6}, {:.6} (easting {}, northing {}) is outside every LSOA of the area",
                    row.postcode,
                    row.point.latitude(),
                    row.point.longitude(),
                    row.easting,
                    row.northing
                ),
            );
            continue;
        };
        records.push(PostcodeRecord {
            postcode: row.postcode.clone(),
            latitude: row.point.latitude(),
            longitude: row.point.longitude(),
            district_code: district,
            ward_code: ward,
            lsoa_code: lsoa,
        });
    }
    records
}

/// The LSOA containing the point, or the nearest one within [`NEAREST_LSOA_DEGREES`].
fn lsoa_at(index: &PlaceIndex, point: GeoPoint, lsoas: &HashMap<PlaceCode, PlaceCode>) -> Option<PlaceCode> {
    if let Some(found) = index
        .containing_at_level(point, PlaceLevel::Lsoa)
        .into_iter()
        .find(|p| lsoas.contains_key(&p.code))
    {
        return Some(found.code.clone());
    }
    let at = point.to_geo();
    index
        .near(point, NEAREST_LSOA_DEGREES)
        .into_iter()
        .filter(|p| p.level == PlaceLevel::Lsoa && lsoas.contains_key(&p.code))
        .filter_map(|p| Some((Euclidean.distance(index.boundary(&p.code)?, &at), p)))
        .filter(|(distance, _)| *distance <= NEAREST_LSOA_DEGREES)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p.code.clone())
}

/// The district each place belongs to, parallel to `places`.
fn area_codes(
    places: &[Place],
    msoa_district: &HashMap<PlaceCode, PlaceCode>,
    lsoa_district: &HashMap<PlaceCode, PlaceCode>,
) -> Vec<PlaceCode> {
    places
        .iter()
        .map(|p| match p.level {
            PlaceLevel::Msoa => msoa_district[&p.code].clone(),
            PlaceLevel::Lsoa => lsoa_district[&p.code].clone(),
            PlaceLevel::District => p.code.clone(),
            _ => p.parent_code.clone().unwrap_or_else(|| p.code.clone()),
        })
        .collect()
}

fn summarise(
    summary: &mut AreaSummary,
    places: &[Place],
    postcodes: &[PostcodeRecord],
    lsoa_district: &HashMap<PlaceCode, PlaceCode>,
    msoa_district: &HashMap<PlaceCode, PlaceCode>,
) {
    let mut per_district: HashMap<&PlaceCode, DistrictSummary> = HashMap::new();
    for district in places.iter().filter(|p| p.level == PlaceLevel::District) {
        per_district.insert(
            &district.code,
            DistrictSummary {
                code: district.code.clone(),
                name: district.name.clone(),
                population: district.population.map_or(0, |p| p.total()),
                age_65_plus: district.population.map_or(0, |p| p.age_65_plus),
                wards: 0,
                msoas: 0,
                lsoas: 0,
                postcodes: 0,
            },
        );
    }
    for place in places {
        let district = match place.level {
            PlaceLevel::Ward => place.parent_code.as_ref(),
            PlaceLevel::Msoa => msoa_district.get(&place.code),
            PlaceLevel::Lsoa => lsoa_district.get(&place.code),
            _ => None,
        };
        let Some(entry) = district.and_then(|d| per_district.get_mut(d)) else {
            continue;
        };
        match place.level {
            PlaceLevel::Ward => entry.wards += 1,
            PlaceLevel::Msoa => entry.msoas += 1,
            _ => entry.lsoas += 1,
        }
    }
    for postcode in postcodes {
        if let Some(entry) = per_district.get_mut(&postcode.district_code) {
            entry.postcodes += 1;
        }
    }
    let mut districts: Vec<DistrictSummary> = per_district.into_values().collect();
    districts.sort_by(|a, b| a.code.cmp(&b.code));
    summary.districts = districts;
}

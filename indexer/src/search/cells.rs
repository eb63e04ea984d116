//! Grid cells for geo search. Tantivy has no geo field, and range queries over latitude and
//! longitude columns scan whole columns; instead every venue is indexed as the ids of the grid
//! cells it falls in, at four resolutions. A radius query ORs the few cells covering the
//! circle's bounding box at the coarsest useful resolution, and exact distance is then
//! computed for the candidates only.

use crate::domain::GeoPoint;

/// Cell edge lengths in kilometres, finest first.
pub const CELL_SIZES_KM: [f64; 4] = [1.0, 4.0, 16.0, 64.0];

/// Kilometres per degree of latitude.
const KM_PER_DEGREE: f64 = 111.32;
/// Longitude degrees are scaled at a fixed latitude (England's middle) so cells stay square-ish;
/// the cover below widens by the true scale, so nothing is missed anywhere in the UK.
const REFERENCE_COS_LATITUDE: f64 = 0.6; // cos(53.13°)

/// At most this many cells are ORed for one query.
const MAX_COVER_CELLS: usize = 128;

fn cell_index(point: &GeoPoint, level: usize) -> (i64, i64) {
    let size = CELL_SIZES_KM[level];
    let y = (point.latitude() * KM_PER_DEGREE / size).floor() as i64;
    let x = (point.longitude() * KM_PER_DEGREE * REFERENCE_COS_LATITUDE / size).floor() as i64;
    (x, y)
}

fn term(level: usize, (x, y): (i64, i64)) -> String {
    format!("{level}:{x}:{y}")
}

/// The cell terms of a venue, one per resolution.
pub fn cells_of(point: &GeoPoint) -> Vec<String> {
    (0..CELL_SIZES_KM.len())
        .map(|level| term(level, cell_index(point, level)))
        .collect()
}

/// Where a point's finest cell lies on a Z-order (Morton) curve: cells near each other on the
/// map are mostly near each other on the curve. Documents indexed in this order put a town's
/// listings in a few runs of document ids, so a radius search reads a few stretches of each
/// posting list and column instead of a scattering across all of them.
pub fn curve_position(point: &GeoPoint) -> u64 {
    /// Spreads the low 32 bits of `value` to the even bits of a u64.
    fn spread(value: u64) -> u64 {
        let mut v = value & 0xFFFF_FFFF;
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    // Cell indices span about ±20,000 (the globe in 1 km cells): offset them to be positive.
    const OFFSET: i64 = 1 << 20;
    let (x, y) = cell_index(point, 0);
    spread((x + OFFSET).max(0) as u64) | (spread((y + OFFSET).max(0) as u64) << 1)
}

/// Cell terms covering every point within `radius_km` of `centre`: the cells of the finest
/// resolution at which at most `MAX_COVER_CELLS` cells reach into the circle.
///
/// Only cells reaching into the circle are named, not every cell of its bounding box: at the
/// coarser level a box needs, a 20 km circle in 16 km cells covered three times its own area,
/// and counting the matches of a search in London read 150,000 documents to find 50,000.
pub fn covering_cells(centre: &GeoPoint, radius_km: f64) -> Vec<String> {
    let (level, cells) = cover(centre, radius_km);
    cells.into_iter().map(|cell| term(level, cell)).collect()
}

/// The cover ([`covering_cells`]) in two: the cells lying wholly within `radius_km` of
/// `centre`, with a margin (every venue in one is within the radius, so counting a document
/// of one needs no distance), and the others.
pub fn split_cover(centre: &GeoPoint, radius_km: f64) -> (Vec<String>, Vec<String>) {
    let (level, cells) = cover(centre, radius_km);
    let (within, edge): (Vec<_>, Vec<_>) = cells.into_iter().partition(|&cell| {
        let (south, north, west, east) = bounds(level, cell);
        // The farthest point of a small lat/lng box from a point is one of its corners.
        [(south, west), (south, east), (north, west), (north, east)]
            .iter()
            .all(|&(lat, lng)| centre.distance_km_to(lat, lng) <= radius_km * 0.99 - 0.05)
    });
    let terms = |cells: Vec<(i64, i64)>| cells.into_iter().map(|cell| term(level, cell)).collect();
    (terms(within), terms(edge))
}

/// The cover's level and cells (see [`covering_cells`]).
fn cover(centre: &GeoPoint, radius_km: f64) -> (usize, Vec<(i64, i64)>) {
    let lat_span = radius_km / KM_PER_DEGREE;
    let cos_lat = centre.latitude().to_radians().cos().max(0.05);
    let lng_span = radius_km / (KM_PER_DEGREE * cos_lat);
    let corner = |lat: f64, lng: f64| (lat.clamp(-90.0, 90.0), lng.clamp(-180.0, 180.0));
    let (south, west) = corner(centre.latitude() - lat_span, centre.longitude() - lng_span);
    let (north, east) = corner(centre.latitude() + lat_span, centre.longitude() + lng_span);
    for (level, &size) in CELL_SIZES_KM.iter().enumerate() {
        let y_range = ((south * KM_PER_DEGREE / size).floor() as i64)..=((north * KM_PER_DEGREE / size).floor() as i64);
        let x_of = |lng: f64| (lng * KM_PER_DEGREE * REFERENCE_COS_LATITUDE / size).floor() as i64;
        let x_range = x_of(west)..=x_of(east);
        let in_box = (y_range.end() - y_range.start() + 1) * (x_range.end() - x_range.start() + 1);
        let coarsest = level == CELL_SIZES_KM.len() - 1;
        // A circle fills at least π/4 of its box: a box this full cannot fit.
        if in_box as usize > 2 * MAX_COVER_CELLS && !coarsest {
            continue;
        }
        let cells: Vec<(i64, i64)> = y_range
            .flat_map(|y| x_range.clone().map(move |x| (x, y)))
            .filter(|&cell| reaches_into(centre, radius_km, level, cell))
            .collect();
        if cells.len() <= MAX_COVER_CELLS || coarsest {
            return (level, cells);
        }
    }
    (0, Vec::new())
}

/// A cell's edges: south, north, west, east (degrees).
fn bounds(level: usize, (x, y): (i64, i64)) -> (f64, f64, f64, f64) {
    let size = CELL_SIZES_KM[level];
    let lng_size = size / (KM_PER_DEGREE * REFERENCE_COS_LATITUDE);
    (
        y as f64 * size / KM_PER_DEGREE,
        (y + 1) as f64 * size / KM_PER_DEGREE,
        x as f64 * lng_size,
        (x + 1) as f64 * lng_size,
    )
}

/// Whether some point of a cell may lie within `radius_km` of `centre`. The cell's point
/// nearest the centre in degrees is not quite its nearest on the sphere (along a meridian the
/// nearest point lies a little poleward), which is a few metres at 20 km and 40 m at 200 km:
/// the margin (2% and half a kilometre) is far wider.
fn reaches_into(centre: &GeoPoint, radius_km: f64, level: usize, cell: (i64, i64)) -> bool {
    let (south, north, west, east) = bounds(level, cell);
    let nearest_lat = centre.latitude().clamp(south, north);
    let nearest_lng = centre.longitude().clamp(west, east);
    centre.distance_km_to(nearest_lat, nearest_lng) <= radius_km * 1.02 + 0.5
}

/// The order listings are indexed in: the lowest position of their venues on the curve,
/// listings without a venue last.
pub fn lowest_curve_position(venues: &[GeoPoint]) -> u64 {
    venues.iter().map(curve_position).min().unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn uk_point() -> impl Strategy<Value = GeoPoint> {
        (50.0f64..58.5, -5.5f64..1.75).prop_map(|(lat, lng)| GeoPoint::new(lat, lng).expect("in the UK"))
    }

    proptest! {
        /// Every point near the edge of the circle lies in one of the covering cells.
        #[test]
        fn cover_contains_every_point_near_the_edge_of_the_circle(centre in uk_point(), radius in 0.1f64..200.0, bearing in 0.0f64..360.0, fraction in 0.97f64..1.0) {
            assert_covered(centre, radius, bearing, radius * fraction)?;
        }

        /// Every point of a cell said to lie within the radius is within it.
        #[test]
        fn cells_within_hold_only_points_within(centre in uk_point(), radius in 0.3f64..200.0, u in 0.0f64..1.0, v in 0.0f64..1.0) {
            let (within, edge) = split_cover(&centre, radius);
            let mut cover = covering_cells(&centre, radius);
            prop_assert!(within.iter().all(|cell| cover.contains(cell)));
            // Split, the cover is those within and the rest.
            let mut split = within.clone();
            split.extend(edge);
            split.sort();
            cover.sort();
            prop_assert_eq!(split, cover);
            for cell in &within {
                let mut parts = cell.split(':').map(|part| part.parse::<i64>().expect("number"));
                let (level, x, y) = (parts.next().expect("level") as usize, parts.next().expect("x"), parts.next().expect("y"));
                let (south, north, west, east) = bounds(level, (x, y));
                let (lat, lng) = (south + (north - south) * u, west + (east - west) * v);
                prop_assert!(centre.distance_km_to(lat, lng) <= radius, "{cell}: ({lat}, {lng}) beyond {radius} km");
            }
        }

        /// Every point within the radius lies in one of the covering cells.
        #[test]
        fn cover_contains_every_point_in_the_circle(centre in uk_point(), radius in 0.1f64..200.0, bearing in 0.0f64..360.0, fraction in 0.0f64..1.0) {
            assert_covered(centre, radius, bearing, radius * fraction * 0.999)?;
        }
    }

    /// The point `distance` km from `centre` on `bearing` (on the flat map), if in the UK and
    /// within `radius`, lies in a cell of the cover.
    fn assert_covered(centre: GeoPoint, radius: f64, bearing: f64, distance: f64) -> Result<(), TestCaseError> {
        let lat = centre.latitude() + distance / KM_PER_DEGREE * bearing.to_radians().cos();
        let lng = centre.longitude()
            + distance / (KM_PER_DEGREE * centre.latitude().to_radians().cos()) * bearing.to_radians().sin();
        let Ok(point) = GeoPoint::new(lat, lng) else {
            return Err(TestCaseError::reject("outside the UK"));
        };
        prop_assume!(centre.distance_km(&point) <= radius);
        let cover = covering_cells(&centre, radius);
        prop_assert!(
            cells_of(&point).iter().any(|cell| cover.contains(cell)),
            "{point:?} not covered by {cover:?}"
        );
        Ok(())
    }

    #[test]
    fn neighbouring_cells_are_near_on_the_curve_and_far_cells_far() {
        let at = |lat: f64, lng: f64| curve_position(&GeoPoint::new(lat, lng).expect("valid"));
        let norwich = at(52.63, 1.30);
        let next_door = at(52.631, 1.301);
        let london = at(51.51, -0.13);
        assert!(norwich.abs_diff(next_door) < norwich.abs_diff(london));
        assert_eq!(norwich, at(52.6301, 1.3001), "same 1 km cell, same position");
    }

    #[test]
    fn small_radii_use_few_fine_cells() {
        let dereham = GeoPoint::new(52.68, 0.94).expect("valid");
        let cover = covering_cells(&dereham, 2.0);
        assert!(
            cover.len() <= MAX_COVER_CELLS && cover.iter().all(|c| c.starts_with("0:")),
            "{cover:?}"
        );
        assert!(covering_cells(&dereham, 20.0).iter().all(|c| !c.starts_with("0:")));
    }

    /// The level of cell terms (all of one level) and the area they cover near `centre` (km²).
    fn level_and_area(cells: &[String], centre: &GeoPoint) -> (usize, f64) {
        let level: usize = cells[0][..1].parse().expect("level");
        let area = cells.len() as f64 * CELL_SIZES_KM[level].powi(2) * centre.latitude().to_radians().cos()
            / REFERENCE_COS_LATITUDE;
        (level, area)
    }

    #[test]
    fn most_of_a_wide_circle_is_in_cells_wholly_within() {
        let london = GeoPoint::new(51.51, -0.13).expect("valid");
        for radius in [5.0, 20.0, 60.0] {
            let (within, _) = split_cover(&london, radius);
            let (_, area) = level_and_area(&within, &london);
            let circle = std::f64::consts::PI * radius * radius;
            assert!(
                area > 0.6 * circle,
                "{radius} km: {area:.0} km² of {circle:.0} in cells wholly within"
            );
        }
    }

    #[test]
    fn covers_the_circle_not_its_box() {
        let london = GeoPoint::new(51.51, -0.13).expect("valid");
        for radius in [2.0, 5.0, 20.0, 60.0] {
            let cover = covering_cells(&london, radius);
            let (level, area) = level_and_area(&cover, &london);
            let circle = std::f64::consts::PI * radius * radius;
            assert!(
                area < 2.6 * circle,
                "{radius} km: {} cells of level {level}, {area:.0} km² for {circle:.0}",
                cover.len()
            );
        }
    }
}

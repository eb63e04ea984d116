//! What a gap map shows beside the report: the area it frames, the place names on it
//! ([`super::labels`]), the neighbouring Places around it and a name a reader can find for
//! every LSOA ("Swanton Morley ward, 4 miles from Dereham").
//!
//! `Directory::gap_map` builds the report as `gaps` does, then this: in-memory work over the
//! report's LSOAs and the few Places near the mapped one (an R-tree lookup), no SQL.

use std::collections::HashMap;

use geo::{BooleanOps, BoundingRect, InteriorPoint, Intersects, MultiPolygon, Rect};

use super::labels::PlaceLabels;
use super::{Demand, GapCriteria, GapReport};
use crate::domain::{GeoPoint, NeedCode, Place, PlaceCode, PlaceLevel};
use crate::error::Result;
use crate::places::PlaceIndex;
use crate::Directory;

/// Share of the mapped area's width and height added around it, so neighbours show.
const MARGIN: f64 = 0.06;

/// Kilometres in a statute mile.
pub const KM_PER_MILE: f64 = 1.609_344;

/// A Place beside the mapped one, as much of it as the map frames.
#[derive(Debug, Clone)]
pub struct Neighbour {
    pub place: Place,
    /// Its boundary cut to the map's frame.
    pub visible: MultiPolygon<f64>,
    /// Where its name goes: a point inside its visible part.
    pub label_point: Option<GeoPoint>,
}

/// A gap report with what a map of it needs.
#[derive(Debug, Clone)]
pub struct GapMap {
    pub report: GapReport,
    /// The frame: the Place's LSOAs and assets, with a margin (lng/lat).
    pub frame: Rect<f64>,
    pub labels: PlaceLabels,
    pub neighbours: Vec<Neighbour>,
    /// A name a reader can find for each LSOA of the report, by LSOA code.
    pub area_names: HashMap<PlaceCode, String>,
}

impl Directory {
    /// The gap report for a Place and need (as [`Directory::gaps`]) with its map's frame, place
    /// labels, neighbours and readable area names.
    pub async fn gap_map(&self, place: &PlaceCode, need: NeedCode, criteria: &GapCriteria) -> Result<GapMap> {
        let report = self.gaps(place, need, criteria, Demand::default()).await?;
        let geography = self.geography();
        Ok(GapMap::build(report, &geography.places))
    }
}

impl GapMap {
    /// Adds the frame, labels, neighbours and area names to a report.
    pub fn build(report: GapReport, places: &PlaceIndex) -> GapMap {
        let frame = frame(&report, places);
        let diagonal_km = GeoPoint::new(frame.min().y, frame.min().x)
            .and_then(|a| Ok((a, GeoPoint::new(frame.max().y, frame.max().x)?)))
            .map_or(50.0, |(a, b)| a.distance_km(&b));
        let labels = PlaceLabels::build(places, &report.areas, diagonal_km);
        let neighbours = neighbours(&report.place, places, frame);
        let area_names = report
            .areas
            .iter()
            .map(|area| (area.place.code.clone(), area_name(&labels, &area.place, area.point)))
            .collect();
        GapMap {
            report,
            frame,
            labels,
            neighbours,
            area_names,
        }
    }
}

/// The LSOAs' extent with a margin, stretched to take in assets near it (within twice the
/// reach): a venue hundreds of kilometres away (an area's nearest, when no eligible venue is
/// close) would shrink the Place to a speck.
fn frame(report: &GapReport, places: &PlaceIndex) -> Rect<f64> {
    let boxes = report
        .areas
        .iter()
        .filter_map(|area| places.boundary(&area.place.code)?.bounding_rect())
        .chain(places.boundary(&report.place.code).and_then(|b| b.bounding_rect()));
    let Some(bounds) = boxes.reduce(union) else {
        return Rect::new((0.0, 50.0), (1.0, 51.0));
    };
    let reach_degrees = 2.0 * report.criteria.max_distance.km() / KM_PER_DEGREE_LATITUDE;
    let stretch = bounds.center().y.to_radians().cos().max(0.1);
    let near = Rect::new(
        (bounds.min().x - reach_degrees / stretch, bounds.min().y - reach_degrees),
        (bounds.max().x + reach_degrees / stretch, bounds.max().y + reach_degrees),
    );
    let bounds = report
        .assets
        .iter()
        .map(|asset| (asset.point.longitude(), asset.point.latitude()))
        .filter(|&(lng, lat)| {
            (near.min().x..=near.max().x).contains(&lng) && (near.min().y..=near.max().y).contains(&lat)
        })
        .map(|(lng, lat)| Rect::new((lng, lat), (lng, lat)))
        .fold(bounds, union);
    let (dx, dy) = (bounds.width() * MARGIN, bounds.height() * MARGIN);
    Rect::new(
        (bounds.min().x - dx, bounds.min().y - dy),
        (bounds.max().x + dx, bounds.max().y + dy),
    )
}

/// A degree of latitude on the mean Earth (radius 6,371 km), in kilometres.
const KM_PER_DEGREE_LATITUDE: f64 = 111.195;

fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
        (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
    )
}

/// Places of the mapped Place's level (other districts of a district, ...) that reach into the
/// frame, cut to it. LSOAs have too many neighbours to be worth it; none are drawn for them.
fn neighbours(place: &Place, places: &PlaceIndex, frame: Rect<f64>) -> Vec<Neighbour> {
    if place.level == PlaceLevel::Lsoa {
        return Vec::new();
    }
    let centre = frame.center();
    let Ok(centre_point) = GeoPoint::new(centre.y, centre.x) else {
        return Vec::new();
    };
    let reach = frame.width().max(frame.height()) / 2.0;
    let frame_polygon = frame.to_polygon();
    let mut found: Vec<Neighbour> = places
        .near(centre_point, reach)
        .into_iter()
        .filter(|other| other.level == place.level && other.code != place.code)
        .filter_map(|other| {
            let boundary = places.boundary(&other.code)?;
            if !boundary.intersects(&frame_polygon) {
                return None;
            }
            let visible = boundary.intersection(&MultiPolygon::new(vec![frame_polygon.clone()]));
            let label_point = visible
                .iter()
                .max_by(|a, b| area_of(a).total_cmp(&area_of(b)))
                .and_then(|largest| largest.interior_point())
                .and_then(|point| GeoPoint::new(point.y(), point.x()).ok());
            Some(Neighbour {
                place: other.clone(),
                visible,
                label_point,
            })
        })
        .collect();
    found.sort_by(|a, b| a.place.name.cmp(&b.place.name));
    found
}

fn area_of(polygon: &geo::Polygon<f64>) -> f64 {
    use geo::Area;
    polygon.unsigned_area()
}

/// "Swanton Morley ward, 4 miles from Dereham", "Dereham Toftwood ward, Dereham", or the
/// LSOA's own name when its point is in no ward the directory holds.
fn area_name(labels: &PlaceLabels, lsoa: &Place, point: GeoPoint) -> String {
    let ward = labels
        .ward_of_lsoa
        .get(&lsoa.code)
        .and_then(|code| Some((code, labels.ward_names.get(code)?)));
    let Some((ward_code, ward_name)) = ward else {
        return lsoa.name.clone();
    };
    let Some((town, km)) = labels.nearest_town(point) else {
        return format!("{ward_name} ward");
    };
    if town.wards.contains(ward_code) {
        if town.name == *ward_name {
            return format!("{ward_name} ward");
        }
        return format!("{ward_name} ward, {}", town.name);
    }
    format!("{ward_name} ward, {} from {}", miles_words(km), town.name)
}

/// A distance in whole miles for a reader: "under a mile", "1 mile", "4 miles".
pub fn miles_words(km: f64) -> String {
    let miles = (km / KM_PER_MILE).round();
    if miles < 1.0 {
        "under a mile".to_string()
    } else if miles == 1.0 {
        "1 mile".to_string()
    } else {
        format!("{miles:.0} miles")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn miles_read_as_people_say_them() {
        assert_eq!(miles_words(0.5), "under a mile");
        assert_eq!(miles_words(1.7), "1 mile");
        assert_eq!(miles_words(6.5), "4 miles");
    }
}

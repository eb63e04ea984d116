//! The place hierarchy in memory: boundaries, parent/child relations and point-in-polygon.
//!
//! Point-in-polygon goes through R-trees of boundary bounding boxes (`rstar`), so a lookup
//! tests only the few polygons whose box holds the point, then `geo` decides exactly. There is
//! one tree per level: the places of a level tile the country without overlapping, so their
//! boxes barely overlap and a lookup walks one path down each tree (one tree of every level
//! nests each district's box over its wards' and LSOAs', and a lookup had to visit many nodes).

use std::collections::HashMap;

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{BoundingRect, InteriorPoint, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use crate::domain::{GeoPoint, LocationPlaces, Place, PlaceCode, PlaceLevel, Population};
use crate::error::{Error, Result};

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Every place the directory knows, with its boundary.
#[derive(Debug, Default)]
pub struct PlaceIndex {
    places: Vec<Place>,
    boundaries: Vec<MultiPolygon<f64>>,
    boundary_geojson: Vec<String>,
    by_code: HashMap<PlaceCode, usize>,
    children: HashMap<PlaceCode, Vec<usize>>,
    /// One R-tree per level.
    boxes: Vec<(PlaceLevel, RTree<BoxEntry>)>,
    /// Places containing points asked about before (searches near a postcode repeat its
    /// centre), by the point's coordinates' bits. Dropped with the index when places change.
    containing_memo: std::sync::Mutex<HashMap<(u64, u64), Vec<usize>>>,
}

/// Points remembered by `containing` before the memo starts again.
const CONTAINING_MEMO_CAPACITY: usize = 100_000;

impl PlaceIndex {
    /// Builds the index from places and their boundaries as GeoJSON geometry text.
    pub fn build(entries: Vec<(Place, String)>) -> Result<PlaceIndex> {
        use rayon::prelude::*;
        // All of England is some 50,000 boundaries: parsed over every core.
        let parsed = entries
            .into_par_iter()
            .map(|(place, geojson_text)| {
                let boundary = parse_boundary(&geojson_text).map_err(|reason| Error::DataDir {
                    path: Default::default(),
                    reason: format!("boundary of {} is not a valid polygon: {reason}", place.code),
                })?;
                Ok((place, boundary, geojson_text))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PlaceIndex::assemble(parsed))
    }

    /// Builds an index from places and their polygons, without their GeoJSON text (for
    /// working out where things are while an area pack is checked).
    pub fn from_polygons(entries: Vec<(Place, MultiPolygon<f64>)>) -> PlaceIndex {
        PlaceIndex::assemble(
            entries
                .into_iter()
                .map(|(place, boundary)| (place, boundary, String::new()))
                .collect(),
        )
    }

    fn assemble(entries: Vec<(Place, MultiPolygon<f64>, String)>) -> PlaceIndex {
        let mut index = PlaceIndex::default();
        let mut boxes: HashMap<PlaceLevel, Vec<BoxEntry>> = HashMap::new();
        for (position, (place, boundary, geojson_text)) in entries.into_iter().enumerate() {
            if let Some(rect) = boundary.bounding_rect() {
                let corners = Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
                boxes
                    .entry(place.level)
                    .or_default()
                    .push(GeomWithData::new(corners, position));
            }
            index.by_code.insert(place.code.clone(), position);
            if let Some(parent) = &place.parent_code {
                index.children.entry(parent.clone()).or_default().push(position);
            }
            index.places.push(place);
            index.boundaries.push(boundary);
            index.boundary_geojson.push(geojson_text);
        }
        index.boxes = boxes
            .into_iter()
            .map(|(level, entries)| (level, RTree::bulk_load(entries)))
            .collect();
        index.attach_custom_members();
        for children in index.children.values_mut() {
            children.sort_by(|a, b| index.places[*a].name.cmp(&index.places[*b].name));
        }
        index
    }

    /// A custom Place's children are the wards and LSOAs with an interior point inside its
    /// boundary (the union of its members), so gap reports (its LSOAs), `children` and service
    /// areas (its overlapping codes) treat it as any other place. It has no parent, so no
    /// district counts its LSOAs twice.
    fn attach_custom_members(&mut self) {
        let customs: Vec<usize> = (0..self.places.len())
            .filter(|&i| self.places[i].level == PlaceLevel::Custom)
            .collect();
        for custom in customs {
            let Some(rect) = self.boundaries[custom].bounding_rect() else {
                continue;
            };
            let envelope = rstar::AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
            let members: Vec<usize> = self
                .boxes
                .iter()
                .filter(|(level, _)| matches!(level, PlaceLevel::Ward | PlaceLevel::Lsoa))
                .flat_map(|(_, tree)| tree.locate_in_envelope_intersecting(&envelope))
                .map(|entry| entry.data)
                .filter(|&i| {
                    self.boundaries[i]
                        .interior_point()
                        .is_some_and(|point| self.boundaries[custom].coordinate_position(&point.0) == CoordPos::Inside)
                })
                .collect();
            self.children
                .entry(self.places[custom].code.clone())
                .or_default()
                .extend(members);
        }
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Roughly the bytes this index holds on the heap (polygons, their GeoJSON text, places,
    /// maps), for the areas benchmark's memory figures.
    pub fn heap_bytes(&self) -> usize {
        let coordinates: usize = self
            .boundaries
            .iter()
            .flat_map(|multi| multi.0.iter())
            .map(|polygon| {
                polygon.exterior().0.capacity() + polygon.interiors().iter().map(|r| r.0.capacity()).sum::<usize>()
            })
            .sum();
        let text: usize = self.boundary_geojson.iter().map(String::capacity).sum();
        let names: usize = self.places.iter().map(|p| p.name.capacity() + 3 * 24).sum();
        coordinates * 16
            + text
            + names
            + self.places.capacity() * std::mem::size_of::<Place>()
            + self.by_code.capacity() * (std::mem::size_of::<PlaceCode>() + 8 + 9)
            + self.boxes.iter().map(|(_, tree)| tree.size()).sum::<usize>() * std::mem::size_of::<BoxEntry>() * 2
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    pub fn get(&self, code: &PlaceCode) -> Option<&Place> {
        self.by_code.get(code).map(|&i| &self.places[i])
    }

    /// The boundary as a GeoJSON geometry object (text).
    pub fn boundary_geojson(&self, code: &PlaceCode) -> Option<&str> {
        self.by_code.get(code).map(|&i| self.boundary_geojson[i].as_str())
    }

    pub fn boundary(&self, code: &PlaceCode) -> Option<&MultiPolygon<f64>> {
        self.by_code.get(code).map(|&i| &self.boundaries[i])
    }

    pub fn parent(&self, code: &PlaceCode) -> Option<&Place> {
        self.get(code)?.parent_code.as_ref().and_then(|parent| self.get(parent))
    }

    /// Direct children, by name.
    pub fn children(&self, code: &PlaceCode) -> Vec<&Place> {
        self.children
            .get(code)
            .map(|list| list.iter().map(|&i| &self.places[i]).collect())
            .unwrap_or_default()
    }

    /// Parent, grandparent, ... up to the root.
    pub fn ancestors(&self, code: &PlaceCode) -> Vec<&Place> {
        let mut chain = Vec::new();
        let mut current = self.parent(code);
        while let Some(place) = current {
            chain.push(place);
            current = self.parent(&place.code);
        }
        chain
    }

    /// Every place below this one, depth first.
    pub fn descendants(&self, code: &PlaceCode) -> Vec<&Place> {
        let mut found = Vec::new();
        let mut stack = vec![code.clone()];
        while let Some(next) = stack.pop() {
            for child in self.children(&next) {
                stack.push(child.code.clone());
                found.push(child);
            }
        }
        found
    }

    /// The place itself, its ancestors and its descendants: every place whose area overlaps it.
    pub fn overlapping_codes(&self, code: &PlaceCode) -> Vec<PlaceCode> {
        let mut codes = vec![code.clone()];
        codes.extend(self.ancestors(code).into_iter().map(|p| p.code.clone()));
        codes.extend(self.descendants(code).into_iter().map(|p| p.code.clone()));
        codes
    }

    /// Places at one level (all places if `None`), optionally only the children of `parent`.
    pub fn list(&self, level: Option<PlaceLevel>, parent: Option<&PlaceCode>) -> Vec<&Place> {
        let mut places: Vec<&Place> = match parent {
            Some(parent) => self.children(parent),
            None => self.places.iter().collect(),
        };
        places.retain(|place| level.is_none_or(|level| place.level == level));
        places.sort_by(|a, b| (a.level, &a.name, &a.code).cmp(&(b.level, &b.name, &b.code)));
        places
    }

    /// Every place whose boundary contains the point (boundary lines count as inside), largest
    /// level first.
    pub fn containing(&self, point: GeoPoint) -> Vec<&Place> {
        let key = (point.latitude().to_bits(), point.longitude().to_bits());
        let lock = || match self.containing_memo.lock() {
            Ok(memo) => memo,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(found) = lock().get(&key) {
            return found.iter().map(|i| &self.places[*i]).collect();
        }
        // Worked out without the lock held, so concurrent lookups do not queue behind it.
        let found = self.containing_positions(point);
        let places = found.iter().map(|i| &self.places[*i]).collect();
        let mut memo = lock();
        if memo.len() >= CONTAINING_MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, found);
        places
    }

    /// Every place whose boundary contains the point, as [`PlaceIndex::containing`] but without
    /// its memo (for many distinct points at once, from several threads).
    pub fn containing_uncached(&self, point: GeoPoint) -> Vec<&Place> {
        self.containing_positions(point)
            .into_iter()
            .map(|i| &self.places[i])
            .collect()
    }

    /// The places of one level whose boundary contains the point (without the memo), by code.
    pub fn containing_at_level(&self, point: GeoPoint, level: PlaceLevel) -> Vec<&Place> {
        self.positions_at(point, Some(level))
            .into_iter()
            .map(|i| &self.places[i])
            .collect()
    }

    /// Positions of the places containing the point, largest level first, then by code.
    fn containing_positions(&self, point: GeoPoint) -> Vec<usize> {
        self.positions_at(point, None)
    }

    /// Positions of the places (of `level`, or of every level) containing the point, largest
    /// level first, then by code.
    fn positions_at(&self, point: GeoPoint, level: Option<PlaceLevel>) -> Vec<usize> {
        let coord = point.to_geo().0;
        // The R-tree already checked the bounding box; `intersects` would compute it again over
        // every vertex (the county has thousands), so ask for the position directly.
        let at = [point.longitude(), point.latitude()];
        let mut found: Vec<usize> = self
            .boxes
            .iter()
            .filter(|(of, _)| level.is_none_or(|level| level == *of))
            .flat_map(|(_, tree)| tree.locate_all_at_point(&at))
            .filter(|entry| self.boundaries[entry.data].coordinate_position(&coord) != CoordPos::Outside)
            .map(|entry| entry.data)
            .collect();
        found.sort_unstable_by(|a, b| {
            let (a, b) = (&self.places[*a], &self.places[*b]);
            (a.level, &a.code).cmp(&(b.level, &b.code))
        });
        found
    }

    /// Places whose bounding box comes within `degrees` of the point (a coarse first cut for a
    /// nearest-boundary search; no order).
    pub fn near(&self, point: GeoPoint, degrees: f64) -> Vec<&Place> {
        let (x, y) = (point.longitude(), point.latitude());
        let envelope = rstar::AABB::from_corners([x - degrees, y - degrees], [x + degrees, y + degrees]);
        self.boxes
            .iter()
            .flat_map(|(_, tree)| tree.locate_in_envelope_intersecting(&envelope))
            .map(|entry| &self.places[entry.data])
            .collect()
    }

    /// The codes of the places a venue at `point` falls in, one per level.
    pub fn location_places(&self, point: GeoPoint) -> LocationPlaces {
        let mut places = LocationPlaces::default();
        for place in self.containing(point) {
            let slot = match place.level {
                PlaceLevel::County => &mut places.county_code,
                PlaceLevel::District => &mut places.district_code,
                PlaceLevel::Ward => &mut places.ward_code,
                PlaceLevel::Msoa => &mut places.msoa_code,
                PlaceLevel::Lsoa => &mut places.lsoa_code,
                // A venue's stored places are the ONS levels; custom Places are found by point.
                PlaceLevel::Custom => continue,
            };
            slot.get_or_insert_with(|| place.code.clone());
        }
        places
    }
}

/// Parses a GeoJSON Polygon or MultiPolygon geometry.
pub fn parse_boundary(geojson_text: &str) -> std::result::Result<MultiPolygon<f64>, String> {
    let geometry: geojson::Geometry = geojson_text.parse().map_err(|e: geojson::Error| e.to_string())?;
    multi_polygon(geometry)
}

/// A parsed GeoJSON Polygon or MultiPolygon geometry as polygons.
pub fn multi_polygon(geometry: geojson::Geometry) -> std::result::Result<MultiPolygon<f64>, String> {
    match geo::Geometry::<f64>::try_from(geometry).map_err(|e| e.to_string())? {
        geo::Geometry::Polygon(polygon) => Ok(MultiPolygon::new(vec![polygon])),
        geo::Geometry::MultiPolygon(multi) => Ok(multi),
        _ => Err("expected a Polygon or MultiPolygon".to_string()),
    }
}

/// Sums LSOA populations into every ancestor (MSOA, district, county). Places that do not
/// contain LSOAs (wards) keep no population; LSOAs and custom Places (summed when defined) keep
/// their own.
pub fn roll_up_population(places: &mut [Place]) {
    let position: HashMap<PlaceCode, usize> = places.iter().enumerate().map(|(i, p)| (p.code.clone(), i)).collect();
    let mut totals: HashMap<PlaceCode, Population> = HashMap::new();
    for lsoa in places.iter().filter(|p| p.level == PlaceLevel::Lsoa) {
        let Some(population) = lsoa.population else { continue };
        let mut parent = lsoa.parent_code.clone();
        while let Some(code) = parent {
            *totals.entry(code.clone()).or_default() += population;
            parent = position.get(&code).and_then(|&i| places[i].parent_code.clone());
        }
    }
    for place in places
        .iter_mut()
        .filter(|p| p.level != PlaceLevel::Lsoa && p.level != PlaceLevel::Custom)
    {
        place.population = totals.get(&place.code).copied();
    }
}

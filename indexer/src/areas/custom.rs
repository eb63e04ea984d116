//! Custom Places: named groups of wards or LSOAs an operator defines, such as North
//! Northamptonshire's Local Area Partnerships or Halton's two towns.
//!
//! Members come from a CSV of codes (a column named `code`, `member_code`, or a ward or LSOA
//! code column such as `WD25CD`/`LSOA21CD`; without a known header, the first column). All
//! members must be known places of one level: wards or LSOAs. The Place gets a code `P` and
//! eight digits (the next free one, or the one it already has by name), the union of its
//! members' boundaries, and the Census population of the LSOAs with an interior point inside
//! that union (for an LSOA group, its members). It has no parent. Search, signposting and gap
//! reports accept it like any place: [`crate::places::PlaceIndex`] gives it its members as
//! children.

use std::collections::BTreeSet;

use chrono::Utc;
use geo::{InteriorPoint, MultiPolygon, Polygon};
use tracing::info;

use crate::domain::place::CUSTOM_PLACE_PREFIX;
use crate::domain::{Place, PlaceCode, PlaceLevel, Population};
use crate::error::{Error, Result};
use crate::places::PlaceIndex;
use crate::Directory;

/// The longest name a custom Place may have.
const MAX_NAME_CHARS: usize = 120;

/// A defined custom Place.
#[derive(Debug, Clone)]
pub struct CustomPlaceDefinition {
    pub place: Place,
    /// The member codes (wards or LSOAs).
    pub members: Vec<PlaceCode>,
    /// The LSOAs whose population it holds.
    pub lsoas: usize,
    /// Whether it replaced a custom Place of the same name.
    pub replaced: bool,
}

/// Reads the member codes from CSV text (see the module docs); `field` names the argument.
pub fn parse_members(csv_text: &str, field: &str) -> Result<Vec<PlaceCode>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let mut rows = reader.records();
    let Some(first) = rows.next() else {
        return Err(Error::invalid(field, "the members CSV is empty"));
    };
    let first = first.map_err(|e| Error::invalid(field, format!("not CSV: {e}")))?;
    let is_code_header = |h: &str| {
        let upper = h.trim().trim_start_matches('\u{feff}').to_ascii_uppercase();
        upper == "CODE"
            || upper == "MEMBER_CODE"
            || (upper.ends_with("CD") && (upper.starts_with("WD") || upper.starts_with("LSOA")))
    };
    let (column, header_line) = match first.iter().position(is_code_header) {
        Some(column) => (column, true),
        None => (0, false),
    };
    let mut codes = BTreeSet::new();
    let mut problems = Vec::new();
    let records = std::iter::once(Ok(first)).filter(|_| !header_line).chain(rows);
    for (position, record) in records.enumerate() {
        let line = position + 1 + usize::from(header_line);
        let record = record.map_err(|e| Error::invalid(field, format!("line {line}: not CSV: {e}")))?;
        let raw = record.get(column).unwrap_or_default().trim();
        if raw.is_empty() {
            continue;
        }
        match PlaceCode::parse(raw) {
            Ok(code) => {
                codes.insert(code);
            }
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(Error::invalid(field, problems.join("; ")));
    }
    if codes.is_empty() {
        return Err(Error::invalid(field, "the members CSV names no ward or LSOA codes"));
    }
    Ok(codes.into_iter().collect())
}

/// The boundary, LSOAs and population of a group of members, checked against `places`.
fn group(
    places: &PlaceIndex,
    members: &[PlaceCode],
    field: &str,
) -> Result<(MultiPolygon<f64>, Vec<PlaceCode>, Population)> {
    let mut problems = Vec::new();
    let mut levels = BTreeSet::new();
    let mut polygons: Vec<Polygon<f64>> = Vec::new();
    for code in members {
        match places.get(code) {
            Some(place) if matches!(place.level, PlaceLevel::Ward | PlaceLevel::Lsoa) => {
                levels.insert(place.level);
                polygons.extend(places.boundary(code).into_iter().flat_map(|b| b.0.iter().cloned()));
            }
            Some(place) => problems.push(format!("{code} is a {}, not a ward or an LSOA", place.level.as_str())),
            None => problems.push(format!("{code} is not a known ward or LSOA (load its area first)")),
        }
    }
    if levels.len() > 1 {
        problems.push("members must all be wards or all be LSOAs, not a mix".to_string());
    }
    if !problems.is_empty() {
        return Err(Error::invalid(field, problems.join("; ")));
    }
    let union = geo::unary_union(&polygons);
    let lsoas: Vec<PlaceCode> = if levels.contains(&PlaceLevel::Lsoa) {
        members.to_vec()
    } else {
        lsoas_inside(places, &union)
    };
    let mut population = Population::default();
    for lsoa in &lsoas {
        if let Some(counts) = places.get(lsoa).and_then(|p| p.population) {
            population += counts;
        }
    }
    Ok((union, lsoas, population))
}

/// LSOAs with an interior point inside `boundary` (the rule [`PlaceIndex`] uses for members).
fn lsoas_inside(places: &PlaceIndex, boundary: &MultiPolygon<f64>) -> Vec<PlaceCode> {
    use geo::coordinate_position::{CoordPos, CoordinatePosition};
    use geo::BoundingRect;
    let Some(rect) = boundary.bounding_rect() else {
        return Vec::new();
    };
    let centre = rect.center();
    let reach = (rect.width().max(rect.height())) / 2.0;
    let Ok(point) = crate::domain::GeoPoint::new(centre.y, centre.x) else {
        return Vec::new();
    };
    let mut found: Vec<PlaceCode> = places
        .near(point, reach)
        .into_iter()
        .filter(|p| p.level == PlaceLevel::Lsoa)
        .filter(|p| {
            places
                .boundary(&p.code)
                .and_then(|b| b.interior_point())
                .is_some_and(|inside| boundary.coordinate_position(&inside.0) == CoordPos::Inside)
        })
        .map(|p| p.code.clone())
        .collect();
    found.sort();
    found
}

impl Directory {
    /// A custom Place's member wards or LSOAs (a venue carrying one of their codes is inside
    /// it); empty for any other place.
    pub async fn custom_place_members(&self, code: &PlaceCode) -> Result<Vec<PlaceCode>> {
        if !code.as_str().starts_with(CUSTOM_PLACE_PREFIX) {
            return Ok(Vec::new());
        }
        self.store().custom_place_members(code).await
    }

    /// Defines (or redefines, by name) a custom Place from member codes; gap reports, search
    /// filters, signposting and place lookups follow at once. Bad names or members are
    /// `InvalidInput` naming `name_field` or `members_field`.
    pub async fn define_place(
        &self,
        name: &str,
        members: &[PlaceCode],
        name_field: &str,
        members_field: &str,
    ) -> Result<CustomPlaceDefinition> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(Error::invalid(
                name_field,
                format!("a Place needs a name of 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        let places = self.places();
        let (boundary, lsoas, population) = group(&places, members, members_field)?;
        let existing = self.store().custom_place_named(name).await?;
        let replaced = existing.is_some();
        let code = match existing {
            Some(code) => code,
            None => {
                let next = self.store().highest_custom_place_number().await? + 1;
                PlaceCode::parse(&format!("{CUSTOM_PLACE_PREFIX}{next:08}"))
                    .map_err(|e| Error::invalid(name_field, e.0))?
            }
        };
        let place = Place {
            code,
            name: name.to_string(),
            level: PlaceLevel::Custom,
            parent_code: None,
            population: Some(population),
        };
        let geometry = geojson::Geometry::new(geojson::Value::from(&boundary)).to_string();
        let source = format!("custom place {name}");
        let mut known_generation = self.geography_generation.lock().await;
        self.store()
            .save_custom_place(&place, &geometry, members, &source, Utc::now())
            .await?;
        self.follow_geography_change(&mut known_generation, super::load::PostcodeSource::Unchanged)
            .await?;
        drop(known_generation);
        info!(code = %place.code, members = members.len(), lsoas = lsoas.len(), replaced, "custom place defined");
        Ok(CustomPlaceDefinition {
            place,
            members: members.to_vec(),
            lsoas: lsoas.len(),
            replaced,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_member_codes_with_or_without_a_header() {
        let with_header =
            parse_members("WD25CD,WD25NM\nE05016203,Avondale Grange\ne05016204,Other\n", "members").expect("ok");
        assert_eq!(with_header.len(), 2);
        let bare = parse_members("E01026949\nE01026950\n\n", "members").expect("ok");
        assert_eq!(bare.len(), 2);
        assert!(parse_members("code\nnot-a-code\n", "members").is_err());
        assert!(parse_members("", "members").is_err());
    }
}

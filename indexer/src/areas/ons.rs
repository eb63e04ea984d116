//! ONS boundary GeoJSON (LSOA 2021, MSOA 2021, wards, local authority districts).
//!
//! ONS names the code and name properties after the entity and the edition's year:
//! `LSOA21CD`/`LSOA21NM`, `MSOA21CD`, `WD25CD`/`WD25NM`, `LAD25CD`/`LAD25NM` (and `WD24CD`,
//! `LAD23CD` ... in other editions; some exports lower-case them). The file's kind is the most
//! detailed entity its first feature names (a ward file also carries `LAD25CD`). Geometries
//! must be valid WGS84 (longitude, latitude) polygons: an old-style `crs` member naming CRS84
//! or EPSG:4326 is accepted, one naming anything else (British National Grid, EPSG:27700) is
//! refused, and so is a file whose coordinates are not longitudes and latitudes.

use std::path::Path;

use geo::{MultiPolygon, Validation};
use serde_json::{Map, Value};

use super::codepoint::file_name;
use super::problems::Problems;
use crate::domain::PlaceCode;
use crate::places::multi_polygon;

/// The kind of area a boundary file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BoundaryKind {
    District,
    Ward,
    Msoa,
    Lsoa,
}

impl BoundaryKind {
    /// The ONS property prefix (`LSOA` in `LSOA21CD`).
    fn prefix(self) -> &'static str {
        match self {
            BoundaryKind::District => "LAD",
            BoundaryKind::Ward => "WD",
            BoundaryKind::Msoa => "MSOA",
            BoundaryKind::Lsoa => "LSOA",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BoundaryKind::District => "district",
            BoundaryKind::Ward => "ward",
            BoundaryKind::Msoa => "MSOA",
            BoundaryKind::Lsoa => "LSOA",
        }
    }

    /// Most detailed first: a file is of the first kind whose code property it has.
    const BY_DETAIL: [BoundaryKind; 4] = [
        BoundaryKind::Lsoa,
        BoundaryKind::Msoa,
        BoundaryKind::Ward,
        BoundaryKind::District,
    ];
}

/// One area from a boundary file.
#[derive(Debug, Clone)]
pub struct Boundary {
    pub code: PlaceCode,
    pub name: String,
    /// The geometry as GeoJSON text, coordinates as published.
    pub geometry_text: String,
    pub polygon: MultiPolygon<f64>,
    /// The district the file says a ward is in (`LAD25CD`), if it says.
    pub district_code: Option<String>,
}

/// The code property (`LSOA21CD`) and the name property (`LSOA21NM`) of `kind` among `keys`.
fn property_names<'a>(keys: impl Iterator<Item = &'a String>, kind: BoundaryKind) -> Option<(String, String)> {
    let prefix = kind.prefix();
    keys.filter_map(|key| {
        let upper = key.to_ascii_uppercase();
        let year = upper.strip_prefix(prefix)?.strip_suffix("CD")?;
        (year.len() == 2 && year.bytes().all(|b| b.is_ascii_digit())).then(|| (key.clone(), upper))
    })
    .next()
    .map(|(code_key, upper)| {
        let name_upper = format!("{}NM", &upper[..upper.len() - 2]);
        let name_key = if code_key == upper {
            name_upper
        } else {
            name_upper.to_ascii_lowercase()
        };
        (code_key, name_key)
    })
}

/// Whether the text of a GeoJSON file's start could be an ONS boundary file (cheap sniffing:
/// a writer may put `"type": "FeatureCollection"` after the features, but a feature or the
/// `features` member comes early).
pub fn looks_like_boundaries(start: &str) -> bool {
    start.contains("Feature") || start.contains("\"features\"")
}

/// Reads one boundary file, adding a problem for everything wrong with it.
pub fn read_file(path: &Path, problems: &mut Problems) -> Option<(BoundaryKind, Vec<Boundary>)> {
    let name = file_name(path);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            problems.push("unreadable", format!("{name}: cannot be read: {error}"));
            return None;
        }
    };
    read_text(&name, &text, problems)
}

/// Reads a boundary file's text (`name` for messages).
pub fn read_text(name: &str, text: &str, problems: &mut Problems) -> Option<(BoundaryKind, Vec<Boundary>)> {
    let mut document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            problems.push("geojson", format!("{name}: not valid GeoJSON: {error}"));
            return None;
        }
    };
    if document["type"] != "FeatureCollection" {
        problems.push("geojson", format!("{name}: not a GeoJSON FeatureCollection"));
        return None;
    }
    if let Some(reason) = crs_problem(&document["crs"]) {
        problems.push("crs", format!("{name}: {reason}"));
        return None;
    }
    let Value::Array(features) = document["features"].take() else {
        problems.push("geojson", format!("{name}: has no features"));
        return None;
    };
    let Some(first_properties) = features.first().and_then(|f| f["properties"].as_object()) else {
        problems.push("geojson", format!("{name}: has no features with properties"));
        return None;
    };
    let Some((kind, (code_key, name_key))) = BoundaryKind::BY_DETAIL
        .into_iter()
        .find_map(|kind| property_names(first_properties.keys(), kind).map(|keys| (kind, keys)))
    else {
        problems.push(
            "geojson-properties",
            format!(
                "{name}: no ONS code property (LSOA21CD, MSOA21CD, WD25CD, LAD25CD or another year's) in {:?}",
                first_properties.keys().collect::<Vec<_>>()
            ),
        );
        return None;
    };
    let district_key = (kind == BoundaryKind::Ward)
        .then(|| property_names(first_properties.keys(), BoundaryKind::District).map(|(code, _)| code))
        .flatten();
    // Each feature's geometry is converted and validated on its own: over every core.
    use rayon::prelude::*;
    let read: Vec<std::result::Result<Boundary, (&'static str, String)>> = features
        .into_par_iter()
        .enumerate()
        .map(|(position, mut feature)| {
            let empty = Map::new();
            let properties = feature["properties"].as_object().unwrap_or(&empty);
            let text_of = |key: &str| {
                properties
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .unwrap_or_default()
            };
            let code = PlaceCode::parse(text_of(&code_key)).map_err(|error| {
                (
                    "geojson-code",
                    format!("{name} feature {position}: {code_key}: {error}"),
                )
            })?;
            let area_name = Some(text_of(&name_key))
                .filter(|n| !n.is_empty())
                .unwrap_or(code.as_str())
                .to_string();
            let district_code = district_key.as_deref().map(|key| text_of(key).to_string());
            let (geometry_text, polygon) = read_geometry(feature["geometry"].take())
                .map_err(|reason| ("geometry", format!("{name}: {} {code}: {reason}", kind.label())))?;
            Ok(Boundary {
                name: area_name,
                district_code,
                code,
                geometry_text,
                polygon,
            })
        })
        .collect();
    let mut boundaries = Vec::with_capacity(read.len());
    for boundary in read {
        match boundary {
            Ok(boundary) => boundaries.push(boundary),
            Err((kind, message)) => problems.push(kind, message),
        }
    }
    Some((kind, boundaries))
}

/// Why a `crs` member rules the file out, if it does (absent, CRS84 and EPSG:4326 are WGS84).
fn crs_problem(crs: &Value) -> Option<String> {
    if crs.is_null() {
        return None;
    }
    let named = crs["properties"]["name"].as_str().unwrap_or_default();
    let wgs84 = ["CRS84", "EPSG::4326", "EPSG:4326"]
        .iter()
        .any(|known| named.ends_with(known));
    (!wgs84).then(|| {
        format!("coordinates are in {named:?}, not WGS84 longitude and latitude: use the WGS84 (CRS84) download")
    })
}

/// The geometry as text and polygons, if it is a valid WGS84 Polygon or MultiPolygon (parsed
/// once, from the JSON already read).
fn read_geometry(geometry: Value) -> Result<(String, MultiPolygon<f64>), String> {
    if geometry.is_null() {
        return Err("has no geometry".into());
    }
    let text = geometry.to_string();
    let geometry = geojson::Geometry::from_json_value(geometry).map_err(|e| e.to_string())?;
    let polygon = multi_polygon(geometry)?;
    if let Some(coordinate) = polygon
        .0
        .iter()
        .flat_map(|p| p.exterior().coords())
        .find(|c| !(-9.0..=2.5).contains(&c.x) || !(49.0..=61.5).contains(&c.y))
    {
        return Err(format!(
            "coordinate ({}, {}) is not a longitude and latitude in England (WGS84): is the file in British National Grid?",
            coordinate.x, coordinate.y
        ));
    }
    if let Err(invalid) = polygon.check_validation() {
        return Err(format!("invalid polygon: {invalid}"));
    }
    Ok((text, polygon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ons_property_names_of_any_year() {
        let keys: Vec<String> = ["FID", "WD25CD", "WD25NM", "LAD25CD"].map(String::from).to_vec();
        assert_eq!(
            property_names(keys.iter(), BoundaryKind::Ward),
            Some(("WD25CD".into(), "WD25NM".into()))
        );
        assert_eq!(
            property_names(keys.iter(), BoundaryKind::District),
            Some(("LAD25CD".into(), "LAD25NM".into()))
        );
        let lower: Vec<String> = ["lsoa11cd", "lsoa11nm"].map(String::from).to_vec();
        assert_eq!(
            property_names(lower.iter(), BoundaryKind::Lsoa),
            Some(("lsoa11cd".into(), "lsoa11nm".into()))
        );
        assert_eq!(property_names(keys.iter(), BoundaryKind::Msoa), None);
    }

    #[test]
    fn refuses_a_british_national_grid_crs_and_accepts_crs84() {
        let crs = |name: &str| serde_json::json!({"type": "name", "properties": {"name": name}});
        assert!(crs_problem(&crs("urn:ogc:def:crs:OGC:1.3:CRS84")).is_none());
        assert!(crs_problem(&crs("urn:ogc:def:crs:EPSG::4326")).is_none());
        assert!(crs_problem(&crs("urn:ogc:def:crs:EPSG::27700")).is_some());
        assert!(crs_problem(&Value::Null).is_none());
    }
}

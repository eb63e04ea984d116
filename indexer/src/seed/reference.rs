//! Norfolk's geography and postcodes from the ONS and Ordnance Survey (see `seed/README.md`).

use serde_json::Value;

use crate::domain::{Place, PlaceCode, PlaceLevel, Population, Postcode, PostcodeRecord};
use crate::error::{Error, Result};

const DISTRICTS: &str = include_str!("../../../seed/places/norfolk_districts.geojson");
const WARDS: &str = include_str!("../../../seed/places/norfolk_wards_2025.geojson");
const MSOAS: &str = include_str!("../../../seed/places/norfolk_msoa21.geojson");
const LSOAS: &str = include_str!("../../../seed/places/norfolk_lsoa21.geojson");
const POSTCODES: &str = include_str!("../../../seed/reference/norfolk_postcodes.csv");

pub const COUNTY_CODE: &str = "E10000020";
const COUNTY_NAME: &str = "Norfolk";

/// Every place with its boundary as GeoJSON geometry text (parallel vectors). The county's
/// boundary is the union of its districts' polygons.
pub fn places() -> Result<(Vec<Place>, Vec<String>)> {
    let mut places = Vec::new();
    let mut boundaries = Vec::new();
    let county = code(COUNTY_CODE, "county")?;
    let mut county_polygons: Vec<Value> = Vec::new();
    for (file, text, level) in [
        ("norfolk_districts.geojson", DISTRICTS, PlaceLevel::District),
        ("norfolk_wards_2025.geojson", WARDS, PlaceLevel::Ward),
        ("norfolk_msoa21.geojson", MSOAS, PlaceLevel::Msoa),
        ("norfolk_lsoa21.geojson", LSOAS, PlaceLevel::Lsoa),
    ] {
        for feature in features(file, text)? {
            let properties = &feature["properties"];
            let geometry = &feature["geometry"];
            let parent_code = match level {
                PlaceLevel::District => county.clone(),
                PlaceLevel::Ward | PlaceLevel::Msoa => code(str_property(properties, "lad_code"), file)?,
                _ => code(str_property(properties, "msoa21_code"), file)?,
            };
            if level == PlaceLevel::District {
                county_polygons.extend(polygons_of(geometry));
            }
            let population = (level == PlaceLevel::Lsoa).then(|| lsoa_population(properties));
            places.push(Place {
                code: code(str_property(properties, "code"), file)?,
                name: str_property(properties, "name").to_string(),
                level,
                parent_code: Some(parent_code),
                population,
            });
            boundaries.push(geometry.to_string());
        }
    }
    let county_boundary = serde_json::json!({ "type": "MultiPolygon", "coordinates": county_polygons });
    places.insert(
        0,
        Place {
            code: county,
            name: COUNTY_NAME.to_string(),
            level: PlaceLevel::County,
            parent_code: None,
            population: None,
        },
    );
    boundaries.insert(0, county_boundary.to_string());
    Ok((places, boundaries))
}

fn features(file: &'static str, text: &str) -> Result<Vec<Value>> {
    let mut collection: Value = serde_json::from_str(text).map_err(|e| Error::seed(file, e))?;
    match collection["features"].take() {
        Value::Array(features) => Ok(features),
        _ => Err(Error::seed(file, "not a FeatureCollection")),
    }
}

fn polygons_of(geometry: &Value) -> Vec<Value> {
    match (geometry["type"].as_str(), &geometry["coordinates"]) {
        (Some("Polygon"), coordinates) => vec![coordinates.clone()],
        (Some("MultiPolygon"), Value::Array(polygons)) => polygons.clone(),
        _ => Vec::new(),
    }
}

fn str_property<'a>(properties: &'a Value, key: &str) -> &'a str {
    properties[key].as_str().unwrap_or_default()
}

fn lsoa_population(properties: &Value) -> Population {
    let band = |key: &str| properties[key].as_i64().unwrap_or_default();
    Population {
        age_0_15: band("age_0_15"),
        age_16_24: band("age_16_24"),
        age_25_34: band("age_25_34"),
        age_35_49: band("age_35_49"),
        age_50_64: band("age_50_64"),
        age_65_plus: band("age_65_plus"),
    }
}

fn code(raw: &str, file: &'static str) -> Result<PlaceCode> {
    PlaceCode::parse(raw).map_err(|e| Error::seed(file, e))
}

#[derive(serde::Deserialize)]
struct PostcodeCsvRow {
    postcode: String,
    lat: f64,
    lng: f64,
    lad_code: String,
    ward_code: String,
    lsoa21_code_pip: String,
}

/// The Code-Point Open postcodes of the seven districts.
pub fn postcodes() -> Result<Vec<PostcodeRecord>> {
    const FILE: &str = "norfolk_postcodes.csv";
    let mut reader = csv::Reader::from_reader(POSTCODES.as_bytes());
    reader
        .deserialize::<PostcodeCsvRow>()
        .map(|row| {
            let row = row.map_err(|e| Error::seed(FILE, e))?;
            Ok(PostcodeRecord {
                postcode: Postcode::parse(&row.postcode).map_err(|e| Error::seed(FILE, e))?,
                latitude: row.lat,
                longitude: row.lng,
                district_code: code(&row.lad_code, FILE)?,
                ward_code: code(&row.ward_code, FILE)?,
                lsoa_code: code(&row.lsoa21_code_pip, FILE)?,
            })
        })
        .collect()
}

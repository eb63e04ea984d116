//! A gap report as GeoJSON (for GIS tools) and CSV (for spreadsheets).
//!
//! GeoJSON: one FeatureCollection with a Polygon/MultiPolygon feature per LSOA
//! (`"feature": "area"`, coverage in its properties) and a Point feature per asset
//! (`"feature": "asset"`), plus the summary as a foreign member `summary`. CSV: one row per LSOA,
//! in the report's order.

use serde_json::{json, Map, Value};

use super::{AreaGap, Coverage, GapAsset, GapReport};
use crate::error::{Error, Result};
use crate::places::PlaceIndex;

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "lsoa_code",
    "lsoa_name",
    "point_lat",
    "point_lng",
    "point_source",
    "target_population",
    "nearest_distance_km",
    "covered",
    "coverage",
    "uncovered_population",
    "nearest_service_id",
    "nearest_service",
    "nearest_location",
    "nearest_postcode",
    "remote_service",
];

pub fn coverage_str(coverage: Coverage) -> &'static str {
    match coverage {
        Coverage::Venue => "venue",
        Coverage::Remote => "remote",
        Coverage::None => "none",
    }
}

/// The report as a GeoJSON FeatureCollection; LSOA polygons come from `places`.
pub fn geojson(report: &GapReport, places: &PlaceIndex) -> Value {
    let mut features: Vec<Value> = report
        .areas
        .iter()
        .map(|area| {
            let geometry = places
                .boundary_geojson(&area.place.code)
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .unwrap_or(Value::Null);
            json!({ "type": "Feature", "geometry": geometry, "properties": area_properties(area) })
        })
        .collect();
    features.extend(report.assets.iter().map(asset_feature));
    let summary = &report.summary;
    json!({
        "type": "FeatureCollection",
        "summary": {
            "place_code": report.place.code.as_str(),
            "place_name": report.place.name,
            "need": report.need.as_str(),
            "max_distance_km": report.criteria.max_distance.km(),
            "target_population": summary.target_population,
            "uncovered_population": summary.uncovered_population,
            "coverage_percent": round(summary.coverage_percent, 2),
            "asset_count": summary.asset_count,
            "weekly_sessions": round(summary.weekly_sessions, 2),
        },
        "features": features,
    })
}

fn area_properties(area: &AreaGap) -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert("feature".into(), json!("area"));
    properties.insert("code".into(), json!(area.place.code.as_str()));
    properties.insert("name".into(), json!(area.place.name));
    properties.insert("point_lat".into(), json!(area.point.latitude()));
    properties.insert("point_lng".into(), json!(area.point.longitude()));
    properties.insert("point_source".into(), json!(area.point_source.as_str()));
    properties.insert("target_population".into(), json!(area.target_population));
    properties.insert(
        "nearest_distance_km".into(),
        json!(area.nearest_distance_km().map(|km| round(km, 3))),
    );
    properties.insert("covered".into(), json!(area.covered()));
    properties.insert("coverage".into(), json!(coverage_str(area.coverage)));
    properties.insert("uncovered_population".into(), json!(area.uncovered_population()));
    let nearest = area.nearest.as_ref().map(|(asset, _)| asset);
    properties.insert("nearest_service".into(), json!(nearest.map(|a| &a.service_name)));
    properties.insert("nearest_location".into(), json!(nearest.map(|a| &a.location_name)));
    properties.insert(
        "remote_service".into(),
        json!(area.remote_service.as_ref().map(|r| &r.service_name)),
    );
    properties
}

fn asset_feature(asset: &GapAsset) -> Value {
    json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [asset.point.longitude(), asset.point.latitude()] },
        "properties": {
            "feature": "asset",
            "service_id": asset.service_id.to_string(),
            "service": asset.service_name,
            "location_id": asset.location_id.to_string(),
            "location": asset.location_name,
            "postcode": asset.postcode,
            "weekly_sessions": round(asset.weekly_sessions, 2),
            "in_place": asset.in_place,
        },
    })
}

/// The report as CSV, one row per LSOA, with a header row.
pub fn csv(report: &GapReport) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| Error::Io(std::io::Error::other(e));
    writer.write_record(CSV_COLUMNS).map_err(failed)?;
    for area in &report.areas {
        let nearest = area.nearest.as_ref().map(|(asset, _)| asset);
        let text = |value: Option<&str>| value.unwrap_or_default().to_string();
        writer
            .write_record([
                area.place.code.as_str().to_string(),
                area.place.name.clone(),
                format!("{:.6}", area.point.latitude()),
                format!("{:.6}", area.point.longitude()),
                area.point_source.as_str().to_string(),
                area.target_population.to_string(),
                area.nearest_distance_km()
                    .map(|km| format!("{km:.3}"))
                    .unwrap_or_default(),
                area.covered().to_string(),
                coverage_str(area.coverage).to_string(),
                area.uncovered_population().to_string(),
                nearest.map(|a| a.service_id.to_string()).unwrap_or_default(),
                text(nearest.map(|a| a.service_name.as_str())),
                text(nearest.map(|a| a.location_name.as_str())),
                text(nearest.and_then(|a| a.postcode.as_deref())),
                text(area.remote_service.as_ref().map(|r| r.service_name.as_str())),
            ])
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    String::from_utf8(bytes).map_err(|e| Error::Io(std::io::Error::other(e)))
}

fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

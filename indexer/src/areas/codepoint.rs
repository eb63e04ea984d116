//! OS Code-Point Open, as published: CSV without a header, one postcode a line, with British
//! National Grid eastings and northings and the admin district and ward codes.
//!
//! Columns (from the OS `Code-Point_Open_Column_Headers.csv`): `Postcode,
//! Positional_quality_indicator, Eastings, Northings, Country_code, NHS_regional_HA_code,
//! NHS_HA_code, Admin_county_code, Admin_district_code, Admin_ward_code`. Positions are
//! converted to WGS84 with Ordnance Survey's OSTN15 transformation (`lonlat_bng`, accurate to
//! about 0.1 m), not a Helmert approximation. Quality 90 means "no coordinates": such postcodes
//! are counted and left out.

use std::path::Path;

use super::problems::Problems;
use crate::domain::{GeoPoint, Postcode};

/// Columns in a Code-Point Open line.
const COLUMNS: usize = 10;

/// Positional quality 90: the postcode has no coordinates.
const NO_COORDINATES: u8 = 90;

/// The National Grid's extent in metres (the OSTN15 grid covers 0..700 km east, 0..1250 km north).
const MAX_EASTING: f64 = 700_000.0;
const MAX_NORTHING: f64 = 1_250_000.0;

/// One postcode with a position.
#[derive(Debug, Clone)]
pub struct CodePointRow {
    pub postcode: Postcode,
    pub easting: f64,
    pub northing: f64,
    pub point: GeoPoint,
    pub district_code: String,
    pub ward_code: String,
}

/// What one or more Code-Point files held.
#[derive(Debug, Default)]
pub struct CodePointRead {
    pub rows: Vec<CodePointRow>,
    /// Postcodes with quality 90 (no coordinates), left out.
    pub without_coordinates: usize,
}

/// Whether a file's first line looks like Code-Point Open (a quoted or bare postcode first, ten
/// fields, no header).
pub fn looks_like_codepoint(first_line: &str) -> bool {
    let first_field = first_line.split(',').next().unwrap_or_default().trim_matches('"');
    first_line.split(',').count() == COLUMNS && Postcode::parse(first_field).is_ok()
}

/// Lines read before their positions are converted together (OSTN15 is most of the work, so
/// each batch is converted over every core; batches keep memory bounded for England's files).
const BATCH_LINES: usize = 65_536;

/// Reads one Code-Point Open file into `read`, adding a problem for every bad line.
pub fn read_file(path: &Path, read: &mut CodePointRead, problems: &mut Problems) {
    let name = file_name(path);
    let mut reader = match csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
    {
        Ok(reader) => reader,
        Err(error) => {
            problems.push("unreadable", format!("{name}: cannot be read: {error}"));
            return;
        }
    };
    let mut batch: Vec<(usize, csv::StringRecord)> = Vec::with_capacity(BATCH_LINES);
    for (position, record) in reader.records().enumerate() {
        let line = position + 1;
        match record {
            Ok(record) => batch.push((line, record)),
            Err(error) => problems.push("codepoint-line", format!("{name} line {line}: not CSV: {error}")),
        }
        if batch.len() == BATCH_LINES {
            convert_batch(&name, &mut batch, read, problems);
        }
    }
    convert_batch(&name, &mut batch, read, problems);
}

/// Parses and converts a batch of lines in parallel, then adds them in file order.
fn convert_batch(
    name: &str,
    batch: &mut Vec<(usize, csv::StringRecord)>,
    read: &mut CodePointRead,
    problems: &mut Problems,
) {
    use rayon::prelude::*;
    let parsed: Vec<(usize, LineRead)> = batch
        .par_iter()
        .map(|(line, record)| (*line, parse_line(record)))
        .collect();
    batch.clear();
    read.rows.reserve(parsed.len());
    for (line, result) in parsed {
        match result {
            Ok(Some(row)) => read.rows.push(row),
            Ok(None) => read.without_coordinates += 1,
            Err((kind, reason)) => problems.push(kind, format!("{name} line {line}: {reason}")),
        }
    }
}

/// What one line gave: a row, nothing (no coordinates), or a problem of a kind.
type LineRead = Result<Option<CodePointRow>, (&'static str, String)>;

/// One line; `Ok(None)` for a postcode without coordinates.
fn parse_line(record: &csv::StringRecord) -> LineRead {
    if record.len() != COLUMNS {
        return Err((
            "codepoint-columns",
            format!(
                "has {} columns, Code-Point Open has {COLUMNS} (postcode, quality, eastings, northings, country, NHS region, NHS area, county, district, ward)",
                record.len()
            ),
        ));
    }
    let field = |i: usize| record.get(i).unwrap_or_default().trim();
    let postcode = Postcode::parse(field(0)).map_err(|e| ("codepoint-postcode", e.to_string()))?;
    let quality: u8 = field(1).parse().map_err(|_| {
        (
            "codepoint-quality",
            format!("{postcode}: quality {:?} is not a number", field(1)),
        )
    })?;
    if quality == NO_COORDINATES {
        return Ok(None);
    }
    let number = |i: usize, what: &str| {
        field(i).parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| {
            (
                "codepoint-number",
                format!("{postcode}: {what} {:?} is not a number", field(i)),
            )
        })
    };
    let (easting, northing) = (number(2, "easting")?, number(3, "northing")?);
    let point =
        to_wgs84(easting, northing).map_err(|reason| ("codepoint-position", format!("{postcode}: {reason}")))?;
    Ok(Some(CodePointRow {
        postcode,
        easting,
        northing,
        point,
        district_code: field(8).to_string(),
        ward_code: field(9).to_string(),
    }))
}

/// A National Grid position (OSGB36 eastings and northings, metres) in WGS84, by OSTN15.
pub fn to_wgs84(easting: f64, northing: f64) -> Result<GeoPoint, String> {
    if !(0.0..=MAX_EASTING).contains(&easting) || !(0.0..=MAX_NORTHING).contains(&northing) {
        return Err(format!(
            "easting {easting} northing {northing} is outside Great Britain's National Grid (0-700000, 0-1250000)"
        ));
    }
    let (longitude, latitude) = lonlat_bng::convert_osgb36_to_ll(easting, northing)
        .map_err(|e| format!("easting {easting} northing {northing} is outside the OSTN15 grid ({e})"))?;
    GeoPoint::new(latitude, longitude)
        .map_err(|(_, e)| format!("easting {easting} northing {northing} is not in the United Kingdom ({e})"))
}

/// A WGS84 point on the National Grid (eastings, northings), by OSTN15; for generating packs.
pub fn to_national_grid(point: GeoPoint) -> Result<(f64, f64), String> {
    lonlat_bng::convert_osgb36(point.longitude(), point.latitude()).map_err(|e| e.to_string())
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ostn15_lands_within_metres_of_an_independent_helmert_transform() {
        // NN10 8BQ in Code-Point Open; pyproj's Helmert transform (about 2 m) puts it at
        // 52.30637, -0.59712 (the area pack's truth.json).
        let point = to_wgs84(495_747.0, 268_510.0).expect("in GB");
        let metres = point.distance_km_to(52.30637, -0.59712) * 1000.0;
        assert!(metres < 5.0, "{metres} m from the Helmert position");
        let (easting, northing) = to_national_grid(point).expect("in GB");
        assert!((easting - 495_747.0).abs() < 0.05 && (northing - 268_510.0).abs() < 0.05);
    }

    #[test]
    fn refuses_positions_off_the_grid() {
        assert!(to_wgs84(-5.0, 100.0).is_err());
        assert!(to_wgs84(800_000.0, 100_000.0).is_err());
        assert!(to_wgs84(300_000.0, 1_400_000.0).is_err());
    }

    #[test]
    fn recognises_codepoint_lines() {
        assert!(looks_like_codepoint(
            r#""LE15 8FN",10,494756,298107,"E92000001","E19000001","E18000004","","E06000061","E05016223""#
        ));
        assert!(!looks_like_codepoint("PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC"));
    }
}

//! A generated all-England-sized area pack, in the publishers' file formats.
//!
//! England's bounding box (longitude -5.5..1.7, latitude 50.1..55.7) is cut into a grid of 296
//! districts (16 columns × 19 rows, the last 8 cells unused). Each district is a 5 × 5 grid of
//! MSOAs (7,400 in all; England has 7,264), each MSOA is cut into 4 or 5 vertical LSOA strips
//! (33,755 in all, as England has), and each district is also a 4 × 6 grid of wards (7,104;
//! England has about 6,900). Every rectangle's edges carry 20 points each (80 vertices a
//! polygon, about the vertex count of ONS's generalised LSOA boundaries, so the GeoJSON is
//! about as large as ONS's). Each LSOA gets 44 or 45 postcodes (1.5 million in all) at random
//! points inside it (5% from its edges), written to Code-Point Open lines with their National
//! Grid position (OSTN15, rounded to the metre as Code-Point is) and their district and ward;
//! the Census file has six age bands for every LSOA. Codes are in ranges ONS does not use for
//! Norfolk (`E09100001`, `E05900001`, `E02900001`, `E01900001` ...), so the pack loads beside the
//! seed.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;

use indexer::areas::codepoint::to_national_grid;
use indexer::domain::GeoPoint;

const WEST: f64 = -5.5;
const EAST: f64 = 1.7;
const SOUTH: f64 = 50.1;
const NORTH: f64 = 55.7;
const DISTRICT_COLUMNS: usize = 16;
const DISTRICT_ROWS: usize = 19;
pub const DISTRICTS: usize = 296;
const MSOA_GRID: usize = 5;
const WARD_COLUMNS: usize = 4;
const WARD_ROWS: usize = 6;
pub const LSOAS: usize = 33_755;
const POINTS_PER_EDGE: usize = 20;

/// A rectangle in degrees: west, south, east, north.
type Rect = (f64, f64, f64, f64);

/// What was generated.
pub struct Generated {
    pub lsoas: usize,
    pub msoas: usize,
    pub wards: usize,
    pub postcodes: usize,
    /// Every 15th postcode, for lookups.
    pub sample_postcodes: Vec<String>,
    pub bytes: u64,
}

/// xorshift64*: deterministic without a dependency.
pub struct Random(pub u64);

impl Random {
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }
}

fn district_rect(index: usize) -> Rect {
    let (width, height) = (
        (EAST - WEST) / DISTRICT_COLUMNS as f64,
        (NORTH - SOUTH) / DISTRICT_ROWS as f64,
    );
    let (column, row) = (index % DISTRICT_COLUMNS, index / DISTRICT_COLUMNS);
    let west = WEST + column as f64 * width;
    let south = SOUTH + row as f64 * height;
    (west, south, west + width, south + height)
}

fn cell(outer: Rect, columns: usize, rows: usize, column: usize, row: usize) -> Rect {
    let (width, height) = ((outer.2 - outer.0) / columns as f64, (outer.3 - outer.1) / rows as f64);
    let west = outer.0 + column as f64 * width;
    let south = outer.1 + row as f64 * height;
    (west, south, west + width, south + height)
}

/// A GeoJSON Polygon of the rectangle, its edges densified, anticlockwise.
fn polygon(rect: Rect) -> String {
    let corners = [(rect.0, rect.1), (rect.2, rect.1), (rect.2, rect.3), (rect.0, rect.3)];
    let mut text = String::from(r#"{"type":"Polygon","coordinates":[["#);
    for side in 0..4 {
        let (from, to) = (corners[side], corners[(side + 1) % 4]);
        for step in 0..POINTS_PER_EDGE {
            let t = step as f64 / POINTS_PER_EDGE as f64;
            let _ = write!(
                text,
                "[{},{}],",
                from.0 + (to.0 - from.0) * t,
                from.1 + (to.1 - from.1) * t
            );
        }
    }
    let _ = write!(text, "[{},{}]]]}}", corners[0].0, corners[0].1);
    text
}

struct Collection {
    out: BufWriter<std::fs::File>,
    first: bool,
}

impl Collection {
    fn create(path: &Path, with_old_crs: bool) -> std::io::Result<Collection> {
        let mut out = BufWriter::new(std::fs::File::create(path)?);
        out.write_all(br#"{"type":"FeatureCollection","#)?;
        if with_old_crs {
            out.write_all(br#""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"#)?;
        }
        out.write_all(br#""features":["#)?;
        Ok(Collection { out, first: true })
    }

    fn feature(&mut self, properties: &str, rect: Rect) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        write!(
            self.out,
            r#"{{"type":"Feature","properties":{{{properties}}},"geometry":{}}}"#,
            polygon(rect)
        )
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(b"]}\n")?;
        self.out.flush()
    }
}

/// A distinct postcode for each number: `Z`, an area letter and a district number, then a
/// digit and two letters (`ZA1 0AA`, `ZA1 1AA`, ...).
fn postcode(number: usize) -> String {
    let letter = |n: usize| (b'A' + (n % 26) as u8) as char;
    let (outward, inward) = (number / 2_600, number % 2_600);
    format!(
        "Z{}{} {}{}{}",
        letter(outward / 99),
        outward % 99 + 1,
        inward % 10,
        letter(inward / 10 / 26),
        letter(inward / 10)
    )
}

/// Writes the pack into `dir`.
pub fn england(dir: &Path) -> std::io::Result<Generated> {
    let mut random = Random(0x5eed_a2ea);
    let mut districts = Collection::create(&dir.join("lad.geojson"), false)?;
    let mut wards = Collection::create(&dir.join("wards.geojson"), true)?;
    let mut msoas = Collection::create(&dir.join("msoa21.geojson"), true)?;
    let mut lsoas = Collection::create(&dir.join("lsoa21.geojson"), true)?;
    let mut codepoint = BufWriter::new(std::fs::File::create(dir.join("codepo_england.csv"))?);
    let mut census = BufWriter::new(std::fs::File::create(dir.join("census2021_lsoa_age6.csv"))?);
    writeln!(
        census,
        "Lower layer Super Output Areas Code,Lower layer Super Output Areas,Age (6 categories) Code,Age (6 categories),Observation"
    )?;
    let bands = [
        "Aged 15 years and under",
        "Aged 16 to 24 years",
        "Aged 25 to 34 years",
        "Aged 35 to 49 years",
        "Aged 50 to 64 years",
        "Aged 65 years and over",
    ];
    let msoa_count = DISTRICTS * MSOA_GRID * MSOA_GRID;
    // This many MSOAs get five LSOAs, the rest four.
    let with_five = LSOAS - 4 * msoa_count;
    let mut generated = Generated {
        lsoas: 0,
        msoas: 0,
        wards: 0,
        postcodes: 0,
        sample_postcodes: Vec::new(),
        bytes: 0,
    };
    for district in 0..DISTRICTS {
        let rect = district_rect(district);
        let district_code = format!("E09{:06}", 100_001 + district);
        let district_name = format!("Generated District {district:03}");
        districts.feature(
            &format!(r#""LAD25CD":"{district_code}","LAD25NM":"{district_name}""#),
            rect,
        )?;
        for ward in 0..WARD_COLUMNS * WARD_ROWS {
            let code = format!("E05{:06}", 900_001 + district * WARD_COLUMNS * WARD_ROWS + ward);
            let properties =
                format!(r#""WD25CD":"{code}","WD25NM":"Ward {ward} of {district_name}","LAD25CD":"{district_code}""#);
            wards.feature(
                &properties,
                cell(rect, WARD_COLUMNS, WARD_ROWS, ward % WARD_COLUMNS, ward / WARD_COLUMNS),
            )?;
            generated.wards += 1;
        }
        for msoa in 0..MSOA_GRID * MSOA_GRID {
            let msoa_rect = cell(rect, MSOA_GRID, MSOA_GRID, msoa % MSOA_GRID, msoa / MSOA_GRID);
            let msoa_code = format!("E02{:06}", 900_001 + generated.msoas);
            let msoa_name = format!("{district_name} {:03}", msoa + 1);
            msoas.feature(
                &format!(r#""MSOA21CD":"{msoa_code}","MSOA21NM":"{msoa_name}""#),
                msoa_rect,
            )?;
            let strips = if generated.msoas < with_five { 5 } else { 4 };
            generated.msoas += 1;
            for strip in 0..strips {
                let lsoa_rect = cell(msoa_rect, strips, 1, strip, 0);
                let lsoa_code = format!("E01{:06}", 900_001 + generated.lsoas);
                let lsoa_name = format!("{msoa_name}{}", (b'A' + strip as u8) as char);
                lsoas.feature(
                    &format!(r#""LSOA21CD":"{lsoa_code}","LSOA21NM":"{lsoa_name}""#),
                    lsoa_rect,
                )?;
                for (band, label) in bands.iter().enumerate() {
                    let count = 100 + (random.unit() * 300.0) as u32;
                    writeln!(census, "{lsoa_code},{lsoa_name},{},{label},{count}", band + 1)?;
                }
                let postcodes = 44 + usize::from(generated.lsoas % 9 < 4);
                for _ in 0..postcodes {
                    write_postcode(
                        &mut codepoint,
                        &mut random,
                        &mut generated,
                        lsoa_rect,
                        rect,
                        district,
                        &district_code,
                    )?;
                }
                generated.lsoas += 1;
            }
        }
    }
    for collection in [districts, wards, msoas, lsoas] {
        collection.finish()?;
    }
    codepoint.flush()?;
    census.flush()?;
    for entry in std::fs::read_dir(dir)? {
        generated.bytes += entry?.metadata()?.len();
    }
    Ok(generated)
}

fn write_postcode(
    out: &mut impl Write,
    random: &mut Random,
    generated: &mut Generated,
    lsoa: Rect,
    district: Rect,
    district_index: usize,
    district_code: &str,
) -> std::io::Result<()> {
    let inset = |low: f64, high: f64| (low + (high - low) * 0.05, high - (high - low) * 0.05);
    let (west, east) = inset(lsoa.0, lsoa.2);
    let (south, north) = inset(lsoa.1, lsoa.3);
    let (lng, lat) = (random.between(west, east), random.between(south, north));
    let point = GeoPoint::new(lat, lng).expect("inside England's box");
    let (easting, northing) = to_national_grid(point).expect("OSTN15 covers England's box");
    let column = (((lng - district.0) / (district.2 - district.0)) * WARD_COLUMNS as f64) as usize;
    let row = (((lat - district.1) / (district.3 - district.1)) * WARD_ROWS as f64) as usize;
    let ward = format!(
        "E05{:06}",
        900_001
            + district_index * WARD_COLUMNS * WARD_ROWS
            + row.min(WARD_ROWS - 1) * WARD_COLUMNS
            + column.min(WARD_COLUMNS - 1)
    );
    let code = postcode(generated.postcodes);
    if generated.postcodes.is_multiple_of(15) {
        generated.sample_postcodes.push(code.clone());
    }
    generated.postcodes += 1;
    writeln!(
        out,
        r#""{code}",10,{},{},"E92000001","E19000001","E18000001","","{district_code}","{ward}""#,
        easting.round() as i64,
        northing.round() as i64
    )
}

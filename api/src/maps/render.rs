//! Draws a gap report as a self-contained SVG choropleth: the Place's LSOAs coloured by how far
//! their target population lives from the nearest eligible asset, the assets as dots, the
//! neighbouring Places lighter and named, town labels, a scale bar and north arrow
//! ([`super::furniture`]), a title, a summary, a legend, the largest gaps (by ward and nearest
//! town) and the attributions. The engine ([`indexer::gaps::map`]) decides what is named.

use std::fmt::Write;

use geo::{LineString, MultiPolygon, Rect};
use indexer::gaps::map::{miles_words, GapMap};
use indexer::gaps::{AreaGap, Coverage, GapReport};
use indexer::places::PlaceIndex;

use super::furniture;

pub(super) const WIDTH: f64 = 1200.0;
pub(super) const MAP_LEFT: f64 = 20.0;
pub(super) const MAP_TOP: f64 = 90.0;
const MAP_WIDTH: f64 = 760.0;
const MAP_MAX_HEIGHT: f64 = 760.0;
const PANEL_LEFT: f64 = 810.0;
/// A degree of latitude on the mean Earth (radius 6,371 km), in kilometres.
const KM_PER_DEGREE_LATITUDE: f64 = 111.195;

/// The coverage bands LSOAs are coloured by, best first.
const BANDS: [(&str, &str); 5] = [
    ("#1a9850", "venue within half the reach"),
    ("#91cf60", "venue within reach"),
    ("#74add1", "phone, online or visits only"),
    ("#fdae61", "gap: a venue within twice the reach"),
    ("#d73027", "gap: nothing within twice the reach"),
];

fn band(area: &AreaGap, reach_km: f64) -> usize {
    let distance = area.nearest_distance_km().unwrap_or(f64::INFINITY);
    match area.coverage {
        Coverage::Venue if distance <= reach_km / 2.0 => 0,
        Coverage::Venue => 1,
        Coverage::Remote => 2,
        Coverage::None if distance <= reach_km * 2.0 => 3,
        Coverage::None => 4,
    }
}

/// Maps lng/lat into the map box: equirectangular, x scaled by cos(latitude) at the middle.
pub(super) struct Projection {
    bounds: Rect<f64>,
    scale: f64,
    x_stretch: f64,
}

impl Projection {
    fn fit(bounds: Rect<f64>) -> (Projection, f64) {
        let middle_latitude = (bounds.min().y + bounds.max().y) / 2.0;
        let x_stretch = middle_latitude.to_radians().cos();
        let width = (bounds.width() * x_stretch).max(1e-9);
        let height = bounds.height().max(1e-9);
        let scale = (MAP_WIDTH / width).min(MAP_MAX_HEIGHT / height);
        let projection = Projection {
            bounds,
            scale,
            x_stretch,
        };
        (projection, height * scale)
    }

    /// Pixels to a kilometre (north-south, which the projection keeps true).
    pub(super) fn px_per_km(&self) -> f64 {
        self.scale / KM_PER_DEGREE_LATITUDE
    }

    /// Width of the framed area on the page.
    pub(super) fn width_px(&self) -> f64 {
        self.bounds.width() * self.x_stretch * self.scale
    }

    pub(super) fn xy(&self, lng: f64, lat: f64) -> (f64, f64) {
        (
            MAP_LEFT + (lng - self.bounds.min().x) * self.x_stretch * self.scale,
            MAP_TOP + (self.bounds.max().y - lat) * self.scale,
        )
    }
}

/// The whole SVG document: neighbours (lighter, named), the Place's LSOAs, its outline, the
/// assets, the town labels, a scale bar and north arrow, then the panel beside the map.
pub fn svg(map: &GapMap, places: &PlaceIndex) -> String {
    let report = &map.report;
    let (projection, map_height) = Projection::fit(map.frame);
    let map_width = projection.width_px();
    let reach = report.criteria.max_distance.km();
    let mut panel_text = String::with_capacity(8 * 1024);
    let panel_bottom = panel(&mut panel_text, map, reach);
    let height = (MAP_TOP + map_height + 90.0).max(panel_bottom + 70.0).max(720.0);

    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="Helvetica, Arial, sans-serif" role="img" aria-labelledby="map-title map-desc">"##
    );
    accessible_text(&mut out, map);
    let _ = write!(out, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    title(&mut out, report);
    let _ = write!(
        out,
        r##"<clipPath id="map-frame"><rect x="{MAP_LEFT}" y="{MAP_TOP}" width="{map_width:.1}" height="{map_height:.1}"/></clipPath><g clip-path="url(#map-frame)">"##
    );
    furniture::neighbours(&mut out, map, &projection);
    for area in &report.areas {
        let Some(boundary) = places.boundary(&area.place.code) else {
            continue;
        };
        let (colour, _) = BANDS[band(area, reach)];
        let _ = write!(
            out,
            r##"<path d="{}" fill="{colour}" stroke="#ffffff" stroke-width="0.6" fill-rule="evenodd"><title>{}</title></path>"##,
            path(boundary, &projection),
            escape(&area_tooltip(map, area))
        );
    }
    if let Some(outline) = places.boundary(&report.place.code) {
        let _ = write!(
            out,
            r##"<path d="{}" fill="none" stroke="#333333" stroke-width="1.6" fill-rule="evenodd"/>"##,
            path(outline, &projection)
        );
    }
    assets(&mut out, report, &projection);
    furniture::place_labels(&mut out, map, &projection);
    out.push_str("</g>");
    let _ = write!(
        out,
        r##"<rect x="{MAP_LEFT}" y="{MAP_TOP}" width="{map_width:.1}" height="{map_height:.1}" fill="none" stroke="#999999" stroke-width="0.8"/>"##
    );
    furniture::scale_bar(&mut out, &projection, MAP_TOP + map_height);
    furniture::north_arrow(&mut out, MAP_LEFT + map_width);
    out.push_str(&panel_text);
    footer(&mut out, height);
    out.push_str("</svg>");
    out
}

/// `<title>` and `<desc>` for screen readers: what the map shows and its headline figures.
fn accessible_text(out: &mut String, map: &GapMap) {
    let report = &map.report;
    let towns: Vec<&str> = map.labels.labels.iter().map(|label| label.name.as_str()).collect();
    let neighbours: Vec<&str> = map.neighbours.iter().map(|n| n.place.name.as_str()).collect();
    let _ = write!(
        out,
        r##"<title id="map-title">{}</title><desc id="map-desc">{}</desc>"##,
        escape(&format!("{}: gaps in {}", report.need.need().label, report.place.name)),
        escape(&format!(
            "Map of {} by LSOA, coloured by distance to the nearest eligible venue. {}% of {} {} covered. Places named: {}. Neighbouring areas: {}.",
            report.place.name,
            format_number(report.summary.coverage_percent, 1),
            thousands(report.summary.target_population),
            report.criteria.population.label(),
            if towns.is_empty() { "none".to_string() } else { towns.join(", ") },
            if neighbours.is_empty() { "none shown".to_string() } else { neighbours.join(", ") },
        ))
    );
}

pub(super) fn path(boundary: &MultiPolygon<f64>, projection: &Projection) -> String {
    let mut d = String::new();
    for polygon in boundary {
        ring(&mut d, polygon.exterior(), projection);
        for hole in polygon.interiors() {
            ring(&mut d, hole, projection);
        }
    }
    d
}

fn ring(d: &mut String, line: &LineString<f64>, projection: &Projection) {
    for (i, coord) in line.coords().enumerate() {
        let (x, y) = projection.xy(coord.x, coord.y);
        let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
    }
    d.push('Z');
}

fn title(out: &mut String, report: &GapReport) {
    let need = report.need.need().label;
    let day = report
        .criteria
        .day
        .map(|d| format!(", on a {}", day_name(d)))
        .unwrap_or_default();
    let _ = write!(
        out,
        r##"<text x="20" y="38" font-size="24" font-weight="bold" fill="#222222">{}</text>"##,
        escape(&format!("{need}: gaps in {}", report.place.name))
    );
    let _ = write!(
        out,
        r##"<text x="20" y="66" font-size="15" fill="#444444">{}</text>"##,
        escape(&format!(
            "Distance from {} to the nearest eligible venue, within {} km{day}, by LSOA",
            report.criteria.population.label(),
            format_number(report.criteria.max_distance.km(), 1)
        ))
    );
}

fn day_name(day: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match day {
        Mon => "Monday",
        Tue => "Tuesday",
        Wed => "Wednesday",
        Thu => "Thursday",
        Fri => "Friday",
        Sat => "Saturday",
        Sun => "Sunday",
    }
}

fn assets(out: &mut String, report: &GapReport, projection: &Projection) {
    for asset in &report.assets {
        let (x, y) = projection.xy(asset.point.longitude(), asset.point.latitude());
        let (radius, fill) = if asset.in_place {
            (5.0, "#253494")
        } else {
            (4.0, "#8c96c6")
        };
        let _ = write!(
            out,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{radius}" fill="{fill}" stroke="#ffffff" stroke-width="1.2"><title>{}</title></circle>"##,
            escape(&format!("{} at {}", asset.service_name, asset.location_name))
        );
    }
}

fn area_tooltip(map: &GapMap, area: &AreaGap) -> String {
    let distance = area
        .nearest_distance_km()
        .map(|km| {
            format!(
                "{km:.1} km to {}",
                area.nearest.as_ref().map_or("", |(a, _)| a.service_name.as_str())
            )
        })
        .unwrap_or_else(|| "no eligible venue".into());
    format!(
        "{} (LSOA {}, {}): {} people, {distance}",
        readable_name(map, area),
        area.place.name,
        area.place.code,
        area.target_population
    )
}

/// The summary, legend and largest gaps, right of the map; returns where it ends.
fn panel(out: &mut String, map: &GapMap, reach: f64) -> f64 {
    let report = &map.report;
    let summary = &report.summary;
    let mut y = 110.0;
    let line = |out: &mut String, y: &mut f64, text: &str, size: f64, bold: bool, gap: f64| {
        let weight = if bold { "bold" } else { "normal" };
        let _ = write!(
            out,
            r##"<text x="{PANEL_LEFT}" y="{y:.0}" font-size="{size}" font-weight="{weight}" fill="#222222">{}</text>"##,
            escape(text)
        );
        *y += gap;
    };
    line(
        out,
        &mut y,
        &format!("{}% covered", format_number(summary.coverage_percent, 1)),
        28.0,
        true,
        28.0,
    );
    let group = report.criteria.population.label();
    line(
        out,
        &mut y,
        &format!("of {} {group}", thousands(summary.target_population)),
        14.0,
        false,
        20.0,
    );
    line(
        out,
        &mut y,
        &format!("{} with nothing within reach", thousands(summary.uncovered_population)),
        14.0,
        false,
        20.0,
    );
    let per_10k = format_number(summary.assets_per_10k, 1);
    line(
        out,
        &mut y,
        &format!("{} venues in the Place ({per_10k} per 10,000)", summary.asset_count),
        14.0,
        false,
        20.0,
    );
    line(
        out,
        &mut y,
        &format!("{} sessions a week", format_number(summary.weekly_sessions, 1)),
        14.0,
        false,
        34.0,
    );
    line(out, &mut y, "LSOAs", 15.0, true, 22.0);
    let counts = band_counts(report, reach);
    for (i, (colour, label)) in BANDS.iter().enumerate() {
        let _ = write!(
            out,
            r##"<rect x="{PANEL_LEFT}" y="{:.0}" width="18" height="14" fill="{colour}" stroke="#999999" stroke-width="0.5"/>"##,
            y - 12.0
        );
        let (lsoas, people) = counts[i];
        let count = format!("{lsoas} LSOAs, {} people", thousands(people));
        let _ = write!(
            out,
            r##"<text x="{:.0}" y="{y:.0}" font-size="13" fill="#222222">{}</text><text x="{:.0}" y="{:.0}" font-size="11" fill="#666666">{}</text>"##,
            PANEL_LEFT + 26.0,
            escape(label),
            PANEL_LEFT + 26.0,
            y + 14.0,
            escape(&count)
        );
        y += 36.0;
    }
    for (fill, label) in [
        ("#253494", "eligible venue in the Place"),
        ("#8c96c6", "nearest venue outside it"),
    ] {
        let _ = write!(
            out,
            r##"<circle cx="{:.0}" cy="{:.0}" r="5" fill="{fill}" stroke="#ffffff"/><text x="{:.0}" y="{y:.0}" font-size="12" fill="#222222">{label}</text>"##,
            PANEL_LEFT + 9.0,
            y - 5.0,
            PANEL_LEFT + 26.0
        );
        y += 20.0;
    }
    y += 14.0;
    line(out, &mut y, "Largest gaps", 15.0, true, 22.0);
    if report.areas.iter().all(AreaGap::covered) {
        line(out, &mut y, "none: every LSOA is covered", 12.0, false, 18.0);
    }
    for area in report.areas.iter().filter(|a| !a.covered()).take(8) {
        let distance = area.nearest_distance_km().map_or("no venue found".into(), |km| {
            format!("nearest venue {} away", miles_words(km))
        });
        let _ = write!(
            out,
            r##"<text class="gap-name" x="{PANEL_LEFT}" y="{y:.0}" font-size="12" font-weight="bold" fill="#222222">{}</text>"##,
            escape(&readable_name(map, area))
        );
        y += 15.0;
        let detail = format!(
            "{} people, {distance} (LSOA {})",
            thousands(area.uncovered_population()),
            area.place.name
        );
        let _ = write!(
            out,
            r##"<text x="{PANEL_LEFT}" y="{y:.0}" font-size="11" fill="#555555">{}</text>"##,
            escape(&detail)
        );
        y += 20.0;
    }
    y
}

/// The name a reader can find: ward and nearest town, else the LSOA's own name.
fn readable_name(map: &GapMap, area: &AreaGap) -> String {
    map.area_names
        .get(&area.place.code)
        .cloned()
        .unwrap_or_else(|| area.place.name.clone())
}

fn band_counts(report: &GapReport, reach: f64) -> [(usize, i64); 5] {
    let mut counts = [(0usize, 0i64); 5];
    for area in &report.areas {
        let slot = &mut counts[band(area, reach)];
        slot.0 += 1;
        slot.1 += area.target_population;
    }
    counts
}

fn footer(out: &mut String, height: f64) {
    let lines = [
        "Distances are great-circle from each LSOA's population-weighted point (the mean of its postcodes). Listings marked (example) are invented.",
        "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS data © Crown copyright and database right 2025.",
    ];
    for (i, text) in lines.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="20" y="{:.0}" font-size="11" fill="#666666">{}</text>"##,
            height - 34.0 + 16.0 * i as f64,
            escape(text)
        );
    }
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn format_number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_string(),
        None => text,
    }
}

/// `35296` → `35,296`.
fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(35296), "35,296");
        assert_eq!(thousands(800), "800");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(format_number(5.0, 1), "5");
        assert_eq!(format_number(62.34, 1), "62.3");
        assert_eq!(escape("King's Lynn & <West>"), "King's Lynn &amp; &lt;West&gt;");
    }
}

//! What makes a map readable beyond its colours: the neighbouring Places (lighter, named), the
//! town and village labels, a scale bar in miles and kilometres, and a north arrow. Each is a
//! `<g>` with an `id` (`neighbours`, `place-labels`, `scale-bar`, `north-arrow`), so a reader
//! of the SVG (or a test) can find it.
//!
//! Text is dark grey on a white halo (`paint-order: stroke`), legible over any band colour.

use std::fmt::Write;

use indexer::gaps::map::{GapMap, KM_PER_MILE};

use super::render::{escape, path, Projection, MAP_LEFT, MAP_TOP};

/// The width a scale bar aims at, in pixels (it takes the largest round length that fits).
const SCALE_TARGET_PX: f64 = 140.0;

/// Round lengths a scale bar may show.
const ROUND_LENGTHS: [f64; 13] = [
    0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
];

/// Neighbouring Places in light grey with their names, under the mapped Place.
pub(super) fn neighbours(out: &mut String, map: &GapMap, projection: &Projection) {
    out.push_str(r##"<g id="neighbours">"##);
    for neighbour in &map.neighbours {
        let _ = write!(
            out,
            r##"<path class="neighbour" d="{}" fill="#eeeeee" stroke="#bbbbbb" stroke-width="0.8" fill-rule="evenodd"><title>{}</title></path>"##,
            path(&neighbour.visible, projection),
            escape(&format!("{} (neighbouring area)", neighbour.place.name))
        );
    }
    for neighbour in &map.neighbours {
        let Some(point) = neighbour.label_point else {
            continue;
        };
        let (x, y) = projection.xy(point.longitude(), point.latitude());
        let _ = write!(
            out,
            r##"<text class="neighbour-name" x="{x:.1}" y="{y:.1}" font-size="13" font-style="italic" text-anchor="middle" fill="#555555" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
            escape(&neighbour.place.name)
        );
    }
    out.push_str("</g>");
}

/// Town and village names at where their people live, with a small dot.
pub(super) fn place_labels(out: &mut String, map: &GapMap, projection: &Projection) {
    out.push_str(r##"<g id="place-labels">"##);
    for label in &map.labels.labels {
        let (x, y) = projection.xy(label.point.longitude(), label.point.latitude());
        let (size, weight) = if label.town { (14, "bold") } else { (12, "normal") };
        let _ = write!(
            out,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.2" fill="#111111"/><text class="place-label" x="{x:.1}" y="{:.1}" font-size="{size}" font-weight="{weight}" text-anchor="middle" fill="#111111" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
            y - 5.0,
            escape(&label.name)
        );
    }
    out.push_str("</g>");
}

/// The largest round length (in its unit) no wider than the target, and its width in pixels.
fn round_length(px_per_unit: f64) -> (f64, f64) {
    let fits = ROUND_LENGTHS
        .iter()
        .copied()
        .rev()
        .find(|length| length * px_per_unit <= SCALE_TARGET_PX)
        .unwrap_or(ROUND_LENGTHS[0]);
    (fits, fits * px_per_unit)
}

/// Two bars, miles above kilometres, each a round length, at the map's bottom left.
pub(super) fn scale_bar(out: &mut String, projection: &Projection, map_bottom: f64) {
    let px_per_km = projection.px_per_km();
    let (miles, miles_px) = round_length(px_per_km * KM_PER_MILE);
    let (km, km_px) = round_length(px_per_km);
    let left = MAP_LEFT + 12.0;
    let top = map_bottom - 52.0;
    let _ = write!(
        out,
        r##"<g id="scale-bar" data-miles="{}" data-km="{}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="46" fill="#ffffff" fill-opacity="0.85"/>"##,
        number(miles),
        number(km),
        left - 6.0,
        top - 4.0,
        miles_px.max(km_px) + 70.0
    );
    for (row, (length, px, unit)) in [(miles, miles_px, unit_name(miles, "mile", "miles")), (km, km_px, "km")]
        .into_iter()
        .enumerate()
    {
        let y = top + 8.0 + row as f64 * 22.0;
        let _ = write!(
            out,
            r##"<rect class="scale" x="{left:.1}" y="{y:.1}" width="{px:.1}" height="5" fill="#222222"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#222222">{} {unit}</text>"##,
            left + px + 6.0,
            y + 6.0,
            number(length)
        );
    }
    out.push_str("</g>");
}

fn unit_name(length: f64, one: &'static str, many: &'static str) -> &'static str {
    if length == 1.0 {
        one
    } else {
        many
    }
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// An arrow pointing up with an N, at the map's top right (the projection keeps north up).
pub(super) fn north_arrow(out: &mut String, map_right: f64) {
    let x = map_right - 28.0;
    let y = MAP_TOP + 14.0;
    let _ = write!(
        out,
        r##"<g id="north-arrow"><title>North is up</title><path d="M{x:.1},{y:.1} L{:.1},{:.1} L{x:.1},{:.1} L{:.1},{:.1} Z" fill="#222222" stroke="#ffffff" stroke-width="1"/><text x="{x:.1}" y="{:.1}" font-size="14" font-weight="bold" text-anchor="middle" fill="#222222" stroke="#ffffff" stroke-width="3" paint-order="stroke">N</text></g>"##,
        x + 9.0,
        y + 26.0,
        y + 19.0,
        x - 9.0,
        y + 26.0,
        y + 42.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bars_take_the_largest_round_length_that_fits() {
        assert_eq!(round_length(20.0).0, 5.0);
        assert_eq!(round_length(7.0).0, 20.0);
        assert_eq!(round_length(1000.0).0, 0.5);
        let (length, px) = round_length(3.0);
        assert!(px <= SCALE_TARGET_PX && length == 25.0);
    }
}

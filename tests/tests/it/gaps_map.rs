//! The gap map a reader can find their way on (issue 24, "maps people can read"): towns named
//! from the wards, a scale bar and north arrow, neighbouring Places shaded and named, and the
//! largest gaps named by ward and nearest town instead of LSOA codes; for a Norfolk district
//! of the seed and for a district loaded from an area pack. The SVG is parsed as XML.

use crate::areas::{with_areas, BATH};
use crate::support::{seeded, TestDirectory};

/// The map's SVG for a Place, served over loopback.
async fn map_svg(test: &TestDirectory, place: &str) -> String {
    let base = test.serve().await;
    let response = reqwest::get(format!(
        "{base}/maps/gaps.svg?place={place}&need=strength-and-balance&maxDistanceKm=3"
    ))
    .await
    .expect("map");
    assert_eq!(response.status(), 200, "{place}");
    response.text().await.expect("svg")
}

/// What a reader finds on the map, read from the parsed SVG.
struct MapContents {
    labels: Vec<String>,
    neighbours: Vec<String>,
    neighbour_shapes: usize,
    gap_names: Vec<String>,
    scale_texts: Vec<String>,
    scale_bars: usize,
    north_arrow_text: String,
    title: String,
    desc: String,
}

fn texts_in<'a>(node: roxmltree::Node<'a, 'a>, class: &str) -> Vec<String> {
    node.descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("class") == Some(class))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

fn read(svg: &str) -> MapContents {
    let document = roxmltree::Document::parse(svg).expect("the map is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let by_id = |id: &str| {
        root.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no element #{id}"))
    };
    let child_text = |tag: &str| {
        root.children()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .unwrap_or_else(|| panic!("no <{tag}> for screen readers"))
            .to_string()
    };
    let scale = by_id("scale-bar");
    let arrow = by_id("north-arrow");
    let neighbours = by_id("neighbours");
    MapContents {
        labels: texts_in(by_id("place-labels"), "place-label"),
        neighbours: texts_in(neighbours, "neighbour-name"),
        neighbour_shapes: neighbours
            .descendants()
            .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("neighbour"))
            .count(),
        gap_names: texts_in(root, "gap-name"),
        scale_texts: scale
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect(),
        scale_bars: scale
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("scale"))
            .count(),
        north_arrow_text: arrow
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect(),
        title: child_text("title"),
        desc: child_text("desc"),
    }
}

/// An LSOA name or code as the old map listed gaps: "Breckland 002D", "E01026419".
fn looks_like_an_lsoa(name: &str) -> bool {
    let last = name.split_whitespace().last().unwrap_or_default();
    let lsoa_suffix = last.len() == 4 && last[..3].chars().all(|c| c.is_ascii_digit());
    lsoa_suffix || name.contains("E01")
}

fn assert_readable(map: &MapContents, wards: &[&str], what: &str) {
    assert_eq!(map.scale_bars, 2, "{what}: a miles bar and a km bar");
    assert!(
        map.scale_texts
            .iter()
            .any(|t| t.ends_with("mile") || t.ends_with("miles")),
        "{what}: {:?}",
        map.scale_texts
    );
    assert!(
        map.scale_texts.iter().any(|t| t.ends_with(" km")),
        "{what}: {:?}",
        map.scale_texts
    );
    for text in &map.scale_texts {
        let number: f64 = text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a length");
        assert!(
            [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0].contains(&number),
            "{what}: {text} is not round"
        );
    }
    assert_eq!(map.north_arrow_text, "N", "{what}");
    assert!(map.title.contains("gaps in"), "{what}: {}", map.title);
    assert!(map.desc.contains("Places named"), "{what}: {}", map.desc);
    assert!(!map.gap_names.is_empty(), "{what}: no gaps listed");
    for name in &map.gap_names {
        assert!(
            !looks_like_an_lsoa(name),
            "{what}: {name} is an LSOA, not a place a reader can find"
        );
        let ward = name.split(" ward").next().expect("a ward");
        assert!(
            name.contains(" ward") && wards.contains(&ward),
            "{what}: {name} is not named by a ward"
        );
    }
}

fn ward_names(test: &TestDirectory, district: &str) -> Vec<String> {
    let places = test.directory.places();
    let code = indexer::domain::PlaceCode::parse(district).expect("code");
    places
        .children(&code)
        .into_iter()
        .filter(|p| p.level == indexer::domain::PlaceLevel::Ward)
        .map(|p| p.name.clone())
        .collect()
}

#[tokio::test]
async fn the_breckland_map_names_its_towns_neighbours_and_gaps() {
    let test = seeded().await;
    let map = read(&map_svg(&test, "E07000143").await);
    let breckland_towns = ["Thetford", "Dereham", "Attleborough", "Watton", "Swaffham"];
    let named: Vec<&str> = breckland_towns
        .iter()
        .copied()
        .filter(|town| map.labels.iter().any(|label| label == town))
        .collect();
    assert!(named.len() >= 4, "towns named: {:?}", map.labels);
    // Rural wards named after old hundreds and landmarks are not towns.
    for not_a_town in ["Lincoln", "Forest", "Launditch", "Bedingfeld"] {
        assert!(
            !map.labels.iter().any(|label| label == not_a_town),
            "{not_a_town}: {:?}",
            map.labels
        );
    }
    assert!(map.neighbour_shapes >= 3, "neighbours shaded: {}", map.neighbour_shapes);
    for neighbour in ["South Norfolk", "King's Lynn and West Norfolk"] {
        assert!(
            map.neighbours.iter().any(|n| n == neighbour),
            "{neighbour}: {:?}",
            map.neighbours
        );
    }
    assert!(!map.neighbours.iter().any(|n| n == "Breckland"));
    let wards = ward_names(&test, "E07000143");
    let wards: Vec<&str> = wards.iter().map(String::as_str).collect();
    assert_readable(&map, &wards, "Breckland");
    // Gaps away from a town say how far it is: "Ashill ward, 4 miles from Watton".
    assert!(
        map.gap_names
            .iter()
            .any(|name| name.contains(" from ") && breckland_towns.iter().any(|t| name.ends_with(t))),
        "{:?}",
        map.gap_names
    );
}

#[tokio::test]
async fn a_loaded_area_packs_map_names_its_towns_and_gaps() {
    let test = with_areas(&[BATH]).await;
    let map = read(&map_svg(&test, BATH).await);
    assert!(
        ["Keynsham", "Midsomer Norton", "Radstock", "Paulton"]
            .iter()
            .filter(|town| map.labels.iter().any(|label| label == *town))
            .count()
            >= 2,
        "towns named: {:?}",
        map.labels
    );
    assert!(!map.labels.iter().any(|label| label == "Bathavon"), "{:?}", map.labels);
    let wards = ward_names(&test, BATH);
    let wards: Vec<&str> = wards.iter().map(String::as_str).collect();
    assert_readable(&map, &wards, "Bath and North East Somerset");
}

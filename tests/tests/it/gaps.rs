//! Gap detection on the real Norfolk data: reports, the matrix, exports, the map, bad input,
//! and replacing place boundaries at run time.

use indexer::store::db;
use std::collections::HashMap;

use indexer::domain::PlaceCode;
use serde_json::Value;

use crate::support::{seeded, workspace_root};

const BRECKLAND: &str = "E07000143";

/// The seed's LSOA features.
fn lsoa_features() -> Vec<Value> {
    let text = std::fs::read_to_string(workspace_root().join("seed/places/norfolk_lsoa21.geojson")).expect("LSOA file");
    let mut collection: Value = serde_json::from_str(&text).expect("GeoJSON");
    collection["features"].take().as_array().expect("features").clone()
}

/// LSOA code → 65+ population, for one district.
fn published_lsoa_65_plus(district: &str) -> HashMap<String, i64> {
    lsoa_features()
        .iter()
        .filter(|f| f["properties"]["lad_code"] == district)
        .map(|f| {
            let p = &f["properties"];
            (
                p["code"].as_str().expect("code").to_string(),
                p["age_65_plus"].as_i64().expect("65+"),
            )
        })
        .collect()
}

const REPORT: &str = r#"{ gaps(place: "E07000143", need: "strength-and-balance", maxDistanceKm: 5) {
    targetPopulation coveredPopulation uncoveredPopulation coveragePercent assetCount weeklySessions
    capacity { demandPerYear placesPerSession weeklySessions weeklyPlaces }
    areas { place { code } targetPopulation nearestDistanceKm covered coverage uncoveredPopulation
            nearest { serviceName inPlace } }
    assets { serviceName inPlace }
    csv geojson } }"#;

#[tokio::test]
async fn breckland_strength_and_balance_reports_every_lsoa_with_consistent_totals() {
    let test = seeded().await;
    let report = test.data(REPORT).await["gaps"].clone();
    let published = published_lsoa_65_plus(BRECKLAND);
    let areas = report["areas"].as_array().expect("areas");

    let mut codes: Vec<&str> = areas
        .iter()
        .map(|a| a["place"]["code"].as_str().expect("code"))
        .collect();
    codes.sort();
    let mut expected: Vec<&str> = published.keys().map(String::as_str).collect();
    expected.sort();
    assert_eq!(codes, expected, "every Breckland LSOA, once");

    let target: i64 = published.values().sum();
    assert_eq!(report["targetPopulation"].as_i64(), Some(target));
    assert_eq!(target, 35_296, "Breckland's Census 2021 65+ population");
    let uncovered: i64 = areas
        .iter()
        .map(|a| a["uncoveredPopulation"].as_i64().expect("int"))
        .sum();
    assert_eq!(report["uncoveredPopulation"].as_i64(), Some(uncovered));
    assert_eq!(report["coveredPopulation"].as_i64(), Some(target - uncovered));
    let percent = report["coveragePercent"].as_f64().expect("float");
    assert!((percent - 100.0 * (target - uncovered) as f64 / target as f64).abs() < 1e-9);
    assert!(
        0.0 < percent && percent < 100.0,
        "Breckland has both covered and uncovered LSOAs: {percent}"
    );

    for area in areas {
        let distance = area["nearestDistanceKm"].as_f64().expect("a venue exists");
        assert_eq!(area["covered"].as_bool(), Some(distance <= 5.0), "{area}");
        assert_eq!(area["coverage"], if distance <= 5.0 { "VENUE" } else { "NONE" });
        assert_eq!(
            area["targetPopulation"].as_i64(),
            Some(published[area["place"]["code"].as_str().expect("code")])
        );
    }
    let uncovered_order: Vec<i64> = areas
        .iter()
        .map(|a| a["uncoveredPopulation"].as_i64().expect("int"))
        .collect();
    assert!(uncovered_order.windows(2).all(|w| w[0] >= w[1]), "most uncovered first");

    let in_place = report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .filter(|a| a["inPlace"] == true)
        .count();
    assert_eq!(report["assetCount"].as_u64(), Some(in_place as u64));
    assert!(in_place > 0);
    assert_eq!(report["capacity"]["demandPerYear"], 800);
    let weekly = report["weeklySessions"].as_f64().expect("float");
    assert!((report["capacity"]["weeklyPlaces"].as_f64().expect("float") - weekly * 12.0).abs() < 1e-9);

    let csv_text = report["csv"].as_str().expect("csv");
    assert_eq!(
        csv_text.lines().count(),
        areas.len() + 1,
        "a header and one row per LSOA"
    );
    assert!(csv_text.starts_with("lsoa_code,lsoa_name,"));
    let features = report["geojson"]["features"].as_array().expect("features");
    let area_features = features.iter().filter(|f| f["properties"]["feature"] == "area").count();
    assert_eq!(area_features, areas.len());
    assert!(features
        .iter()
        .filter(|f| f["properties"]["feature"] == "area")
        .all(|f| matches!(f["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon"))));
}

#[tokio::test]
async fn wider_reach_and_younger_groups_only_add_coverage() {
    let test = seeded().await;
    let query = |reach: f64, group: &str| {
        format!(
            r#"{{ gaps(place: "E07000143", need: "strength-and-balance", maxDistanceKm: {reach}, population: {group}) {{ coveragePercent targetPopulation }} }}"#
        )
    };
    let near = test.data(&query(5.0, "AGE_65_PLUS")).await;
    let far = test.data(&query(50.0, "AGE_65_PLUS")).await;
    assert!(far["gaps"]["coveragePercent"].as_f64() >= near["gaps"]["coveragePercent"].as_f64());
    assert_eq!(far["gaps"]["coveragePercent"].as_f64(), Some(100.0));
    let everyone = test.data(&query(5.0, "ALL")).await;
    assert_eq!(
        everyone["gaps"]["targetPopulation"].as_i64(),
        Some(141_459),
        "Breckland's total"
    );
}

#[tokio::test]
async fn remote_services_cover_only_when_included() {
    let test = seeded().await;
    let query = |remote: bool| {
        format!(
            r#"{{ gaps(place: "E07000146", need: "money-advice", maxDistanceKm: 2, includeRemote: {remote}) {{ coveragePercent areas {{ coverage }} }} }}"#
        )
    };
    let venues_only = test.data(&query(false)).await["gaps"].clone();
    let with_remote = test.data(&query(true)).await["gaps"].clone();
    let remote_areas = |report: &Value| {
        report["areas"]
            .as_array()
            .expect("areas")
            .iter()
            .filter(|a| a["coverage"] == "REMOTE")
            .count()
    };
    assert_eq!(remote_areas(&venues_only), 0);
    assert!(
        remote_areas(&with_remote) > 0,
        "a county-wide advice line serves King's Lynn"
    );
    assert!(with_remote["coveragePercent"].as_f64() > venues_only["coveragePercent"].as_f64());
}

#[tokio::test]
async fn gap_matrix_for_norfolk_has_every_district_for_every_need_with_unmet_counts() {
    let test = seeded().await;
    let week = chrono_week();
    db::query(
        "INSERT INTO unmet_need_counts (place_code, need_code, week, count) VALUES (?, 'strength-and-balance', ?, 3)",
    )
    .bind("E01026419")
    .bind(&week)
    .execute(test.directory.store().pool())
    .await
    .expect("insert an unmet need");
    let data = test
        .data(r#"{ needs { code } gapMatrix(parent: "E10000020", maxDistanceKm: 5) { parent { code } rows { place { code name } need { code } coveragePercent targetPopulation unmetNeedCount } } }"#)
        .await;
    let needs = data["needs"].as_array().expect("needs").len();
    let rows = data["gapMatrix"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 7 * needs);
    let breckland_unmet: i64 = rows
        .iter()
        .filter(|r| r["place"]["code"] == BRECKLAND && r["need"]["code"] == "strength-and-balance")
        .map(|r| r["unmetNeedCount"].as_i64().expect("int"))
        .sum();
    assert_eq!(breckland_unmet, 3, "counted in Breckland, where E01026419 is");
    let others: i64 = rows.iter().map(|r| r["unmetNeedCount"].as_i64().expect("int")).sum();
    assert_eq!(others, 3);

    let single = test
        .data(r#"{ gaps(place: "E07000143", need: "strength-and-balance", maxDistanceKm: 5) { coveragePercent } }"#)
        .await;
    let matrix_cell = rows
        .iter()
        .find(|r| r["place"]["code"] == BRECKLAND && r["need"]["code"] == "strength-and-balance")
        .expect("Breckland row");
    assert_eq!(matrix_cell["coveragePercent"], single["gaps"]["coveragePercent"]);

    let two = test
        .data(r#"{ gapMatrix(parent: "E10000020", needs: ["food", "carers", "food"], maxDistanceKm: 5) { rows { need { code } } } }"#)
        .await;
    assert_eq!(two["gapMatrix"]["rows"].as_array().map(Vec::len), Some(14));
}

/// This ISO week as `unmet_need_counts` spells it.
fn chrono_week() -> String {
    use chrono::Datelike;
    let week = chrono::Utc::now().date_naive().iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

#[tokio::test]
async fn bad_gap_arguments_name_the_argument() {
    let test = seeded().await;
    let gaps = |args: &str| format!("{{ gaps({args}) {{ coveragePercent }} }}");
    let cases = [
        (
            gaps(r#"place: "E07000999", need: "food", maxDistanceKm: 5"#),
            "NOT_FOUND",
            "place",
        ),
        (
            gaps(r#"place: "Breckland", need: "food", maxDistanceKm: 5"#),
            "BAD_USER_INPUT",
            "place",
        ),
        (
            gaps(r#"place: "E05010237", need: "food", maxDistanceKm: 5"#),
            "BAD_USER_INPUT",
            "place",
        ),
        (
            gaps(r#"place: "E07000143", need: "knitting", maxDistanceKm: 5"#),
            "BAD_USER_INPUT",
            "need",
        ),
        (
            gaps(r#"place: "E07000143", need: "food", maxDistanceKm: 0"#),
            "BAD_USER_INPUT",
            "maxDistanceKm",
        ),
        (
            gaps(r#"place: "E07000143", need: "food", maxDistanceKm: -3"#),
            "BAD_USER_INPUT",
            "maxDistanceKm",
        ),
        (
            gaps(r#"place: "E07000143", need: "food", maxDistanceKm: 200.5"#),
            "BAD_USER_INPUT",
            "maxDistanceKm",
        ),
        (
            gaps(r#"place: "E07000143", need: "food", maxDistanceKm: 5, demandPerYear: 0"#),
            "BAD_USER_INPUT",
            "demandPerYear",
        ),
        (
            r#"{ gapMatrix(parent: "E01026419", maxDistanceKm: 5) { rows { coveragePercent } } }"#.to_string(),
            "BAD_USER_INPUT",
            "parent",
        ),
        (
            r#"{ gapMatrix(parent: "E10000099", maxDistanceKm: 5) { rows { coveragePercent } } }"#.to_string(),
            "NOT_FOUND",
            "parent",
        ),
        (
            r#"{ gapMatrix(parent: "E10000020", needs: [], maxDistanceKm: 5) { rows { coveragePercent } } }"#
                .to_string(),
            "BAD_USER_INPUT",
            "needs",
        ),
    ];
    for (query, code, field) in cases {
        assert_eq!(
            test.error(&query).await,
            (code.to_string(), Some(field.to_string())),
            "{query}"
        );
    }
}

pub(crate) fn breckland_lsoa(code: &str) -> Value {
    lsoa_features()
        .into_iter()
        .find(|f| f["properties"]["code"] == code)
        .expect("LSOA in the seed")
}

pub(crate) fn collection(features: Vec<Value>) -> String {
    serde_json::json!({ "type": "FeatureCollection", "features": features }).to_string()
}

#[tokio::test]
async fn rejected_boundary_loads_leave_the_places_untouched() {
    let test = seeded().await;
    let code = PlaceCode::parse("E01026419").expect("code");
    let before = test.directory.places().boundary_geojson(&code).map(str::to_string);
    let mut bowtie = breckland_lsoa("E01026419");
    bowtie["geometry"] = serde_json::json!({ "type": "Polygon",
        "coordinates": [[[0.90, 52.50], [0.95, 52.55], [0.95, 52.50], [0.90, 52.55], [0.90, 52.50]]] });
    let mut overlapping = breckland_lsoa("E01026419");
    overlapping["geometry"] = breckland_lsoa("E01026420")["geometry"].clone();
    let mut outside_parent = breckland_lsoa("E01026419");
    outside_parent["geometry"] = serde_json::json!({ "type": "Polygon",
        "coordinates": [[[1.70, 52.60], [1.72, 52.60], [1.72, 52.62], [1.70, 52.60]]] });
    let cases = [
        ("not json at all".to_string(), "not valid GeoJSON"),
        (breckland_lsoa("E01026419").to_string(), "FeatureCollection"),
        (collection(vec![bowtie]), "self-intersection"),
        (collection(vec![overlapping]), "overlaps E01026420"),
        (collection(vec![outside_parent]), "not inside its parent"),
    ];
    for (text, reason) in cases {
        let error = test.directory.load_places(&text, "test").await.expect_err("rejected");
        let message = error.to_string();
        assert!(message.contains(reason), "expected {reason:?} in {message:?}");
        assert!(matches!(error, indexer::Error::InvalidInput { ref field, .. } if field == "file"));
        assert_eq!(
            test.directory.places().boundary_geojson(&code).map(str::to_string),
            before
        );
        assert_eq!(test.directory.store().place_history_count().await.expect("count"), 0);
    }
}

#[tokio::test]
async fn a_boundary_load_changes_reports_and_keeps_the_old_boundary_in_history() {
    let test = seeded().await;
    let query =
        r#"{ gaps(place: "E07000143", need: "strength-and-balance", maxDistanceKm: 5) { targetPopulation geojson } }"#;
    let before = test.data(query).await["gaps"].clone();
    let mut feature = breckland_lsoa("E01026419");
    let added_65_plus = 1_000;
    let old_65_plus = feature["properties"]["age_65_plus"].as_i64().expect("65+");
    feature["properties"]["age_65_plus"] = (old_65_plus + added_65_plus).into();
    shift(&mut feature["geometry"]["coordinates"], 0.00001);
    let load = test
        .directory
        .load_places(&collection(vec![feature.clone()]), "test")
        .await
        .expect("accepted");
    assert_eq!((load.added, load.replaced), (0, 1));

    let after = test.data(query).await["gaps"].clone();
    assert_eq!(
        after["targetPopulation"].as_i64(),
        before["targetPopulation"].as_i64().map(|n| n + added_65_plus)
    );
    let geometry_of = |report: &Value| {
        report["geojson"]["features"]
            .as_array()
            .expect("features")
            .iter()
            .find(|f| f["properties"]["code"] == "E01026419")
            .map(|f| f["geometry"].clone())
            .expect("the LSOA")
    };
    let first_lng = |geometry: Value| geometry["coordinates"][0][0][0].as_f64().expect("lng");
    let moved = first_lng(geometry_of(&after)) - first_lng(geometry_of(&before));
    assert!(
        (moved - 0.00001).abs() < 1e-9,
        "the report follows the new boundary: moved {moved}"
    );
    let district = test
        .data(r#"{ place(code: "E07000143") { population { age65Plus } } }"#)
        .await;
    assert_eq!(
        district["place"]["population"]["age65Plus"], after["targetPopulation"],
        "rolled up"
    );
    assert_eq!(test.directory.store().place_history_count().await.expect("count"), 1);

    let reopened = indexer::Directory::open_with_options(test.data_dir.path(), test.options())
        .await
        .expect("reopen");
    let code = PlaceCode::parse("E01026419").expect("code");
    let population = reopened.place(&code).expect("place").population.expect("population");
    assert_eq!(population.age_65_plus, old_65_plus + added_65_plus, "persisted");
}

/// Moves every coordinate east by `degrees`.
fn shift(coordinates: &mut Value, degrees: f64) {
    match coordinates {
        Value::Array(items) if items.len() == 2 && items[0].is_number() => {
            items[0] = (items[0].as_f64().expect("lng") + degrees).into();
        }
        Value::Array(items) => items.iter_mut().for_each(|item| shift(item, degrees)),
        _ => {}
    }
}

#[tokio::test]
async fn the_gap_map_is_an_svg_with_a_legend_and_bad_parameters_are_400() {
    let test = seeded().await;
    let base = test.serve().await;
    let client = reqwest::Client::new();
    let map = client
        .get(format!(
            "{base}/maps/gaps.svg?place=E07000143&need=strength-and-balance&maxDistanceKm=5"
        ))
        .send()
        .await
        .expect("map");
    assert_eq!(map.status(), 200);
    assert!(map.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("image/svg+xml"));
    let svg = map.text().await.expect("svg");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("Strength and balance: gaps in Breckland"));
    assert!(svg.contains("covered") && svg.contains("Largest gaps"));
    assert!(svg.matches("<path").count() > 80, "one path per LSOA and the outline");
    for (query, status) in [
        ("place=E07000143", 400),
        ("place=E07000143&need=knitting", 400),
        ("place=E07000143&need=food&maxDistanceKm=900", 400),
        ("place=E07000143&need=food&maxDistanceKm=far", 400),
        ("place=E05010237&need=food", 400),
        ("place=E07000999&need=food", 404),
        // A misspelt parameter is refused, not ignored.
        ("place=E07000143&need=food&maxDistance=3", 400),
    ] {
        let response = client
            .get(format!("{base}/maps/gaps.svg?{query}"))
            .send()
            .await
            .expect("map");
        assert_eq!(response.status(), status, "{query}");
        assert!(response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain"));
    }
}

/// Regression: replacing places that others refer to (children, service areas, funds) must
/// update them in place; delete-and-insert broke the foreign keys.
#[tokio::test]
async fn reloading_the_seed_districts_replaces_them_and_keeps_reports_unchanged() {
    let test = seeded().await;
    let query = r#"{ gaps(place: "E07000143", need: "strength-and-balance", maxDistanceKm: 5) { coveragePercent targetPopulation } }"#;
    let before = test.data(query).await;
    let districts =
        std::fs::read_to_string(workspace_root().join("seed/places/norfolk_districts.geojson")).expect("file");
    // A venue whose stored places are wrong is placed again from the loaded boundaries.
    let pool = test.directory.store().pool();
    let (venue, lsoa): (String, String) =
        db::query_as("SELECT id, lsoa_code FROM locations WHERE lsoa_code IS NOT NULL ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await
            .expect("a venue");
    db::query("UPDATE locations SET lsoa_code = NULL, ward_code = NULL WHERE id = ?")
        .bind(&venue)
        .execute(pool)
        .await
        .expect("unplace the venue");
    let load = test
        .directory
        .load_places(&districts, "norfolk_districts.geojson")
        .await
        .expect("accepted");
    assert_eq!((load.added, load.replaced, load.relocated_venues), (0, 7, 1));
    let placed_again: Option<String> = db::query_scalar("SELECT lsoa_code FROM locations WHERE id = ?")
        .bind(&venue)
        .fetch_one(pool)
        .await
        .expect("venue");
    assert_eq!(placed_again, Some(lsoa));
    assert_eq!(test.directory.store().place_history_count().await.expect("count"), 7);
    assert_eq!(test.data(query).await, before);
}

//! Places: the real Norfolk geography, its population and point-in-polygon.

use std::collections::HashMap;

use serde_json::Value;

use crate::support::{seeded, strings, workspace_root};

/// District code → (Census 2021 total, 65+) as published in the districts file.
fn published_district_populations() -> HashMap<String, (i64, i64)> {
    let text = std::fs::read_to_string(workspace_root().join("seed/places/norfolk_districts.geojson"))
        .expect("districts file");
    let collection: Value = serde_json::from_str(&text).expect("GeoJSON");
    collection["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|feature| {
            let properties = &feature["properties"];
            (
                properties["code"].as_str().expect("code").to_string(),
                (
                    properties["pop_total_census2021"].as_i64().expect("total"),
                    properties["age_65_plus_census2021"].as_i64().expect("65+"),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn districts_are_the_seven_norfolk_places_with_census_2021_populations() {
    let test = seeded().await;
    let data = test
        .data("{ places(level: DISTRICT) { code name level population { total age65Plus } parent { code } } }")
        .await;
    let districts = data["places"].as_array().expect("list");
    let mut codes = strings(&data["places"], "code");
    codes.sort();
    let expected: Vec<String> = (143..=149).map(|n| format!("E07000{n}")).collect();
    assert_eq!(codes, expected);

    let published = published_district_populations();
    for district in districts {
        let code = district["code"].as_str().expect("code");
        let (total, age_65_plus) = published[code];
        assert_eq!(district["population"]["total"].as_i64(), Some(total), "{code} total");
        assert_eq!(
            district["population"]["age65Plus"].as_i64(),
            Some(age_65_plus),
            "{code} 65+"
        );
        assert_eq!(district["level"], "DISTRICT");
        assert_eq!(district["parent"]["code"], "E10000020");
    }
}

#[tokio::test]
async fn every_level_has_the_published_number_of_places() {
    let test = seeded().await;
    for (level, count) in [
        ("COUNTY", 1),
        ("DISTRICT", 7),
        ("WARD", 177),
        ("MSOA", 113),
        ("LSOA", 552),
    ] {
        let data = test.data(&format!("{{ places(level: {level}) {{ code }} }}")).await;
        assert_eq!(data["places"].as_array().map(Vec::len), Some(count), "{level}");
    }
}

#[tokio::test]
async fn county_population_is_rolled_up_from_lsoas_and_bands_add_up() {
    let test = seeded().await;
    let data = test
        .data(
            r#"{ place(code: "E10000020") { name population { total age0To15 age16To24 age25To34 age35To49 age50To64 age65Plus age50Plus } }
                 lsoas: places(level: LSOA) { population { total age65Plus } } }"#,
        )
        .await;
    let county = &data["place"]["population"];
    assert_eq!(
        county["total"], 916_111,
        "Norfolk's Census 2021 total in the shared data"
    );
    let bands: i64 = [
        "age0To15",
        "age16To24",
        "age25To34",
        "age35To49",
        "age50To64",
        "age65Plus",
    ]
    .iter()
    .map(|band| county[band].as_i64().expect("band"))
    .sum();
    assert_eq!(county["total"].as_i64(), Some(bands));
    assert_eq!(
        county["age50Plus"].as_i64(),
        Some(county["age50To64"].as_i64().unwrap_or(0) + county["age65Plus"].as_i64().unwrap_or(0))
    );
    let lsoa_65_plus: i64 = data["lsoas"]
        .as_array()
        .expect("list")
        .iter()
        .map(|l| l["population"]["age65Plus"].as_i64().expect("n"))
        .sum();
    assert_eq!(county["age65Plus"].as_i64(), Some(lsoa_65_plus));
}

#[tokio::test]
async fn hierarchy_links_parents_and_children() {
    let test = seeded().await;
    let data = test
        .data(
            r#"{ breckland: place(code: "E07000143") { name children(level: WARD) { code parent { code } } msoas: children(level: MSOA) { code children { code level } } }
                 wards: places(level: WARD, parentCode: "E07000143") { code }
                 ward: place(code: "E05010237") { population { total } } }"#,
        )
        .await;
    assert_eq!(data["breckland"]["name"], "Breckland");
    let wards = data["breckland"]["children"].as_array().expect("wards");
    assert_eq!(wards.len(), 27, "Breckland has 27 wards (2025)");
    assert!(wards.iter().all(|w| w["parent"]["code"] == "E07000143"));
    assert_eq!(data["wards"].as_array().map(Vec::len), Some(27));
    let msoas = data["breckland"]["msoas"].as_array().expect("msoas");
    assert!(!msoas.is_empty());
    assert!(msoas.iter().all(|m| m["children"]
        .as_array()
        .is_some_and(|lsoas| !lsoas.is_empty() && lsoas.iter().all(|l| l["level"] == "LSOA"))));
    assert!(
        data["ward"]["population"].is_null(),
        "LSOAs do not nest in wards, so wards carry no population"
    );
}

#[tokio::test]
async fn boundary_is_geojson_on_request() {
    let test = seeded().await;
    let data = test.data(r#"{ place(code: "E07000148") { boundary } }"#).await;
    let boundary = &data["place"]["boundary"];
    assert!(
        matches!(boundary["type"].as_str(), Some("Polygon" | "MultiPolygon")),
        "{boundary}"
    );
    assert!(boundary["coordinates"].as_array().is_some_and(|c| !c.is_empty()));
}

#[derive(serde::Deserialize)]
struct PostcodeRow {
    postcode: String,
    lat: f64,
    lng: f64,
    lad_code: String,
    ward_code: String,
    lsoa21_code_pip: String,
}

fn sample_postcodes(step: usize) -> Vec<PostcodeRow> {
    let path = workspace_root().join("seed/reference/norfolk_postcodes.csv");
    let mut reader = csv::Reader::from_path(path).expect("postcodes file");
    reader
        .deserialize::<PostcodeRow>()
        .step_by(step)
        .map(|row| row.expect("row"))
        .collect()
}

#[tokio::test]
async fn postcode_and_places_at_agree_with_the_postcode_file() {
    let test = seeded().await;
    let sample = sample_postcodes(97);
    assert!(sample.len() > 300);
    let mut lsoa_matches = 0;
    let mut ward_matches = 0;
    for row in &sample {
        let lower = row.postcode.to_lowercase().replace(' ', "");
        let data = test
            .data(&format!(
                r#"{{ postcode(postcode: "{lower}") {{ postcode lat lng district {{ code }} ward {{ code }} lsoa {{ code }} }}
                     placesAt(lat: {}, lng: {}) {{ code level }} }}"#,
                row.lat, row.lng
            ))
            .await;
        let postcode = &data["postcode"];
        assert_eq!(postcode["postcode"], row.postcode.as_str(), "normalised");
        assert_eq!(postcode["lat"].as_f64(), Some(row.lat));
        assert_eq!(postcode["lng"].as_f64(), Some(row.lng));
        assert_eq!(postcode["district"]["code"], row.lad_code.as_str());
        assert_eq!(postcode["ward"]["code"], row.ward_code.as_str());
        assert_eq!(postcode["lsoa"]["code"], row.lsoa21_code_pip.as_str());

        let at = data["placesAt"].as_array().expect("list");
        let code_at = |level: &str| {
            at.iter()
                .find(|p| p["level"] == level)
                .and_then(|p| p["code"].as_str())
                .map(str::to_string)
        };
        assert_eq!(code_at("COUNTY").as_deref(), Some("E10000020"), "{}", row.postcode);
        assert_eq!(
            code_at("DISTRICT").as_deref(),
            Some(row.lad_code.as_str()),
            "{}",
            row.postcode
        );
        lsoa_matches += usize::from(code_at("LSOA").as_deref() == Some(row.lsoa21_code_pip.as_str()));
        ward_matches += usize::from(code_at("WARD").as_deref() == Some(row.ward_code.as_str()));
    }
    // The file's LSOA is point-in-polygon on the same boundaries (a few points just outside
    // every polygon were given the nearest); Code-Point's ward agrees with the generalised
    // ward polygons for 99.9% of postcodes.
    assert!(
        lsoa_matches * 100 >= sample.len() * 99,
        "LSOA agreement {lsoa_matches}/{}",
        sample.len()
    );
    assert!(
        ward_matches * 100 >= sample.len() * 98,
        "ward agreement {ward_matches}/{}",
        sample.len()
    );
}

#[tokio::test]
async fn places_at_a_point_outside_norfolk_but_in_the_uk_is_empty() {
    let test = seeded().await;
    let data = test.data("{ placesAt(lat: 51.5074, lng: -0.1278) { code } }").await;
    assert_eq!(data["placesAt"], serde_json::json!([]));
}

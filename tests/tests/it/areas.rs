//! Areas loaded from the publishers' files: the packs of North Northamptonshire (E06000061)
//! and Bath and North East Somerset (E06000022) in `tests/fixtures/areas/`, checked against
//! their `truth.json` (computed independently: pyproj positions, shapely point in polygon, sums
//! of the Census file), side by side with the Norfolk seed.
//!
//! - this module: positions, LSOAs, populations, counts; several areas side by side.
//! - [`custom_places`]: custom Places in search, signposting, gap reports and the map.
//! - [`refusals`]: every bad input refused with all reasons, loaded areas untouched.
//! - [`coverage`]: gap coverage on a loaded area equals brute force.
//! - [`follow`]: a running server follows an area another process loaded.

mod coverage;
mod custom_places;
mod follow;
mod refusals;

use std::path::PathBuf;

use indexer::domain::{PlaceCode, Postcode};
use serde_json::Value;

use crate::support::{seeded, workspace_root, TestDirectory};

pub const NORTH_NORTHAMPTONSHIRE: &str = "E06000061";
pub const BATH: &str = "E06000022";

/// The fixture pack of an area.
pub fn pack(code: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/areas").join(code)
}

/// The pack's independently computed facts.
pub fn truth(code: &str) -> Value {
    let text = std::fs::read_to_string(pack(code).join("truth.json")).expect("truth.json");
    serde_json::from_str(&text).expect("truth is JSON")
}

/// A seeded directory with these areas loaded.
pub async fn with_areas(codes: &[&str]) -> TestDirectory {
    let test = seeded().await;
    for code in codes {
        test.directory.load_area(&pack(code)).await.expect("the pack loads");
    }
    test
}

/// Great-circle distance in metres (haversine, its own code: an oracle for the engine's).
pub fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lng1, lat2, lng2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lng2 - lng1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

fn code(raw: &str) -> PlaceCode {
    PlaceCode::parse(raw).expect("code")
}

#[tokio::test]
async fn sampled_postcodes_land_within_5_m_of_truth_and_in_its_lsoa() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE, BATH]).await;
    for area in [NORTH_NORTHAMPTONSHIRE, BATH] {
        let rows = truth(area)["postcode_sample"]["rows"].as_array().expect("rows").clone();
        assert_eq!(rows.len(), 50);
        let mut furthest: f64 = 0.0;
        for row in rows {
            let raw = row["postcode_normalised"].as_str().expect("postcode");
            let record = test
                .directory
                .postcode(&Postcode::parse(raw).expect("well formed"))
                .await
                .unwrap_or_else(|e| panic!("{raw} of {area}: {e}"));
            let expected = (row["lat"].as_f64().expect("lat"), row["lng"].as_f64().expect("lng"));
            let metres = metres_between((record.latitude, record.longitude), expected);
            furthest = furthest.max(metres);
            assert!(metres < 5.0, "{raw} is {metres:.2} m from truth");
            assert_eq!(record.lsoa_code.as_str(), row["lsoa21_code"], "{raw}");
            assert_eq!(record.ward_code.as_str(), row["ward_code"], "{raw}");
            assert_eq!(record.district_code.as_str(), area, "{raw}");
        }
        // OSTN15 against a 2 m Helmert transform: metres apart, never centimetres-identical.
        assert!(
            furthest > 0.1,
            "{area}: positions suspiciously equal to the Helmert ones"
        );
    }
    let data = test
        .data(r#"{ postcode(postcode: "nn10 8bq") { postcode lsoa { code level parent { level parent { code name } } } district { code } } }"#)
        .await;
    assert_eq!(data["postcode"]["postcode"], "NN10 8BQ");
    assert_eq!(data["postcode"]["lsoa"]["code"], "E01033245");
    assert_eq!(data["postcode"]["lsoa"]["parent"]["level"], "MSOA");
    assert_eq!(
        data["postcode"]["lsoa"]["parent"]["parent"]["code"],
        NORTH_NORTHAMPTONSHIRE
    );
    assert_eq!(data["postcode"]["district"]["code"], NORTH_NORTHAMPTONSHIRE);
}

#[tokio::test]
async fn district_and_lsoa_populations_and_counts_equal_the_truth() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE, BATH]).await;
    let places = test.directory.places();
    for area in [NORTH_NORTHAMPTONSHIRE, BATH] {
        let truth = truth(area);
        let district = places.get(&code(area)).expect("district loaded");
        assert_eq!(district.name, truth["lad_name"]);
        let population = district.population.expect("rolled up");
        assert_eq!(population.total(), truth["population"]["lad"]["total"]);
        assert_eq!(population.age_65_plus, truth["population"]["lad"]["age_65_plus"]);
        let lsoas = truth["population"]["lsoa"].as_object().expect("lsoas");
        for (lsoa_code, expected) in lsoas {
            let lsoa = places.get(&code(lsoa_code)).expect("LSOA loaded");
            assert_eq!(lsoa.name, expected["name"]);
            let counts = lsoa.population.expect("LSOA population");
            assert_eq!(counts.total(), expected["total"], "{lsoa_code}");
            assert_eq!(counts.age_65_plus, expected["age_65_plus"], "{lsoa_code}");
            assert_eq!(places.ancestors(&lsoa.code).last().map(|p| p.code.as_str()), Some(area));
        }
        let below = places.descendants(&code(area));
        let count = |level: indexer::domain::PlaceLevel| below.iter().filter(|p| p.level == level).count();
        assert_eq!(
            count(indexer::domain::PlaceLevel::Lsoa),
            truth["lsoa_count"].as_u64().expect("n") as usize
        );
        assert_eq!(
            count(indexer::domain::PlaceLevel::Msoa),
            truth["msoa_count"].as_u64().expect("n") as usize
        );
        assert_eq!(
            count(indexer::domain::PlaceLevel::Ward),
            truth["ward_count"].as_u64().expect("n") as usize
        );
        // MSOA populations are the sums of their LSOAs.
        for msoa in places
            .children(&code(area))
            .into_iter()
            .filter(|p| p.level == indexer::domain::PlaceLevel::Msoa)
        {
            let sum: i64 = places
                .children(&msoa.code)
                .iter()
                .filter_map(|lsoa| lsoa.population.map(|p| p.total()))
                .sum();
            assert_eq!(msoa.population.map(|p| p.total()), Some(sum), "{}", msoa.code);
        }
    }
    let data = test
        .data(&format!(r#"{{ place(code: "{NORTH_NORTHAMPTONSHIRE}") {{ level population {{ total age65Plus }} children(level: WARD) {{ code }} }} }}"#))
        .await;
    assert_eq!(data["place"]["level"], "DISTRICT");
    assert_eq!(data["place"]["population"]["total"], 359_510);
    assert_eq!(data["place"]["children"].as_array().map(Vec::len), Some(31));
}

#[tokio::test]
async fn areas_live_side_by_side_with_norfolk_and_reload_alone() {
    let test = seeded().await;
    let first = test
        .directory
        .load_area(&pack(NORTH_NORTHAMPTONSHIRE))
        .await
        .expect("loads");
    assert_eq!(first.summary.postcodes(), 8_555);
    assert_eq!(first.summary.lsoas(), 205);
    assert_eq!(first.replaced_postcodes, 0);
    let norfolk_postcodes = 29_502;
    assert_eq!(first.postcodes_known, norfolk_postcodes + 8_555);
    let second = test.directory.load_area(&pack(BATH)).await.expect("loads");
    assert_eq!(
        second.summary.postcodes(),
        truth(BATH)["postcode_count"].as_u64().expect("n") as usize
    );
    assert_eq!(
        second.postcodes_known,
        norfolk_postcodes + 8_555 + second.summary.postcodes()
    );
    let history_before = test.directory.store().place_history_count().await.expect("history");

    // Reloading one area replaces it alone, and keeps the replaced places in history.
    let again = test
        .directory
        .load_area(&pack(NORTH_NORTHAMPTONSHIRE))
        .await
        .expect("reloads");
    assert_eq!(again.replaced_postcodes, 8_555);
    assert_eq!(again.postcodes_known, second.postcodes_known);
    let history_after = test.directory.store().place_history_count().await.expect("history");
    assert_eq!(history_after - history_before, 1 + 31 + 40 + 205);
    let loads = test
        .directory
        .store()
        .area_loads(&code(NORTH_NORTHAMPTONSHIRE))
        .await
        .expect("log");
    assert_eq!(loads.len(), 2);

    for (postcode, district) in [
        ("NR19 1AA", "E07000143"),
        ("NN10 8BQ", NORTH_NORTHAMPTONSHIRE),
        ("BA1 0AA", BATH),
    ] {
        let data = test
            .data(&format!(
                r#"{{ postcode(postcode: "{postcode}") {{ district {{ code }} }} }}"#
            ))
            .await;
        assert_eq!(data["postcode"]["district"]["code"], district, "{postcode}");
    }
    // Outside every loaded area: a clear NOT_FOUND naming the argument.
    let (code_, field) = test.error(r#"{ postcode(postcode: "SW1A 1AA") { lat } }"#).await;
    assert_eq!((code_.as_str(), field.as_deref()), ("NOT_FOUND", Some("postcode")));
    let response = test.execute(r#"{ postcode(postcode: "SW1A 1AA") { lat } }"#).await;
    assert!(response["errors"][0]["message"]
        .as_str()
        .expect("message")
        .contains("SW1A 1AA"));

    let districts = test.data("{ places(level: DISTRICT) { code } }").await;
    let codes = crate::support::strings(&districts["places"], "code");
    for expected in ["E07000143", NORTH_NORTHAMPTONSHIRE, BATH] {
        assert!(codes.contains(&expected.to_string()), "{expected} in {codes:?}");
    }
    // placesAt follows: Corby town centre is in North Northamptonshire, Bath Abbey in B&NES.
    for ((lat, lng), district) in [((52.4880, -0.7013), NORTH_NORTHAMPTONSHIRE), ((51.3815, -2.3590), BATH)] {
        let data = test
            .data(&format!("{{ placesAt(lat: {lat}, lng: {lng}) {{ code level }} }}"))
            .await;
        let levels = crate::support::strings(&data["placesAt"], "level");
        assert_eq!(levels, ["DISTRICT", "WARD", "MSOA", "LSOA"], "{district}");
        assert_eq!(data["placesAt"][0]["code"], district);
    }

    // A reopened directory reads the same geography from the store.
    test.directory.close().await;
    let reopened = indexer::Directory::open_with_options(test.data_dir.path(), test.options())
        .await
        .expect("reopen");
    assert_eq!(reopened.postcode_count(), second.postcodes_known);
    let record = reopened
        .postcode(&Postcode::parse("BA1 0AA").expect("pc"))
        .await
        .expect("known");
    assert_eq!(record.district_code.as_str(), BATH);
    reopened.close().await;
}

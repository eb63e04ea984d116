//! `loadPlaces` refuses what would stall the server (issue 24, item 4): a triangle at ±1e308
//! (which spun in `geo`'s sweep for minutes), coordinates outside WGS84 or the United Kingdom,
//! a 200,000-vertex ring, a load past the vertex cap, and checks past their time limit. Each is
//! `BAD_USER_INPUT` on `geojson` naming the feature and the coordinate path, and changes nothing.
//!
//! The refusals run on a worker of a multi-threaded runtime under a generous guard, so a
//! regression (the checks spinning again) fails the test instead of hanging the test binary.

use std::time::Duration;

use indexer::accounts::{Role, Viewer};
use indexer::gaps::boundaries::PlaceLoadLimits;
use serde_json::{json, Value};

use crate::support::{seeded, TestDirectory};

/// Far longer than any refusal takes, far shorter than the spin it guards against.
const GUARD: Duration = Duration::from_secs(60);

/// An existing Breckland LSOA with the given polygon rings (its name and parent are kept).
fn lsoa(code: &str, rings: Value) -> Value {
    json!({ "type": "Feature", "properties": { "code": code },
            "geometry": { "type": "Polygon", "coordinates": rings } })
}

fn collection(features: Vec<Value>) -> String {
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}

/// A closed ring of `vertices` points on a small circle near Watton.
fn circle(vertices: usize) -> Value {
    let mut ring: Vec<Value> = (0..vertices - 1)
        .map(|i| {
            let angle = std::f64::consts::TAU * i as f64 / (vertices - 1) as f64;
            json!([0.85 + 0.01 * angle.cos(), 52.57 + 0.01 * angle.sin()])
        })
        .collect();
    ring.push(ring[0].clone());
    Value::Array(ring)
}

async fn admin(test: &TestDirectory) -> Viewer {
    test.principal(Role::Admin, "places admin", None).await
}

/// Runs `loadPlaces` as `viewer` on another task, failing if it does not answer within the
/// guard; returns the response.
async fn load_places(test: &TestDirectory, viewer: &Viewer, geojson: String) -> Value {
    let query = format!(
        r#"mutation {{ loadPlaces(geojson: {}, source: "test") {{ added replaced }} }}"#,
        serde_json::to_string(&geojson).expect("json string")
    );
    let request = async_graphql::Request::new(query).data(viewer.clone());
    let schema = test.schema.clone();
    let task = tokio::spawn(async move { serde_json::to_value(schema.execute(request).await).expect("json") });
    tokio::time::timeout(GUARD, task)
        .await
        .expect("loadPlaces answered within the guard")
        .expect("the task ran")
}

/// Asserts a refusal on `geojson` whose message holds every one of `parts`, and that no place
/// changed.
async fn assert_refused(test: &TestDirectory, response: &Value, parts: &[&str]) {
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response:#}");
    assert_eq!(error["extensions"]["field"], "geojson", "{response:#}");
    let message = error["message"].as_str().expect("message");
    for part in parts {
        assert!(message.contains(part), "expected {part:?} in {message:?}");
    }
    assert_eq!(test.directory.store().place_history_count().await.expect("count"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_triangle_at_plus_minus_1e308_is_refused_at_once() {
    let test = seeded().await;
    let admin = admin(&test).await;
    let triangle = json!([[[1e308, 1e308], [-1e308, 1e308], [0.0, -1e308], [1e308, 1e308]]]);
    let response = load_places(&test, &admin, collection(vec![lsoa("E01026419", triangle)])).await;
    assert_refused(
        &test,
        &response,
        &["feature 0 (E01026419)", "geometry.coordinates[0][0]", "latitude"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinates_outside_wgs84_or_the_united_kingdom_are_refused() {
    let test = seeded().await;
    let admin = admin(&test).await;
    let cases = [
        // A longitude past 180 degrees, in the second feature's third vertex.
        (
            json!([[[0.80, 52.50], [0.81, 52.50], [200.0, 52.51], [0.80, 52.50]]]),
            vec!["feature 1 (E01026420)", "geometry.coordinates[0][2]", "longitude"],
        ),
        // Valid WGS84, but in the Bay of Biscay.
        (
            json!([[[0.80, 52.50], [0.81, 52.50], [0.81, 45.0], [0.80, 52.50]]]),
            vec!["feature 1 (E01026420)", "geometry.coordinates[0][2]", "United Kingdom"],
        ),
    ];
    for (rings, parts) in cases {
        let features = vec![lsoa("E01026419", json!([circle(20)])), lsoa("E01026420", rings)];
        let response = load_places(&test, &admin, collection(features)).await;
        assert_refused(&test, &response, &parts).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200000_vertex_ring_and_a_load_past_the_vertex_cap_are_refused() {
    let test = seeded().await;
    let admin = admin(&test).await;
    let huge = load_places(
        &test,
        &admin,
        collection(vec![lsoa("E01026419", json!([circle(200_000)]))]),
    )
    .await;
    assert_refused(
        &test,
        &huge,
        &["feature 0 (E01026419)", "geometry.coordinates[0]", "200000 vertices"],
    )
    .await;
    // Five features of 24,000 vertices each: every ring is allowed, the load is not.
    let codes = ["E01026419", "E01026420", "E01026421", "E01026422", "E01026423"];
    let features = codes.iter().map(|code| lsoa(code, json!([circle(24_000)]))).collect();
    let many = load_places(&test, &admin, collection(features)).await;
    assert_refused(&test, &many, &["feature 4 (E01026423)", "past 100000 vertices"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_past_their_time_limit_give_up_and_change_nothing() {
    let test = seeded().await;
    let lsoas = std::fs::read_to_string(crate::support::workspace_root().join("seed/places/norfolk_lsoa21.geojson"))
        .expect("the seed's LSOAs");
    let hurried = PlaceLoadLimits {
        time_limit: Duration::from_millis(1),
        ..PlaceLoadLimits::REQUEST
    };
    let error = test
        .directory
        .load_places_with(&lsoas, "test", hurried)
        .await
        .expect_err("552 LSOAs are not checked in a millisecond");
    assert!(error.to_string().contains("took longer than"), "{error}");
    assert_eq!(test.directory.store().place_history_count().await.expect("count"), 0);
}

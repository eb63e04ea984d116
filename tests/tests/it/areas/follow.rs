//! A server follows an area loaded by another process: `indexer areas load` on the data
//! directory of a running server (here the test binary runs itself as that process, as the
//! command does: open the directory, load the pack, exit).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use indexer::domain::Postcode;
use indexer::Directory;

use super::*;

const LOADER_ENV: &str = "AREAS_LOADER_DATA_DIR";
/// The server's PostgreSQL database, for a loader of a `TEST_DATABASE_URL` run.
const LOADER_DATABASE_ENV: &str = "AREAS_LOADER_DATABASE_URL";

/// How the loading process opens the server's directory.
fn loader_options() -> indexer::DirectoryOptions {
    indexer::DirectoryOptions {
        database_url: std::env::var(LOADER_DATABASE_ENV).ok(),
        ..indexer::DirectoryOptions::default()
    }
}

/// Runs the ignored test `test` of this binary as another process (the loader), with the data
/// directory in the environment variable `env`, and waits for it to succeed.
fn run_loader(test: &str, env: &str, server: &TestDirectory) {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    if let Some(url) = server.options().database_url {
        command.env(LOADER_DATABASE_ENV, url);
    }
    let data_dir = server.data_dir.path();
    let status = command
        .args(["--ignored", "--exact", test, "--nocapture"])
        .env(env, data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("loader runs");
    assert!(status.success(), "the loading process {test} failed");
}

#[tokio::test]
#[ignore = "run by a_running_server_answers_for_an_area_another_process_loaded as its loading process"]
async fn loader_loads_north_northamptonshire() {
    let Some(data_dir) = std::env::var_os(LOADER_ENV) else {
        return;
    };
    let directory = Directory::open_with_options(std::path::Path::new(&data_dir), loader_options())
        .await
        .expect("loader opens");
    directory
        .load_area(&pack(NORTH_NORTHAMPTONSHIRE))
        .await
        .expect("the pack loads");
    directory.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_answers_for_an_area_another_process_loaded() {
    let server = crate::support::seeded().await;
    let corby = Postcode::parse("NN17 1AB").expect("postcode");
    let unknown = server.directory.postcode(&corby).await;
    assert!(unknown.is_err(), "not loaded yet: {unknown:?}");
    let place = r#"{ place(code: "E06000061") { name } }"#;
    assert!(
        server.schema.execute(place).await.errors.len() == 1,
        "no such place yet"
    );

    run_loader(
        "areas::follow::loader_loads_north_northamptonshire",
        LOADER_ENV,
        &server,
    );

    // The server was not restarted: it sees the new area within its follow interval.
    let started = Instant::now();
    let record = loop {
        match server.directory.postcode(&corby).await {
            Ok(record) => break record,
            Err(_) if started.elapsed() < Duration::from_secs(60) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("the server never saw the loaded area: {error}"),
        }
    };
    assert_eq!(record.district_code.as_str(), NORTH_NORTHAMPTONSHIRE);
    let named = server.data(place).await;
    assert_eq!(named["place"]["name"], "North Northamptonshire");
    let gaps = server
        .data(r#"{ gaps(place: "E06000061", need: "strength-and-balance", maxDistanceKm: 5) { areas { place { code } } } }"#)
        .await;
    assert_eq!(gaps["gaps"]["areas"].as_array().map(Vec::len), Some(205));
}

const PLACES_LOADER_ENV: &str = "PLACES_LOADER_DATA_DIR";

/// The Breckland LSOA the places loader replaces, and the people aged 65+ it adds.
const RELOADED_LSOA: &str = "E01026419";
const ADDED_65_PLUS: i64 = 1_000;

#[tokio::test]
#[ignore = "run by a_running_server_follows_boundaries_another_process_loaded as its loading process"]
async fn loader_loads_a_changed_breckland_lsoa() {
    let Some(data_dir) = std::env::var_os(PLACES_LOADER_ENV) else {
        return;
    };
    let directory = Directory::open_with_options(std::path::Path::new(&data_dir), loader_options())
        .await
        .expect("loader opens");
    let mut feature = crate::gaps::breckland_lsoa(RELOADED_LSOA);
    let old = feature["properties"]["age_65_plus"].as_i64().expect("65+");
    feature["properties"]["age_65_plus"] = (old + ADDED_65_PLUS).into();
    directory
        .load_places(&crate::gaps::collection(vec![feature]), "places loader")
        .await
        .expect("the boundary loads");
    directory.close().await;
}

/// `indexer places load` (a GeoJSON boundary load) from another process reaches a running
/// server as an area load does: the server's places, and so its gap reports, follow it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_follows_boundaries_another_process_loaded() {
    let server = crate::support::seeded().await;
    let query = format!(r#"{{ place(code: "{RELOADED_LSOA}") {{ population {{ age65Plus }} }} }}"#);
    let age_65_plus = |data: &serde_json::Value| data["place"]["population"]["age65Plus"].as_i64();
    let before = age_65_plus(&server.data(&query).await).expect("65+ before");

    run_loader(
        "areas::follow::loader_loads_a_changed_breckland_lsoa",
        PLACES_LOADER_ENV,
        &server,
    );

    let started = Instant::now();
    loop {
        let now = age_65_plus(&server.data(&query).await);
        if now == Some(before + ADDED_65_PLUS) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server never saw the loaded boundary: 65+ still {now:?}, expected {}",
            before + ADDED_65_PLUS
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let district = server
        .data(r#"{ place(code: "E07000143") { population { age65Plus } } }"#)
        .await;
    let gaps = server
        .data(r#"{ gaps(place: "E07000143", need: "strength-and-balance", maxDistanceKm: 5) { targetPopulation } }"#)
        .await;
    assert_eq!(
        gaps["gaps"]["targetPopulation"], district["place"]["population"]["age65Plus"],
        "the gap report uses the reloaded population"
    );
}

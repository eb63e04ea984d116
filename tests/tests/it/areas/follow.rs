//! A server follows an area loaded by another process: `indexer areas load` on the data
//! directory of a running server (here the test binary runs itself as that process, as the
//! command does: open the directory, load the pack, exit).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use indexer::domain::Postcode;
use indexer::Directory;

use super::*;

const LOADER_ENV: &str = "AREAS_LOADER_DATA_DIR";

#[tokio::test]
#[ignore = "run by a_running_server_answers_for_an_area_another_process_loaded as its loading process"]
async fn loader_loads_north_northamptonshire() {
    let Some(data_dir) = std::env::var_os(LOADER_ENV) else {
        return;
    };
    let directory = Directory::open(std::path::Path::new(&data_dir))
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

    let status = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "areas::follow::loader_loads_north_northamptonshire",
            "--nocapture",
        ])
        .env(LOADER_ENV, server.data_dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("loader runs");
    assert!(status.success(), "the loading process failed");

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

//! Crashes at any instant: a process killed with SIGKILL while it rebuilds and commits the
//! search index leaves a data directory that starts again, with a working index.
//!
//! The test binary runs itself as the victim: [`victim_rebuilds_the_index_until_killed`] is
//! ignored in normal runs and does its work only when `CRASH_VICTIM_DATA_DIR` names a data
//! directory, so it is a tool of [`a_directory_killed_during_index_commits_starts_again`],
//! not a test of its own.

use std::process::{Command, Stdio};
use std::time::Duration;

use indexer::Directory;

use crate::support::copy_of_template;

const VICTIM_ENV: &str = "CRASH_VICTIM_DATA_DIR";

#[tokio::test]
#[ignore = "run by a_directory_killed_during_index_commits_starts_again as its victim process"]
async fn victim_rebuilds_the_index_until_killed() {
    let Some(data_dir) = std::env::var_os(VICTIM_ENV) else {
        return;
    };
    let directory = Directory::open_to_rebuild_index(std::path::Path::new(&data_dir))
        .await
        .expect("victim opens");
    eprintln!("victim ready");
    loop {
        indexer::search::sync::rebuild(directory.store(), &directory.places(), directory.search_index(), |_| {})
            .await
            .expect("rebuild");
    }
}

#[tokio::test]
async fn a_directory_killed_during_index_commits_starts_again() {
    let data_dir = copy_of_template();
    let expected = {
        let directory = Directory::open(data_dir.path()).await.expect("open");
        let count = directory.search_index().num_docs();
        directory.close().await;
        count
    };
    assert!(expected > 0);
    let executable = std::env::current_exe().expect("test binary");
    // Kill instants spread over the rebuild loop, so some land inside commits and merges.
    for (round, delay_ms) in [350u64, 900, 1_700, 2_600, 3_300, 4_100].into_iter().enumerate() {
        let mut victim = Command::new(&executable)
            .args([
                "--ignored",
                "--exact",
                "crash::victim_rebuilds_the_index_until_killed",
                "--nocapture",
            ])
            .env(VICTIM_ENV, data_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("victim starts");
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        victim.kill().expect("SIGKILL");
        victim.wait().expect("victim ended");

        let directory = Directory::open(data_dir.path())
            .await
            .unwrap_or_else(|error| panic!("round {round}: the directory must start again after a kill: {error}"));
        assert_eq!(
            directory.search_index().num_docs(),
            expected,
            "round {round}: every listing searchable"
        );
        let schema = api::graphql::build_schema(directory.clone());
        let answer = schema.execute(r#"{ search(text: "tai chi") { totalCount } }"#).await;
        assert!(answer.errors.is_empty(), "round {round}: {:?}", answer.errors);
        let data = answer.data.into_json().expect("json");
        assert!(
            data["search"]["totalCount"].as_i64() > Some(0),
            "round {round}: search answers"
        );
        directory.close().await;
    }
}

#[tokio::test]
async fn an_unreadable_index_is_rebuilt_from_the_database_on_start() {
    let data_dir = copy_of_template();
    let expected = {
        let directory = Directory::open(data_dir.path()).await.expect("open");
        let count = directory.search_index().num_docs();
        directory.close().await;
        count
    };
    let index_dir = data_dir.path().join(indexer::directory::INDEX_DIR);
    std::fs::write(index_dir.join("meta.json"), b"{ not json").expect("damage meta.json");
    let directory = Directory::open(data_dir.path())
        .await
        .expect("starts over a damaged index");
    assert_eq!(directory.search_index().num_docs(), expected);
}

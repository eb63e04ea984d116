//! A real RPDE 1.0 publisher on a loopback port, for the OpenActive consumer's tests: feeds of
//! items ordered by (modified, id) with `afterTimestamp`/`afterId` paging, the last-page rule,
//! a dataset site listing the feeds, and faults to order (an HTTP 500 on a given page, a page
//! whose `next` never moves).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The feeds a server publishes (paths under `/feeds/`).
pub const SERIES_FEED: &str = "session-series";
pub const SESSIONS_FEED: &str = "scheduled-sessions";

#[derive(Default)]
struct Feeds {
    base: String,
    /// Feed name → item id → item.
    items: BTreeMap<String, BTreeMap<String, Value>>,
    modified: i64,
    page_size: usize,
    /// (feed, 1-based page) answered with HTTP 500.
    failing_page: Option<(String, usize)>,
    /// Pages with items point at themselves (a broken publisher).
    stuck: bool,
    requests: Vec<String>,
}

/// A running publisher.
#[derive(Clone)]
pub struct FeedServer {
    pub base: String,
    feeds: Arc<Mutex<Feeds>>,
}

impl FeedServer {
    /// Starts a server whose pages hold `page_size` items.
    pub async fn start(page_size: usize) -> FeedServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let feeds = Arc::new(Mutex::new(Feeds {
            base: base.clone(),
            page_size,
            ..Feeds::default()
        }));
        let app = Router::new()
            .route("/dataset", get(dataset_site))
            .route("/feeds/{name}", get(page))
            .with_state(feeds.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        FeedServer { base, feeds }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Feeds> {
        self.feeds.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn dataset_url(&self) -> String {
        format!("{}/dataset", self.base)
    }

    pub fn feed_url(&self, feed: &str) -> String {
        format!("{}/feeds/{feed}", self.base)
    }

    /// Publishes (or republishes, later in the feed) an updated item.
    pub fn put(&self, feed: &str, kind: &str, id: &str, data: Value) {
        let mut feeds = self.lock();
        feeds.modified += 1;
        let item = json!({"state": "updated", "kind": kind, "id": id, "modified": feeds.modified, "data": data});
        feeds
            .items
            .entry(feed.to_string())
            .or_default()
            .insert(id.to_string(), item);
    }

    /// Replaces an item by its tombstone.
    pub fn delete(&self, feed: &str, kind: &str, id: &str) {
        let mut feeds = self.lock();
        feeds.modified += 1;
        let item = json!({"state": "deleted", "kind": kind, "id": id, "modified": feeds.modified});
        feeds
            .items
            .entry(feed.to_string())
            .or_default()
            .insert(id.to_string(), item);
    }

    /// Answers page `page` (1-based) of `feed` with HTTP 500 until called with `None`.
    pub fn fail_page(&self, failing: Option<(&str, usize)>) {
        self.lock().failing_page = failing.map(|(feed, page)| (feed.to_string(), page));
    }

    pub fn make_stuck(&self) {
        self.lock().stuck = true;
    }

    /// Every URL requested so far (path and query), then forgets them.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().requests)
    }
}

async fn dataset_site(State(feeds): State<Arc<Mutex<Feeds>>>) -> Html<String> {
    let base = feeds.lock().unwrap_or_else(|p| p.into_inner()).base.clone();
    let dataset = json!({
        "@context": ["https://schema.org/", "https://openactive.io/"],
        "@type": "Dataset",
        "name": "Example Leisure Trust sessions (invented test data)",
        "distribution": [
            {"@type": "DataDownload", "name": "ScheduledSession", "additionalType": "https://openactive.io/ScheduledSession",
             "encodingFormat": "application/vnd.openactive.rpde+json; version=1", "contentUrl": format!("{base}/feeds/{SESSIONS_FEED}")},
            {"@type": "DataDownload", "name": "SessionSeries", "additionalType": "https://openactive.io/SessionSeries",
             "encodingFormat": "application/vnd.openactive.rpde+json; version=1", "contentUrl": format!("{base}/feeds/{SERIES_FEED}")}
        ]
    });
    Html(format!(
        "<!DOCTYPE html><html><head><title>Example</title>\n<script type=\"application/ld+json\">\n{dataset:#}\n</script></head><body><h1>Example</h1></body></html>"
    ))
}

async fn page(
    State(feeds): State<Arc<Mutex<Feeds>>>,
    Path(name): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let mut feeds = feeds.lock().unwrap_or_else(|p| p.into_inner());
    let own_url = match (query.get("afterTimestamp"), query.get("afterId")) {
        (Some(timestamp), Some(id)) => format!("{}/feeds/{name}?afterTimestamp={timestamp}&afterId={id}", feeds.base),
        _ => format!("{}/feeds/{name}", feeds.base),
    };
    let requested = own_url.trim_start_matches(&feeds.base).to_string();
    feeds.requests.push(requested);
    let after: Option<(i64, String)> = match (query.get("afterTimestamp"), query.get("afterId")) {
        (Some(timestamp), Some(id)) => match timestamp.parse() {
            Ok(timestamp) => Some((timestamp, id.clone())),
            Err(_) => return (StatusCode::BAD_REQUEST, "afterTimestamp").into_response(),
        },
        _ => None,
    };
    let mut ordered: Vec<Value> = feeds
        .items
        .get(&name)
        .map(|items| items.values().cloned().collect())
        .unwrap_or_default();
    let key = |item: &Value| {
        (
            item["modified"].as_i64().unwrap_or_default(),
            item["id"].as_str().unwrap_or_default().to_string(),
        )
    };
    ordered.sort_by_key(key);
    let skipped = ordered
        .iter()
        .take_while(|item| after.as_ref().is_some_and(|after| key(item) <= *after))
        .count();
    let page_number = skipped / feeds.page_size.max(1) + 1;
    if feeds
        .failing_page
        .as_ref()
        .is_some_and(|(feed, page)| *feed == name && *page == page_number)
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the publisher failed").into_response();
    }
    let items: Vec<Value> = ordered.into_iter().skip(skipped).take(feeds.page_size).collect();
    let next = match items.last() {
        Some(_) if feeds.stuck => own_url.clone(),
        Some(last) => format!(
            "{}/feeds/{name}?afterTimestamp={}&afterId={}",
            feeds.base,
            last["modified"],
            last["id"].as_str().unwrap_or_default()
        ),
        None => own_url.clone(),
    };
    Json(json!({"next": next, "items": items, "license": "https://creativecommons.org/licenses/by/4.0/"}))
        .into_response()
}

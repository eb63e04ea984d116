//! OpenActive RPDE feeds and dataset site (`/openactive/...`): thin routes over the engine's
//! `publish::rpde` and `publish::openactive`.
//!
//! - `GET /openactive`: the dataset site (HTML with the JSON-LD `Dataset`).
//! - `GET /openactive/session-series`: the SessionSeries RPDE feed.
//! - `GET /openactive/scheduled-sessions`: the ScheduledSession RPDE feed.
//! - `GET /feeds/oruk-services`: the change sync, every service in change-log order as its
//!   full Open Referral UK document, or a tombstone once it is no longer public.
//!
//! Feeds take `afterTimestamp` + `afterId` (both or neither) and `limit` (1 to 500, default
//! 500). A bad parameter answers 400 with `{"errors":[{"message", "extensions":{"code":
//! "BAD_USER_INPUT","field":<parameter>}}]}`. URLs in pages are absolute, built from the
//! request's `Host` (and `X-Forwarded-Proto` behind a proxy).

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use indexer::publish::change_sync::ORUK_SERVICES_FEED_PATH;
use indexer::publish::openactive::{dataset_site, DATASET_SITE_PATH, SCHEDULED_SESSIONS_PATH, SESSION_SERIES_PATH};
use indexer::publish::rpde::{PageRequest, AFTER_ID, AFTER_TIMESTAMP, LIMIT};
use indexer::{Directory, Error};

use crate::rest::{error_response, origin};
use crate::AppState;

/// How often the server refreshes the scheduled sessions without being asked.
pub const SESSION_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The feed routes (absolute paths), merged into the app.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(DATASET_SITE_PATH, get(dataset_site_page))
        .route(SESSION_SERIES_PATH, get(session_series))
        .route(SCHEDULED_SESSIONS_PATH, get(scheduled_sessions))
        .route(ORUK_SERVICES_FEED_PATH, get(oruk_service_changes))
}

/// Refreshes the scheduled sessions every [`SESSION_REFRESH_INTERVAL`], so sessions entering the
/// window appear without a feed request; runs until the task is aborted.
pub async fn refresh_sessions_every(directory: Directory) {
    let mut every = tokio::time::interval(SESSION_REFRESH_INTERVAL);
    loop {
        every.tick().await;
        if let Err(error) = directory.refresh_sessions(chrono::Utc::now()).await {
            tracing::error!(?error, "refreshing openactive sessions failed");
        }
    }
}

/// The query parameters of a feed request.
type FeedQuery = Result<Query<HashMap<String, String>>, QueryRejection>;

fn page_request(query: FeedQuery) -> Result<PageRequest, Error> {
    let Query(params) = query.map_err(|rejection| Error::invalid("query", rejection.body_text()))?;
    PageRequest::parse(
        params.get(AFTER_TIMESTAMP).map(String::as_str),
        params.get(AFTER_ID).map(String::as_str),
        params.get(LIMIT).map(String::as_str),
    )
}

async fn session_series(State(state): State<AppState>, headers: HeaderMap, query: FeedQuery) -> Response {
    let request = match page_request(query) {
        Ok(request) => request,
        Err(error) => return error_response(error),
    };
    match state.directory.session_series_page(&origin(&headers), &request).await {
        Ok(page) => Json(page).into_response(),
        Err(error) => error_response(error),
    }
}

async fn scheduled_sessions(State(state): State<AppState>, headers: HeaderMap, query: FeedQuery) -> Response {
    let request = match page_request(query) {
        Ok(request) => request,
        Err(error) => return error_response(error),
    };
    let page = state
        .directory
        .scheduled_sessions_page(&origin(&headers), &request, chrono::Utc::now())
        .await;
    match page {
        Ok(page) => Json(page).into_response(),
        Err(error) => error_response(error),
    }
}

async fn oruk_service_changes(State(state): State<AppState>, headers: HeaderMap, query: FeedQuery) -> Response {
    let request = match page_request(query) {
        Ok(request) => request,
        Err(error) => return error_response(error),
    };
    match state.directory.oruk_service_changes(&origin(&headers), &request).await {
        Ok(page) => Json(page).into_response(),
        Err(error) => error_response(error),
    }
}

async fn dataset_site_page(headers: HeaderMap) -> Html<String> {
    let base = origin(&headers);
    Html(dataset_site::dataset_site_html(
        &base,
        &format!("{base}{DATASET_SITE_PATH}"),
    ))
}

//! The Open Referral UK 3.0 REST API, under `/oruk`: a thin router over the engine's
//! `publish::oruk` documents and queries. Handlers parse HTTP and call `indexer::Directory`; bad
//! input is a 400 JSON error naming the parameter, an unknown id a 404, never a 500.
//!
//! Endpoints: `GET /` (API info), `/openapi.json`, `/services` (+ `/{id}`),
//! `/service_at_locations` (+ `/{id}`), `/organizations` (+ `/{id}`), `/taxonomies`
//! (+ `/{id}`), `/taxonomy_terms` (+ `/{id}`).

use std::future::Future;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use indexer::publish::oruk::{self, query::uuid, ListQuery, ServiceQuery, TermQuery};
use indexer::Error;
use serde::Serialize;

use crate::rest::error_response;
use crate::AppState;

/// The ORUK routes, to nest under `/oruk`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(info))
        .route("/openapi.json", get(openapi))
        .route("/services", get(services))
        .route("/services/{id}", get(service))
        .route("/service_at_locations", get(service_at_locations))
        .route("/service_at_locations/{id}", get(service_at_location))
        .route("/organizations", get(organizations))
        .route("/organizations/{id}", get(organization))
        .route("/taxonomies", get(taxonomies))
        .route("/taxonomies/{id}", get(taxonomy))
        .route("/taxonomy_terms", get(taxonomy_terms))
        .route("/taxonomy_terms/{id}", get(taxonomy_term))
        .fallback(unknown_path)
}

type Params = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The query's parameters, or a 400 when the query string is not one.
fn params(params: Params) -> Result<Vec<(String, String)>, Error> {
    params
        .map(|Query(params)| params)
        .map_err(|rejection| Error::invalid("query", format!("not a query string ({rejection})")))
}

/// Runs a read and answers its document as JSON, or its error.
async fn answer<T: Serialize>(read: impl Future<Output = Result<T, Error>>) -> Response {
    match read.await {
        Ok(document) => Json(document).into_response(),
        Err(error) => error_response(error),
    }
}

/// The absolute base of this API as the client reached it.
fn base_url(headers: &HeaderMap) -> String {
    format!("{}/oruk", crate::rest::origin(headers))
}

/// `GET /oruk` (and `/oruk/`): the API's version, profile and OpenAPI file.
pub async fn info(State(state): State<AppState>, headers: HeaderMap) -> Response {
    Json(state.directory.oruk_info(&base_url(&headers))).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], oruk::OPENAPI_JSON).into_response()
}

async fn services(State(state): State<AppState>, query: Params) -> Response {
    answer(async {
        let query = ServiceQuery::parse(&params(query)?)?;
        state.directory.oruk_service_list(&query).await
    })
    .await
}

async fn service(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    answer(async { state.directory.oruk_service(uuid("id", &id)?).await }).await
}

async fn service_at_locations(State(state): State<AppState>, query: Params) -> Response {
    answer(async {
        let query = ServiceQuery::parse(&params(query)?)?;
        state.directory.oruk_service_at_locations(&query).await
    })
    .await
}

async fn service_at_location(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    answer(async { state.directory.oruk_service_at_location(uuid("id", &id)?).await }).await
}

async fn organizations(State(state): State<AppState>, query: Params) -> Response {
    answer(async {
        let list = ListQuery::parse(&params(query)?)?;
        state.directory.oruk_organizations(list).await
    })
    .await
}

async fn organization(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    answer(async { state.directory.oruk_organization(uuid("id", &id)?).await }).await
}

async fn taxonomies(State(state): State<AppState>, query: Params) -> Response {
    answer(async { Ok(state.directory.oruk_taxonomies(ListQuery::parse(&params(query)?)?)) }).await
}

async fn taxonomy(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    answer(async { state.directory.oruk_taxonomy(uuid("id", &id)?) }).await
}

async fn taxonomy_terms(State(state): State<AppState>, query: Params) -> Response {
    answer(async { Ok(state.directory.oruk_taxonomy_terms(TermQuery::parse(&params(query)?)?)) }).await
}

async fn taxonomy_term(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    answer(async { state.directory.oruk_taxonomy_term(uuid("id", &id)?) }).await
}

async fn unknown_path() -> Response {
    error_response(Error::not_found("path", "under /oruk"))
}

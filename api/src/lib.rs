//! The directory's GraphQL/HTTP adapter: a thin layer over the `indexer` engine.
//!
//! # Layout
//! - [`graphql`]: the schema (types wrap engine types; errors mapped to stable codes).
//! - [`app`]: the axum router: `POST /graphql`, GraphiQL on `GET /graphql` (its files on
//!   `GET /graphiql/…`, served from the binary), `GET /healthz`.
//! - [`maps`]: `GET /maps/gaps.svg`, a gap report drawn as a map.
//! - [`oruk`]: the Open Referral UK 3.0 REST API under `/oruk`.
//! - [`feeds`]: OpenActive RPDE feeds and dataset site under `/openactive`, and the change sync.
//! - [`serve`]: run the router on a listener until `shutdown` resolves.
//! - [`auth`]: bearer tokens and per-client rate limits.
//! - [`config`]: the server's command-line flags.

pub mod auth;
pub mod config;
pub mod feeds;
pub mod graphql;
pub mod maps;
pub mod oruk;
pub mod rest;

use std::future::Future;
use std::net::SocketAddr;

use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use indexer::Directory;
use tokio::net::TcpListener;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{Limiter, RateLimits};
use crate::graphql::error::BAD_REQUEST;
use crate::graphql::DirectorySchema;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub directory: Directory,
    pub schema: DirectorySchema,
    pub limiter: Limiter,
}

impl AppState {
    /// With the default rate limits.
    pub fn new(directory: Directory) -> AppState {
        AppState::with_limits(directory, RateLimits::default())
    }

    pub fn with_limits(directory: Directory, limits: RateLimits) -> AppState {
        AppState {
            schema: graphql::build_schema(directory.clone()),
            directory,
            limiter: Limiter::new(limits),
        }
    }
}

/// The HTTP routes. CORS is open: the read API is public and partner websites call it from browsers.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/graphql") }))
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/graphiql/{file}", get(graphiql_asset))
        .route("/healthz", get(healthz))
        .route("/maps/gaps.svg", get(maps::gaps_svg))
        .merge(rest_routes(state.clone()))
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The REST routes (ORUK API, OpenActive feeds, change sync), admitted by token and rate
/// limit as GraphQL requests are.
fn rest_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .nest("/oruk", oruk::routes())
        .route("/oruk/", get(oruk::info))
        .merge(feeds::routes())
        .layer(axum::middleware::from_fn_with_state(state, rest::admit))
}

/// Serves `app(state)` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limiter = state.limiter.clone();
    let forgetting = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            limiter.forget_idle();
        }
    });
    let refreshing = tokio::spawn(feeds::refresh_sessions_every(state.directory.clone()));
    // Registered import sources with a refresh interval are run when due.
    let importing = tokio::spawn(indexer::imports::refresh::refresh_sources(state.directory.clone()));
    let served = axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    forgetting.abort();
    refreshing.abort();
    importing.abort();
    served
}

/// Runs a GraphQL request as the viewer its bearer token names (anonymous without one).
async fn graphql_handler(
    State(state): State<AppState>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let request = match request {
        Ok(request) => request,
        Err(rejection) => {
            let message = format!("the request is not a GraphQL request: {}", rejection.0);
            return auth::error_response(StatusCode::BAD_REQUEST, &message, BAD_REQUEST, serde_json::Value::Null);
        }
    };
    let client = client.map(|Extension(ConnectInfo(address))| address);
    match auth::admit(&state.directory, &state.limiter, &headers, client).await {
        Ok(viewer) => {
            GraphQLResponse::from(state.schema.execute(request.into_inner().data(viewer)).await).into_response()
        }
        Err(response) => response,
    }
}

/// GraphiQL, whose scripts and styles this server serves itself (`api/assets/graphiql`): the
/// page works with no internet connection.
async fn graphiql() -> Html<&'static str> {
    Html(include_str!("../assets/graphiql/index.html"))
}

/// GraphiQL's files, by name: (name, content type, contents).
const GRAPHIQL_ASSETS: [(&str, &str, &[u8]); 4] = [
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
];

async fn graphiql_asset(Path(file): Path<String>) -> Response {
    match GRAPHIQL_ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Liveness and readiness: 200 with counts when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.directory.store().count("services").await {
        Ok(services) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ok", "places": state.directory.places().len(), "services": services })),
        ),
        Err(error) => {
            tracing::error!(?error, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable" })),
            )
        }
    }
}

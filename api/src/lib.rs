//! The directory's GraphQL/HTTP adapter: a thin layer over the `indexer` engine.
//!
//! # Layout
//! - [`graphql`]: the schema (types wrap engine types; errors mapped to stable codes).
//! - [`app`]: the axum router: `/graphql` ([`endpoint`]: POST, read-only GET for JSON clients,
//!   GraphiQL for browsers, its files on `GET /graphiql/…`, served from the binary), `/healthz`.
//! - [`admission`]: the gate before any handler: client ([`client`]), token and rate limit
//!   ([`auth`]), body size.
//! - [`server`]: the accept loop with a connection limit, idle and header timeouts.
//! - [`maps`]: `GET /maps/gaps.svg`, a gap report drawn as a map.
//! - [`oruk`]: the Open Referral UK 3.0 REST API under `/oruk`.
//! - [`pages`]: residents' pages under `/find` (search, listings, help, shortlist) and `/embed.js`.
//! - [`feeds`]: OpenActive RPDE feeds and dataset site under `/openactive`, and the change sync.
//! - [`serve`]: run the router on a listener until `shutdown` resolves.
//! - [`config`]: the server's command-line flags and [`config::ServerOptions`].
//! - [`metrics`]: `GET /metrics` (Prometheus) and the access log.

pub mod admission;
pub mod auth;
pub mod client;
pub mod config;
pub mod endpoint;
pub mod feeds;
pub mod graphql;
pub mod maps;
pub mod metrics;
pub mod oruk;
pub mod pages;
pub mod rest;
pub mod server;

use std::future::Future;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use indexer::Directory;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{Limiter, RateLimits};
use crate::config::ServerOptions;
use crate::graphql::DirectorySchema;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub directory: Directory,
    pub schema: DirectorySchema,
    pub limiter: Limiter,
    pub options: Arc<ServerOptions>,
    /// Turns to execute a GraphQL request (`options.query_concurrency` of them).
    pub queries: Arc<Semaphore>,
    /// Request counts and latencies for `/metrics`.
    pub metrics: metrics::Metrics,
}

impl AppState {
    /// With the default options.
    pub fn new(directory: Directory) -> AppState {
        AppState::with_options(directory, ServerOptions::default())
    }

    /// With the default options but these rate limits.
    pub fn with_limits(directory: Directory, limits: RateLimits) -> AppState {
        AppState::with_options(
            directory,
            ServerOptions {
                rate_limits: limits,
                ..ServerOptions::default()
            },
        )
    }

    pub fn with_options(directory: Directory, options: ServerOptions) -> AppState {
        AppState {
            schema: graphql::build_schema(directory.clone()),
            directory,
            limiter: Limiter::new(options.rate_limits),
            queries: Arc::new(Semaphore::new(options.query_concurrency.max(1))),
            metrics: metrics::Metrics::new(),
            options: Arc::new(options),
        }
    }
}

/// The HTTP routes. CORS is open to any origin unless `--cors-origins` lists some: the read
/// API is public and partner websites call it from browsers, sending their token in `Authorization` (which a wildcard
/// `Access-Control-Allow-Headers` would not cover under the Fetch standard, so it is listed).
pub fn app(state: AppState) -> Router {
    let origins: Vec<HeaderValue> = state
        .options
        .cors_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    let allowed = if origins.is_empty() {
        AllowOrigin::from(Any)
    } else {
        AllowOrigin::list(origins)
    };
    let cors = CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods(AllowMethods::list([Method::GET, Method::POST, Method::OPTIONS]))
        .allow_headers(AllowHeaders::list([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("x-requested-with"),
        ]))
        .expose_headers([header::RETRY_AFTER]);
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/graphql") }))
        .route("/graphiql/{file}", get(graphiql_asset))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::serve_metrics))
        .merge(pages::assets())
        .merge(admitted_routes(state.clone()))
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::observe))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// A request's log span: its method and path, never its query, which holds what residents type
/// into the search page (and GraphQL GET variables), and is not to be logged.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// The routes that answer from the directory (GraphQL, the map, the ORUK API, OpenActive
/// feeds, change sync): each request is admitted by token, rate limit and body size first.
fn admitted_routes(state: AppState) -> Router<AppState> {
    let max_body = state.options.max_body_bytes;
    Router::new()
        .route("/graphql", get(endpoint::get).post(endpoint::post))
        .route("/maps/gaps.svg", get(maps::gaps_svg))
        .nest("/oruk", oruk::routes())
        .route("/oruk/", get(oruk::info))
        .merge(feeds::routes())
        .merge(pages::routes())
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(axum::middleware::from_fn_with_state(state, admission::admit))
}

/// Serves `app(state)` on `listener` until `shutdown` resolves, then finishes in-flight requests
/// (within the connection limits and timeouts of `state.options`).
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
    let watching = {
        let directory = state.directory.clone();
        tokio::spawn(async move {
            let (every, limit) = (std::time::Duration::from_secs(1), std::time::Duration::from_secs(2));
            directory.watch_database(every, limit).await
        })
    };
    let warming = {
        let directory = state.directory.clone();
        tokio::spawn(async move { directory.warm_gap_reports().await })
    };
    let limits = state.options.connections;
    let served = server::run(listener, app(state), limits, shutdown).await;
    forgetting.abort();
    refreshing.abort();
    importing.abort();
    warming.abort();
    watching.abort();
    served
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

/// How old the server's own database check (`Directory::watch_database`, every second) may be
/// for `/healthz` to answer from it; older (no watcher running), the probe asks the database.
const DATABASE_CHECK_FRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// Liveness and readiness: 200 when the database answers, 503 otherwise. It answers from
/// memory: the newest of the server's own database checks, and the search index's document
/// count (`searchable`). So it stays quick while heavy reports hold every database connection,
/// and probes add no load.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let answered = match state.directory.database_check() {
        Some(check) if check.at.elapsed() < DATABASE_CHECK_FRESH => check.answered,
        _ => {
            let asked = tokio::time::timeout(std::time::Duration::from_secs(2), state.directory.ping()).await;
            if !matches!(asked, Ok(Ok(()))) {
                tracing::error!(?asked, "health check: the database did not answer");
            }
            matches!(asked, Ok(Ok(())))
        }
    };
    if answered {
        (
            StatusCode::OK,
            Json(serde_json::json!({
                "status": "ok",
                "places": state.directory.places().len(),
                "searchable": state.directory.search_index().num_docs(),
            })),
        )
    } else if state.directory.shares_its_database() {
        // A replica of a shared PostgreSQL keeps answering searches from its own index while the
        // database is away: degraded, not out of service (writes get `UNAVAILABLE`).
        (
            StatusCode::OK,
            Json(serde_json::json!({
                "status": "degraded",
                "database": "unavailable",
                "places": state.directory.places().len(),
                "searchable": state.directory.search_index().num_docs(),
            })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable" })),
        )
    }
}

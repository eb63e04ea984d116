//! The directory's GraphQL/HTTP adapter: a thin layer over the `indexer` engine.
//!
//! # Layout
//! - [`graphql`]: the schema (types wrap engine types; errors mapped to stable codes).
//! - [`app`]: the axum router: `POST /graphql`, GraphiQL on `GET /graphql`, `GET /healthz`.
//! - [`maps`]: `GET /maps/gaps.svg`, a gap report drawn as a map.
//! - [`serve`]: run the router on a listener until `shutdown` resolves.
//! - [`config`]: the server's command-line flags.

pub mod config;
pub mod graphql;
pub mod maps;

use std::future::Future;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use axum::{Json, Router};
use indexer::Directory;
use tokio::net::TcpListener;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

use crate::graphql::DirectorySchema;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub directory: Directory,
    pub schema: DirectorySchema,
}

impl AppState {
    pub fn new(directory: Directory) -> AppState {
        AppState {
            schema: graphql::build_schema(directory.clone()),
            directory,
        }
    }
}

/// The HTTP routes. CORS is open: the read API is public and partner websites call it from browsers.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/graphql") }))
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/healthz", get(healthz))
        .route("/maps/gaps.svg", get(maps::gaps_svg))
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}

async fn graphql_handler(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    state.schema.execute(request.into_inner()).await.into()
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Community asset directory")
            .finish(),
    )
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

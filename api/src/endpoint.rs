//! GraphQL over HTTP: `POST /graphql`, read-only `GET /graphql?query=…` for clients that ask
//! for JSON (so HTTP caches and CDNs can keep answers), and GraphiQL for browsers.
//!
//! Every request runs off the async workers, on the blocking pool, with at most
//! `query_concurrency` at once and within `request_timeout`: a heavy report or a hostile query
//! then cannot stop the server from accepting connections or answering `/healthz`. Answers
//! larger than [`MAX_RESPONSE_BYTES`] are refused rather than sent.

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::GraphQLRequest;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use indexer::accounts::Viewer;

use crate::admission::ClientKey;
use crate::auth::error_response;
use crate::graphql::error::{BAD_REQUEST, INTERNAL};
use crate::AppState;

/// Largest answer sent, in bytes of JSON.
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

pub const TIMEOUT: &str = "TIMEOUT";
pub const RESPONSE_TOO_LARGE: &str = "RESPONSE_TOO_LARGE";
pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";

/// `POST /graphql`: runs the request as the viewer admission found.
pub async fn post(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(client): Extension<ClientKey>,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    match request {
        Ok(request) => execute(&state, request.into_inner(), viewer, client).await,
        Err(rejection) => rejected(rejection),
    }
}

/// `GET /graphql`: a read-only query when the client asks for JSON and sends `query`; else
/// GraphiQL (whose scripts this server serves itself, so it works offline).
pub async fn get(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(client): Extension<ClientKey>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| {
            accept.contains("application/json") || accept.contains("application/graphql-response+json")
        });
    if !wants_json {
        return Html(include_str!("../assets/graphiql/index.html")).into_response();
    }
    let request = match request {
        Ok(request) => request.into_inner(),
        Err(rejection) => return rejected(rejection),
    };
    if is_mutation(&request) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are sent with POST",
            METHOD_NOT_ALLOWED,
            serde_json::Value::Null,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let mut response = execute(&state, request, viewer, client).await;
    if response.status() == StatusCode::OK {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept, Authorization"));
    }
    response
}

/// Whether the operation the request would run is a mutation (unparseable requests are left
/// to execution, which reports the parse error with its code).
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(operations) => match &request.operation_name {
            Some(name) => operations
                .get(name.as_str())
                .is_some_and(|operation| operation.node.ty == OperationType::Mutation),
            None => false,
        },
    }
}

/// A body that is not a GraphQL request: 400 `BAD_REQUEST`, or 413 when it was too long.
fn rejected(rejection: GraphQLRejection) -> Response {
    let detail = rejection.0.to_string();
    if detail.contains("length limit exceeded") {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
            PAYLOAD_TOO_LARGE,
            serde_json::Value::Null,
        );
    }
    let message = format!("the request is not a GraphQL request: {detail}");
    error_response(StatusCode::BAD_REQUEST, &message, BAD_REQUEST, serde_json::Value::Null)
}

/// Runs one request on the blocking pool within the concurrency limit and the time limit.
async fn execute(state: &AppState, request: async_graphql::Request, viewer: Viewer, client: ClientKey) -> Response {
    if request.query.trim().is_empty() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "the request has no query",
            BAD_REQUEST,
            serde_json::json!({ "field": "query" }),
        );
    }
    let deadline = tokio::time::Instant::now() + state.options.request_timeout;
    let Ok(Ok(permit)) = tokio::time::timeout_at(deadline, state.queries.clone().acquire_owned()).await else {
        return timed_out(state);
    };
    let (schema, metrics) = (state.schema.clone(), state.metrics.clone());
    let runtime = tokio::runtime::Handle::current();
    let task = tokio::task::spawn_blocking(move || {
        let (query, operation_name) = (request.query.clone(), request.operation_name.clone());
        let response = runtime.block_on(schema.execute(request.data(viewer).data(client)));
        drop(permit);
        let (operation, outcome) = crate::metrics::operation_label(&query, operation_name.as_deref(), &response);
        metrics.record_operation(&operation, &outcome);
        serde_json::to_vec(&response)
    });
    match tokio::time::timeout_at(deadline, task).await {
        Ok(Ok(Ok(body))) if body.len() <= MAX_RESPONSE_BYTES => {
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Ok(Ok(Ok(body))) => {
            tracing::warn!(bytes = body.len(), "graphql answer refused as too large");
            error_response(
                StatusCode::OK,
                &format!(
                    "the answer would be {} MB, over the limit of {} MB; ask for fewer fields or aliases",
                    body.len() >> 20,
                    MAX_RESPONSE_BYTES >> 20
                ),
                RESPONSE_TOO_LARGE,
                serde_json::Value::Null,
            )
        }
        Ok(Ok(Err(error))) => {
            tracing::error!(%error, "graphql answer could not be written");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                INTERNAL,
                serde_json::Value::Null,
            )
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "graphql execution failed");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                INTERNAL,
                serde_json::Value::Null,
            )
        }
        Err(_) => timed_out(state),
    }
}

fn timed_out(state: &AppState) -> Response {
    let seconds = state.options.request_timeout.as_secs();
    let mut response = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("the request took longer than {seconds} s and was stopped"),
        TIMEOUT,
        serde_json::Value::Null,
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

//! What the REST routes (the ORUK API, the OpenActive feeds, the change sync) share: the
//! public origin a request reached and the one JSON error body. Admission (tokens, rate
//! limits, body size) is [`crate::admission`], shared with GraphQL.
//!
//! Errors have GraphQL's shape, so a client reads every error of this server one way:
//! `{"errors":[{"message":…,"extensions":{"code":"BAD_USER_INPUT","field":"per_page"}}]}`
//! (400, `field` names the query parameter), `NOT_FOUND` (404), `INTERNAL` (500, cause logged,
//! never sent), and `RATE_LIMITED` (429) or `UNAUTHENTICATED` (401) from admission.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use indexer::Error;

use crate::graphql::error::{BAD_USER_INPUT, INTERNAL, NOT_FOUND};

/// The public origin of the request (`http://host:port`, no trailing slash): `Host`, and
/// `X-Forwarded-Proto` behind a proxy (default `http`). A missing or malformed `Host` gives
/// `localhost`.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| !host.is_empty() && host.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .filter(|scheme| *scheme == "https" || *scheme == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The engine's error as the JSON error body: 400 naming the parameter, 404, else a logged
/// 500 that says nothing of its cause.
pub fn error_response(error: Error) -> Response {
    match error {
        Error::InvalidInput { field, message } => crate::auth::error_response(
            StatusCode::BAD_REQUEST,
            &format!("{field}: {message}"),
            BAD_USER_INPUT,
            serde_json::json!({ "field": field }),
        ),
        not_found @ Error::NotFound { .. } => crate::auth::error_response(
            StatusCode::NOT_FOUND,
            &not_found.to_string(),
            NOT_FOUND,
            serde_json::Value::Null,
        ),
        other => {
            tracing::error!(error = ?other, "rest request failed");
            crate::auth::error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                INTERNAL,
                serde_json::Value::Null,
            )
        }
    }
}

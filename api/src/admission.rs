//! The one gate every API request passes before its body is read: who the client is (through
//! trusted proxies), its token, its rate limit, and the size of its body.
//!
//! Running as middleware, ahead of the handlers' extractors, means an over-limit client is
//! refused before its body is parsed, and a body over `max_body_bytes` is refused from its
//! `Content-Length` alone (bodies without one are cut off at the limit as they stream).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Extension;

use crate::auth::error_response;
use crate::endpoint::PAYLOAD_TOO_LARGE;
use crate::AppState;

/// The rate-limit key of the request's client (its address or IPv6 /64), for handlers that
/// keep per-client state.
#[derive(Debug, Clone)]
pub struct ClientKey(pub String);

/// Middleware: admits the request (token, rate limit, body size) and hands the handlers its
/// [`indexer::accounts::Viewer`] and [`ClientKey`] as request extensions; else answers 401,
/// 413 or 429 with a coded JSON error.
pub async fn admit(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(address))| address);
    let client = state.options.trusted_proxies.client_key(peer, request.headers());
    let viewer = match crate::auth::admit(&state.directory, &state.limiter, request.headers(), &client).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > state.options.max_body_bytes as u64) {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the request body is over the limit of {} bytes",
                state.options.max_body_bytes
            ),
            PAYLOAD_TOO_LARGE,
            serde_json::Value::Null,
        );
    }
    request.extensions_mut().insert(viewer);
    request.extensions_mut().insert(ClientKey(client));
    next.run(request).await
}

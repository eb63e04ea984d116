//! Who a request is from (the bearer token) and how often they may ask (per-client rate limits).
//!
//! Anonymous callers are limited per client address; anyone with a token (partners, editors,
//! moderators) per token holder, at a higher rate. Over the limit: HTTP 429 with a GraphQL error
//! `RATE_LIMITED` and `Retry-After`. An unknown or revoked token: HTTP 401, `UNAUTHENTICATED`
//! (never silently anonymous, so a partner notices a revoked key).

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use indexer::accounts::Viewer;
use indexer::Directory;

use crate::graphql::error::{RATE_LIMITED, UNAUTHENTICATED};

/// Requests per minute, per client.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    pub anonymous_per_minute: u32,
    pub authenticated_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            anonymous_per_minute: 600,
            authenticated_per_minute: 6_000,
        }
    }
}

/// The rate limiters, one per kind of caller, keyed by client.
#[derive(Clone)]
pub struct Limiter {
    anonymous: Arc<DefaultKeyedRateLimiter<String>>,
    authenticated: Arc<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Limiter {
        Limiter {
            anonymous: Arc::new(RateLimiter::keyed(quota(limits.anonymous_per_minute))),
            authenticated: Arc::new(RateLimiter::keyed(quota(limits.authenticated_per_minute))),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` if the caller may go ahead, else how many seconds to wait.
    fn check(&self, viewer: &Viewer, client: Option<SocketAddr>) -> Result<(), u64> {
        let (limiter, key) = match &viewer.principal {
            Some(principal) => (&self.authenticated, principal.id.to_string()),
            None => (
                &self.anonymous,
                client.map(|address| address.ip().to_string()).unwrap_or_default(),
            ),
        };
        limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// Forgets clients not seen for a while (call now and then to bound memory).
    pub fn forget_idle(&self) {
        self.anonymous.retain_recent();
        self.authenticated.retain_recent();
    }
}

/// A GraphQL-shaped error response outside GraphQL execution.
pub(crate) fn error_response(status: StatusCode, message: &str, code: &str, extra: serde_json::Value) -> Response {
    let mut extensions = serde_json::json!({ "code": code });
    if let (Some(extensions), Some(extra)) = (extensions.as_object_mut(), extra.as_object()) {
        extensions.extend(extra.clone());
    }
    (
        status,
        Json(serde_json::json!({ "errors": [{ "message": message, "extensions": extensions }] })),
    )
        .into_response()
}

/// The viewer a request's `Authorization` header names, after the rate limit; or the response
/// to send instead.
pub async fn admit(
    directory: &Directory,
    limiter: &Limiter,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
) -> Result<Viewer, Response> {
    let viewer = match headers.get(header::AUTHORIZATION) {
        None => Viewer::anonymous(),
        Some(value) => {
            let token = value
                .to_str()
                .ok()
                .and_then(|text| text.strip_prefix("Bearer ").or_else(|| text.strip_prefix("bearer ")))
                .map(str::trim)
                .filter(|token| !token.is_empty());
            let Some(token) = token else {
                return Err(unauthenticated("the Authorization header must be `Bearer <token>`"));
            };
            match directory.store().authenticate(token).await {
                Ok(principal) => Viewer::of(principal),
                Err(indexer::Error::Unauthenticated(message)) => return Err(unauthenticated(&message)),
                Err(error) => {
                    tracing::error!(?error, "token check failed");
                    return Err(error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal error",
                        crate::graphql::error::INTERNAL,
                        serde_json::Value::Null,
                    ));
                }
            }
        }
    };
    if let Err(wait_seconds) = limiter.check(&viewer, client) {
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("too many requests; try again in {wait_seconds} s"),
            RATE_LIMITED,
            serde_json::json!({ "retryAfterSeconds": wait_seconds }),
        );
        if let Ok(value) = HeaderValue::from_str(&wait_seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Err(response);
    }
    Ok(viewer)
}

fn unauthenticated(message: &str) -> Response {
    let mut response = error_response(
        StatusCode::UNAUTHORIZED,
        message,
        UNAUTHENTICATED,
        serde_json::Value::Null,
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

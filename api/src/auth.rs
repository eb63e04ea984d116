//! Who a request is from (the bearer token) and how often they may ask (per-client rate limits).
//!
//! Anonymous callers are limited per client address; anyone with a token (partners, editors,
//! moderators) per token holder, at a higher rate. Over the limit: HTTP 429 with a GraphQL error
//! `RATE_LIMITED` and `Retry-After`. An unknown or revoked token: HTTP 401, `UNAUTHENTICATED`
//! (never silently anonymous, so a partner notices a revoked key).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

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
    /// Clients over their anonymous limit, until when (checked before any token lookup).
    refused: Arc<Mutex<HashMap<String, std::time::Instant>>>,
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
            refused: Arc::default(),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` if the caller may go ahead, else how many seconds to wait. Anonymous callers are
    /// counted by `client` (their address, see [`crate::client`]), token holders by principal.
    fn check(&self, viewer: &Viewer, client: &str) -> Result<(), u64> {
        match &viewer.principal {
            Some(principal) => self.wait(&self.authenticated, &principal.id.to_string()),
            None => self.check_address(client),
        }
    }

    fn check_address(&self, client: &str) -> Result<(), u64> {
        self.wait(&self.anonymous, client)
    }

    /// Counts a request with an unknown token against the anonymous limit of `client`; over
    /// it, remembers until when, so that further requests with tokens from that client are
    /// refused without a token lookup (made-up tokens then cost the database nothing).
    fn charge_failed_token(&self, client: &str) -> Result<(), u64> {
        self.wait(&self.anonymous, client).inspect_err(|&wait_seconds| {
            let until = std::time::Instant::now() + std::time::Duration::from_secs(wait_seconds);
            if let Ok(mut refused) = self.refused.lock() {
                refused.insert(client.to_string(), until);
            }
        })
    }

    /// Seconds `client` must still wait after going over its anonymous limit, if any.
    fn refused_for(&self, client: &str) -> Option<u64> {
        let refused = self.refused.lock().ok()?;
        let until = *refused.get(client)?;
        let left = until.checked_duration_since(std::time::Instant::now())?;
        Some(left.as_secs().max(1))
    }

    fn wait(&self, limiter: &DefaultKeyedRateLimiter<String>, key: &str) -> Result<(), u64> {
        limiter
            .check_key(&key.to_string())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// Forgets clients not seen for a while (call now and then to bound memory).
    pub fn forget_idle(&self) {
        self.anonymous.retain_recent();
        self.authenticated.retain_recent();
        if let Ok(mut refused) = self.refused.lock() {
            let now = std::time::Instant::now();
            refused.retain(|_, until| *until > now);
        }
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
/// to send instead. `client` is the caller's rate-limit key (its address or /64).
///
/// A request whose token is unknown or revoked counts against its address's anonymous limit,
/// and once the address is over it, its requests are refused before any token lookup: made-up
/// tokens cannot be used to skip the limit or to load the database.
pub async fn admit(
    directory: &Directory,
    limiter: &Limiter,
    headers: &HeaderMap,
    client: &str,
) -> Result<Viewer, Response> {
    let viewer = match headers.get(header::AUTHORIZATION) {
        None => Viewer::anonymous(),
        Some(value) => {
            if let Some(wait_seconds) = limiter.refused_for(client) {
                return Err(too_many_requests(wait_seconds));
            }
            let Some(token) = value.to_str().ok().and_then(bearer_token) else {
                limiter.charge_failed_token(client).map_err(too_many_requests)?;
                return Err(unauthenticated("the Authorization header must be `Bearer <token>`"));
            };
            match directory.authenticate(token).await {
                Ok(principal) => Viewer::of(principal),
                Err(indexer::Error::Unauthenticated(message)) => {
                    limiter.charge_failed_token(client).map_err(too_many_requests)?;
                    return Err(unauthenticated(&message));
                }
                Err(error) if error.is_database_unreachable() => {
                    tracing::warn!(?error, "token check: the database cannot be reached");
                    return Err(error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the database cannot be reached just now; try again shortly",
                        crate::graphql::error::UNAVAILABLE,
                        serde_json::Value::Null,
                    ));
                }
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
    limiter.check(&viewer, client).map_err(too_many_requests)?;
    Ok(viewer)
}

/// The token of `Bearer <token>`; the scheme is case-insensitive (RFC 9110 section 11.1).
fn bearer_token(text: &str) -> Option<&str> {
    let (scheme, token) = text.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// 429 with `RATE_LIMITED`, `extensions.retryAfterSeconds` and `Retry-After`.
pub(crate) fn too_many_requests(wait_seconds: u64) -> Response {
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("too many requests; try again in {wait_seconds} s"),
        RATE_LIMITED,
        serde_json::json!({ "retryAfterSeconds": wait_seconds }),
    );
    if let Ok(value) = HeaderValue::from_str(&wait_seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
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

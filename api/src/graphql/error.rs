//! The one mapping from engine errors to GraphQL errors with a stable `extensions.code`.
//!
//! Codes: `BAD_USER_INPUT` (with `extensions.field`, the argument at fault), `NOT_FOUND` (with
//! `extensions.field` when an argument named the missing thing), `FORBIDDEN` (the caller may not
//! do this; nothing changed), `UNAUTHENTICATED` (an unknown or revoked token), `CONFLICT` (an
//! update based on an old `version`; `extensions.currentVersion` says the stored one; or, with
//! `extensions.retry` true and no version, a write the database undid because it collided with
//! another at the same moment),
//! `RATE_LIMITED` (too many requests; `extensions.retryAfterSeconds`), `BAD_REQUEST` (the HTTP
//! body is not a GraphQL request), `UNAVAILABLE` (the database cannot be reached: a shared
//! PostgreSQL is down or restarting; retry shortly, searches keep working), `INTERNAL` (details
//! logged, never sent).

use async_graphql::{Error as GqlError, ErrorExtensions};
use indexer::Error;

pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const INTERNAL: &str = "INTERNAL";
pub const FORBIDDEN: &str = "FORBIDDEN";
pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
pub const CONFLICT: &str = "CONFLICT";
pub const RATE_LIMITED: &str = "RATE_LIMITED";
pub const BAD_REQUEST: &str = "BAD_REQUEST";
pub const UNAVAILABLE: &str = "UNAVAILABLE";

/// A GraphQL error with a code and, where known, the argument at fault.
pub fn coded(message: impl Into<String>, code: &'static str, field: Option<&str>) -> GqlError {
    let field = field.map(str::to_string);
    GqlError::new(message).extend_with(|_, extensions| {
        extensions.set("code", code);
        if let Some(field) = &field {
            extensions.set("field", field.as_str());
        }
    })
}

pub fn bad_input(field: &str, message: impl Into<String>) -> GqlError {
    coded(message, BAD_USER_INPUT, Some(field))
}

/// Maps an engine error; `field` is the argument that identified the thing (for `NOT_FOUND`).
pub fn engine_error(error: Error, field: Option<&str>) -> GqlError {
    match error {
        Error::InvalidInput { field, message } => coded(format!("{field}: {message}"), BAD_USER_INPUT, Some(&field)),
        Error::NotFound { kind, id } => coded(format!("{kind} {id} not found"), NOT_FOUND, field),
        Error::Forbidden(message) => coded(message, FORBIDDEN, field),
        Error::Unauthenticated(message) => coded(message, UNAUTHENTICATED, None),
        conflict @ Error::Conflict { current, .. } => coded(conflict.to_string(), CONFLICT, Some("version"))
            .extend_with(|_, extensions| {
                extensions.set("currentVersion", current);
            }),
        collision if collision.is_collision() => {
            tracing::warn!(error = ?collision, "a write collided with another and was undone");
            coded(
                "this write collided with another at the same moment and was undone; nothing was changed; send it again",
                CONFLICT,
                None,
            )
            .extend_with(|_, extensions| extensions.set("retry", true))
        }
        other if other.is_database_unreachable() => {
            tracing::warn!(error = ?other, "the database cannot be reached");
            coded(
                "the database cannot be reached just now; try again shortly",
                UNAVAILABLE,
                None,
            )
        }
        other => {
            tracing::error!(error = ?other, "request failed");
            coded("internal error", INTERNAL, None)
        }
    }
}

/// `?`-friendly conversion for resolvers where no argument is at fault.
pub trait OrInternal<T> {
    fn or_gql(self, field: Option<&str>) -> Result<T, GqlError>;
}

impl<T> OrInternal<T> for Result<T, Error> {
    fn or_gql(self, field: Option<&str>) -> Result<T, GqlError> {
        self.map_err(|error| engine_error(error, field))
    }
}

//! The engine's one error type. The API maps each variant once to a stable GraphQL code.

use std::path::PathBuf;

/// Everything the engine can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller gave a value that cannot be accepted; `field` names the argument at fault.
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },

    /// A well-formed identifier that names nothing stored.
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },

    /// The caller is not allowed to do this; nothing was changed.
    #[error("{0}")]
    Forbidden(String),

    /// A bearer token that is unknown or revoked.
    #[error("{0}")]
    Unauthenticated(String),

    /// An update based on an older version of the listing than the one stored: someone else
    /// changed it meanwhile. Nothing was changed; reload and apply the edit again.
    #[error("{kind} {id} is at version {current}, not {expected}: someone else changed it; reload and try again")]
    Conflict {
        kind: &'static str,
        id: String,
        expected: i64,
        current: i64,
    },

    /// The data directory exists but cannot be used as it is (corrupt or half written).
    #[error("data directory {path}: {reason}")]
    DataDir { path: PathBuf, reason: String },

    /// The bundled seed data could not be read; a build defect, never user input.
    #[error("seed data {file}: {reason}")]
    Seed { file: &'static str, reason: String },

    /// The search index failed; it can always be rebuilt from the database.
    #[error("search index error: {0}")]
    Index(String),

    #[error("database error")]
    Database(#[from] sqlx::Error),

    #[error("database migration error")]
    Migration(#[from] sqlx::migrate::MigrateError),

    #[error("file system error")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Whether the database could not be reached (connection refused or lost, no connection
    /// free in time): a shared PostgreSQL that is down or restarting. Nothing was written.
    pub fn is_database_unreachable(&self) -> bool {
        match self {
            Error::Database(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_),
            ) => true,
            // PostgreSQL's own refusals: a connection exception (class 08), the server shutting
            // down or starting (57P01-57P03), the database gone (3D000).
            Error::Database(sqlx::Error::Database(error)) => error
                .code()
                .is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "3D000")),
            _ => false,
        }
    }

    /// Whether the write was undone because it collided with another at the same moment:
    /// PostgreSQL ended it to break a deadlock (40P01) or could not serialise it (40001).
    /// Nothing was written; the same request sent again normally succeeds.
    pub fn is_collision(&self) -> bool {
        match self {
            Error::Database(sqlx::Error::Database(error)) => {
                error.code().is_some_and(|code| matches!(&*code, "40P01" | "40001"))
            }
            _ => false,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { kind, id: id.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    pub(crate) fn seed(file: &'static str, reason: impl std::fmt::Display) -> Self {
        Error::Seed {
            file,
            reason: reason.to_string(),
        }
    }
}

/// A value that failed to parse, before it is known which argument it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError(message.into())
    }

    /// Attach the name of the argument or field the value came from.
    pub fn for_field(self, field: impl Into<String>) -> Error {
        Error::invalid(field, self.0)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

//! A schema extension that gives every error a stable `extensions.code`, including the ones
//! async-graphql raises itself (parse errors, validation, depth and complexity limits, argument
//! coercion, unknown operations), which otherwise carry only a message.
//!
//! Errors from resolvers already carry their code (see [`super::error`]); this fills in the
//! rest from the stage that raised them, so a client can always branch on the code:
//! `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`, `QUERY_TOO_COMPLEX`, `QUERY_TOO_DEEP`,
//! `BAD_USER_INPUT` (a value that does not fit its type), `BAD_REQUEST` (no such operation).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use super::error::{BAD_REQUEST, BAD_USER_INPUT, INTERNAL};

pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
pub const QUERY_TOO_DEEP: &str = "QUERY_TOO_DEEP";

/// Installs [`ErrorCodes`] on a schema.
pub struct ErrorCodesFactory;

impl ExtensionFactory for ErrorCodesFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

struct ErrorCodes;

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut error| {
            set_code(&mut error, GRAPHQL_PARSE_FAILED);
            error
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errors| {
            for error in &mut errors {
                let code = match error.message.as_str() {
                    "Query is too complex." => QUERY_TOO_COMPLEX,
                    "Query is nested too deep." => QUERY_TOO_DEEP,
                    _ => GRAPHQL_VALIDATION_FAILED,
                };
                set_code(error, code);
            }
            errors
        })
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            if error
                .extensions
                .as_ref()
                .is_some_and(|values| values.get("code").is_some())
            {
                continue;
            }
            let code = if error.message.starts_with("Unknown operation") || error.message.contains("operation name") {
                BAD_REQUEST
            } else if error.message.starts_with("Failed to parse")
                || error.message.starts_with("Invalid value")
                || error.message.contains("Invalid value for argument")
            {
                BAD_USER_INPUT
            } else if error.path.is_empty() {
                GRAPHQL_VALIDATION_FAILED
            } else {
                INTERNAL
            };
            set_code(error, code);
        }
        response
    }
}

fn set_code(error: &mut ServerError, code: &str) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
}

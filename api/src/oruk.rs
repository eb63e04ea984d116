//! The Open Referral UK 3.0 REST API, under `/oruk`: a thin router over the engine's
//! `publish::oruk` documents.

use axum::Router;

use crate::AppState;

/// The ORUK routes, to nest under `/oruk`.
pub fn routes() -> Router<AppState> {
    Router::new()
}

//! OpenActive RPDE feeds and dataset site (`/openactive/...`), and the change sync of ORUK
//! services: thin routes over the engine's `publish::rpde` and `publish::openactive`.

use axum::Router;

use crate::AppState;

/// The feed routes (absolute paths), merged into the app.
pub fn routes() -> Router<AppState> {
    Router::new()
}

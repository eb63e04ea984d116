//! Pictures for people without GIS software: `GET /maps/gaps.svg`, a gap report drawn as a map.
//!
//! Query parameters: `place` (GSS code) and `need` (need code) are required; `maxDistanceKm`
//! (default 5), `population` (`AGE_65_PLUS`, `AGE_50_PLUS`, `ALL`), `includeRemote` and
//! `includeStale` (`true`/`false`) are optional. A bad parameter answers 400 and an unknown
//! place 404, each with a plain-text message.
//!
//! The map names towns and larger villages (from the wards' names: see
//! [`indexer::gaps::labels`]), shades and names the neighbouring Places, has a scale bar and a
//! north arrow, and names each of the largest gaps by ward and nearest town.
//!
//! # Layout
//! - this module: the handler and its parameters.
//! - [`render`]: drawing the SVG.
//! - [`furniture`]: neighbours, place labels, scale bar and north arrow.

mod furniture;
pub mod render;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use indexer::domain::{NeedCode, PlaceCode};
use indexer::gaps::{GapCriteria, MaxDistanceKm, PopulationGroup};
use indexer::Error;

use crate::AppState;

/// The reach a map uses when the URL gives none.
pub const DEFAULT_MAP_REACH_KM: f64 = 5.0;

/// The parsed query of a map request.
struct MapRequest {
    place: PlaceCode,
    need: NeedCode,
    criteria: GapCriteria,
}

fn plain(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into(),
    )
        .into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    plain(StatusCode::BAD_REQUEST, message)
}

fn flag(params: &HashMap<String, String>, name: &str) -> Result<bool, String> {
    match params.get(name).map(|value| value.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(value) if value == "true" || value == "1" => Ok(true),
        Some(value) if value == "false" || value == "0" => Ok(false),
        Some(value) => Err(format!("{name}: expected true or false, not {value:?}")),
    }
}

/// The query parameters the map takes; any other (a misspelt `maxDistance=3`) is refused
/// rather than silently ignored.
const PARAMETERS: [&str; 6] = [
    "place",
    "need",
    "maxDistanceKm",
    "population",
    "includeRemote",
    "includeStale",
];

/// Parses the query; the error is the plain-text message of a 400.
fn parse(params: &HashMap<String, String>) -> Result<MapRequest, String> {
    let mut unknown: Vec<&str> = params
        .keys()
        .map(String::as_str)
        .filter(|name| !PARAMETERS.contains(name))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        return Err(format!(
            "unknown parameter {}; the map takes {}",
            unknown.join(", "),
            PARAMETERS.join(", ")
        ));
    }
    let required = |name: &str| {
        params
            .get(name)
            .ok_or_else(|| format!("{name}: missing (e.g. /maps/gaps.svg?place=E07000143&need=strength-and-balance)"))
    };
    let place = PlaceCode::parse(required("place")?).map_err(|e| format!("place: {e}"))?;
    let need = NeedCode::parse(required("need")?).map_err(|e| format!("need: {e}"))?;
    let reach = match params.get("maxDistanceKm") {
        None => DEFAULT_MAP_REACH_KM,
        Some(raw) => raw
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("maxDistanceKm: {raw:?} is not a number"))?,
    };
    let max_distance = MaxDistanceKm::parse(reach).map_err(|e| format!("maxDistanceKm: {e}"))?;
    let population = params
        .get("population")
        .map(|raw| PopulationGroup::parse(raw))
        .transpose()
        .map_err(|e| format!("population: {e}"))?
        .unwrap_or_default();
    Ok(MapRequest {
        place,
        need,
        criteria: GapCriteria {
            max_distance,
            population,
            include_remote: flag(params, "includeRemote")?,
            include_stale: flag(params, "includeStale")?,
            day: None,
        },
    })
}

/// `GET /maps/gaps.svg`: the gap report for a Place and need as an SVG map.
pub async fn gaps_svg(State(state): State<AppState>, Query(params): Query<HashMap<String, String>>) -> Response {
    let request = match parse(&params) {
        Ok(request) => request,
        Err(message) => return bad_request(message),
    };
    let map = state
        .directory
        .gap_map(&request.place, request.need, &request.criteria)
        .await;
    match map {
        Ok(map) => {
            let places = state.directory.places();
            let svg = render::svg(&map, &places);
            ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response()
        }
        Err(Error::InvalidInput { field, message }) => bad_request(format!("{field}: {message}")),
        Err(Error::NotFound { kind, id }) => plain(StatusCode::NOT_FOUND, format!("{kind} {id} not found")),
        Err(error) => {
            tracing::error!(?error, "gap map failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

//! Parsing GraphQL arguments into engine types, naming the argument when one is wrong.

use async_graphql::{Context, Error as GqlError, ID};
use indexer::accounts::Viewer;
use indexer::domain::schedule::parse_clock;
use indexer::domain::{GeoPoint, NeedCode, PlaceCode, Postcode};
use indexer::Directory;
use uuid::Uuid;

use super::error::bad_input;

/// The largest page a list returns.
pub const MAX_PAGE_SIZE: i32 = 100;
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// Who is asking: set per request from the bearer token; anonymous when there is none.
pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANONYMOUS: Viewer = Viewer { principal: None };
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

pub fn uuid(field: &str, id: &ID) -> Result<Uuid, GqlError> {
    Uuid::parse_str(id.as_str()).map_err(|_| bad_input(field, format!("{field}: {:?} is not a UUID", id.as_str())))
}

pub fn place_code(field: &str, raw: &str) -> Result<PlaceCode, GqlError> {
    PlaceCode::parse(raw).map_err(|e| bad_input(field, format!("{field}: {e}")))
}

pub fn need_code(field: &str, raw: &str) -> Result<NeedCode, GqlError> {
    NeedCode::parse(raw).map_err(|e| bad_input(field, format!("{field}: {e}")))
}

pub fn postcode(field: &str, raw: &str) -> Result<Postcode, GqlError> {
    Postcode::parse(raw).map_err(|e| bad_input(field, format!("{field}: {e}")))
}

/// A point from `lat`/`lng` arguments (named as in the query).
pub fn point(lat_field: &str, lng_field: &str, lat: f64, lng: f64) -> Result<GeoPoint, GqlError> {
    GeoPoint::new(lat, lng).map_err(|(coordinate, e)| {
        let field = match coordinate {
            indexer::domain::geo_point::Coordinate::Latitude => lat_field,
            indexer::domain::geo_point::Coordinate::Longitude => lng_field,
        };
        bad_input(field, format!("{field}: {e}"))
    })
}

/// A page size in 1..=100 (default 20).
pub fn page_size(first: Option<i32>) -> Result<i64, GqlError> {
    match first.unwrap_or(DEFAULT_PAGE_SIZE) {
        size @ 1..=MAX_PAGE_SIZE => Ok(i64::from(size)),
        size => Err(bad_input(
            "first",
            format!("first: page size must be between 1 and {MAX_PAGE_SIZE}, not {size}"),
        )),
    }
}

/// A local time of day `HH:MM` as minutes after midnight.
pub fn clock(field: &str, raw: Option<&str>) -> Result<Option<u16>, GqlError> {
    raw.map(|raw| parse_clock(raw).map_err(|e| bad_input(field, format!("{field}: {e}"))))
        .transpose()
}

/// A point given as a postcode in the directory's area or as `lat`/`lng` (exactly one of the
/// two); errors name `{prefix}.postcode`, `{prefix}.lat`, `{prefix}.lng` or `prefix`.
pub async fn location(
    directory: &Directory,
    prefix: &str,
    postcode: Option<&str>,
    lat: Option<f64>,
    lng: Option<f64>,
) -> Result<GeoPoint, GqlError> {
    let postcode_field = format!("{prefix}.postcode");
    match (postcode, lat, lng) {
        (Some(raw), None, None) => {
            let postcode = self::postcode(&postcode_field, raw)?;
            // Well formed but unknown: `NOT_FOUND`, as the `postcode` query says it.
            let record = directory
                .postcode(&postcode)
                .await
                .map_err(|error| super::error::engine_error(error, Some(&postcode_field)))?;
            point(&postcode_field, &postcode_field, record.latitude, record.longitude)
        }
        (None, Some(lat), Some(lng)) => point(&format!("{prefix}.lat"), &format!("{prefix}.lng"), lat, lng),
        _ => Err(bad_input(
            prefix,
            format!("{prefix}: give either `postcode`, or both `lat` and `lng`"),
        )),
    }
}

/// Most items a list argument may hold (the need taxonomy, days and features are far fewer;
/// a longer list is a mistake or an attack, and each item costs work).
pub const MAX_LIST_ITEMS: usize = 50;

/// The list, or `BAD_USER_INPUT` naming `field` when it holds more than [`MAX_LIST_ITEMS`].
pub fn bounded<T>(field: &str, list: Option<Vec<T>>) -> Result<Vec<T>, GqlError> {
    let list = list.unwrap_or_default();
    if list.len() > MAX_LIST_ITEMS {
        return Err(bad_input(
            field,
            format!("{field}: at most {MAX_LIST_ITEMS} items, not {}", list.len()),
        ));
    }
    Ok(list)
}

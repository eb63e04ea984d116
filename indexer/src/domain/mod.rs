//! Domain types, parsed at the boundary: once a value is one of these it is valid.
//!
//! # Layout
//! - [`postcode`]: UK postcodes, normalised (`"nr2 4ab"` → `"NR2 4AB"`).
//! - [`geo_point`]: WGS84 points inside the United Kingdom.
//! - [`place`]: GSS codes, place levels and Census 2021 population bands.
//! - [`need`]: the need taxonomy signposting and gap detection speak.
//! - [`schedule`]: next sessions of iCal-like schedules in Europe/London time.
//! - [`language`]: languages as BCP 47 tags (ISO 639 codes), from codes or English names.
//! - [`listing`]: organisations, services, locations, schedules and funds (Open Referral UK 3.0 shaped).

pub mod geo_point;
pub mod language;
pub mod listing;
pub mod need;
pub mod place;
pub mod postcode;
pub mod schedule;
pub mod text;

pub use geo_point::{GeoPoint, LocalPlane};
pub use listing::*;
pub use need::{Need, NeedCode, TAXONOMY};
pub use place::{Place, PlaceCode, PlaceLevel, Population};
pub use postcode::{Postcode, PostcodeRecord};

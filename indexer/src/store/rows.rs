//! Row types as SQLite returns them, and their conversion into domain types. JSON columns hold
//! nested HSDS objects (cost options, contacts, languages) that are never queried on their own.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use crate::domain::*;
use crate::error::{Error, Result};

pub(crate) fn corrupt(what: &str, reason: impl std::fmt::Display) -> Error {
    Error::Database(sqlx::Error::Decode(format!("{what}: {reason}").into()))
}

pub(crate) fn uuid(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|e| corrupt("id", e))
}

pub(crate) fn json<T: DeserializeOwned>(raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(|e| corrupt("json column", e))
}

pub(crate) fn place_code(raw: &str) -> Result<PlaceCode> {
    PlaceCode::parse(raw).map_err(|e| corrupt("place code", e))
}

/// A boolean column as the service feed's JSON gives it: SQLite's 0 or 1.
fn sqlite_bool<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<bool, D::Error> {
    Ok(i64::deserialize(deserializer)? != 0)
}

/// A nullable INTEGER 0/1 column as the service feed's JSON gives it (`null` when unknown).
fn sqlite_optional_bool<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Option<bool>, D::Error> {
    Ok(Option::<i64>::deserialize(deserializer)?.map(|value| value != 0))
}

/// A REAL column the service feed's JSON gives as text with 17 significant digits: SQLite
/// writes JSON numbers with 15, which would move a venue by up to a few nanometres and make
/// its distances differ in the last bits from those of the row read directly.
fn exact_real<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<f64, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    text.parse().map_err(D::Error::custom)
}

pub(crate) fn need_codes(raw: Option<String>) -> Result<Vec<NeedCode>> {
    raw.unwrap_or_default()
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| NeedCode::parse(code).map_err(|e| corrupt("need code", e)))
        .collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlaceRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub age_0_15: Option<i64>,
    pub age_16_24: Option<i64>,
    pub age_25_34: Option<i64>,
    pub age_35_49: Option<i64>,
    pub age_50_64: Option<i64>,
    pub age_65_plus: Option<i64>,
    pub boundary: String,
}

impl PlaceRow {
    pub fn into_place(self) -> Result<(Place, String)> {
        let population = match (
            self.age_0_15,
            self.age_16_24,
            self.age_25_34,
            self.age_35_49,
            self.age_50_64,
            self.age_65_plus,
        ) {
            (Some(age_0_15), Some(age_16_24), Some(age_25_34), Some(age_35_49), Some(age_50_64), Some(age_65_plus)) => {
                Some(Population {
                    age_0_15,
                    age_16_24,
                    age_25_34,
                    age_35_49,
                    age_50_64,
                    age_65_plus,
                })
            }
            _ => None,
        };
        let place = Place {
            code: place_code(&self.code)?,
            name: self.name,
            level: PlaceLevel::parse(&self.level).map_err(|e| corrupt("place level", e))?,
            parent_code: self.parent_code.as_deref().map(place_code).transpose()?,
            population,
        };
        Ok((place, self.boundary))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PostcodeRow {
    pub postcode: String,
    pub latitude: f64,
    pub longitude: f64,
    pub district_code: String,
    pub ward_code: String,
    pub lsoa_code: String,
}

impl PostcodeRow {
    pub fn into_record(self) -> Result<PostcodeRecord> {
        Ok(PostcodeRecord {
            postcode: Postcode::parse(&self.postcode).map_err(|e| corrupt("postcode", e))?,
            latitude: self.latitude,
            longitude: self.longitude,
            district_code: place_code(&self.district_code)?,
            ward_code: place_code(&self.ward_code)?,
            lsoa_code: place_code(&self.lsoa_code)?,
        })
    }
}

/// The moderation and archive columns organisations, services and funds share.
#[derive(sqlx::FromRow, Deserialize)]
pub(crate) struct StateRow {
    pub publication: String,
    pub rejection_reason: Option<String>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    pub archived_at: Option<DateTime<Utc>>,
}

impl StateRow {
    pub fn into_domain(self) -> Result<ListingState> {
        Ok(ListingState {
            publication: Publication::parse(&self.publication).map_err(|e| corrupt("publication", e))?,
            rejection_reason: self.rejection_reason,
            archived_at: self.archived_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub identifiers: String,
    #[sqlx(try_from = "crate::store::db::Flag")]
    pub is_example: bool,
    pub attribution: Option<String>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    pub updated_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[sqlx(flatten)]
    pub state: StateRow,
    #[sqlx(try_from = "crate::store::db::Flag")]
    pub trusted: bool,
    pub postcode: Option<String>,
}

impl OrganizationRow {
    pub fn into_domain(self) -> Result<Organization> {
        Ok(Organization {
            id: uuid(&self.id)?,
            name: self.name,
            description: self.description,
            url: self.url,
            email: self.email,
            phone: self.phone,
            identifiers: json(&self.identifiers)?,
            is_example: self.is_example,
            attribution: self.attribution,
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_reviewed_at: self.last_reviewed_at,
            version: self.version,
            state: self.state.into_domain()?,
            trusted: self.trusted,
            postcode: self.postcode,
        })
    }
}

/// `services.*` plus `needs`, the comma-joined need codes in their stored order. Also read
/// from the service feed's JSON (`store::feed`), where `state` is a nested object.
#[derive(sqlx::FromRow, Deserialize)]
pub(crate) struct ServiceRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: String,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    pub eligibility_description: Option<String>,
    pub delivery_modes: String,
    #[serde(deserialize_with = "sqlite_optional_bool")]
    #[sqlx(try_from = "crate::store::db::MaybeFlag")]
    pub free: Option<bool>,
    pub cost_options: String,
    pub languages: String,
    pub contacts: String,
    pub how_to_join: Option<String>,
    pub activity_concepts: String,
    #[serde(deserialize_with = "sqlite_bool")]
    #[sqlx(try_from = "crate::store::db::Flag")]
    pub is_example: bool,
    pub attribution: Option<String>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    pub updated_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[sqlx(flatten)]
    pub state: StateRow,
    pub needs: Option<String>,
}

impl ServiceRow {
    pub fn into_domain(self) -> Result<Service> {
        Ok(Service {
            id: uuid(&self.id)?,
            organization_id: uuid(&self.organization_id)?,
            name: self.name,
            description: self.description,
            url: self.url,
            email: self.email,
            phone: self.phone,
            status: ServiceStatus::parse(&self.status).map_err(|e| corrupt("status", e))?,
            minimum_age: self.minimum_age,
            maximum_age: self.maximum_age,
            eligibility_description: self.eligibility_description,
            delivery_modes: json(&self.delivery_modes)?,
            free: self.free,
            cost_options: json(&self.cost_options)?,
            languages: json(&self.languages)?,
            contacts: json(&self.contacts)?,
            how_to_join: self.how_to_join,
            needs: need_codes(self.needs)?,
            activity_concepts: json(&self.activity_concepts)?,
            is_example: self.is_example,
            attribution: self.attribution,
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_reviewed_at: self.last_reviewed_at,
            version: self.version,
            state: self.state.into_domain()?,
        })
    }
}

#[derive(sqlx::FromRow, Deserialize)]
pub(crate) struct LocationRow {
    pub id: String,
    pub name: String,
    pub address_1: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    #[serde(deserialize_with = "exact_real")]
    pub latitude: f64,
    #[serde(deserialize_with = "exact_real")]
    pub longitude: f64,
    pub accessibility: String,
    #[serde(deserialize_with = "sqlite_bool")]
    #[sqlx(try_from = "crate::store::db::Flag")]
    pub is_example: bool,
    pub organization_id: Option<String>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl LocationRow {
    pub fn into_domain(self) -> Result<Location> {
        Ok(Location {
            id: uuid(&self.id)?,
            name: self.name,
            address_1: self.address_1,
            city: self.city,
            postcode: self.postcode,
            latitude: self.latitude,
            longitude: self.longitude,
            accessibility: json(&self.accessibility)?,
            is_example: self.is_example,
            organization_id: self.organization_id.as_deref().map(uuid).transpose()?,
            archived_at: self.archived_at,
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow, Deserialize)]
pub(crate) struct ScheduleRow {
    pub id: String,
    pub service_id: String,
    pub location_id: Option<String>,
    pub freq: String,
    pub interval: i64,
    pub byday: String,
    pub opens_at: String,
    pub closes_at: String,
    #[sqlx(try_from = "crate::store::db::MaybeDay")]
    pub valid_from: Option<NaiveDate>,
    #[sqlx(try_from = "crate::store::db::MaybeDay")]
    pub valid_to: Option<NaiveDate>,
    pub description: Option<String>,
    /// JSON array of `{date, reason}` (migration 0011).
    pub exceptions: String,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl ScheduleRow {
    pub fn into_domain(self) -> Result<Schedule> {
        Ok(Schedule {
            id: uuid(&self.id)?,
            service_id: uuid(&self.service_id)?,
            location_id: self.location_id.as_deref().map(uuid).transpose()?,
            freq: Frequency::parse(&self.freq).map_err(|e| corrupt("freq", e))?,
            interval: self.interval,
            byday: self.byday,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            description: self.description,
            exceptions: crate::domain::schedule::sort_exceptions(json(&self.exceptions)?),
            archived_at: self.archived_at,
            version: self.version,
        })
    }
}

/// `funds.*` plus `needs` and `places`, comma-joined.
#[derive(sqlx::FromRow)]
pub(crate) struct FundRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub funder_organization_id: Option<String>,
    pub funder_name: String,
    pub applicant_type: String,
    pub minimum_amount: Option<f64>,
    pub maximum_amount: Option<f64>,
    pub currency: String,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    pub eligibility_description: Option<String>,
    #[sqlx(try_from = "crate::store::db::MaybeDay")]
    pub opens_on: Option<NaiveDate>,
    #[sqlx(try_from = "crate::store::db::MaybeDay")]
    pub closes_on: Option<NaiveDate>,
    pub how_to_apply: Option<String>,
    pub url: Option<String>,
    #[sqlx(try_from = "crate::store::db::Flag")]
    pub is_example: bool,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    pub updated_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[sqlx(flatten)]
    pub state: StateRow,
    pub needs: Option<String>,
    pub places: Option<String>,
}

impl FundRow {
    pub fn into_domain(self) -> Result<Fund> {
        Ok(Fund {
            id: uuid(&self.id)?,
            name: self.name,
            description: self.description,
            funder_organization_id: self.funder_organization_id.as_deref().map(uuid).transpose()?,
            funder_name: self.funder_name,
            applicant_type: ApplicantType::parse(&self.applicant_type).map_err(|e| corrupt("applicant_type", e))?,
            needs: need_codes(self.needs)?,
            minimum_amount: self.minimum_amount,
            maximum_amount: self.maximum_amount,
            currency: self.currency,
            minimum_age: self.minimum_age,
            maximum_age: self.maximum_age,
            eligibility_description: self.eligibility_description,
            beneficiary_locations: self
                .places
                .unwrap_or_default()
                .split(',')
                .filter(|code| !code.is_empty())
                .map(place_code)
                .collect::<Result<_>>()?,
            opens_on: self.opens_on,
            closes_on: self.closes_on,
            how_to_apply: self.how_to_apply,
            url: self.url,
            is_example: self.is_example,
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_reviewed_at: self.last_reviewed_at,
            version: self.version,
            state: self.state.into_domain()?,
        })
    }
}

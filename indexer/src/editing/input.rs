//! What editors send, before it is trusted: every field optional (an update changes only the
//! fields given; an empty string clears an optional text field, `Some(None)` clears a number or
//! date), sanitised to plain text and validated into the domain types.
//!
//! Field names in errors are the GraphQL input's (`input.phone`), so a client can point at them.

use chrono::NaiveDate;
use uuid::Uuid;

pub use super::exceptions::{apply_exceptions, ExceptionsInput, ScheduleExceptionInput};
use crate::domain::schedule::{parse_byday, parse_clock};
use crate::domain::text::{self, DESCRIPTION_MAX, NAME_MAX, SHORT_TEXT_MAX};
use crate::domain::*;
use crate::error::{Error, Result};

/// Oldest age a listing may name.
const AGE_MAX: i64 = 120;
/// Most entries in any list field (languages, contacts, needs ...).
const LIST_MAX: usize = 50;

#[derive(Debug, Clone, Default)]
pub struct OrganizationInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postcode: Option<String>,
    /// (scheme, identifier), e.g. (`GB-CHC`, `1234567`).
    pub identifiers: Option<Vec<(String, String)>>,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: Option<ServiceStatus>,
    pub minimum_age: Option<Option<i64>>,
    pub maximum_age: Option<Option<i64>>,
    pub eligibility_description: Option<String>,
    pub delivery_modes: Option<Vec<DeliveryMode>>,
    /// Free to take part: `Some(Some(..))` sets it, `Some(None)` makes it unknown again.
    pub free: Option<Option<bool>>,
    pub cost_options: Option<Vec<CostOption>>,
    pub languages: Option<Vec<String>>,
    pub contacts: Option<Vec<Contact>>,
    pub how_to_join: Option<String>,
    /// Need codes; the first is the main need.
    pub needs: Option<Vec<String>>,
    /// Venues it is delivered at.
    pub location_ids: Option<Vec<Uuid>>,
    /// Areas served without a venue: (GSS code, description).
    pub service_areas: Option<Vec<(String, Option<String>)>>,
}

#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    pub name: Option<String>,
    pub address_1: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accessibility: Option<Vec<AccessibilityFeature>>,
}

#[derive(Debug, Clone, Default)]
pub struct ScheduleInput {
    pub location_id: Option<Option<Uuid>>,
    pub freq: Option<Frequency>,
    pub interval: Option<i64>,
    pub byday: Option<String>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub valid_from: Option<Option<NaiveDate>>,
    pub valid_to: Option<Option<NaiveDate>>,
    pub description: Option<String>,
    /// Dates it does not run: replaced, added to or removed from.
    pub exceptions: ExceptionsInput,
}

#[derive(Debug, Clone, Default)]
pub struct FundInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub funder_name: Option<String>,
    pub applicant_type: Option<ApplicantType>,
    pub needs: Option<Vec<String>>,
    pub minimum_amount: Option<Option<f64>>,
    pub maximum_amount: Option<Option<f64>>,
    pub currency: Option<String>,
    pub minimum_age: Option<Option<i64>>,
    pub maximum_age: Option<Option<i64>>,
    pub eligibility_description: Option<String>,
    pub beneficiary_locations: Option<Vec<String>>,
    pub opens_on: Option<Option<NaiveDate>>,
    pub closes_on: Option<Option<NaiveDate>>,
    pub how_to_apply: Option<String>,
    pub url: Option<String>,
}

/// A required text field: the new value cleaned, else the stored one, else an error.
pub(crate) fn required_text(field: &str, new: &Option<String>, old: Option<&str>, max: usize) -> Result<String> {
    match (new, old) {
        (Some(raw), _) => text::plain_text(field, raw, max),
        (None, Some(old)) => Ok(old.to_string()),
        (None, None) => Err(Error::invalid(field, "is required")),
    }
}

/// An optional text field: the new value cleaned (blank clears it), else the stored one.
pub(crate) fn optional_text(
    field: &str,
    new: &Option<String>,
    old: &Option<String>,
    max: usize,
) -> Result<Option<String>> {
    match new {
        Some(raw) => text::optional_plain_text(field, raw, max),
        None => Ok(old.clone()),
    }
}

/// An optional field with its own format (URL, email, phone): blank clears it.
pub(crate) fn optional_with(
    field: &str,
    new: &Option<String>,
    old: &Option<String>,
    parse: impl Fn(&str, &str) -> Result<String>,
) -> Result<Option<String>> {
    match new {
        Some(raw) if raw.trim().is_empty() => Ok(None),
        Some(raw) => parse(field, raw).map(Some),
        None => Ok(old.clone()),
    }
}

/// A nullable value: `Some(new)` replaces (`Some(None)` clears), `None` keeps.
/// Dates a listing may carry: from 2000 to 2100 (`0000-01-01` or `9999-12-31` are mistakes,
/// and would make "runs until" or "next session" read nonsense).
pub(crate) fn plausible_date(field: &str, date: Option<NaiveDate>) -> Result<()> {
    use chrono::Datelike;
    match date {
        Some(date) if !(2000..=2100).contains(&date.year()) => Err(Error::invalid(
            field,
            format!("{date} is not a plausible date (2000 to 2100)"),
        )),
        _ => Ok(()),
    }
}

fn keep_or<T: Clone>(new: &Option<Option<T>>, old: &Option<T>) -> Option<T> {
    match new {
        Some(value) => value.clone(),
        None => old.clone(),
    }
}

fn list_len<T>(field: &str, list: &[T]) -> Result<()> {
    if list.len() > LIST_MAX {
        return Err(Error::invalid(field, format!("at most {LIST_MAX} entries")));
    }
    Ok(())
}

/// An age range in years, each end optional.
fn ages(prefix: &str, minimum: Option<i64>, maximum: Option<i64>) -> Result<(Option<i64>, Option<i64>)> {
    for (name, age) in [("minimumAge", minimum), ("maximumAge", maximum)] {
        if let Some(age) = age {
            if !(0..=AGE_MAX).contains(&age) {
                return Err(Error::invalid(
                    format!("{prefix}.{name}"),
                    format!("must be 0 to {AGE_MAX} years"),
                ));
            }
        }
    }
    if let (Some(min), Some(max)) = (minimum, maximum) {
        if min > max {
            return Err(Error::invalid(
                format!("{prefix}.maximumAge"),
                format!("{max} is below the minimum age {min}"),
            ));
        }
    }
    Ok((minimum, maximum))
}

/// Need codes, at least one, each known, no repeats (order kept: the first is the main need).
fn needs(field: &str, raw: &[String]) -> Result<Vec<NeedCode>> {
    if raw.is_empty() {
        return Err(Error::invalid(field, "give at least one need (see the `needs` query)"));
    }
    list_len(field, raw)?;
    let mut codes: Vec<NeedCode> = Vec::new();
    for code in raw {
        let code = NeedCode::parse(code).map_err(|e| e.for_field(field))?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

pub(crate) fn identifiers(field: &str, raw: &[(String, String)]) -> Result<Vec<OrganizationIdentifier>> {
    list_len(field, raw)?;
    raw.iter()
        .map(|(scheme, identifier)| {
            let (identifier_scheme, identifier) = text::organization_identifier(field, scheme, identifier)?;
            Ok(OrganizationIdentifier {
                identifier_scheme,
                identifier,
            })
        })
        .collect()
}

fn postcode_text(field: &str, raw: &str) -> Result<String> {
    Postcode::parse(raw)
        .map(|postcode| postcode.as_str().to_string())
        .map_err(|e| e.for_field(field))
}

/// Applies `input` to `organization` (a blank one when creating).
pub fn apply_organization(input: &OrganizationInput, organization: &mut Organization, creating: bool) -> Result<()> {
    let old = (!creating).then(|| organization.clone());
    let old = old.as_ref();
    organization.name = required_text("input.name", &input.name, old.map(|o| o.name.as_str()), NAME_MAX)?;
    organization.description = required_text(
        "input.description",
        &input.description,
        old.map(|o| o.description.as_str()),
        DESCRIPTION_MAX,
    )?;
    organization.url = optional_with("input.url", &input.url, &organization.url, text::web_url)?;
    organization.email = optional_with("input.email", &input.email, &organization.email, text::email)?;
    organization.phone = optional_with("input.phone", &input.phone, &organization.phone, text::uk_phone)?;
    organization.postcode = optional_with("input.postcode", &input.postcode, &organization.postcode, postcode_text)?;
    if let Some(raw) = &input.identifiers {
        organization.identifiers = identifiers("input.identifiers", raw)?;
    }
    Ok(())
}

fn cost_options(raw: &[CostOption]) -> Result<Vec<CostOption>> {
    list_len("input.costOptions", raw)?;
    raw.iter()
        .map(|cost| {
            if cost.amount.is_some_and(|amount| !(0.0..=1_000_000.0).contains(&amount)) {
                return Err(Error::invalid("input.costOptions.amount", "must be 0 to 1,000,000"));
            }
            Ok(CostOption {
                option: text::plain_text("input.costOptions.option", &cost.option, NAME_MAX)?,
                amount: cost.amount,
                currency: currency("input.costOptions.currency", &cost.currency)?,
                amount_description: cost
                    .amount_description
                    .as_deref()
                    .map(|raw| text::optional_plain_text("input.costOptions.amountDescription", raw, SHORT_TEXT_MAX))
                    .transpose()?
                    .flatten(),
            })
        })
        .collect()
}

fn currency(field: &str, raw: &str) -> Result<String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::invalid(field, "an ISO 4217 currency code, e.g. GBP"));
    }
    Ok(code)
}

fn contacts(raw: &[Contact]) -> Result<Vec<Contact>> {
    list_len("input.contacts", raw)?;
    raw.iter()
        .map(|contact| {
            Ok(Contact {
                name: optional_text("input.contacts.name", &contact.name, &None, NAME_MAX)?,
                title: optional_text("input.contacts.title", &contact.title, &None, NAME_MAX)?,
                email: optional_with("input.contacts.email", &contact.email, &None, text::email)?,
                phone: optional_with("input.contacts.phone", &contact.phone, &None, text::uk_phone)?,
            })
        })
        .collect()
}

/// Applies `input` to `service` (a blank one when creating). Venues and areas are checked by
/// the caller, which knows what is stored.
pub fn apply_service(input: &ServiceInput, service: &mut Service, creating: bool) -> Result<()> {
    let old = (!creating).then(|| service.clone());
    let old = old.as_ref();
    service.name = required_text("input.name", &input.name, old.map(|s| s.name.as_str()), NAME_MAX)?;
    service.description = required_text(
        "input.description",
        &input.description,
        old.map(|s| s.description.as_str()),
        DESCRIPTION_MAX,
    )?;
    service.url = optional_with("input.url", &input.url, &service.url, text::web_url)?;
    service.email = optional_with("input.email", &input.email, &service.email, text::email)?;
    service.phone = optional_with("input.phone", &input.phone, &service.phone, text::uk_phone)?;
    if let Some(status) = input.status {
        service.status = status;
    }
    (service.minimum_age, service.maximum_age) = ages(
        "input",
        keep_or(&input.minimum_age, &service.minimum_age),
        keep_or(&input.maximum_age, &service.maximum_age),
    )?;
    service.eligibility_description = optional_text(
        "input.eligibilityDescription",
        &input.eligibility_description,
        &service.eligibility_description,
        SHORT_TEXT_MAX,
    )?;
    if let Some(modes) = &input.delivery_modes {
        let mut modes = modes.clone();
        modes.sort();
        modes.dedup();
        service.delivery_modes = modes;
    }
    if service.delivery_modes.is_empty() {
        service.delivery_modes = vec![DeliveryMode::InPerson];
    }
    service.free = keep_or(&input.free, &service.free);
    if let Some(costs) = &input.cost_options {
        service.cost_options = cost_options(costs)?;
    }
    if let Some(languages) = &input.languages {
        list_len("input.languages", languages)?;
        let mut tags: Vec<String> = Vec::with_capacity(languages.len());
        for language in languages {
            let tag = crate::domain::language::parse_language(language)
                .map_err(|e| crate::Error::invalid("input.languages", e.0))?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        service.languages = tags;
    }
    if let Some(list) = &input.contacts {
        service.contacts = contacts(list)?;
    }
    service.how_to_join = optional_text(
        "input.howToJoin",
        &input.how_to_join,
        &service.how_to_join,
        SHORT_TEXT_MAX,
    )?;
    match (&input.needs, creating) {
        (Some(raw), _) => service.needs = needs("input.needs", raw)?,
        (None, true) => {
            return Err(Error::invalid(
                "input.needs",
                "is required: the needs this service meets",
            ))
        }
        (None, false) => {}
    }
    Ok(())
}

/// Applies `input` to `location`; returns the postcode to geocode when the point must come from
/// it (a postcode was given without coordinates, or there are no coordinates yet).
pub fn apply_location(input: &LocationInput, location: &mut Location, creating: bool) -> Result<Option<Postcode>> {
    let old_name = (!creating).then(|| location.name.clone());
    location.name = required_text("input.name", &input.name, old_name.as_deref(), NAME_MAX)?;
    location.address_1 = optional_text("input.address1", &input.address_1, &location.address_1, SHORT_TEXT_MAX)?;
    location.city = optional_text("input.city", &input.city, &location.city, NAME_MAX)?;
    location.postcode = optional_with("input.postcode", &input.postcode, &location.postcode, postcode_text)?;
    if let Some(features) = &input.accessibility {
        let mut features = features.clone();
        features.sort();
        features.dedup();
        location.accessibility = features;
    }
    match (input.latitude, input.longitude) {
        (Some(latitude), Some(longitude)) => {
            let point = GeoPoint::new(latitude, longitude).map_err(|(coordinate, e)| {
                let name = match coordinate {
                    crate::domain::geo_point::Coordinate::Latitude => "input.latitude",
                    crate::domain::geo_point::Coordinate::Longitude => "input.longitude",
                };
                e.for_field(name)
            })?;
            location.latitude = point.latitude();
            location.longitude = point.longitude();
            Ok(None)
        }
        (Some(_), None) => Err(Error::invalid("input.longitude", "give both latitude and longitude")),
        (None, Some(_)) => Err(Error::invalid("input.latitude", "give both latitude and longitude")),
        (None, None) => {
            let postcode_changed = input.postcode.as_deref().is_some_and(|raw| !raw.trim().is_empty());
            if creating || postcode_changed {
                let Some(postcode) = &location.postcode else {
                    return Err(Error::invalid(
                        "input.postcode",
                        "give a postcode, or latitude and longitude, to place the venue on the map",
                    ));
                };
                return Ok(Some(
                    Postcode::parse(postcode).map_err(|e| e.for_field("input.postcode"))?,
                ));
            }
            Ok(None)
        }
    }
}

/// Applies `input` to `schedule` (a blank one when creating).
pub fn apply_schedule(input: &ScheduleInput, schedule: &mut Schedule, creating: bool) -> Result<()> {
    if let Some(location_id) = input.location_id {
        schedule.location_id = location_id;
    }
    if let Some(freq) = input.freq {
        schedule.freq = freq;
    }
    if let Some(interval) = input.interval {
        if !(1..=52).contains(&interval) {
            return Err(Error::invalid("input.interval", "must be 1 to 52"));
        }
        schedule.interval = interval;
    }
    let old = (!creating).then(|| schedule.clone());
    let byday = required_text("input.byday", &input.byday, old.as_ref().map(|s| s.byday.as_str()), 60)?;
    let days = parse_byday(&byday).map_err(|e| e.for_field("input.byday"))?;
    if days.is_empty() {
        return Err(Error::invalid("input.byday", "give at least one day, e.g. TU or MO,TH"));
    }
    if schedule.freq == Frequency::Weekly && days.iter().any(|day| day.ordinal.is_some()) {
        return Err(Error::invalid("input.byday", "ordinals like 1TU need freq MONTHLY"));
    }
    schedule.byday = byday.to_ascii_uppercase().replace(' ', "");
    let opens = required_text(
        "input.opensAt",
        &input.opens_at,
        old.as_ref().map(|s| s.opens_at.as_str()),
        5,
    )?;
    let closes = required_text(
        "input.closesAt",
        &input.closes_at,
        old.as_ref().map(|s| s.closes_at.as_str()),
        5,
    )?;
    let (opens_minutes, closes_minutes) = (
        parse_clock(&opens).map_err(|e| e.for_field("input.opensAt"))?,
        parse_clock(&closes).map_err(|e| e.for_field("input.closesAt"))?,
    );
    if closes_minutes <= opens_minutes {
        return Err(Error::invalid(
            "input.closesAt",
            format!("{closes} is not after {opens}"),
        ));
    }
    (schedule.opens_at, schedule.closes_at) = (opens, closes);
    schedule.valid_from = keep_or(&input.valid_from, &schedule.valid_from);
    schedule.valid_to = keep_or(&input.valid_to, &schedule.valid_to);
    plausible_date("input.validFrom", schedule.valid_from)?;
    plausible_date("input.validTo", schedule.valid_to)?;
    if let (Some(from), Some(to)) = (schedule.valid_from, schedule.valid_to) {
        if to < from {
            return Err(Error::invalid("input.validTo", format!("{to} is before {from}")));
        }
    }
    schedule.description = optional_text(
        "input.description",
        &input.description,
        &schedule.description,
        SHORT_TEXT_MAX,
    )?;
    schedule.exceptions = apply_exceptions(&input.exceptions, &schedule.exceptions)?;
    Ok(())
}

/// Applies `input` to `fund` (a blank one when creating). Beneficiary places are checked by the
/// caller against the places it holds.
pub fn apply_fund(input: &FundInput, fund: &mut Fund, creating: bool) -> Result<()> {
    let old = (!creating).then(|| fund.clone());
    let old = old.as_ref();
    fund.name = required_text("input.name", &input.name, old.map(|f| f.name.as_str()), NAME_MAX)?;
    fund.description = required_text(
        "input.description",
        &input.description,
        old.map(|f| f.description.as_str()),
        DESCRIPTION_MAX,
    )?;
    fund.funder_name = required_text(
        "input.funderName",
        &input.funder_name,
        old.map(|f| f.funder_name.as_str()),
        NAME_MAX,
    )?;
    if let Some(applicant_type) = input.applicant_type {
        fund.applicant_type = applicant_type;
    }
    match (&input.needs, creating) {
        (Some(raw), _) => fund.needs = needs("input.needs", raw)?,
        (None, true) => {
            return Err(Error::invalid(
                "input.needs",
                "is required: the needs this fund helps with",
            ))
        }
        (None, false) => {}
    }
    fund.minimum_amount = keep_or(&input.minimum_amount, &fund.minimum_amount);
    fund.maximum_amount = keep_or(&input.maximum_amount, &fund.maximum_amount);
    for (name, amount) in [
        ("minimumAmount", fund.minimum_amount),
        ("maximumAmount", fund.maximum_amount),
    ] {
        if amount.is_some_and(|amount| !(0.0..=100_000_000.0).contains(&amount)) {
            return Err(Error::invalid(format!("input.{name}"), "must be 0 to 100,000,000"));
        }
    }
    if let (Some(min), Some(max)) = (fund.minimum_amount, fund.maximum_amount) {
        if min > max {
            return Err(Error::invalid("input.maximumAmount", "is below the minimum amount"));
        }
    }
    if let Some(raw) = &input.currency {
        fund.currency = currency("input.currency", raw)?;
    }
    (fund.minimum_age, fund.maximum_age) = ages(
        "input",
        keep_or(&input.minimum_age, &fund.minimum_age),
        keep_or(&input.maximum_age, &fund.maximum_age),
    )?;
    fund.eligibility_description = optional_text(
        "input.eligibilityDescription",
        &input.eligibility_description,
        &fund.eligibility_description,
        SHORT_TEXT_MAX,
    )?;
    fund.opens_on = keep_or(&input.opens_on, &fund.opens_on);
    fund.closes_on = keep_or(&input.closes_on, &fund.closes_on);
    plausible_date("input.opensOn", fund.opens_on)?;
    plausible_date("input.closesOn", fund.closes_on)?;
    if let (Some(opens), Some(closes)) = (fund.opens_on, fund.closes_on) {
        if closes < opens {
            return Err(Error::invalid("input.closesOn", format!("{closes} is before {opens}")));
        }
    }
    fund.how_to_apply = optional_text(
        "input.howToApply",
        &input.how_to_apply,
        &fund.how_to_apply,
        SHORT_TEXT_MAX,
    )?;
    fund.url = optional_with("input.url", &input.url, &fund.url, text::web_url)?;
    Ok(())
}

/// Place codes, each parsed (the caller checks they exist), no repeats.
pub fn place_codes(field: &str, raw: &[String]) -> Result<Vec<PlaceCode>> {
    list_len(field, raw)?;
    let mut codes: Vec<PlaceCode> = Vec::new();
    for code in raw {
        let code = PlaceCode::parse(code).map_err(|e| e.for_field(field))?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;

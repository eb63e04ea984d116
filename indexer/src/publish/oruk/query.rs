//! ORUK query parameters → typed queries. Every error names the parameter at fault
//! ([`Error::InvalidInput`]'s `field`), so the API answers 400 with it.
//!
//! Semantics (the ORUK OpenAPI's descriptions; all filters combine with AND):
//! - `search`: the directory's full-text search, as GraphQL's `search(text:)`.
//! - `taxonomy_term_id`: services with that term (a need, or an Activity List concept).
//! - `taxonomy_id`: services with any term of that vocabulary.
//! - `minimum_age`: services whose minimum age is at least the value (services without one
//!   count as 0); `maximum_age`: whose maximum age is at most the value (none counts as 200).
//! - `start_time` / `end_time` / `day`: services with a session starting at or after
//!   `start_time`, ending at or before `end_time`, on `day` (one session meets all three).
//! - `postcode` + `proximity` (metres, default [`DEFAULT_PROXIMITY_M`]): a venue within that
//!   distance of the postcode's centroid, or serving an area that contains it.
//! - `modified_after` (RFC 3339, or a date meaning its midnight UTC): last modified on or
//!   after it.
//! - `organization_id`: services of that organisation.
//!
//! Unknown parameters are ignored, as HTTP APIs conventionally do.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use uuid::Uuid;

use super::taxonomies::{vocabularies, Vocabulary};
use super::{DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_RESULT_WINDOW};
use crate::domain::schedule::parse_weekday;
use crate::domain::Postcode;
use crate::error::{Error, Result};

/// `proximity` when a postcode is given without one (metres).
pub const DEFAULT_PROXIMITY_M: f64 = 10_000.0;
/// The largest `proximity` accepted (metres).
pub const MAX_PROXIMITY_M: f64 = 200_000.0;
/// The longest `search` text accepted (characters).
pub const MAX_SEARCH_CHARS: usize = 500;

/// A page of a list: `page` (1-based) and `per_page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub page: usize,
    pub per_page: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl ListQuery {
    /// Reads `page` and `per_page`, refusing pages past the result window.
    pub fn parse(params: &[(String, String)]) -> Result<ListQuery> {
        let page = match param(params, "page") {
            Some(raw) => match raw.trim().parse::<usize>() {
                Ok(page) if page >= 1 => page,
                _ => {
                    return Err(Error::invalid(
                        "page",
                        format!("{raw:?} is not a page number (1, 2, ...)"),
                    ))
                }
            },
            None => 1,
        };
        let per_page = match param(params, "per_page") {
            Some(raw) => match raw.trim().parse::<usize>() {
                Ok(size) if (1..=MAX_PER_PAGE).contains(&size) => size,
                _ => {
                    return Err(Error::invalid(
                        "per_page",
                        format!("{raw:?} is not a page size from 1 to {MAX_PER_PAGE}"),
                    ))
                }
            },
            None => DEFAULT_PER_PAGE,
        };
        if page.saturating_mul(per_page) > MAX_RESULT_WINDOW {
            return Err(Error::invalid(
                "page",
                format!(
                    "pages reach at most the first {MAX_RESULT_WINDOW} results (page × per_page); \
                     narrow the filters, or copy everything from the change-sync feed or `indexer export`"
                ),
            ));
        }
        Ok(ListQuery { page, per_page })
    }

    /// Results before this page.
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }
}

/// `/services` (and `/service_at_locations`) filters, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceQuery {
    pub list: ListQuery,
    pub search: Option<String>,
    /// A term: its vocabulary and code (need code or concept id).
    pub taxonomy_term: Option<(Vocabulary, String)>,
    pub taxonomy: Option<Vocabulary>,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    /// Minutes after midnight.
    pub start_time: Option<u16>,
    pub end_time: Option<u16>,
    pub day: Option<Weekday>,
    pub postcode: Option<Postcode>,
    pub proximity_m: Option<f64>,
    pub modified_after: Option<DateTime<Utc>>,
    pub organization_id: Option<Uuid>,
}

impl ServiceQuery {
    /// Reads every filter; the first bad one is the error.
    pub fn parse(params: &[(String, String)]) -> Result<ServiceQuery> {
        let search = param(params, "search").map(str::trim).filter(|text| !text.is_empty());
        if search.is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS) {
            return Err(Error::invalid(
                "search",
                format!("at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        let start_time = param(params, "start_time")
            .map(|raw| clock("start_time", raw, true))
            .transpose()?;
        let end_time = param(params, "end_time")
            .map(|raw| clock("end_time", raw, false))
            .transpose()?;
        let postcode = param(params, "postcode")
            .map(|raw| Postcode::parse(raw).map_err(|e| e.for_field("postcode")))
            .transpose()?;
        let proximity_m = param(params, "proximity").map(proximity).transpose()?;
        if proximity_m.is_some() && postcode.is_none() {
            return Err(Error::invalid("proximity", "needs a `postcode` to measure from"));
        }
        Ok(ServiceQuery {
            list: ListQuery::parse(params)?,
            search: search.map(str::to_string),
            taxonomy_term: param(params, "taxonomy_term_id").map(taxonomy_term).transpose()?,
            taxonomy: param(params, "taxonomy_id").map(taxonomy).transpose()?,
            minimum_age: param(params, "minimum_age")
                .map(|raw| age("minimum_age", raw, true))
                .transpose()?,
            maximum_age: param(params, "maximum_age")
                .map(|raw| age("maximum_age", raw, false))
                .transpose()?,
            start_time,
            end_time,
            day: param(params, "day").map(day).transpose()?,
            postcode,
            proximity_m,
            modified_after: param(params, "modified_after").map(modified_after).transpose()?,
            organization_id: param(params, "organization_id")
                .map(|raw| uuid("organization_id", raw))
                .transpose()?,
        })
    }
}

/// `/taxonomy_terms` parameters: a page, and optionally one vocabulary's terms only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TermQuery {
    pub list: ListQuery,
    pub taxonomy: Option<Vocabulary>,
}

impl TermQuery {
    pub fn parse(params: &[(String, String)]) -> Result<TermQuery> {
        Ok(TermQuery {
            list: ListQuery::parse(params)?,
            taxonomy: param(params, "taxonomy_id").map(taxonomy).transpose()?,
        })
    }
}

/// The last value of a parameter.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A UUID, or an error naming `name`.
pub fn uuid(name: &str, raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw.trim()).map_err(|_| Error::invalid(name, format!("{raw:?} is not a UUID")))
}

fn taxonomy_term(raw: &str) -> Result<(Vocabulary, String)> {
    let id = uuid("taxonomy_term_id", raw)?;
    let (vocabulary, term) = vocabularies()
        .term(id)
        .ok_or_else(|| Error::invalid("taxonomy_term_id", format!("no taxonomy term {id}")))?;
    Ok((vocabulary, term.term.clone()))
}

fn taxonomy(raw: &str) -> Result<Vocabulary> {
    let id = uuid("taxonomy_id", raw)?;
    vocabularies()
        .vocabulary(id)
        .ok_or_else(|| Error::invalid("taxonomy_id", format!("no taxonomy {id}")))
}

/// An age bound; fractions round inward (`minimum_age=5.5` means at least 6).
fn age(name: &str, raw: &str, at_least: bool) -> Result<i64> {
    match raw.trim().parse::<f64>() {
        Ok(age) if age.is_finite() && (0.0..=150.0).contains(&age) => {
            Ok(if at_least { age.ceil() } else { age.floor() } as i64)
        }
        _ => Err(Error::invalid(name, format!("{raw:?} is not an age from 0 to 150"))),
    }
}

/// `HH:MM` or `HH:MM:SS` → minutes after midnight; seconds round inward (a start at or after
/// 09:30:30 is one at or after 09:31).
fn clock(name: &str, raw: &str, at_least: bool) -> Result<u16> {
    let time = NaiveTime::parse_from_str(raw.trim(), "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(raw.trim(), "%H:%M"))
        .map_err(|_| Error::invalid(name, format!("{raw:?} is not a time of day (HH:MM or HH:MM:SS)")))?;
    let minutes = time.hour() * 60 + time.minute();
    let minutes = if at_least && time.second() > 0 {
        minutes + 1
    } else {
        minutes
    };
    Ok(minutes as u16)
}

/// An iCal day code (`MO`) or a weekday's name (`monday`, `Mon`).
fn day(raw: &str) -> Result<Weekday> {
    parse_weekday(raw)
        .or_else(|_| raw.trim().parse::<Weekday>())
        .map_err(|_| {
            Error::invalid(
                "day",
                format!("{raw:?} is not a day (MO, TU, WE, TH, FR, SA, SU or a weekday's name)"),
            )
        })
}

fn proximity(raw: &str) -> Result<f64> {
    match raw.trim().parse::<f64>() {
        Ok(metres) if metres.is_finite() && metres > 0.0 && metres <= MAX_PROXIMITY_M => Ok(metres),
        _ => Err(Error::invalid(
            "proximity",
            format!("{raw:?} is not a distance in metres above 0 and at most {MAX_PROXIMITY_M}"),
        )),
    }
}

fn modified_after(raw: &str) -> Result<DateTime<Utc>> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(|date| date.and_time(NaiveTime::MIN).and_utc()))
        .map_err(|_| {
            Error::invalid(
                "modified_after",
                format!("{raw:?} is not an RFC 3339 date-time (e.g. 2026-01-31T09:00:00Z) or a date"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidInput { field, .. } => field,
            other => panic!("not invalid input: {other}"),
        }
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (name, value) in [
            ("page", "0"),
            ("page", "x"),
            ("per_page", "0"),
            ("per_page", "501"),
            ("page", "201"),
            ("taxonomy_term_id", "nope"),
            ("taxonomy_term_id", "00000000-0000-0000-0000-000000000000"),
            ("taxonomy_id", "00000000-0000-0000-0000-000000000000"),
            ("minimum_age", "-1"),
            ("maximum_age", "old"),
            ("start_time", "25:00"),
            ("end_time", "9am"),
            ("day", "someday"),
            ("postcode", "NOT A POSTCODE"),
            ("modified_after", "yesterday"),
            ("organization_id", "123"),
            ("search", &"x".repeat(501)),
        ] {
            let error = ServiceQuery::parse(&params(&[(name, value)])).expect_err(name);
            assert_eq!(field_of(error), name, "{name}={value}");
        }
        let error = ServiceQuery::parse(&params(&[("proximity", "1000")])).expect_err("no postcode");
        assert_eq!(field_of(error), "proximity");
    }

    #[test]
    fn good_values_parse_with_rounding_inward() {
        let query = ServiceQuery::parse(&params(&[
            ("minimum_age", "5.5"),
            ("maximum_age", "64.9"),
            ("start_time", "09:30:30"),
            ("end_time", "12:00:59"),
            ("day", "tuesday"),
            ("modified_after", "2026-01-02"),
            ("page", "2"),
            ("per_page", "10"),
        ]))
        .expect("valid");
        assert_eq!(query.minimum_age, Some(6));
        assert_eq!(query.maximum_age, Some(64));
        assert_eq!(query.start_time, Some(9 * 60 + 31));
        assert_eq!(query.end_time, Some(12 * 60));
        assert_eq!(query.day, Some(Weekday::Tue));
        assert_eq!(query.list.offset(), 10);
        assert_eq!(
            ServiceQuery::parse(&params(&[("day", "WE")])).expect("ical").day,
            Some(Weekday::Wed)
        );
    }
}

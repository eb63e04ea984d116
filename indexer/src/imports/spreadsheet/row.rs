//! One spreadsheet row as one service: parsed cell by cell, and rejected at the first cell
//! that cannot be read, naming the column.
//!
//! - `day`: `Tuesday`, `Tue`, `TU`, `Mon, Thu`, `Mondays and Thursdays`; `first Tuesday`,
//!   `last Friday` (monthly). `start`/`end`: `10:00`, `10am`, `2.30pm`, `14:30`. A row with a
//!   day needs both times, and the end after the start.
//! - `frequency`: weekly (the default), fortnightly, every N weeks, monthly.
//! - `needs`: codes or labels (`strength-and-balance`, `Social connection`), split by `;` or
//!   `,`. `activities`: OpenActive Activity List labels; their needs are added.
//! - `cost`: empty (not said), `free`/`0`, or an amount (`£3`, `3.50 a session`).
//! - `contact`: a name, an email or a phone number (or several, split by `;`).

use chrono::NaiveTime;

use super::columns::{Column, HeaderMap};
use crate::domain::schedule::weekday_code;
use crate::domain::*;
use crate::imports::openactive::activities::ActivityList;
use crate::imports::record::{ImportedListing, ImportedOrganization, ImportedSchedule, ImportedService, ImportedVenue};

/// A cell that cannot be read: its column and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: Column,
    pub reason: String,
}

fn bad(column: Column, reason: impl Into<String>) -> CellError {
    CellError {
        column,
        reason: reason.into(),
    }
}

/// A row's contacts, and the service's own email and phone.
type ContactCells = (Vec<Contact>, Option<String>, Option<String>);

/// One row's cells by column.
pub struct Row<'a> {
    pub header: &'a HeaderMap,
    pub record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// A cell's trimmed text, `None` when the column is absent or the cell empty.
    pub fn cell(&self, column: Column) -> Option<&str> {
        let position = self.header.position(column)?;
        self.record.get(position).map(str::trim).filter(|text| !text.is_empty())
    }

    fn text(&self, column: Column) -> Option<String> {
        self.cell(column).map(str::to_string)
    }

    fn required(&self, column: Column) -> Result<String, CellError> {
        self.text(column).ok_or_else(|| bad(column, "is empty"))
    }

    /// The row's own id: the `id` column, else organisation, name and postcode (so the same row
    /// is the same record on every import, and renaming a service makes a new one).
    pub fn record_id(&self) -> Option<String> {
        if let Some(id) = self.cell(Column::Id) {
            return Some(id.to_string());
        }
        let organisation = self.cell(Column::Organisation)?;
        let name = self.cell(Column::Name)?;
        let postcode = self.cell(Column::Postcode).unwrap_or_default();
        Some(
            format!("{organisation}|{name}|{postcode}")
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// The row as a listing, or the first cell at fault.
    pub fn listing(&self, position: u64, activities: &ActivityList) -> Result<ImportedListing, CellError> {
        let organisation = self.required(Column::Organisation)?;
        let name = self.required(Column::Name)?;
        let record_id = self.record_id().ok_or_else(|| bad(Column::Name, "is empty"))?;
        let venue = self.venue()?;
        let schedules = self.schedules(venue.as_ref())?;
        let (mut needs, activity_concepts) = self.needs_and_activities(activities)?;
        needs.dedup();
        let (free, cost_options) = self.cost()?;
        let (contacts, email, phone) = self.contacts()?;
        // Without a venue, a service with a phone number is by phone, one with a website online.
        let delivery_modes = match (&venue, &phone, self.cell(Column::Website)) {
            (Some(_), _, _) => vec![DeliveryMode::InPerson],
            (None, Some(_), _) => vec![DeliveryMode::Phone],
            (None, None, Some(_)) => vec![DeliveryMode::Online],
            (None, None, None) => Vec::new(),
        };
        Ok(ImportedListing {
            source_record_id: record_id,
            position: Some(position),
            preferred_id: None,
            modified_at: None,
            last_reviewed_at: self.last_reviewed()?,
            organization: ImportedOrganization {
                source_record_id: organisation.to_lowercase(),
                name: organisation,
                ..ImportedOrganization::default()
            },
            service: ImportedService {
                name,
                description: self.text(Column::Description).unwrap_or_default(),
                url: self.text(Column::Website),
                email,
                phone,
                minimum_age: self.age(Column::MinimumAge)?,
                maximum_age: self.age(Column::MaximumAge)?,
                delivery_modes,
                free,
                cost_options,
                contacts,
                how_to_join: self.text(Column::HowToJoin),
                needs,
                activity_concepts,
                ..ImportedService::default()
            },
            venues: venue.into_iter().collect(),
            schedules,
            service_areas: Vec::new(),
        })
    }

    fn venue(&self) -> Result<Option<ImportedVenue>, CellError> {
        let name = self.text(Column::Venue);
        let postcode = self
            .cell(Column::Postcode)
            .map(|raw| Postcode::parse(raw).map_err(|e| bad(Column::Postcode, e.to_string())))
            .transpose()?;
        let Some(postcode) = postcode else {
            if name.is_some() {
                return Err(bad(Column::Postcode, "is empty (a venue needs its postcode)"));
            }
            return Ok(None);
        };
        let accessibility = split_list(self.cell(Column::Accessibility).unwrap_or_default())
            .map(|raw| AccessibilityFeature::parse(raw).map_err(|e| bad(Column::Accessibility, e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let name = name.unwrap_or_else(|| postcode.to_string());
        Ok(Some(ImportedVenue {
            source_record_id: format!("{}|{}", name.to_lowercase(), postcode),
            preferred_id: None,
            address_1: self.text(Column::Address),
            city: self.text(Column::Town),
            postcode: Some(postcode.to_string()),
            point: None,
            accessibility,
            name,
        }))
    }

    fn schedules(&self, venue: Option<&ImportedVenue>) -> Result<Vec<ImportedSchedule>, CellError> {
        let day = self.cell(Column::Day);
        let (start, end) = (self.cell(Column::Start), self.cell(Column::End));
        let Some(day) = day else {
            if start.is_some() || end.is_some() {
                return Err(bad(Column::Day, "is empty (the times need a day)"));
            }
            return Ok(Vec::new());
        };
        let (byday, monthly_by_ordinal) = days(day).map_err(|reason| bad(Column::Day, reason))?;
        let opens = clock(start.ok_or_else(|| bad(Column::Start, "is empty (a day needs a start time)"))?)
            .map_err(|reason| bad(Column::Start, reason))?;
        let closes = clock(end.ok_or_else(|| bad(Column::End, "is empty (a day needs an end time)"))?)
            .map_err(|reason| bad(Column::End, reason))?;
        if closes <= opens {
            return Err(bad(
                Column::End,
                format!("{} is not after the start", closes.format("%H:%M")),
            ));
        }
        let (freq, interval) = match self.cell(Column::Frequency) {
            None if monthly_by_ordinal => (Frequency::Monthly, 1),
            None => (Frequency::Weekly, 1),
            Some(raw) => frequency(raw, monthly_by_ordinal).map_err(|reason| bad(Column::Frequency, reason))?,
        };
        Ok(vec![ImportedSchedule {
            source_record_id: None,
            preferred_id: None,
            venue_record_id: venue.map(|venue| venue.source_record_id.clone()),
            freq,
            interval,
            byday,
            opens_at: opens.format("%H:%M").to_string(),
            closes_at: closes.format("%H:%M").to_string(),
            valid_from: None,
            valid_to: None,
            description: None,
            exceptions: Vec::new(),
        }])
    }

    fn needs_and_activities(&self, activities: &ActivityList) -> Result<(Vec<NeedCode>, Vec<ActivityRef>), CellError> {
        let mut needs = Vec::new();
        for raw in split_list(self.cell(Column::Needs).unwrap_or_default()) {
            let need = need_of(raw).ok_or_else(|| {
                bad(
                    Column::Needs,
                    format!("{raw:?} is not a need (one of {})", need_codes().join(", ")),
                )
            })?;
            if !needs.contains(&need) {
                needs.push(need);
            }
        }
        let mut concepts: Vec<ActivityRef> = Vec::new();
        for raw in split_list(self.cell(Column::Activities).unwrap_or_default()) {
            let concept = activities.find(None, Some(raw)).ok_or_else(|| {
                bad(
                    Column::Activities,
                    format!("{raw:?} is not in the OpenActive Activity List"),
                )
            })?;
            for need in activities.needs_of(concept) {
                if !needs.contains(&need) {
                    needs.push(need);
                }
            }
            if !concepts.contains(concept) {
                concepts.push(concept.clone());
            }
        }
        Ok((needs, concepts))
    }

    /// Free, not free, or (an empty cell) not said: unknown, never free.
    fn cost(&self) -> Result<(Option<bool>, Vec<CostOption>), CellError> {
        let Some(raw) = self.cell(Column::Cost) else {
            return Ok((None, Vec::new()));
        };
        let lower = raw.to_lowercase();
        if lower == "free" || lower.starts_with("free ") || lower == "0" || lower == "£0" || lower == "£0.00" {
            return Ok((Some(true), Vec::new()));
        }
        let number: String = raw
            .trim_start_matches('£')
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let amount = if number.is_empty() {
            if raw.starts_with('£') {
                return Err(bad(Column::Cost, format!("{raw:?} has no amount after £")));
            }
            None
        } else {
            Some(
                number
                    .parse::<f64>()
                    .map_err(|_| bad(Column::Cost, format!("{raw:?} is not an amount")))?,
            )
        };
        Ok((
            Some(amount == Some(0.0)),
            vec![CostOption {
                option: "Cost".to_string(),
                amount: amount.filter(|amount| *amount > 0.0),
                currency: "GBP".to_string(),
                amount_description: Some(raw.to_string()),
            }],
        ))
    }

    /// Contacts from `contact` (names, emails, phones split by `;`), and the service's own
    /// email and phone from their columns (else the first the contact cell gives).
    fn contacts(&self) -> Result<ContactCells, CellError> {
        let mut contact = Contact {
            name: None,
            title: None,
            email: None,
            phone: None,
        };
        for part in self
            .cell(Column::Contact)
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if part.contains('@') {
                contact.email.get_or_insert_with(|| part.to_string());
            } else if part.chars().filter(char::is_ascii_digit).count() >= 6 {
                contact.phone.get_or_insert_with(|| part.to_string());
            } else {
                contact.name.get_or_insert_with(|| part.to_string());
            }
        }
        let email = self.text(Column::Email).or_else(|| contact.email.clone());
        if let Some(email) = &email {
            if !email.contains('@') {
                return Err(bad(Column::Email, format!("{email:?} is not an email address")));
            }
        }
        let phone = self.text(Column::Phone).or_else(|| contact.phone.clone());
        let contacts = if contact
            == (Contact {
                name: None,
                title: None,
                email: None,
                phone: None,
            }) {
            Vec::new()
        } else {
            vec![contact]
        };
        Ok((contacts, email, phone))
    }

    /// `last reviewed`: when someone last checked the row (`2026-11-01` or `01/11/2026`).
    fn last_reviewed(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, CellError> {
        let Some(raw) = self.cell(Column::LastReviewed) else {
            return Ok(None);
        };
        let date = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .or_else(|_| chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
            .map_err(|_| {
                bad(
                    Column::LastReviewed,
                    format!("{raw:?} is not a date (2026-11-01 or 01/11/2026)"),
                )
            })?;
        Ok(date.and_hms_opt(0, 0, 0).map(|midnight| midnight.and_utc()))
    }

    fn age(&self, column: Column) -> Result<Option<i64>, CellError> {
        self.cell(column)
            .map(|raw| {
                raw.trim_end_matches('+')
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|age| (0..=130).contains(age))
                    .ok_or_else(|| bad(column, format!("{raw:?} is not an age in years")))
            })
            .transpose()
    }
}

fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split([';', ',', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
}

fn need_codes() -> Vec<&'static str> {
    TAXONOMY.iter().map(|need| need.code).collect()
}

/// A need by code or label (any case, spaces or hyphens).
fn need_of(raw: &str) -> Option<NeedCode> {
    let wanted: String = raw
        .to_lowercase()
        .replace(['-', '_'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let found = TAXONOMY
        .iter()
        .find(|need| need.code.replace('-', " ") == wanted || need.label.to_lowercase() == wanted)?;
    NeedCode::parse(found.code).ok()
}

/// BYDAY from day names; whether an ordinal (`first Tuesday`) made it a monthly rule.
fn days(raw: &str) -> Result<(String, bool), String> {
    let mut codes: Vec<String> = Vec::new();
    let mut monthly = false;
    let lower = raw.to_lowercase().replace(" and ", ",").replace(['&', '/', ';'], ",");
    for part in lower.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let (ordinal, day) = match words.as_slice() {
            [day] => (None, *day),
            [ordinal, day] => (Some(ordinal_of(ordinal).ok_or_else(|| not_a_day(raw))?), *day),
            _ => return Err(not_a_day(raw)),
        };
        let weekday = weekday_of(day).ok_or_else(|| not_a_day(raw))?;
        let code = match ordinal {
            Some(ordinal) => {
                monthly = true;
                format!("{ordinal}{}", weekday_code(weekday))
            }
            None => weekday_code(weekday).to_string(),
        };
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err(format!("{raw:?} names no day"));
    }
    Ok((codes.join(","), monthly))
}

fn not_a_day(raw: &str) -> String {
    format!("{raw:?} is not a day (Monday to Sunday, or \"first Tuesday\" for a monthly one)")
}

fn weekday_of(raw: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    let day = raw.trim_end_matches('s').trim_end_matches('.');
    Some(match day {
        "mo" | "mon" | "monday" => Mon,
        "tu" | "tue" | "tues" | "tuesday" => Tue,
        "we" | "wed" | "wednesday" => Wed,
        "th" | "thu" | "thur" | "thurs" | "thursday" => Thu,
        "fr" | "fri" | "friday" => Fri,
        "sa" | "sat" | "saturday" => Sat,
        "su" | "sun" | "sunday" => Sun,
        _ => return None,
    })
}

fn ordinal_of(raw: &str) -> Option<i8> {
    Some(match raw {
        "first" | "1st" => 1,
        "second" | "2nd" => 2,
        "third" | "3rd" => 3,
        "fourth" | "4th" => 4,
        "last" => -1,
        _ => return None,
    })
}

/// `10:00`, `10.30`, `10am`, `2.30pm`, `14:30`, `10:00:00`.
fn clock(raw: &str) -> Result<NaiveTime, String> {
    let lower = raw.to_lowercase().replace(' ', "");
    let (digits, afternoon) = match (lower.strip_suffix("pm"), lower.strip_suffix("am")) {
        (Some(rest), _) => (rest.to_string(), Some(true)),
        (_, Some(rest)) => (rest.to_string(), Some(false)),
        _ => (lower.clone(), None),
    };
    let digits = digits.replace('.', ":");
    let mut parts = digits.split(':');
    let hour: u32 = parts
        .next()
        .and_then(|h| h.parse().ok())
        .ok_or_else(|| format!("{raw:?} is not a time (use 10:00 or 2.30pm)"))?;
    let minute: u32 = match parts.next() {
        Some(m) => m
            .parse()
            .map_err(|_| format!("{raw:?} is not a time (use 10:00 or 2.30pm)"))?,
        None => 0,
    };
    let hour = match afternoon {
        Some(true) if hour < 12 => hour + 12,
        Some(false) if hour == 12 => 0,
        Some(_) if hour > 12 => return Err(format!("{raw:?} is not a time (use 10:00 or 2.30pm)")),
        _ => hour,
    };
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(|| format!("{raw:?} is not a time (use 10:00 or 2.30pm)"))
}

/// `weekly`, `fortnightly`, `every 3 weeks`, `monthly`.
fn frequency(raw: &str, monthly_by_ordinal: bool) -> Result<(Frequency, i64), String> {
    let lower = raw.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    match words.as_slice() {
        ["weekly"] | ["every", "week"] if !monthly_by_ordinal => Ok((Frequency::Weekly, 1)),
        ["fortnightly"] | ["every", "other", "week"] | ["every", "2", "weeks"] if !monthly_by_ordinal => {
            Ok((Frequency::Weekly, 2))
        }
        ["every", n, "weeks"] if !monthly_by_ordinal => n
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=12).contains(n))
            .map(|n| (Frequency::Weekly, n))
            .ok_or_else(|| format!("{raw:?} is not a frequency")),
        ["monthly"] | ["every", "month"] => Ok((Frequency::Monthly, 1)),
        _ if monthly_by_ordinal => Err(format!("{raw:?}: a day like \"first Tuesday\" is monthly")),
        _ => Err(format!(
            "{raw:?} is not a frequency (weekly, fortnightly, every N weeks, monthly)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_times_and_frequencies() {
        assert_eq!(days("Tuesday"), Ok(("TU".to_string(), false)));
        assert_eq!(days("Mondays and Thursdays"), Ok(("MO,TH".to_string(), false)));
        assert_eq!(days("first Tuesday"), Ok(("1TU".to_string(), true)));
        assert!(days("Tuesday-ish").is_err());
        let time = |raw| clock(raw).map(|t| t.format("%H:%M").to_string());
        assert_eq!(time("10am"), Ok("10:00".to_string()));
        assert_eq!(time("2.30pm"), Ok("14:30".to_string()));
        assert_eq!(time("14:30"), Ok("14:30".to_string()));
        assert_eq!(time("12pm"), Ok("12:00".to_string()));
        assert!(time("25:00").is_err());
        assert!(time("teatime").is_err());
        assert_eq!(frequency("fortnightly", false), Ok((Frequency::Weekly, 2)));
        assert!(frequency("yearly", false).is_err());
    }

    #[test]
    fn needs_by_code_or_label() {
        assert_eq!(
            need_of("Strength and balance").map(|n| n.as_str()),
            Some("strength-and-balance")
        );
        assert_eq!(
            need_of("social-connection").map(|n| n.as_str()),
            Some("social-connection")
        );
        assert_eq!(need_of("knitting"), None);
    }
}

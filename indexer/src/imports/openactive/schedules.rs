//! When an opportunity runs, from OpenActive to the directory's iCal-like schedules.
//!
//! - `eventSchedule` (`Schedule` / `PartialSchedule`): `repeatFrequency` `P1W`/`P2W`/`P1M`
//!   (`P1D` is every day of the week), `byDay` as schema.org day URLs or iCal codes (`1TU`),
//!   `startTime` and `endTime` (or `duration`), `startDate`/`endDate` as the validity, and
//!   `exceptDate` as the dates it does not run.
//! - Sessions (`ScheduledSession`s of a split feed, or `subEvent`s): grouped by weekday and
//!   local start and end time into weekly schedules; a cancelled session is an exception date.
//!   This is what a series without an `eventSchedule` runs on.
//!
//! Times are local (Europe/London); session instants are converted to it.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use chrono_tz::Europe::London;
use serde_json::Value;

use crate::domain::schedule::{parse_byday, sort_exceptions, weekday_code, EXCEPTIONS_MAX};
use crate::domain::{Frequency, ScheduleException};

/// A schedule as the directory stores it, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRecord {
    pub freq: Frequency,
    pub interval: i64,
    /// iCal BYDAY (`TU`, `MO,TH`, `1TU`).
    pub byday: String,
    /// Local `HH:MM`.
    pub opens_at: String,
    pub closes_at: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Dates it does not run (`exceptDate`, cancelled sessions), ascending.
    pub except_dates: Vec<NaiveDate>,
}

impl ScheduleRecord {
    /// The exception dates as the directory stores them: those from 2000 to 2100 (a feed's
    /// `0001-01-01` is noise), at most [`EXCEPTIONS_MAX`] of them, the latest kept (a feed that
    /// lists years of past cancellations still has its coming ones respected).
    pub fn exceptions(&self) -> Vec<ScheduleException> {
        let plausible: Vec<ScheduleException> = self
            .except_dates
            .iter()
            .filter(|date| (2000..=2100).contains(&date.year()))
            .map(|date| ScheduleException {
                date: *date,
                reason: None,
            })
            .collect();
        let mut exceptions = sort_exceptions(plausible);
        let excess = exceptions.len().saturating_sub(EXCEPTIONS_MAX);
        exceptions.drain(..excess);
        exceptions
    }
}

/// One session of a split feed (or a `subEvent`), as far as schedules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionTimes {
    pub starts_at: DateTime<chrono_tz::Tz>,
    pub ends_at: DateTime<chrono_tz::Tz>,
    pub cancelled: bool,
}

impl SessionTimes {
    /// Reads `startDate`, `endDate` (or `duration`) and `eventStatus`; `None` without a start.
    pub fn parse(data: &Value) -> Option<SessionTimes> {
        let starts_at = instant(data.get("startDate")?.as_str()?)?;
        let ends_at = data
            .get("endDate")
            .and_then(Value::as_str)
            .and_then(instant)
            .or_else(|| {
                let minutes = data
                    .get("duration")
                    .and_then(Value::as_str)
                    .and_then(duration_minutes)?;
                Some(starts_at + chrono::Duration::minutes(minutes))
            })
            .unwrap_or(starts_at);
        let cancelled = data
            .get("eventStatus")
            .and_then(Value::as_str)
            .is_some_and(|status| status.ends_with("EventCancelled"));
        Some(SessionTimes {
            starts_at,
            ends_at,
            cancelled,
        })
    }
}

fn instant(raw: &str) -> Option<DateTime<chrono_tz::Tz>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|instant| instant.with_timezone(&London))
}

/// Every `eventSchedule` entry that can be read; the others are returned as reasons.
pub fn from_event_schedule(value: Option<&Value>) -> (Vec<ScheduleRecord>, Vec<String>) {
    let entries: Vec<&Value> = match value {
        Some(Value::Array(entries)) => entries.iter().collect(),
        Some(entry @ Value::Object(_)) => vec![entry],
        _ => Vec::new(),
    };
    let mut schedules = Vec::new();
    let mut problems = Vec::new();
    for (position, entry) in entries.into_iter().enumerate() {
        match schedule_of(entry) {
            Ok(schedule) => schedules.push(schedule),
            Err(reason) => problems.push(format!("eventSchedule[{position}]: {reason}")),
        }
    }
    (schedules, problems)
}

fn schedule_of(entry: &Value) -> Result<ScheduleRecord, String> {
    let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::trim);
    let (freq, interval, every_day) = repeat(text("repeatFrequency").ok_or("no repeatFrequency")?)?;
    let byday = if every_day {
        "MO,TU,WE,TH,FR,SA,SU".to_string()
    } else {
        byday_of(entry.get("byDay"))?
    };
    let opens = clock(text("startTime").ok_or("no startTime")?)?;
    let closes = match text("endTime") {
        Some(end) => clock(end)?,
        None => {
            let minutes = text("duration")
                .and_then(duration_minutes)
                .ok_or("no endTime or duration")?;
            opens + chrono::Duration::minutes(minutes)
        }
    };
    let mut except_dates: Vec<NaiveDate> = entry
        .get("exceptDate")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(date_of)
        .collect();
    except_dates.sort();
    except_dates.dedup();
    Ok(ScheduleRecord {
        freq,
        interval,
        byday,
        opens_at: opens.format("%H:%M").to_string(),
        closes_at: closes.format("%H:%M").to_string(),
        valid_from: text("startDate").and_then(date_of),
        valid_to: text("endDate").and_then(date_of),
        except_dates,
    })
}

/// `P1W` → weekly every 1; `P2W` → every 2; `P1M` → monthly; `P1D` → weekly on every day.
fn repeat(raw: &str) -> Result<(Frequency, i64, bool), String> {
    let upper = raw.to_ascii_uppercase();
    let body = upper
        .strip_prefix('P')
        .ok_or_else(|| format!("repeatFrequency {raw:?} is not an ISO 8601 duration"))?;
    let (number, unit) = body.split_at(body.len().saturating_sub(1));
    let count: i64 = number
        .parse()
        .map_err(|_| format!("repeatFrequency {raw:?} is not a whole number of days, weeks or months"))?;
    match unit {
        "W" if count >= 1 => Ok((Frequency::Weekly, count, false)),
        "M" if count >= 1 => Ok((Frequency::Monthly, count, false)),
        "D" if count == 1 => Ok((Frequency::Weekly, 1, true)),
        "D" if count % 7 == 0 && count >= 7 => Ok((Frequency::Weekly, count / 7, false)),
        _ => Err(format!(
            "repeatFrequency {raw:?} is not supported (weeks, months or daily)"
        )),
    }
}

/// `byDay`: schema.org day URLs (`https://schema.org/Tuesday`), iCal codes (`TU`, `1TU`).
fn byday_of(value: Option<&Value>) -> Result<String, String> {
    let raw: Vec<&str> = match value {
        Some(Value::Array(days)) => days.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(day)) => vec![day.as_str()],
        _ => return Err("no byDay".into()),
    };
    let mut codes = Vec::new();
    for day in raw {
        let code = match schema_day(day) {
            Some(weekday) => weekday_code(weekday).to_string(),
            None => {
                let code = day.trim().to_ascii_uppercase();
                parse_byday(&code).map_err(|e| format!("byDay {day:?}: {e}"))?;
                code
            }
        };
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err("byDay is empty".into());
    }
    Ok(codes.join(","))
}

fn schema_day(raw: &str) -> Option<Weekday> {
    let name = raw.trim().rsplit('/').next()?.to_ascii_lowercase();
    Some(match name.as_str() {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn clock(raw: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .map_err(|_| format!("{raw:?} is not a time of day"))
}

/// A date, or the local date of a date-time.
fn date_of(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .or_else(|| instant(raw).map(|instant| instant.date_naive()))
        .or_else(|| {
            raw.get(..10)
                .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
        })
}

/// Whole minutes of an ISO 8601 duration of hours and minutes (`PT1H30M`, `PT45M`).
pub fn duration_minutes(raw: &str) -> Option<i64> {
    let upper = raw.trim().to_ascii_uppercase();
    let mut rest = upper.strip_prefix("PT")?;
    let mut minutes = 0i64;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let number: i64 = rest[..digits].parse().ok()?;
        minutes += match &rest[digits..digits + 1] {
            "H" => number * 60,
            "M" => number,
            "S" => 0,
            _ => return None,
        };
        rest = &rest[digits + 1..];
    }
    (minutes > 0).then_some(minutes)
}

/// Weekly schedules from sessions: one per (weekday, start, end) seen; a cancelled session
/// becomes an exception date of its schedule. No validity dates: a rolling window of sessions
/// would otherwise change the schedule every day as old sessions drop out of the feed.
pub fn from_sessions(sessions: &[SessionTimes]) -> Vec<ScheduleRecord> {
    let mut groups: BTreeMap<(u32, String, String), ScheduleRecord> = BTreeMap::new();
    for session in sessions {
        let start = session.starts_at;
        let key = (
            start.weekday().num_days_from_monday(),
            format!("{:02}:{:02}", start.hour(), start.minute()),
            format!("{:02}:{:02}", session.ends_at.hour(), session.ends_at.minute()),
        );
        let schedule = groups.entry(key.clone()).or_insert_with(|| ScheduleRecord {
            freq: Frequency::Weekly,
            interval: 1,
            byday: weekday_code(start.weekday()).to_string(),
            opens_at: key.1.clone(),
            closes_at: key.2.clone(),
            valid_from: None,
            valid_to: None,
            except_dates: Vec::new(),
        });
        if session.cancelled {
            schedule.except_dates.push(start.date_naive());
        }
    }
    groups
        .into_values()
        .map(|mut schedule| {
            schedule.except_dates.sort();
            schedule.except_dates.dedup();
            schedule
        })
        .collect()
}

/// Adds cancelled sessions to the exceptions of the schedule they belong to (same weekday and
/// start time), for a series that has an `eventSchedule` as well as sessions.
pub fn add_cancellations(schedules: &mut [ScheduleRecord], sessions: &[SessionTimes]) {
    for session in sessions.iter().filter(|session| session.cancelled) {
        let start = session.starts_at;
        let opens = format!("{:02}:{:02}", start.hour(), start.minute());
        let day = weekday_code(start.weekday());
        if let Some(schedule) = schedules
            .iter_mut()
            .find(|s| s.opens_at == opens && s.byday.split(',').any(|code| code.ends_with(day)))
        {
            let date = start.date_naive();
            if !schedule.except_dates.contains(&date) {
                schedule.except_dates.push(date);
                schedule.except_dates.sort();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_partial_schedules_with_exceptions() {
        let (schedules, problems) = from_event_schedule(Some(&json!([
            {"@type": "PartialSchedule", "repeatFrequency": "P1W",
             "byDay": ["https://schema.org/Tuesday", "https://schema.org/Thursday"],
             "startTime": "10:00", "duration": "PT1H30M", "startDate": "2026-09-01",
             "exceptDate": ["2026-12-24T10:00:00Z", "2026-12-29"]},
            {"@type": "Schedule", "repeatFrequency": "P1M", "byDay": ["1TU"], "startTime": "14:00", "endTime": "15:00"},
            {"@type": "Schedule", "repeatFrequency": "P1Y", "byDay": ["MO"], "startTime": "14:00", "endTime": "15:00"}
        ])));
        assert_eq!(schedules.len(), 2);
        let weekly = &schedules[0];
        assert_eq!(
            (weekly.freq, weekly.interval, weekly.byday.as_str()),
            (Frequency::Weekly, 1, "TU,TH")
        );
        assert_eq!(
            (weekly.opens_at.as_str(), weekly.closes_at.as_str()),
            ("10:00", "11:30")
        );
        assert_eq!(weekly.valid_from, NaiveDate::from_ymd_opt(2026, 9, 1));
        let dates: Vec<NaiveDate> = weekly.exceptions().iter().map(|e| e.date).collect();
        assert_eq!(
            dates,
            [
                NaiveDate::from_ymd_opt(2026, 12, 24).expect("date"),
                NaiveDate::from_ymd_opt(2026, 12, 29).expect("date")
            ]
        );
        assert_eq!(
            (schedules[1].freq, schedules[1].byday.as_str()),
            (Frequency::Monthly, "1TU")
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("P1Y"), "{problems:?}");
    }

    #[test]
    fn sessions_group_into_weekly_schedules_in_london_time() {
        let session = |start: &str, end: &str, status: &str| {
            SessionTimes::parse(&json!({"startDate": start, "endDate": end, "eventStatus": status})).expect("session")
        };
        let sessions = vec![
            // 09:30 BST on a Tuesday.
            session(
                "2026-09-01T08:30:00Z",
                "2026-09-01T09:30:00Z",
                "https://schema.org/EventScheduled",
            ),
            // 09:30 GMT on a Tuesday: the same local time.
            session(
                "2026-11-03T09:30:00Z",
                "2026-11-03T10:30:00Z",
                "https://schema.org/EventCancelled",
            ),
            session(
                "2026-09-04T13:00:00+01:00",
                "2026-09-04T14:00:00+01:00",
                "https://schema.org/EventScheduled",
            ),
        ];
        let schedules = from_sessions(&sessions);
        assert_eq!(schedules.len(), 2);
        assert_eq!(
            (
                schedules[0].byday.as_str(),
                schedules[0].opens_at.as_str(),
                schedules[0].closes_at.as_str()
            ),
            ("TU", "09:30", "10:30")
        );
        assert_eq!(schedules[0].valid_from, None);
        assert_eq!(
            schedules[0].except_dates,
            vec![NaiveDate::from_ymd_opt(2026, 11, 3).expect("date")]
        );
        assert_eq!(
            (schedules[1].byday.as_str(), schedules[1].opens_at.as_str()),
            ("FR", "13:00")
        );
    }

    #[test]
    fn implausible_and_surplus_exception_dates_are_dropped() {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let mut record = ScheduleRecord {
            freq: Frequency::Weekly,
            interval: 1,
            byday: "MO".into(),
            opens_at: "10:00".into(),
            closes_at: "11:00".into(),
            valid_from: None,
            valid_to: None,
            except_dates: (0..400).map(|day| first + chrono::Duration::days(day)).collect(),
        };
        record
            .except_dates
            .push(NaiveDate::from_ymd_opt(1, 1, 1).expect("date"));
        let exceptions = record.exceptions();
        assert_eq!(exceptions.len(), EXCEPTIONS_MAX);
        assert_eq!(
            exceptions.last().map(|e| e.date),
            Some(first + chrono::Duration::days(399)),
            "the latest dates are kept"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration_minutes("PT1H"), Some(60));
        assert_eq!(duration_minutes("PT45M"), Some(45));
        assert_eq!(duration_minutes("PT1H30M"), Some(90));
        assert_eq!(duration_minutes("P1D"), None);
    }
}

//! Occurrences of iCal-like schedules in Europe/London time: the next sessions of a class.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use chrono_tz::Tz;

use crate::domain::{Frequency, Schedule, ScheduleException};
use crate::error::ParseError;

/// How far ahead to look for a session (a monthly schedule with interval 12 still fits).
const HORIZON_DAYS: i64 = 800;

/// Most exception dates one schedule may carry: a year of daily closures. More reads as a
/// mistake (or a feed listing every past cancellation), and would slow every session lookup.
pub const EXCEPTIONS_MAX: usize = 366;

/// One occurrence of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub starts_at: DateTime<Tz>,
    pub ends_at: DateTime<Tz>,
}

/// One BYDAY entry: a weekday, with an ordinal for monthly rules (`1TU` first, `-1FR` last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByDay {
    pub ordinal: Option<i8>,
    pub weekday: Weekday,
}

/// Parses a two-letter iCal day code.
pub fn parse_weekday(code: &str) -> Result<Weekday, ParseError> {
    Ok(match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        other => {
            return Err(ParseError::new(format!(
                "unknown day {other:?} (use MO, TU, WE, TH, FR, SA, SU)"
            )))
        }
    })
}

/// The two-letter iCal code of a weekday.
pub fn weekday_code(weekday: Weekday) -> &'static str {
    ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][weekday.num_days_from_monday() as usize]
}

/// Parses BYDAY: `TU`, `MO,TH`, `1TU`, `-1FR`.
///
/// Ordinals are those a month can have (1 to 5, or -1 to -5 counting from the end; `6TU` or
/// `0TU` never happen) and no day is given twice (`MO,MO,MO`).
pub fn parse_byday(raw: &str) -> Result<Vec<ByDay>, ParseError> {
    let mut days: Vec<ByDay> = Vec::new();
    for part in raw.split(',').filter(|part| !part.trim().is_empty()) {
        let part = part.trim();
        let split = part.len().saturating_sub(2);
        if !part.is_char_boundary(split) {
            return Err(ParseError::new(format!("bad BYDAY {part:?}")));
        }
        let (ordinal, day) = part.split_at(split);
        let ordinal = match ordinal {
            "" => None,
            number => {
                let number = number
                    .parse::<i8>()
                    .map_err(|_| ParseError::new(format!("bad BYDAY {part:?}")))?;
                if number == 0 || !(-5..=5).contains(&number) {
                    return Err(ParseError::new(format!(
                        "BYDAY {part:?}: a month has a 1st to 5th (or -1st to -5th) of each day"
                    )));
                }
                Some(number)
            }
        };
        let day = ByDay {
            ordinal,
            weekday: parse_weekday(day)?,
        };
        if days.contains(&day) {
            return Err(ParseError::new(format!("BYDAY {part:?} is given more than once")));
        }
        days.push(day);
    }
    Ok(days)
}

/// The weekdays of a BYDAY value, ordinals ignored (`MO,1TU,-1FR` → Mon, Tue, Fri); parts that
/// do not parse are skipped.
pub fn byday_weekdays(raw: &str) -> Vec<Weekday> {
    raw.split(',')
        .filter_map(|part| parse_byday(part).ok()?.first().map(|day| day.weekday))
        .collect()
}

/// Parses `HH:MM` (24-hour) into minutes after midnight.
pub fn parse_clock(raw: &str) -> Result<u16, ParseError> {
    let time = NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| ParseError::new(format!("{raw:?} is not a time of day (use HH:MM, e.g. 09:30)")))?;
    Ok((time.hour_minute().0 * 60 + time.hour_minute().1) as u16)
}

trait HourMinute {
    fn hour_minute(&self) -> (u32, u32);
}

impl HourMinute for NaiveTime {
    fn hour_minute(&self) -> (u32, u32) {
        use chrono::Timelike;
        (self.hour(), self.minute())
    }
}

impl Schedule {
    /// The weekdays this schedule can fall on.
    pub fn weekdays(&self) -> Vec<Weekday> {
        byday_weekdays(&self.byday)
    }

    /// Start and end in minutes after midnight, if the times are well formed.
    pub fn minutes(&self) -> Option<(u16, u16)> {
        Some((parse_clock(&self.opens_at).ok()?, parse_clock(&self.closes_at).ok()?))
    }

    /// Whether this local date is one of the schedule's exceptions (a closure or cancellation).
    pub fn is_exception(&self, date: NaiveDate) -> bool {
        // Ascending by date (`sort_exceptions` on every way in: editing, imports, the store).
        self.exceptions
            .binary_search_by_key(&date, |exception| exception.date)
            .is_ok()
    }

    /// Whether a session falls on this local date: inside the validity, on the rule's days and
    /// not an exception.
    pub fn occurs_on(&self, date: NaiveDate) -> bool {
        if self.valid_from.is_some_and(|from| date < from) || self.valid_to.is_some_and(|to| date > to) {
            return false;
        }
        if self.is_exception(date) {
            return false;
        }
        let Ok(days) = parse_byday(&self.byday) else {
            return false;
        };
        let interval = self.interval.max(1);
        let anchor = self
            .valid_from
            .unwrap_or(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
        match self.freq {
            Frequency::Weekly => {
                let weeks = (week_start(date) - week_start(anchor)).num_days().div_euclid(7);
                weeks.rem_euclid(interval) == 0 && days.iter().any(|d| d.weekday == date.weekday())
            }
            Frequency::Monthly => {
                let months = (date.year() - anchor.year()) as i64 * 12 + date.month() as i64 - anchor.month() as i64;
                months.rem_euclid(interval) == 0
                    && days
                        .iter()
                        .any(|d| d.weekday == date.weekday() && ordinal_matches(d.ordinal, date))
            }
        }
    }

    /// The next `count` sessions that have not started by `now`.
    pub fn next_sessions(&self, now: DateTime<Utc>, count: usize) -> Vec<Session> {
        let Some((start, end)) = self.minutes() else {
            return Vec::new();
        };
        let today = now.with_timezone(&London).date_naive();
        let mut sessions = Vec::with_capacity(count);
        for offset in 0..HORIZON_DAYS {
            if sessions.len() == count {
                break;
            }
            let date = today + Duration::days(offset);
            if !self.occurs_on(date) {
                continue;
            }
            let (Some(starts_at), Some(ends_at)) = (local(date, start), local(date, end)) else {
                continue;
            };
            if starts_at.with_timezone(&Utc) > now {
                sessions.push(Session { starts_at, ends_at });
            }
        }
        sessions
    }
}

/// Exceptions in date order, one per date (the first reason given for a date is kept).
pub fn sort_exceptions(mut exceptions: Vec<ScheduleException>) -> Vec<ScheduleException> {
    exceptions.sort_by_key(|exception| exception.date);
    exceptions.dedup_by_key(|exception| exception.date);
    exceptions
}

/// When a person can take part: on one of `days` (any day if empty), starting no earlier than
/// `from` and ending no later than `to` (minutes after local midnight).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Availability {
    pub days: Vec<Weekday>,
    pub from: Option<u16>,
    pub to: Option<u16>,
}

impl Availability {
    /// Whether the schedule's times sit inside the window (days are checked per session).
    pub fn fits_times(&self, schedule: &Schedule) -> bool {
        schedule.minutes().is_some_and(|(start, end)| {
            self.from.is_none_or(|from| start >= from) && self.to.is_none_or(|to| end <= to)
        })
    }

    /// The next `count` sessions of these schedules that suit, soonest first.
    pub fn next_sessions<'a>(
        &self,
        schedules: impl IntoIterator<Item = &'a Schedule>,
        now: DateTime<Utc>,
        count: usize,
    ) -> Vec<Session> {
        let mut sessions: Vec<Session> = schedules
            .into_iter()
            .filter(|schedule| self.fits_times(schedule))
            .flat_map(|schedule| schedule.next_sessions(now, count * 7))
            .filter(|session| self.days.is_empty() || self.days.contains(&session.starts_at.weekday()))
            .collect();
        sessions.sort_by_key(|session| session.starts_at);
        sessions.dedup();
        sessions.truncate(count);
        sessions
    }
}

fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(date.weekday().num_days_from_monday() as i64)
}

/// `1` first ... `4` fourth, `-1` last of its weekday in the month; no ordinal matches every one.
fn ordinal_matches(ordinal: Option<i8>, date: NaiveDate) -> bool {
    match ordinal {
        None => true,
        Some(n) if n > 0 => (date.day() as i64 - 1) / 7 + 1 == n as i64,
        Some(n) => {
            let days_in_month = days_in_month(date);
            (days_in_month as i64 - date.day() as i64) / 7 + 1 == (-n) as i64
        }
    }
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (year, month) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .map(|first| first.pred_opt().map_or(28, |last| last.day()))
        .unwrap_or(28)
}

/// A local Europe/London time; in the autumn overlap the earlier instant, in the spring gap none.
fn local(date: NaiveDate, minutes: u16) -> Option<DateTime<Tz>> {
    let time = NaiveTime::from_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)?;
    London.from_local_datetime(&date.and_time(time)).earliest()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn schedule(freq: Frequency, interval: i64, byday: &str, valid_from: Option<NaiveDate>) -> Schedule {
        Schedule {
            id: Uuid::nil(),
            service_id: Uuid::nil(),
            location_id: None,
            freq,
            interval,
            byday: byday.to_string(),
            opens_at: "10:00".into(),
            closes_at: "11:00".into(),
            valid_from,
            valid_to: None,
            description: None,
            exceptions: Vec::new(),
            archived_at: None,
            version: 1,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn weekly_sessions_in_london_time_across_the_clock_change() {
        let tuesdays = schedule(Frequency::Weekly, 1, "TU", Some(date(2026, 1, 6)));
        // Monday 19 October 2026, noon UTC: next Tuesdays are 20 and 27 October (BST ends 25 Oct).
        let now = Utc.with_ymd_and_hms(2026, 10, 19, 12, 0, 0).single().expect("valid");
        let sessions = tuesdays.next_sessions(now, 3);
        let starts: Vec<String> = sessions.iter().map(|s| s.starts_at.to_rfc3339()).collect();
        assert_eq!(
            starts,
            [
                "2026-10-20T10:00:00+01:00",
                "2026-10-27T10:00:00+00:00",
                "2026-11-03T10:00:00+00:00"
            ]
        );
    }

    #[test]
    fn four_weekly_sessions_follow_their_anchor() {
        let every_fourth = schedule(Frequency::Weekly, 4, "TH", Some(date(2019, 8, 29)));
        let now = Utc.with_ymd_and_hms(2019, 8, 30, 0, 0, 0).single().expect("valid");
        let dates: Vec<NaiveDate> = every_fourth
            .next_sessions(now, 2)
            .iter()
            .map(|s| s.starts_at.date_naive())
            .collect();
        assert_eq!(dates, [date(2019, 9, 26), date(2019, 10, 24)]);
    }

    #[test]
    fn monthly_first_and_last_weekdays() {
        let first_tuesday = schedule(Frequency::Monthly, 1, "1TU", Some(date(2026, 1, 1)));
        assert!(first_tuesday.occurs_on(date(2026, 12, 1)));
        assert!(!first_tuesday.occurs_on(date(2026, 12, 8)));
        let last_friday = schedule(Frequency::Monthly, 1, "-1FR", None);
        assert!(last_friday.occurs_on(date(2026, 11, 27)));
        assert!(!last_friday.occurs_on(date(2026, 11, 20)));
    }

    #[test]
    fn respects_valid_from_and_to_and_skips_a_session_already_started() {
        let mut fridays = schedule(Frequency::Weekly, 1, "FR", Some(date(2026, 12, 1)));
        fridays.valid_to = Some(date(2026, 12, 12));
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single().expect("valid");
        let dates: Vec<NaiveDate> = fridays
            .next_sessions(now, 5)
            .iter()
            .map(|s| s.starts_at.date_naive())
            .collect();
        assert_eq!(dates, [date(2026, 12, 4), date(2026, 12, 11)]);
        let during = Utc.with_ymd_and_hms(2026, 12, 4, 10, 30, 0).single().expect("valid");
        assert_eq!(
            fridays.next_sessions(during, 1)[0].starts_at.date_naive(),
            date(2026, 12, 11)
        );
    }

    fn closed(dates: &[NaiveDate]) -> Vec<ScheduleException> {
        sort_exceptions(
            dates
                .iter()
                .map(|date| ScheduleException {
                    date: *date,
                    reason: Some("closed".into()),
                })
                .collect(),
        )
    }

    #[test]
    fn christmas_day_is_skipped_when_it_is_an_exception() {
        // Friday 25 December 2026 (GMT), and a Friday class.
        let mut fridays = schedule(Frequency::Weekly, 1, "FR", Some(date(2026, 1, 2)));
        let now = Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0).single().expect("valid");
        let dates = |schedule: &Schedule| -> Vec<NaiveDate> {
            schedule
                .next_sessions(now, 3)
                .iter()
                .map(|s| s.starts_at.date_naive())
                .collect()
        };
        assert_eq!(
            dates(&fridays),
            [date(2026, 12, 18), date(2026, 12, 25), date(2027, 1, 1)]
        );
        fridays.exceptions = closed(&[date(2026, 12, 25)]);
        assert!(!fridays.occurs_on(date(2026, 12, 25)));
        assert!(fridays.occurs_on(date(2026, 12, 18)));
        assert_eq!(
            dates(&fridays),
            [date(2026, 12, 18), date(2027, 1, 1), date(2027, 1, 8)]
        );
        let first = fridays.next_sessions(now, 3)[1];
        assert_eq!(
            first.starts_at.to_rfc3339(),
            "2027-01-01T10:00:00+00:00",
            "GMT in winter"
        );
    }

    #[test]
    fn an_exception_in_summer_time_skips_the_local_date() {
        // Tuesday 14 July 2026 is in BST: the 10:00 session starts at 09:00 UTC. The exception
        // is a London date, so the session is skipped however late in the UTC day `now` is.
        let mut tuesdays = schedule(Frequency::Weekly, 1, "TU", Some(date(2026, 1, 6)));
        tuesdays.exceptions = closed(&[date(2026, 7, 14), date(2026, 7, 28)]);
        let now = Utc.with_ymd_and_hms(2026, 7, 13, 23, 30, 0).single().expect("valid");
        let starts: Vec<String> = tuesdays
            .next_sessions(now, 2)
            .iter()
            .map(|s| s.starts_at.to_rfc3339())
            .collect();
        assert_eq!(starts, ["2026-07-21T10:00:00+01:00", "2026-08-04T10:00:00+01:00"]);
        // A weekday filter still finds the class, on its next date that is not an exception.
        let tuesday_only = Availability {
            days: vec![Weekday::Tue],
            ..Availability::default()
        };
        let next = tuesday_only.next_sessions([&tuesdays], now, 1);
        assert_eq!(next[0].starts_at.date_naive(), date(2026, 7, 21));
    }

    #[test]
    fn exceptions_sort_and_keep_one_per_date() {
        let exceptions = sort_exceptions(vec![
            ScheduleException {
                date: date(2026, 12, 31),
                reason: None,
            },
            ScheduleException {
                date: date(2026, 12, 25),
                reason: Some("Christmas closure".into()),
            },
            ScheduleException {
                date: date(2026, 12, 25),
                reason: None,
            },
        ]);
        assert_eq!(exceptions.len(), 2);
        assert_eq!(exceptions[0].reason.as_deref(), Some("Christmas closure"));
        assert_eq!(exceptions[1].date, date(2026, 12, 31));
    }

    #[test]
    fn parses_clock_and_byday() {
        assert_eq!(parse_clock("09:30"), Ok(570));
        assert!(parse_clock("9.30").is_err());
        assert!(parse_clock("25:00").is_err());
        assert_eq!(parse_byday("MO,1TU").map(|d| d.len()), Ok(2));
        assert!(parse_byday("XX").is_err());
        assert_eq!(
            byday_weekdays("MO,1TU,-1FR,XX"),
            [Weekday::Mon, Weekday::Tue, Weekday::Fri]
        );
        assert!(byday_weekdays("").is_empty());
    }
}

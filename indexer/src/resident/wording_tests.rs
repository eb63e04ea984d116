use chrono::{NaiveDate, TimeZone};
use chrono_tz::Europe::London;
use uuid::Uuid;

use super::*;
use crate::domain::{Frequency, Schedule};

fn schedule(freq: Frequency, interval: i64, byday: &str, opens: &str, closes: &str) -> Schedule {
    Schedule {
        id: Uuid::nil(),
        service_id: Uuid::nil(),
        location_id: None,
        freq,
        interval,
        byday: byday.to_string(),
        opens_at: opens.to_string(),
        closes_at: closes.to_string(),
        valid_from: None,
        valid_to: None,
        description: None,
        exceptions: Vec::new(),
        archived_at: None,
        version: 1,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

#[test]
fn times_of_day_are_said_as_people_say_them() {
    assert_eq!(clock_words(10 * 60), "10am");
    assert_eq!(clock_words(10 * 60 + 30), "10:30am");
    assert_eq!(clock_words(12 * 60), "12 noon");
    assert_eq!(clock_words(14 * 60 + 5), "2:05pm");
    assert_eq!(clock_words(0), "midnight");
    assert_eq!(clock_words(12 * 60 + 30), "12:30pm");
}

#[test]
fn weekly_and_monthly_schedules_in_plain_english() {
    let weekly = schedule(Frequency::Weekly, 1, "TU", "10:00", "11:00");
    assert_eq!(schedule_words(&weekly).as_deref(), Some("Every Tuesday, 10am to 11am"));
    let fortnightly = schedule(Frequency::Weekly, 2, "MO,TH", "14:00", "15:30");
    assert_eq!(
        schedule_words(&fortnightly).as_deref(),
        Some("Every other Monday and Thursday, 2pm to 3:30pm")
    );
    let monthly = schedule(Frequency::Monthly, 1, "1TU", "10:00", "12:00");
    assert_eq!(
        schedule_words(&monthly).as_deref(),
        Some("First Tuesday of each month, 10am to 12 noon")
    );
    let last = schedule(Frequency::Monthly, 1, "-1FR", "09:30", "11:00");
    assert_eq!(
        schedule_words(&last).as_deref(),
        Some("Last Friday of each month, 9:30am to 11am")
    );
    let three_days = schedule(Frequency::Weekly, 1, "MO,WE,FR", "09:00", "10:00");
    assert_eq!(
        schedule_words(&three_days).as_deref(),
        Some("Every Monday, Wednesday and Friday, 9am to 10am")
    );
}

#[test]
fn a_schedule_that_does_not_parse_has_no_words() {
    assert_eq!(
        schedule_words(&schedule(Frequency::Weekly, 1, "XX", "10:00", "11:00")),
        None
    );
    assert_eq!(
        schedule_words(&schedule(Frequency::Weekly, 1, "TU", "ten", "11:00")),
        None
    );
    assert_eq!(
        schedule_words(&schedule(Frequency::Weekly, 1, "", "10:00", "11:00")),
        None
    );
}

#[test]
fn sessions_name_the_day_and_date_and_the_year_only_when_it_differs() {
    let starts = London.with_ymd_and_hms(2026, 12, 8, 10, 0, 0).single().expect("time");
    let ends = London.with_ymd_and_hms(2026, 12, 8, 11, 0, 0).single().expect("time");
    let session = Session {
        starts_at: starts,
        ends_at: ends,
    };
    assert_eq!(
        session_words(&session, date(2026, 12, 6)),
        "Tuesday 8 December, 10am to 11am"
    );
    assert_eq!(
        session_words(&session, date(2025, 12, 30)),
        "Tuesday 8 December 2026, 10am to 11am"
    );
}

#[test]
fn distances_are_in_miles() {
    assert_eq!(distance_words(0.3), "Less than half a mile away");
    assert_eq!(distance_words(1.6), "About 1 mile away");
    assert_eq!(distance_words(3.9), "2.4 miles away");
    assert_eq!(distance_words(40.0), "25 miles away");
    assert!((miles_to_km(5.0) - 8.04672).abs() < 1e-9);
}

#[test]
fn money_has_pounds_commas_and_pence_only_when_there_are_some() {
    assert_eq!(money_words(3.0), "£3");
    assert_eq!(money_words(3.5), "£3.50");
    assert_eq!(money_words(1200.0), "£1,200");
    assert_eq!(money_words(1_234_567.0), "£1,234,567");
}

#[test]
fn ages_lists_and_first_sentences() {
    assert_eq!(
        age_words(Some(60), None).as_deref(),
        Some("For people aged 60 and over")
    );
    assert_eq!(age_words(Some(5), Some(11)).as_deref(), Some("For people aged 5 to 11"));
    assert_eq!(age_words(None, None), None);
    assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    assert_eq!(first_sentence("A class. With tea after."), "A class.");
    assert_eq!(first_sentence("No full stop"), "No full stop");
    assert_eq!(first_sentence("Costs £3.50 a week. More."), "Costs £3.50 a week.");
    let long = "word ".repeat(100);
    let cut = first_sentence(&long);
    assert!(cut.ends_with('…') && cut.chars().count() <= 201, "{cut}");
}

//! Plain English for residents: schedules, sessions, times, distances, money and fund dates as
//! a person would say them ("Every Tuesday, 10am to 11am", "Tuesday 8 December", "2 miles
//! away", "Up to £100"). Pure functions, so the pages and their tests agree on the words.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::domain::schedule::{parse_byday, parse_clock, Session};
use crate::domain::{AccessibilityFeature, CostOption, DeliveryMode, Frequency, Fund, Schedule, Service};

/// Kilometres in a mile.
const KM_PER_MILE: f64 = 1.609_344;

/// The full English name of a weekday.
pub fn day_name(day: Weekday) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][day.num_days_from_monday() as usize]
}

/// The plural of a weekday, for "on Tuesdays".
pub fn day_plural(day: Weekday) -> String {
    format!("{}s", day_name(day))
}

/// A time of day as said aloud: `10am`, `10:30am`, `12 noon`, `2:15pm`, `midnight`.
pub fn clock_words(minutes: u16) -> String {
    let (hour, minute) = (minutes / 60 % 24, minutes % 60);
    match (hour, minute) {
        (0, 0) => "midnight".to_string(),
        (12, 0) => "12 noon".to_string(),
        _ => {
            let suffix = if hour < 12 { "am" } else { "pm" };
            let twelve = match hour % 12 {
                0 => 12,
                h => h,
            };
            if minute == 0 {
                format!("{twelve}{suffix}")
            } else {
                format!("{twelve}:{minute:02}{suffix}")
            }
        }
    }
}

/// "1st", "2nd", "3rd", "4th", "5th"; "last" for -1, "second to last" for -2.
fn ordinal_words(ordinal: i8) -> String {
    match ordinal {
        1 => "first".to_string(),
        2 => "second".to_string(),
        3 => "third".to_string(),
        4 => "fourth".to_string(),
        5 => "fifth".to_string(),
        -1 => "last".to_string(),
        -2 => "second to last".to_string(),
        n => format!("{n}th"),
    }
}

/// A list joined as people write it: "Monday", "Monday and Thursday", "Monday, Wednesday and Friday".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A schedule in words: "Every Tuesday, 10am to 11am", "Every other Monday, 2pm to 3:30pm",
/// "First Tuesday of each month, 10am to 12 noon". `None` when its days or times do not parse.
pub fn schedule_words(schedule: &Schedule) -> Option<String> {
    let days = parse_byday(&schedule.byday).ok().filter(|days| !days.is_empty())?;
    let (opens, closes) = (
        parse_clock(&schedule.opens_at).ok()?,
        parse_clock(&schedule.closes_at).ok()?,
    );
    let times = format!("{} to {}", clock_words(opens), clock_words(closes));
    let interval = schedule.interval.max(1);
    let when = match schedule.freq {
        Frequency::Weekly => {
            let names: Vec<String> = days.iter().map(|day| day_name(day.weekday).to_string()).collect();
            match interval {
                1 => format!("Every {}", and_list(&names)),
                2 => format!("Every other {}", and_list(&names)),
                n => format!("Every {n} weeks on {}", and_list(&names)),
            }
        }
        Frequency::Monthly => {
            let names: Vec<String> = days
                .iter()
                .map(|day| match day.ordinal {
                    Some(ordinal) => format!("{} {}", ordinal_words(ordinal), day_name(day.weekday)),
                    None => format!("every {}", day_name(day.weekday)),
                })
                .collect();
            let period = match interval {
                1 => "each month".to_string(),
                2 => "every other month".to_string(),
                n => format!("every {n} months"),
            };
            capitalise(&format!("{} of {period}", and_list(&names)))
        }
    };
    Some(format!("{when}, {times}"))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A date as people say it: "Tuesday 8 December" (the year only when it is not `today`'s).
pub fn date_words(date: NaiveDate, today: NaiveDate) -> String {
    let mut words = format!(
        "{} {} {}",
        day_name(date.weekday()),
        date.day(),
        month_name(date.month())
    );
    if date.year() != today.year() {
        words.push_str(&format!(" {}", date.year()));
    }
    words
}

/// A date with its year: "8 December 2026".
pub fn full_date_words(date: NaiveDate) -> String {
    format!("{} {} {}", date.day(), month_name(date.month()), date.year())
}

fn month_name(month: u32) -> &'static str {
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ][(month.clamp(1, 12) - 1) as usize]
}

/// A session in words: "Tuesday 8 December, 10am to 11am".
pub fn session_words(session: &Session, today: NaiveDate) -> String {
    use chrono::Timelike;
    let minutes = |hour: u32, minute: u32| (hour * 60 + minute) as u16;
    let starts = session.starts_at;
    let ends = session.ends_at;
    format!(
        "{}, {} to {}",
        date_words(starts.date_naive(), today),
        clock_words(minutes(starts.hour(), starts.minute())),
        clock_words(minutes(ends.hour(), ends.minute()))
    )
}

/// A distance in miles, as road signs in England give it: "Less than half a mile away",
/// "About 1 mile away", "2.4 miles away".
pub fn distance_words(km: f64) -> String {
    let miles = km / KM_PER_MILE;
    if miles < 0.5 {
        "Less than half a mile away".to_string()
    } else if miles < 1.05 {
        "About 1 mile away".to_string()
    } else if miles < 10.0 {
        format!("{:.1} miles away", miles)
    } else {
        format!("{:.0} miles away", miles)
    }
}

/// Miles to kilometres (the search works in km).
pub fn miles_to_km(miles: f64) -> f64 {
    miles * KM_PER_MILE
}

/// An amount of money: "£3", "£3.50", "£1,200".
pub fn money_words(amount: f64) -> String {
    let pence = (amount * 100.0).round() as i64;
    let (pounds, pence) = (pence / 100, pence % 100);
    let mut digits = pounds.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    let pounds = format!("{digits}{grouped}");
    if pence == 0 {
        format!("£{pounds}")
    } else {
        format!("£{pounds}.{pence:02}")
    }
}

/// What a service whose organisation has not said what it costs shows instead of a price.
pub const COST_NOT_KNOWN: &str = "Cost not known: ask the organiser";

/// What taking part costs, in words: "Free", the provider's own words ("£3 per session, first
/// session free"), "£3 per session", or [`COST_NOT_KNOWN`] when nothing was said (a listing
/// is never shown as free unless its organisation said so).
pub fn cost_words(service: &Service) -> String {
    if service.free == Some(true) {
        return "Free".to_string();
    }
    let words = service.cost_options.iter().find_map(cost_option_words);
    match (words, service.free) {
        (Some(words), _) => words,
        (None, Some(_)) => "There is a cost: ask the organiser".to_string(),
        (None, None) => COST_NOT_KNOWN.to_string(),
    }
}

fn cost_option_words(cost: &CostOption) -> Option<String> {
    cost.amount_description
        .clone()
        .filter(|text| !text.trim().is_empty())
        .or_else(|| {
            cost.amount
                .map(|amount| format!("{} {}", money_words(amount), cost.option.to_lowercase()))
        })
}

/// How much a fund gives: "Up to £100", "£50 to £500", "At least £20", or `None`.
pub fn fund_amount_words(fund: &Fund) -> Option<String> {
    match (fund.minimum_amount, fund.maximum_amount) {
        (Some(min), Some(max)) if (min - max).abs() < 0.005 => Some(money_words(max)),
        (Some(min), Some(max)) if min > 0.0 => Some(format!("{} to {}", money_words(min), money_words(max))),
        (_, Some(max)) => Some(format!("Up to {}", money_words(max))),
        (Some(min), None) => Some(format!("At least {}", money_words(min))),
        (None, None) => None,
    }
}

/// Whether and until when a fund takes applications: "Open now, closes 31 March 2027",
/// "Open now", "Opens 1 April 2027", "Closed on 1 March 2026".
pub fn fund_open_words(fund: &Fund, today: NaiveDate) -> String {
    if let Some(opens) = fund.opens_on.filter(|opens| *opens > today) {
        return format!("Opens {}", full_date_words(opens));
    }
    match fund.closes_on {
        Some(closes) if closes < today => format!("Closed on {}", full_date_words(closes)),
        Some(closes) => format!("Open now, closes {}", full_date_words(closes)),
        None => "Open now".to_string(),
    }
}

/// Who a listing is for by age: "For people aged 60 and over", "For ages 5 to 11", or `None`.
pub fn age_words(minimum: Option<i64>, maximum: Option<i64>) -> Option<String> {
    match (minimum, maximum) {
        (Some(min), Some(max)) => Some(format!("For people aged {min} to {max}")),
        (Some(min), None) => Some(format!("For people aged {min} and over")),
        (None, Some(max)) => Some(format!("For people aged up to {max}")),
        (None, None) => None,
    }
}

/// A way of taking part, in words.
pub fn delivery_words(mode: DeliveryMode) -> &'static str {
    match mode {
        DeliveryMode::InPerson => "In person",
        DeliveryMode::Phone => "By phone",
        DeliveryMode::Online => "Online",
    }
}

/// An accessibility feature, in words.
pub fn accessibility_words(feature: AccessibilityFeature) -> &'static str {
    match feature {
        AccessibilityFeature::StepFree => "Step-free access",
        AccessibilityFeature::HearingLoop => "Hearing loop",
        AccessibilityFeature::AccessibleToilet => "Accessible toilet",
        AccessibilityFeature::Parking => "Parking",
        AccessibilityFeature::SeatedOptions => "Can be done sitting down",
        AccessibilityFeature::LargePrint => "Large print",
        AccessibilityFeature::WheelchairAccessible => "Wheelchair accessible",
    }
}

/// The first sentence of a description (at most about 200 characters), for a short summary.
pub fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|(i, c)| matches!(c, '.' | '!' | '?') && text[i + c.len_utf8()..].starts_with(' '))
        .map_or(text.len(), |(i, c)| i + c.len_utf8());
    let sentence = &text[..end];
    if sentence.chars().count() <= 200 {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(200).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
#[path = "wording_tests.rs"]
mod tests;

//! A schedule's exceptions as editors send them: the whole list (`exceptions`), or dates to add
//! (`addExceptions`) and to remove (`removeExceptions`), checked into
//! [`ScheduleException`]s.
//!
//! Rules: each date from 2000 to 2100 ([`plausible_date`]), a date given once per list, a
//! reason of plain text, at most [`EXCEPTIONS_MAX`] exceptions in the end. Removing a date the
//! schedule does not have is not an error (the result is what was asked). Errors name the
//! GraphQL field (`input.exceptions[2].date`).

use chrono::NaiveDate;

use super::input::plausible_date;
use crate::domain::schedule::{sort_exceptions, EXCEPTIONS_MAX};
use crate::domain::text::{self, SHORT_TEXT_MAX};
use crate::domain::ScheduleException;
use crate::error::{Error, Result};

/// One exception as sent: a local date and, optionally, why (`"Christmas closure"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleExceptionInput {
    pub date: NaiveDate,
    pub reason: Option<String>,
}

/// How an update changes a schedule's exceptions; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExceptionsInput {
    /// Replaces the whole list (`Some(vec![])` clears it).
    pub replace: Option<Vec<ScheduleExceptionInput>>,
    /// Added after the replacement (a date already there takes the new reason).
    pub add: Option<Vec<ScheduleExceptionInput>>,
    /// Dates removed last.
    pub remove: Option<Vec<NaiveDate>>,
}

impl ExceptionsInput {
    /// Whether the input asks for no change.
    pub fn is_empty(&self) -> bool {
        self.replace.is_none() && self.add.is_none() && self.remove.is_none()
    }
}

/// The exceptions after `input`, from the `current` ones; sorted by date.
pub fn apply_exceptions(input: &ExceptionsInput, current: &[ScheduleException]) -> Result<Vec<ScheduleException>> {
    if input.is_empty() {
        return Ok(current.to_vec());
    }
    let mut exceptions = match &input.replace {
        Some(list) => checked("input.exceptions", list)?,
        None => current.to_vec(),
    };
    if let Some(list) = &input.add {
        for exception in checked("input.addExceptions", list)? {
            exceptions.retain(|kept| kept.date != exception.date);
            exceptions.push(exception);
        }
    }
    if let Some(dates) = &input.remove {
        bounded("input.removeExceptions", dates.len())?;
        exceptions.retain(|kept| !dates.contains(&kept.date));
    }
    let exceptions = sort_exceptions(exceptions);
    if exceptions.len() > EXCEPTIONS_MAX {
        let field = if input.add.is_some() {
            "input.addExceptions"
        } else {
            "input.exceptions"
        };
        return Err(too_many(field));
    }
    Ok(exceptions)
}

/// A list of exceptions checked one by one: plausible dates, each date once, plain-text reasons.
fn checked(field: &str, list: &[ScheduleExceptionInput]) -> Result<Vec<ScheduleException>> {
    bounded(field, list.len())?;
    let mut exceptions: Vec<ScheduleException> = Vec::with_capacity(list.len());
    for (at, item) in list.iter().enumerate() {
        let date_field = format!("{field}[{at}].date");
        plausible_date(&date_field, Some(item.date))?;
        if exceptions.iter().any(|seen| seen.date == item.date) {
            return Err(Error::invalid(
                date_field,
                format!("{} is given more than once", item.date),
            ));
        }
        let reason = match &item.reason {
            Some(raw) => text::optional_plain_text(&format!("{field}[{at}].reason"), raw, SHORT_TEXT_MAX)?,
            None => None,
        };
        exceptions.push(ScheduleException {
            date: item.date,
            reason,
        });
    }
    Ok(exceptions)
}

/// Refuses a list longer than any schedule may hold before looking at its entries.
fn bounded(field: &str, len: usize) -> Result<()> {
    if len > EXCEPTIONS_MAX {
        return Err(too_many(field));
    }
    Ok(())
}

fn too_many(field: &str) -> Error {
    Error::invalid(
        field,
        format!("a schedule may have at most {EXCEPTIONS_MAX} exception dates"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn on(date: NaiveDate, reason: Option<&str>) -> ScheduleExceptionInput {
        ScheduleExceptionInput {
            date,
            reason: reason.map(str::to_string),
        }
    }

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidInput { field, .. } => field,
            other => panic!("not invalid input: {other}"),
        }
    }

    #[test]
    fn replace_add_and_remove() {
        let christmas = date(2026, 12, 25);
        let replace = ExceptionsInput {
            replace: Some(vec![
                on(date(2026, 12, 31), None),
                on(christmas, Some("Christmas closure")),
            ]),
            ..ExceptionsInput::default()
        };
        let exceptions = apply_exceptions(&replace, &[]).expect("valid");
        assert_eq!(
            exceptions.iter().map(|e| e.date).collect::<Vec<_>>(),
            [christmas, date(2026, 12, 31)]
        );
        assert_eq!(exceptions[0].reason.as_deref(), Some("Christmas closure"));
        let change = ExceptionsInput {
            add: Some(vec![on(christmas, Some("Closed for Christmas"))]),
            remove: Some(vec![date(2026, 12, 31), date(2027, 1, 1)]),
            ..ExceptionsInput::default()
        };
        let exceptions = apply_exceptions(&change, &exceptions).expect("valid");
        assert_eq!(exceptions.len(), 1);
        assert_eq!(exceptions[0].reason.as_deref(), Some("Closed for Christmas"));
        assert_eq!(
            apply_exceptions(&ExceptionsInput::default(), &exceptions).expect("kept"),
            exceptions
        );
    }

    #[test]
    fn bad_exceptions_name_their_field() {
        let year_zero = ExceptionsInput {
            replace: Some(vec![on(date(2026, 12, 25), None), on(date(0, 1, 1), None)]),
            ..ExceptionsInput::default()
        };
        assert_eq!(
            field_of(apply_exceptions(&year_zero, &[]).expect_err("year 0")),
            "input.exceptions[1].date"
        );
        let twice = ExceptionsInput {
            add: Some(vec![
                on(date(2026, 12, 25), None),
                on(date(2026, 12, 25), Some("again")),
            ]),
            ..ExceptionsInput::default()
        };
        assert_eq!(
            field_of(apply_exceptions(&twice, &[]).expect_err("twice")),
            "input.addExceptions[1].date"
        );
        let script = ExceptionsInput {
            add: Some(vec![on(date(2026, 12, 25), Some(&"x".repeat(SHORT_TEXT_MAX + 1)))]),
            ..ExceptionsInput::default()
        };
        assert_eq!(
            field_of(apply_exceptions(&script, &[]).expect_err("long")),
            "input.addExceptions[0].reason"
        );
        let first = date(2026, 1, 1);
        let many: Vec<ScheduleExceptionInput> = (0..=EXCEPTIONS_MAX as i64)
            .map(|day| on(first + chrono::Duration::days(day), None))
            .collect();
        let too_many = ExceptionsInput {
            replace: Some(many.clone()),
            ..ExceptionsInput::default()
        };
        assert_eq!(
            field_of(apply_exceptions(&too_many, &[]).expect_err("too many")),
            "input.exceptions"
        );
        let current = apply_exceptions(
            &ExceptionsInput {
                replace: Some(many[..EXCEPTIONS_MAX].to_vec()),
                ..ExceptionsInput::default()
            },
            &[],
        )
        .expect("at the cap");
        let one_more = ExceptionsInput {
            add: Some(vec![many[EXCEPTIONS_MAX].clone()]),
            ..ExceptionsInput::default()
        };
        assert_eq!(
            field_of(apply_exceptions(&one_more, &current).expect_err("over the cap")),
            "input.addExceptions"
        );
    }
}

//! Unit tests of the editing input rules (days, times, ages, needs, dates).
use super::*;

fn blank_schedule() -> Schedule {
    Schedule {
        id: Uuid::nil(),
        service_id: Uuid::nil(),
        location_id: None,
        freq: Frequency::Weekly,
        interval: 1,
        byday: String::new(),
        opens_at: String::new(),
        closes_at: String::new(),
        valid_from: None,
        valid_to: None,
        description: None,
        exceptions: Vec::new(),
        archived_at: None,
        version: 0,
    }
}

#[test]
fn schedules_need_days_and_an_end_after_the_start() {
    let mut schedule = blank_schedule();
    let input = ScheduleInput {
        byday: Some("tu, th".into()),
        opens_at: Some("10:00".into()),
        closes_at: Some("09:00".into()),
        ..ScheduleInput::default()
    };
    let error = apply_schedule(&input, &mut schedule, true).expect_err("ends before it starts");
    assert!(matches!(error, Error::InvalidInput { ref field, .. } if field == "input.closesAt"));
    let input = ScheduleInput {
        closes_at: Some("11:00".into()),
        ..input
    };
    apply_schedule(&input, &mut schedule, true).expect("valid schedule");
    assert_eq!(schedule.byday, "TU,TH");
    let monthly_on_weekly = ScheduleInput {
        byday: Some("1TU".into()),
        ..ScheduleInput::default()
    };
    assert!(apply_schedule(&monthly_on_weekly, &mut schedule, false).is_err());
}

#[test]
fn ages_must_be_a_range() {
    assert!(ages("input", Some(70), Some(50)).is_err());
    assert!(ages("input", Some(-1), None).is_err());
    assert_eq!(
        ages("input", Some(50), None).expect("open-ended range"),
        (Some(50), None)
    );
}

#[test]
fn needs_are_known_codes_without_repeats() {
    let codes = needs(
        "input.needs",
        &["strength-and-balance".into(), "strength-and-balance".into()],
    )
    .expect("known need");
    assert_eq!(codes.len(), 1);
    assert!(needs("input.needs", &["bingo".into()]).is_err());
    assert!(needs("input.needs", &[]).is_err());
}

#[test]
fn impossible_days_and_dates_are_refused() {
    for byday in ["6TU", "-6TU", "0TU", "MO,MO,MO", "éa"] {
        let mut schedule = blank_schedule();
        schedule.freq = Frequency::Monthly;
        let input = ScheduleInput {
            byday: Some(byday.into()),
            opens_at: Some("10:00".into()),
            closes_at: Some("11:00".into()),
            ..Default::default()
        };
        let error = apply_schedule(&input, &mut schedule, true).expect_err(byday);
        assert!(
            matches!(error, Error::InvalidInput { ref field, .. } if field == "input.byday"),
            "{byday}: {error}"
        );
    }
    let mut schedule = blank_schedule();
    let input = ScheduleInput {
        byday: Some("TU".into()),
        opens_at: Some("10:00".into()),
        closes_at: Some("11:00".into()),
        valid_to: Some(NaiveDate::from_ymd_opt(0, 1, 1)),
        ..Default::default()
    };
    let error = apply_schedule(&input, &mut schedule, true).expect_err("year 0");
    assert!(
        matches!(error, Error::InvalidInput { ref field, .. } if field == "input.validTo"),
        "{error}"
    );
}

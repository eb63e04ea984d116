//! Calendar truth (issue 24): a schedule's exception dates (a Christmas closure, a one-off
//! cancellation) as the organisation edits them, and everything that shows sessions skipping
//! them: the schedule's next sessions, search's next session, signposting, the OpenActive
//! ScheduledSession feed (a session already published becomes a tombstone) and the series'
//! `exceptDate`; the edit's history; bad dates refused with the field named.
//!
//! Dates are worked out from today, so the test holds whenever it runs: "Christmas" is the first
//! 25 December at least 15 days ahead, and the class runs weekly on its weekday from two weeks
//! before it.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use indexer::accounts::{Role, Viewer};
use serde_json::Value;
use uuid::Uuid;

use crate::openactive::models::{assert_valid, Models};
use crate::openactive::{walk_series, walk_sessions};
use crate::support::{seeded, TestDirectory};

/// A seed class with one weekly schedule at one venue, published as an OpenActive series.
const DEREHAM: &str = "Steady Steps chair-based strength and balance, Dereham (example)";
/// The postcode of its venue.
const DEREHAM_POSTCODE: &str = "NR19 1NY";

/// Waits until the search index has applied every change.
async fn searchable(directory: &indexer::Directory) {
    let newest = directory.store().last_change_seq().await.expect("seq");
    for _ in 0..400 {
        if directory.search_index().applied_seq() >= newest {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the search index did not catch up");
}

/// The first 25 December at least 15 days after today (London).
fn christmas() -> NaiveDate {
    let today = Utc::now().with_timezone(&London).date_naive();
    (today.year()..)
        .filter_map(|year| NaiveDate::from_ymd_opt(year, 12, 25))
        .find(|day| *day >= today + Duration::days(15))
        .expect("a Christmas ahead")
}

fn ical_day(day: Weekday) -> &'static str {
    ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][day.num_days_from_monday() as usize]
}

/// The local dates of sessions as the API gives them (`startsAt`).
fn dates(sessions: &Value) -> Vec<NaiveDate> {
    sessions
        .as_array()
        .expect("sessions")
        .iter()
        .map(|session| {
            chrono::DateTime::parse_from_rfc3339(session["startsAt"].as_str().expect("startsAt"))
                .expect("a date-time")
                .with_timezone(&London)
                .date_naive()
        })
        .collect()
}

struct Class {
    test: TestDirectory,
    editor: Viewer,
    service: Uuid,
    schedule: Uuid,
    christmas: NaiveDate,
}

/// The Dereham class, made weekly on Christmas Day's weekday from two weeks before it, and an
/// editor of its organisation.
async fn class() -> Class {
    let test = seeded().await;
    let store = test.directory.store();
    let series = walk_series(&test.directory, 500).await;
    let item = series
        .iter()
        .find(|item| item["data"]["name"] == DEREHAM)
        .expect("the Dereham series");
    let service = Uuid::parse_str(item["data"]["identifier"].as_str().expect("id")).expect("uuid");
    let organization = store
        .service(service)
        .await
        .expect("read")
        .expect("service")
        .organization_id;
    let schedules = store.schedules_of_service(service).await.expect("schedules");
    assert_eq!(schedules.len(), 1, "one schedule");
    let editor = test.principal(Role::Editor, "dereham editor", Some(organization)).await;
    let christmas = christmas();
    let schedule = &schedules[0];
    let weekly = format!(
        r#"mutation {{ updateSchedule(id: "{}", version: {}, input: {{ freq: WEEKLY, interval: 1, byday: "{}",
            validFrom: "{}", validTo: null }}) {{ id }} }}"#,
        schedule.id,
        schedule.version,
        ical_day(christmas.weekday()),
        christmas - Duration::days(14),
    );
    test.data_as(&editor, &weekly).await;
    Class {
        service,
        schedule: schedule.id,
        editor,
        christmas,
        test,
    }
}

impl Class {
    async fn version(&self) -> i64 {
        let schedule = self.test.directory.store().schedule(self.schedule).await.expect("read");
        schedule.expect("schedule").version
    }

    /// The Dereham series' data in the SessionSeries feed.
    async fn series(&self) -> Value {
        let series = walk_series(&self.test.directory, 500).await;
        let item = series
            .iter()
            .find(|item| item["id"] == self.service.to_string())
            .expect("the series");
        item["data"].clone()
    }

    /// The Dereham sessions in the ScheduledSession feed at `now`: (id, local date, state).
    async fn sessions(&self, now: chrono::DateTime<Utc>) -> Vec<(String, Option<NaiveDate>, String)> {
        let service = self.service.to_string();
        walk_sessions(&self.test.directory, now)
            .await
            .iter()
            .filter(|item| {
                // Tombstones carry no data: kept, to be found by id.
                item["state"] == "deleted"
                    || item["data"]["superEvent"]
                        .as_str()
                        .is_some_and(|series| series.ends_with(&service))
            })
            .map(|item| {
                let date = item["data"]["startDate"].as_str().map(|start| {
                    chrono::DateTime::parse_from_rfc3339(start)
                        .expect("start")
                        .with_timezone(&London)
                        .date_naive()
                });
                (
                    item["id"].as_str().expect("id").to_string(),
                    date,
                    item["state"].as_str().expect("state").to_string(),
                )
            })
            .collect()
    }
}

#[tokio::test]
async fn a_christmas_closure_is_skipped_by_next_sessions_search_signposting_and_openactive() {
    let class = class().await;
    let christmas = class.christmas;
    let week = |weeks: i64| christmas + Duration::weeks(weeks);
    // The feed at noon three weeks before Christmas: its eight-week window holds Christmas Day.
    let feed_time = London
        .from_local_datetime(&(christmas - Duration::days(20)).and_hms_opt(12, 0, 0).expect("noon"))
        .earliest()
        .expect("a London time")
        .with_timezone(&Utc);
    let before = class.sessions(feed_time).await;
    let published_on_christmas: Vec<&String> = before
        .iter()
        .filter(|(_, date, state)| *date == Some(christmas) && state == "updated")
        .map(|(id, _, _)| id)
        .collect();
    assert_eq!(
        published_on_christmas.len(),
        1,
        "a session on Christmas Day before the closure"
    );

    // The organisation closes for Christmas and cancels the first session of the run.
    let closure = format!(
        r#"mutation {{ updateSchedule(id: "{}", version: {}, input: {{ addExceptions: [
            {{ date: "{christmas}", reason: "Christmas closure" }},
            {{ date: "{}", reason: "Hall booked for the election" }} ] }})
            {{ exceptions {{ date reason }} nextSessions(first: 3) {{ startsAt }} }} }}"#,
        class.schedule,
        class.version().await,
        week(-2),
    );
    let updated = class.test.data_as(&class.editor, &closure).await["updateSchedule"].clone();
    assert_eq!(
        updated["exceptions"],
        serde_json::json!([
            { "date": week(-2).to_string(), "reason": "Hall booked for the election" },
            { "date": christmas.to_string(), "reason": "Christmas closure" },
        ])
    );
    assert_eq!(dates(&updated["nextSessions"]), [week(-1), week(1), week(2)]);

    // The history shows the exceptions change.
    let history = class
        .test
        .data_as(
            &class.editor,
            &format!(
                r#"{{ history(id: "{}") {{ changes {{ fieldName previousValue replacementValue }} }} }}"#,
                class.schedule
            ),
        )
        .await;
    let last = history["history"]
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .expect("an entry");
    let change = last["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|change| change["fieldName"] == "exceptions")
        .cloned()
        .expect("the exceptions changed");
    assert_eq!(change["previousValue"], serde_json::json!([]));
    assert_eq!(change["replacementValue"][1]["reason"], "Christmas closure");

    // Search shows the next session after the cancelled one.
    searchable(&class.test.directory).await;
    let search = class
        .test
        .data(r#"{ search(text: "Steady Steps Dereham", first: 5) { edges { node { ... on Service { id } } nextSession { startsAt } } } }"#)
        .await;
    let edge = search["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|edge| edge["node"]["id"] == class.service.to_string())
        .cloned()
        .expect("the class is found");
    assert_eq!(dates(&serde_json::json!([edge["nextSession"]])), [week(-1)]);

    // Signposting offers no session on Christmas Day.
    let signpost = class
        .test
        .data(&format!(
            r#"{{ signpost(input: {{ postcode: "{DEREHAM_POSTCODE}", age: 75, needs: ["strength-and-balance"], maxDistanceKm: 5 }})
                {{ needs {{ options {{ service {{ id }} nextSessions {{ startsAt }} }} }} }} }}"#
        ))
        .await;
    let option = signpost["signpost"]["needs"][0]["options"]
        .as_array()
        .expect("options")
        .iter()
        .find(|option| option["service"]["id"] == class.service.to_string())
        .cloned()
        .expect("the class is offered");
    assert_eq!(dates(&option["nextSessions"]), [week(-1), week(1), week(2)]);

    // OpenActive: the series says so, and the session on Christmas Day is withdrawn.
    let series = class.series().await;
    assert_eq!(
        series["eventSchedule"][0]["exceptDate"],
        serde_json::json!([week(-2).to_string(), christmas.to_string()])
    );
    assert_valid(
        &Models::load().validator("SessionSeries"),
        &series,
        "a series with exceptions",
    );
    let after = class.sessions(feed_time).await;
    let live: Vec<NaiveDate> = after
        .iter()
        .filter(|(_, _, state)| state == "updated")
        .filter_map(|(_, date, _)| *date)
        .collect();
    assert!(live.contains(&week(-1)) && live.contains(&week(1)), "{live:?}");
    assert!(!live.contains(&christmas) && !live.contains(&week(-2)), "{live:?}");
    let withdrawn = after
        .iter()
        .find(|(id, _, _)| id == published_on_christmas[0])
        .expect("the Christmas session is still in the feed");
    assert_eq!(withdrawn.2, "deleted", "a tombstone");

    // Removing the closure brings Christmas Day back.
    let reopen = format!(
        r#"mutation {{ updateSchedule(id: "{}", version: {}, input: {{ removeExceptions: ["{christmas}"] }})
            {{ exceptions {{ date }} nextSessions(first: 3) {{ startsAt }} }} }}"#,
        class.schedule,
        class.version().await,
    );
    let reopened = class.test.data_as(&class.editor, &reopen).await["updateSchedule"].clone();
    assert_eq!(reopened["exceptions"].as_array().map(Vec::len), Some(1));
    assert_eq!(dates(&reopened["nextSessions"]), [week(-1), christmas, week(1)]);
}

#[tokio::test]
async fn bad_exception_dates_are_refused_with_the_field_named() {
    let class = class().await;
    let version = class.version().await;
    let cases = [
        (
            r#"exceptions: [{ date: "2026-12-25" }, { date: "0000-01-01" }]"#,
            "input.exceptions[1].date",
        ),
        (
            r#"addExceptions: [{ date: "2101-01-01" }]"#,
            "input.addExceptions[0].date",
        ),
        (
            r#"addExceptions: [{ date: "2026-12-25" }, { date: "2026-12-25", reason: "again" }]"#,
            "input.addExceptions[1].date",
        ),
    ];
    for (input, field) in cases {
        let mutation = format!(
            r#"mutation {{ updateSchedule(id: "{}", version: {version}, input: {{ {input} }}) {{ id }} }}"#,
            class.schedule
        );
        let (code, named) = class.test.error_as(&class.editor, &mutation).await;
        assert_eq!(
            (code.as_str(), named.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    let first = NaiveDate::from_ymd_opt(2030, 1, 1).expect("date");
    let many: Vec<String> = (0..367)
        .map(|day| format!(r#"{{ date: "{}" }}"#, first + Duration::days(day)))
        .collect();
    let mutation = format!(
        r#"mutation {{ updateSchedule(id: "{}", version: {version}, input: {{ exceptions: [{}] }}) {{ id }} }}"#,
        class.schedule,
        many.join(", ")
    );
    let (code, named) = class.test.error_as(&class.editor, &mutation).await;
    assert_eq!(
        (code.as_str(), named.as_deref()),
        ("BAD_USER_INPUT", Some("input.exceptions"))
    );
    let stored = class
        .test
        .directory
        .store()
        .schedule(class.schedule)
        .await
        .expect("read");
    let stored = stored.expect("schedule");
    assert!(
        stored.exceptions.is_empty() && stored.version == version,
        "nothing was stored"
    );
}

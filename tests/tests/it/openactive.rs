//! OpenActive feeds over the seed: SessionSeries and ScheduledSession items valid against
//! OpenActive's models, edge cases (monthly schedule, paid, age limits, no venue), sessions on
//! their schedule's days in London time, the rolling window, and the dataset site.

pub mod models;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, Offset, TimeZone, Utc};
use chrono_tz::Europe::London;
use indexer::accounts::{Role, Viewer};
use indexer::domain::{CostOption, Frequency};
use indexer::editing::input::{ScheduleInput, ServiceInput};
use indexer::publish::rpde::PageRequest;
use indexer::Directory;
use serde_json::Value;
use uuid::Uuid;

use crate::support::{seeded, TestDirectory};
use models::{assert_valid, Models};

/// The public origin the engine builds URLs from in these tests.
pub const BASE: &str = "http://directory.test";

/// Every item of the SessionSeries feed, walked from the start in pages of `limit`.
pub async fn walk_series(directory: &Directory, limit: i64) -> Vec<Value> {
    let mut items = Vec::new();
    let mut request = PageRequest::parse(None, None, Some(&limit.to_string())).expect("limit");
    loop {
        let page = directory.session_series_page(BASE, &request).await.expect("page");
        let page = serde_json::to_value(&page).expect("json");
        let got = page["items"].as_array().expect("items").clone();
        if got.is_empty() {
            return items;
        }
        let last = got.last().expect("last").clone();
        items.extend(got);
        request = PageRequest::parse(
            Some(&last["modified"].to_string()),
            last["id"].as_str(),
            Some(&limit.to_string()),
        )
        .expect("cursor");
    }
}

/// Every item of the ScheduledSession feed at `now`.
pub async fn walk_sessions(directory: &Directory, now: DateTime<Utc>) -> Vec<Value> {
    let mut items = Vec::new();
    let mut request = PageRequest::first();
    loop {
        let page = directory
            .scheduled_sessions_page(BASE, &request, now)
            .await
            .expect("page");
        let page = serde_json::to_value(&page).expect("json");
        let got = page["items"].as_array().expect("items").clone();
        if got.is_empty() {
            return items;
        }
        let last = got.last().expect("last").clone();
        items.extend(got);
        request = PageRequest::parse(Some(&last["modified"].to_string()), last["id"].as_str(), None).expect("cursor");
    }
}

/// The RPDE envelope's schema with `data` checked against `data_model` instead of `Event`,
/// `items` allowed empty (an empty page is how a feed ends) and the rule that deleted items
/// carry no data.
pub fn page_validator(models: &Models) -> jsonschema::Validator {
    models.validator_with("FeedPage", |schema| {
        schema["properties"]["items"] = serde_json::json!({ "type": "array", "items": { "$ref": "#/$defs/FeedItem" } });
    })
}

pub fn item_validator(models: &Models) -> jsonschema::Validator {
    models.validator_with("FeedItem", |schema| {
        schema["properties"]["data"] = serde_json::json!({ "type": "object" });
        schema["if"] = serde_json::json!({ "properties": { "state": { "const": "deleted" } } });
        schema["then"] = serde_json::json!({ "not": { "required": ["data"] } });
        schema["else"] = serde_json::json!({ "required": ["data"] });
    })
}

fn updated(items: &[Value]) -> Vec<&Value> {
    items.iter().filter(|item| item["state"] == "updated").collect()
}

fn series_named<'a>(items: &'a [Value], name: &str) -> &'a Value {
    let found = items
        .iter()
        .filter(|item| item["data"]["name"] == name)
        .collect::<Vec<_>>();
    assert_eq!(found.len(), 1, "one series named {name}");
    &found[0]["data"]
}

async fn moderator(test: &TestDirectory) -> Viewer {
    test.principal(Role::Moderator, "feeds moderator", None).await
}

const DEREHAM: &str = "Steady Steps chair-based strength and balance, Dereham (example)";

#[tokio::test]
async fn session_series_items_validate_against_the_openactive_models() {
    let test = seeded().await;
    let models = Models::load();
    let series_model = models.validator("SessionSeries");
    let item_model = item_validator(&models);
    let first = test
        .directory
        .session_series_page(BASE, &PageRequest::first())
        .await
        .expect("page");
    let first = serde_json::to_value(&first).expect("json");
    assert_valid(&page_validator(&models), &first, "the first SessionSeries page");
    assert_eq!(first["license"], "https://creativecommons.org/licenses/by/4.0/");

    let items = walk_series(&test.directory, 40).await;
    let services = test.directory.store().count("services").await.expect("count");
    assert_eq!(
        items.len() as i64,
        services,
        "every service is an item, as a series or a tombstone"
    );
    for item in &items {
        assert_valid(&item_model, item, "a feed item");
        assert_eq!(item["kind"], "SessionSeries");
        if item["state"] == "updated" {
            assert_valid(&series_model, &item["data"], "a SessionSeries");
            assert_eq!(item["data"]["identifier"], item["id"]);
        }
    }
    // The seed file says which services are opportunities: active, with an activity and a
    // venue with a schedule (an oracle that shares no code with the engine).
    let seed: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::support::workspace_root().join("seed/example_listings.json")).expect("seed"),
    )
    .expect("seed json");
    let opportunities: HashSet<String> = seed["organizations"]
        .as_array()
        .expect("organisations")
        .iter()
        .flat_map(|organization| organization["services"].as_array().cloned().unwrap_or_default())
        .filter(|service| {
            service["status"] == "active"
                && service["activity_concepts"].as_array().is_some_and(|a| !a.is_empty())
                && service["locations"].as_array().is_some_and(|locations| {
                    locations
                        .iter()
                        .any(|l| l["schedules"].as_array().is_some_and(|s| !s.is_empty()))
                })
        })
        .filter_map(|service| service["name"].as_str().map(str::to_string))
        .collect();
    let live: HashSet<String> = updated(&items)
        .iter()
        .map(|item| item["data"]["name"].as_str().expect("name").to_string())
        .collect();
    assert!(live.len() > 50, "{} series", live.len());
    assert_eq!(live, opportunities);

    let dereham = series_named(&items, DEREHAM);
    assert_eq!(dereham["@type"], "SessionSeries");
    assert_eq!(dereham["@context"], "https://openactive.io/");
    assert!(dereham["@id"]
        .as_str()
        .expect("id")
        .starts_with("http://directory.test/openactive/session-series/"));
    assert_eq!(dereham["activity"][0]["prefLabel"], "Chair Based Exercise");
    assert_eq!(
        dereham["activity"][0]["inScheme"],
        "https://openactive.io/activity-list"
    );
    assert!(dereham["activity"][0]["@id"]
        .as_str()
        .expect("concept id")
        .starts_with("https://openactive.io/activity-list#"));
    assert_eq!(
        dereham["ageRange"],
        serde_json::json!({"@type": "QuantitativeValue", "minValue": 60})
    );
    assert_eq!(dereham["offers"][0]["price"], 3.0);
    assert_eq!(dereham["offers"][0]["priceCurrency"], "GBP");
    assert_eq!(dereham["location"]["address"]["postalCode"], "NR19 1NY");
    assert_eq!(dereham["location"]["address"]["addressRegion"], "Norfolk");
    assert!(dereham["location"]["geo"]["latitude"].as_f64().is_some());
    assert_eq!(
        dereham["eventSchedule"][0],
        serde_json::json!({
            "@type": "PartialSchedule", "repeatFrequency": "P1W", "byDay": ["https://schema.org/Thursday"],
            "startTime": "10:00", "endTime": "11:00", "duration": "PT1H", "startDate": "2025-09-04",
            "scheduleTimezone": "Europe/London"
        })
    );
    let support: Vec<&str> = dereham["accessibilitySupport"]
        .as_array()
        .expect("support")
        .iter()
        .map(|concept| concept["prefLabel"].as_str().expect("label"))
        .collect();
    assert_eq!(support, ["Physical impairment"]);
    assert!(dereham["organizer"]["name"]
        .as_str()
        .is_some_and(|name| !name.is_empty()));
}

#[tokio::test]
async fn edge_cases_monthly_paid_age_limited_free_and_without_a_venue() {
    let test = seeded().await;
    let viewer = moderator(&test).await;
    let models = Models::load();
    let series_model = models.validator("SessionSeries");
    let items = walk_series(&test.directory, 500).await;
    let dereham = series_named(&items, DEREHAM);
    let id = Uuid::parse_str(dereham["identifier"].as_str().expect("id")).expect("uuid");
    let store = test.directory.store();

    // Monthly on the first Tuesday, paid twice over, for 65 to 90 year olds.
    let schedule = store.schedules_of_service(id).await.expect("schedules")[0].clone();
    let monthly = ScheduleInput {
        freq: Some(Frequency::Monthly),
        byday: Some("1TU".into()),
        interval: Some(1),
        ..ScheduleInput::default()
    };
    test.directory
        .update_schedule(&viewer, schedule.id, schedule.version, &monthly)
        .await
        .expect("monthly");
    let service = store.service(id).await.expect("read").expect("service");
    let paid = ServiceInput {
        minimum_age: Some(Some(65)),
        maximum_age: Some(Some(90)),
        free: Some(Some(false)),
        cost_options: Some(vec![
            CostOption {
                option: "Per session".into(),
                amount: Some(4.5),
                currency: "GBP".into(),
                amount_description: None,
            },
            CostOption {
                option: "Ten sessions".into(),
                amount: Some(40.0),
                currency: "GBP".into(),
                amount_description: Some("Block booking".into()),
            },
        ]),
        ..ServiceInput::default()
    };
    test.directory
        .update_service(&viewer, id, service.version, &paid)
        .await
        .expect("paid");
    let items = walk_series(&test.directory, 500).await;
    let edited = series_named(&items, DEREHAM);
    assert_valid(&series_model, edited, "a monthly, paid, age-limited SessionSeries");
    assert_eq!(edited["eventSchedule"][0]["repeatFrequency"], "P1M");
    assert_eq!(edited["eventSchedule"][0]["byDay"], serde_json::json!(["1TU"]));
    assert_eq!(
        edited["ageRange"],
        serde_json::json!({"@type": "QuantitativeValue", "minValue": 65, "maxValue": 90})
    );
    let prices: Vec<f64> = edited["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .map(|offer| offer["price"].as_f64().expect("price"))
        .collect();
    assert_eq!(prices, [4.5, 40.0]);
    assert_eq!(edited["isAccessibleForFree"], false);
    // Its sessions are first Tuesdays.
    let now = Utc::now();
    let sessions = walk_sessions(&test.directory, now).await;
    let series_id = edited["@id"].as_str().expect("id");
    let starts: Vec<DateTime<FixedOffset>> = updated(&sessions)
        .iter()
        .filter(|session| session["data"]["superEvent"] == series_id)
        .map(|session| {
            DateTime::parse_from_rfc3339(session["data"]["startDate"].as_str().expect("start")).expect("date")
        })
        .collect();
    assert!(!starts.is_empty(), "first Tuesdays in eight weeks");
    for start in &starts {
        let local = start.with_timezone(&London);
        assert_eq!(local.weekday(), chrono::Weekday::Tue);
        assert!(local.day() <= 7, "{local} is a first Tuesday");
    }

    // Free with no cost options: one offer at price 0.
    let service = store.service(id).await.expect("read").expect("service");
    let free = ServiceInput {
        free: Some(Some(true)),
        cost_options: Some(Vec::new()),
        minimum_age: Some(None),
        maximum_age: Some(None),
        ..ServiceInput::default()
    };
    test.directory
        .update_service(&viewer, id, service.version, &free)
        .await
        .expect("free");
    let items = walk_series(&test.directory, 500).await;
    let edited = series_named(&items, DEREHAM);
    assert_valid(&series_model, edited, "a free SessionSeries");
    assert_eq!(edited["offers"][0]["price"], 0.0);
    assert!(edited.get("ageRange").is_none(), "no age limits, no ageRange");

    // Without a venue it is not an opportunity: a tombstone, and its sessions too.
    let service = store.service(id).await.expect("read").expect("service");
    let no_venue = ServiceInput {
        location_ids: Some(Vec::new()),
        ..ServiceInput::default()
    };
    test.directory
        .update_service(&viewer, id, service.version, &no_venue)
        .await
        .expect("no venue");
    let items = walk_series(&test.directory, 500).await;
    let item = items.iter().find(|item| item["id"] == id.to_string()).expect("item");
    assert_eq!(item["state"], "deleted");
    assert!(item.get("data").is_none());
    let sessions = walk_sessions(&test.directory, now).await;
    assert!(
        !updated(&sessions)
            .iter()
            .any(|session| session["data"]["superEvent"] == series_id),
        "its sessions are tombstones"
    );
}

#[tokio::test]
async fn scheduled_sessions_point_at_live_series_and_fall_on_their_schedule_days() {
    let test = seeded().await;
    let models = Models::load();
    let session_model = models.validator("ScheduledSession");
    let item_model = item_validator(&models);
    let now = Utc::now();
    let sessions = walk_sessions(&test.directory, now).await;
    let series = walk_series(&test.directory, 500).await;
    let live_series: HashMap<&str, &Value> = updated(&series)
        .into_iter()
        .map(|item| (item["data"]["@id"].as_str().expect("id"), &item["data"]))
        .collect();
    let live = updated(&sessions);
    assert!(live.len() > 300, "eight weeks of weekly classes: {}", live.len());
    let mut ids = HashSet::new();
    let horizon = now + Duration::weeks(8) + Duration::days(1);
    for item in &sessions {
        assert_valid(&item_model, item, "a feed item");
        assert!(ids.insert(item["id"].as_str().expect("id")), "ids are unique");
    }
    for item in &live {
        let session = &item["data"];
        assert_valid(&session_model, session, "a ScheduledSession");
        let series = live_series
            .get(session["superEvent"].as_str().expect("superEvent"))
            .unwrap_or_else(|| panic!("superEvent of {session} is a live series"));
        let start = DateTime::parse_from_rfc3339(session["startDate"].as_str().expect("start")).expect("start");
        let end = DateTime::parse_from_rfc3339(session["endDate"].as_str().expect("end")).expect("end");
        assert!(end.with_timezone(&Utc) > now && start.with_timezone(&Utc) < horizon);
        let local = start.with_timezone(&London);
        assert_eq!(
            start.offset().local_minus_utc(),
            local.offset().fix().local_minus_utc(),
            "London offset"
        );
        let day = format!("https://schema.org/{:?}", local.weekday());
        let time = local.format("%H:%M").to_string();
        let schedules = series["eventSchedule"].as_array().expect("schedules");
        assert!(
            schedules.iter().any(|schedule| {
                schedule["startTime"] == time.as_str()
                    && schedule["byDay"]
                        .as_array()
                        .expect("days")
                        .iter()
                        .any(|d| d.as_str().is_some_and(|d| expand_day(d) == day))
            }),
            "{session} falls on its series' schedule {schedules:?}"
        );
    }
}

/// `https://schema.org/Thursday` as chrono's Debug names it (`Thu`).
fn expand_day(day: &str) -> String {
    let name = day.rsplit('/').next().unwrap_or_default();
    format!("https://schema.org/{}", &name[..3.min(name.len())])
}

#[tokio::test]
async fn the_window_rolls_forward_with_greater_modified_and_past_sessions_become_tombstones() {
    let test = seeded().await;
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).single().expect("valid");
    let before = walk_sessions(&test.directory, now).await;
    let newest_before = before
        .iter()
        .map(|item| item["modified"].as_i64().expect("modified"))
        .max()
        .expect("some");
    let live_before: HashSet<String> = updated(&before).iter().map(|item| item["id"].to_string()).collect();
    // Nothing changed and the same day: a second refresh does nothing.
    let again = test.directory.refresh_sessions(now).await.expect("refresh");
    assert!(!again.ran);

    let week_later = now + Duration::weeks(1);
    let refresh = test.directory.refresh_sessions(week_later).await.expect("refresh");
    assert!(
        refresh.rolled && refresh.upserted > 0 && refresh.tombstoned > 0,
        "{refresh:?}"
    );
    let after = walk_sessions(&test.directory, week_later).await;
    let changed: Vec<&Value> = after
        .iter()
        .filter(|item| item["modified"].as_i64().expect("modified") > newest_before)
        .collect();
    let entered: Vec<&&Value> = changed.iter().filter(|item| item["state"] == "updated").collect();
    let left: Vec<&&Value> = changed.iter().filter(|item| item["state"] == "deleted").collect();
    assert_eq!(entered.len(), refresh.upserted);
    assert_eq!(left.len(), refresh.tombstoned);
    for item in &entered {
        assert!(
            !live_before.contains(&item["id"].to_string()),
            "a new session entered the window"
        );
        let start = DateTime::parse_from_rfc3339(item["data"]["startDate"].as_str().expect("start")).expect("start");
        assert!(
            start.with_timezone(&Utc) > now + Duration::weeks(7),
            "entered at the far end"
        );
    }
    for item in &left {
        assert!(
            live_before.contains(&item["id"].to_string()),
            "a session that was live left"
        );
    }
    // Everything served before the roll keeps its modified; only the changes sort after it.
    let unchanged = after.len() - changed.len();
    assert_eq!(unchanged, before.len() - left.len());
}

#[tokio::test]
async fn an_archived_series_and_its_sessions_become_tombstones() {
    let test = seeded().await;
    let viewer = moderator(&test).await;
    let now = Utc::now();
    let sessions = walk_sessions(&test.directory, now).await;
    let newest = sessions
        .iter()
        .map(|item| item["modified"].as_i64().expect("m"))
        .max()
        .expect("some");
    let items = walk_series(&test.directory, 500).await;
    let dereham = series_named(&items, DEREHAM);
    let series_id = dereham["@id"].as_str().expect("id").to_string();
    let id = Uuid::parse_str(dereham["identifier"].as_str().expect("id")).expect("uuid");
    let live_ids: HashSet<String> = updated(&sessions)
        .iter()
        .filter(|item| item["data"]["superEvent"] == series_id.as_str())
        .map(|item| item["id"].to_string())
        .collect();
    assert!(!live_ids.is_empty());
    let service = test
        .directory
        .store()
        .service(id)
        .await
        .expect("read")
        .expect("service");
    test.directory
        .archive(&viewer, id, service.version)
        .await
        .expect("archive");
    let after = walk_sessions(&test.directory, now).await;
    let tombstones: HashSet<String> = after
        .iter()
        .filter(|item| item["state"] == "deleted" && item["modified"].as_i64().expect("m") > newest)
        .map(|item| item["id"].to_string())
        .collect();
    assert_eq!(tombstones, live_ids);
    for item in after.iter().filter(|item| tombstones.contains(&item["id"].to_string())) {
        assert!(item.get("data").is_none(), "deleted items carry no data");
    }
}

#[tokio::test]
async fn the_dataset_site_embeds_a_dataset_listing_both_feeds() {
    let (base, _data_dir) = crate::support::spawn_app().await;
    let client = reqwest::Client::new();
    let response = client.get(format!("{base}/openactive")).send().await.expect("site");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/html"));
    let page = response.text().await.expect("html");
    let start = page
        .find("<script type=\"application/ld+json\">")
        .expect("json-ld script")
        + 35;
    let end = start + page[start..].find("</script>").expect("script end");
    let dataset: Value = serde_json::from_str(&page[start..end]).expect("json-ld");
    let models = Models::load();
    assert_valid(&models.validator("Dataset"), &dataset, "the Dataset");
    assert_eq!(dataset["@id"], format!("{base}/openactive"));
    let feeds: Vec<(&str, &str)> = dataset["distribution"]
        .as_array()
        .expect("distribution")
        .iter()
        .map(|download| {
            (
                download["additionalType"].as_str().expect("type"),
                download["contentUrl"].as_str().expect("url"),
            )
        })
        .collect();
    assert_eq!(
        feeds,
        [
            (
                "https://openactive.io/SessionSeries",
                format!("{base}/openactive/session-series").as_str()
            ),
            (
                "https://openactive.io/ScheduledSession",
                format!("{base}/openactive/scheduled-sessions").as_str()
            ),
        ]
    );
    for (_, url) in feeds {
        let feed = client.get(url).send().await.expect("feed");
        assert_eq!(feed.status(), 200);
        assert!(feed.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/json"));
        let body: Value = feed.json().await.expect("json");
        assert!(body["items"].as_array().is_some_and(|items| !items.is_empty()));
    }
}

#[test]
fn the_model_schemas_accept_openactives_examples_and_reject_broken_documents() {
    let models = Models::load();
    let root = crate::support::workspace_root().join("tests/fixtures/openactive/examples");
    let read = |file: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(file)).expect("example")).expect("json")
    };
    let series_page = read("sessionseries-split_example_1.json");
    let session_page = read("scheduledsession-split_example_1.json");
    assert_valid(
        &page_validator(&models),
        &series_page,
        "OpenActive's SessionSeries page example",
    );
    assert_valid(
        &models.validator("SessionSeries"),
        &series_page["items"][0]["data"],
        "OpenActive's SessionSeries example",
    );
    assert_valid(
        &models.validator("ScheduledSession"),
        &session_page["items"][0]["data"],
        "OpenActive's ScheduledSession example",
    );

    let series = models.validator("SessionSeries");
    let example = &series_page["items"][0]["data"];
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut document = example.clone();
        change(&mut document);
        document
    };
    for (what, document) in [
        (
            "no activity",
            broken(&|d| drop(d.as_object_mut().map(|o| o.remove("activity")))),
        ),
        ("wrong type", broken(&|d| d["@type"] = "Event".into())),
        ("empty offers", broken(&|d| d["offers"] = serde_json::json!([]))),
        ("text price", broken(&|d| d["offers"][0]["price"] = "3.30".into())),
        (
            "clock time",
            broken(&|d| d["eventSchedule"][0]["startTime"] = "8.30am".into()),
        ),
        (
            "no geo latitude",
            broken(&|d| drop(d["location"]["geo"].as_object_mut().map(|o| o.remove("latitude")))),
        ),
    ] {
        assert!(!series.is_valid(&document), "{what} must not validate");
    }
    let item = item_validator(&models);
    let mut deleted_with_data = series_page["items"][0].clone();
    deleted_with_data["state"] = "deleted".into();
    assert!(!item.is_valid(&deleted_with_data), "a deleted item carries no data");
    let mut updated_without_data = series_page["items"][0].clone();
    updated_without_data.as_object_mut().map(|o| o.remove("data"));
    assert!(!item.is_valid(&updated_without_data), "an updated item carries data");
}

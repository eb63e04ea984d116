//! The OpenActive consumer against real RPDE publishers on loopback: a dataset site with split
//! feeds (sessions before their series, across runs), paging and the last-page rule,
//! tombstones, a publisher failing half way and the run resuming from its cursor, importing
//! twice, the directory's own `/openactive` feeds, and imported classes in search, signposting
//! and gap reports. The test feeds' series are checked against OpenActive's models first.

use indexer::domain::{Frequency, Service};
use indexer::imports::openactive::{openactive_source, OpenactiveOptions, OpenactiveSummary};
use indexer::imports::{SourceRef, Trust};
use indexer::store::db;
use indexer::Directory;
use serde_json::{json, Value};
use uuid::Uuid;

use super::feed_server::{FeedServer, SERIES_FEED, SESSIONS_FEED};
use crate::openactive::models::{assert_valid, Models};
use crate::support::{seeded, spawn_app, TestDirectory};

const FAME: (&str, &str) = (
    "https://openactive.io/activity-list#35f999ac-8ed5-46fa-87d0-1c7721aca77e",
    "Falls and Exercise Management",
);
const TAI_CHI: (&str, &str) = (
    "https://openactive.io/activity-list#c16df6ed-a4a0-4275-a8c3-1c8cff56856f",
    "Tai Chi",
);
const SWIMMING: (&str, &str) = (
    "https://openactive.io/activity-list#7ab7ca9e-b70c-4e5c-9e3f-1b4c1d79b9c1",
    "Swimming",
);

/// An invented SessionSeries at a real Norfolk postcode (Fakenham, North Norfolk, where the
/// seed has no strength-and-balance class).
fn series(base: &str, id: &str, name: &str, activity: (&str, &str), schedule: Option<Value>) -> Value {
    let mut series = json!({
        "@context": "https://openactive.io/",
        "@type": "SessionSeries",
        "@id": format!("{base}/series/{id}"),
        "identifier": id,
        "name": name,
        "description": format!("{name}: an invented test class"),
        "url": format!("{base}/classes/{id}"),
        "organizer": {"@type": "Organization", "@id": format!("{base}/organisers/1"), "name": "Example Coast Leisure Trust (test)", "telephone": "01263 000000"},
        "activity": [{"@type": "Concept", "@id": activity.0, "prefLabel": activity.1, "inScheme": "https://openactive.io/activity-list"}],
        "location": {
            "@type": "Place", "identifier": "hall-1", "name": "Example Coast Hall (test)",
            "address": {"@type": "PostalAddress", "streetAddress": "1 Example Road", "addressLocality": "Fakenham",
                        "addressRegion": "Norfolk", "postalCode": "NR21 8AA", "addressCountry": "GB"},
            "geo": {"@type": "GeoCoordinates", "latitude": 52.830541, "longitude": 0.850518}
        },
        "offers": [{"@type": "Offer", "name": "Drop-in", "price": 3.5, "priceCurrency": "GBP"}],
        "ageRange": {"@type": "QuantitativeValue", "minValue": 55},
        "accessibilityInformation": "Step-free access, Hearing loop",
    });
    if let Some(schedule) = schedule {
        series["eventSchedule"] = json!([schedule]);
    }
    series
}

fn weekly(day: &str, start: &str, end: &str) -> Value {
    json!({"@type": "PartialSchedule", "repeatFrequency": "P1W", "byDay": [format!("https://schema.org/{day}")],
           "startTime": start, "endTime": end, "scheduleTimezone": "Europe/London",
           "exceptDate": ["2026-12-24T10:00:00Z", "2026-12-31T10:00:00Z"]})
}

fn session(base: &str, id: &str, series_id: &str, start: &str, end: &str, status: &str) -> Value {
    json!({"@context": "https://openactive.io/", "@type": "ScheduledSession", "@id": format!("{base}/sessions/{id}"),
           "identifier": id, "superEvent": format!("{base}/series/{series_id}"), "startDate": start, "endDate": end,
           "eventStatus": format!("https://schema.org/{status}")})
}

/// Registers (or finds) the source and runs it once, with quick retries.
async fn run(directory: &Directory, name: &str, url: &str) -> (SourceRef, OpenactiveSummary) {
    let source = directory
        .ensure_source(&openactive_source(name, url, Trust::Publish, None))
        .await
        .expect("source");
    let options = OpenactiveOptions {
        retries: Some(1),
        retry_backoff_ms: Some(10),
        ..OpenactiveOptions::default()
    };
    let summary = directory
        .import_openactive(&source, &options, |_| {}, |_| {})
        .await
        .expect("run");
    (source, summary)
}

/// The directory's service a source record became.
async fn imported(directory: &Directory, source: &SourceRef, record: &str) -> Option<Service> {
    let id: Option<String> = db::query_scalar(
        "SELECT entity_id FROM import_records WHERE source_id = ? AND kind = 'service' AND source_record_id = ?",
    )
    .bind(source.id.to_string())
    .bind(record)
    .fetch_optional(directory.store().pool())
    .await
    .expect("query");
    let id = Uuid::parse_str(&id?).expect("uuid");
    directory.store().service(id).await.expect("service")
}

async fn audit_rows(directory: &Directory) -> i64 {
    db::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(directory.store().pool())
        .await
        .expect("count")
}

/// Waits until the search index has applied every change.
pub async fn searchable(directory: &Directory) {
    let newest = directory.store().last_change_seq().await.expect("seq");
    for _ in 0..400 {
        if directory.search_index().applied_seq() >= newest {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the search index did not catch up");
}

/// A publisher with a FaME class (weekly, with exceptions), a tai chi class whose times come
/// only from its sessions (one cancelled), and a series with no organiser.
async fn publisher(page_size: usize) -> FeedServer {
    let server = FeedServer::start(page_size).await;
    let base = server.base.clone();
    server.put(
        SERIES_FEED,
        "SessionSeries",
        "fame-1",
        series(
            &base,
            "fame-1",
            "Steady and Strong FaME class (test)",
            FAME,
            Some(weekly("Monday", "10:00", "11:00")),
        ),
    );
    server.put(
        SERIES_FEED,
        "SessionSeries",
        "taichi-1",
        series(&base, "taichi-1", "Tai chi for balance (test)", TAI_CHI, None),
    );
    let mut orphan = series(&base, "broken-1", "A class with no organiser (test)", SWIMMING, None);
    orphan.as_object_mut().expect("object").remove("organizer");
    server.put(SERIES_FEED, "SessionSeries", "broken-1", orphan);
    for (id, start, end, status) in [
        ("s1", "2026-09-01T09:00:00Z", "2026-09-01T10:00:00Z", "EventScheduled"),
        ("s2", "2026-09-08T09:00:00Z", "2026-09-08T10:00:00Z", "EventCancelled"),
        ("s3", "2026-09-15T09:00:00Z", "2026-09-15T10:00:00Z", "EventScheduled"),
    ] {
        server.put(
            SESSIONS_FEED,
            "ScheduledSession",
            id,
            session(&base, id, "taichi-1", start, end, status),
        );
    }
    server
}

#[tokio::test]
async fn the_test_feeds_are_valid_openactive() {
    let models = Models::load();
    let base = "https://example.org";
    let series_validator = models.validator("SessionSeries");
    assert_valid(
        &series_validator,
        &series(base, "a", "A (test)", FAME, Some(weekly("Monday", "10:00", "11:00"))),
        "series",
    );
    assert_valid(
        &series_validator,
        &series(base, "b", "B (test)", TAI_CHI, None),
        "series",
    );
    let sessions = models.validator("ScheduledSession");
    assert_valid(
        &sessions,
        &session(
            base,
            "s",
            "a",
            "2026-09-01T09:00:00Z",
            "2026-09-01T10:00:00Z",
            "EventScheduled",
        ),
        "session",
    );
}

#[tokio::test]
async fn a_dataset_site_brings_in_series_with_schedules_needs_venues_and_costs() {
    let test = seeded().await;
    let server = publisher(2).await;
    let (source, outcome) = run(&test.directory, "coast-leisure", &server.dataset_url()).await;
    let summary = &outcome.summary;
    assert_eq!(summary.status, "succeeded", "{summary}: {:?}", summary.errors);
    assert_eq!((summary.counts.created, summary.counts.rejected), (2, 1), "{summary}");
    assert_eq!(
        outcome.feeds,
        vec![server.feed_url(SERIES_FEED), server.feed_url(SESSIONS_FEED)],
        "series first"
    );
    assert!(
        summary
            .errors
            .iter()
            .any(|e| e.contains("broken-1") && e.contains("organizer")),
        "{:?}",
        summary.errors
    );
    assert_eq!(outcome.waiting_sessions, 0);

    let fame = imported(&test.directory, &source, "fame-1")
        .await
        .expect("fame imported");
    let needs: Vec<&str> = fame.needs.iter().map(|n| n.as_str()).collect();
    assert_eq!(needs, ["strength-and-balance", "physical-activity"]);
    assert_eq!(fame.activity_concepts[0].pref_label, "Falls and Exercise Management");
    assert_eq!(fame.activity_concepts[0].id, "35f999ac-8ed5-46fa-87d0-1c7721aca77e");
    assert_eq!((fame.minimum_age, fame.free), (Some(55), Some(false)));
    assert_eq!(fame.cost_options[0].amount, Some(3.5));
    let schedules = test
        .directory
        .store()
        .schedules_of_service(fame.id)
        .await
        .expect("schedules");
    assert_eq!(schedules.len(), 1);
    let monday = &schedules[0];
    assert_eq!(
        (
            monday.freq,
            monday.byday.as_str(),
            monday.opens_at.as_str(),
            monday.closes_at.as_str()
        ),
        (Frequency::Weekly, "MO", "10:00", "11:00")
    );
    let except: Vec<String> = monday.exceptions.iter().map(|e| e.date.to_string()).collect();
    assert_eq!(except, ["2026-12-24", "2026-12-31"], "exceptDate kept as exceptions");
    assert_eq!(monday.description, None, "not written into the description");
    let venues = test
        .directory
        .store()
        .locations_of_service(fame.id)
        .await
        .expect("venues");
    assert_eq!(venues[0].postcode.as_deref(), Some("NR21 8AA"));
    assert_eq!(venues[0].city.as_deref(), Some("Fakenham"));
    let features: Vec<&str> = venues[0].accessibility.iter().map(|f| f.as_str()).collect();
    assert_eq!(features, ["step_free", "hearing_loop"]);
    let organisation = test
        .directory
        .store()
        .organization(fame.organization_id)
        .await
        .expect("read")
        .expect("organisation");
    assert_eq!(organisation.name, "Example Coast Leisure Trust (test)");

    // Republished by this directory's own feed, the imported class is valid OpenActive with
    // its concept kept.
    let republished = crate::openactive::walk_series(&test.directory, 500)
        .await
        .into_iter()
        .find(|item| item["id"] == fame.id.to_string())
        .expect("in the SessionSeries feed");
    assert_valid(
        &Models::load().validator("SessionSeries"),
        &republished["data"],
        "republished series",
    );
    assert_eq!(republished["data"]["activity"][0]["@id"], FAME.0);

    // Tai chi has no eventSchedule: its weekly time comes from its sessions (09:00 UTC is
    // 10:00 in London in September), the cancelled one an exception.
    let tai_chi = imported(&test.directory, &source, "taichi-1")
        .await
        .expect("tai chi imported");
    let schedules = test
        .directory
        .store()
        .schedules_of_service(tai_chi.id)
        .await
        .expect("schedules");
    assert_eq!(schedules.len(), 1, "{schedules:?}");
    assert_eq!(
        (
            schedules[0].byday.as_str(),
            schedules[0].opens_at.as_str(),
            schedules[0].closes_at.as_str()
        ),
        ("TU", "10:00", "11:00")
    );
    let cancelled: Vec<String> = schedules[0].exceptions.iter().map(|e| e.date.to_string()).collect();
    assert_eq!(cancelled, ["2026-09-08"], "a cancelled session is an exception");
    assert!(tai_chi.needs.iter().any(|n| n.as_str() == "strength-and-balance"));
}

#[tokio::test]
async fn sessions_read_before_their_series_wait_for_it() {
    let test = seeded().await;
    let server = FeedServer::start(10).await;
    let base = server.base.clone();
    server.put(
        SESSIONS_FEED,
        "ScheduledSession",
        "early",
        session(
            &base,
            "early",
            "late-series",
            "2026-09-03T13:00:00Z",
            "2026-09-03T14:00:00Z",
            "EventScheduled",
        ),
    );
    let (source, first) = run(&test.directory, "split", &server.dataset_url()).await;
    assert_eq!(first.summary.counts.created, 0);
    assert_eq!(first.waiting_sessions, 1, "the session waits for its series");

    server.put(
        SERIES_FEED,
        "SessionSeries",
        "late-series",
        series(
            &base,
            "late-series",
            "Chair based exercise (test)",
            (
                "https://openactive.io/activity-list#ee3cf3ee-082e-4f53-9cb2-3ef0589497ed",
                "Chair Based Exercise",
            ),
            None,
        ),
    );
    let (_, second) = run(&test.directory, "split", &server.dataset_url()).await;
    assert_eq!(second.summary.counts.created, 1, "{}", second.summary);
    assert_eq!(second.waiting_sessions, 0);
    let service = imported(&test.directory, &source, "late-series")
        .await
        .expect("imported");
    let schedules = test
        .directory
        .store()
        .schedules_of_service(service.id)
        .await
        .expect("schedules");
    assert_eq!(
        (schedules[0].byday.as_str(), schedules[0].opens_at.as_str()),
        ("TH", "14:00"),
        "joined with the earlier session"
    );

    // A later session of the same series re-maps it: a second weekly time.
    server.put(
        SESSIONS_FEED,
        "ScheduledSession",
        "later",
        session(
            &base,
            "later",
            "late-series",
            "2026-09-05T09:00:00Z",
            "2026-09-05T10:00:00Z",
            "EventScheduled",
        ),
    );
    let (_, third) = run(&test.directory, "split", &server.dataset_url()).await;
    assert_eq!(third.summary.counts.updated, 1, "{}", third.summary);
    let schedules = test
        .directory
        .store()
        .schedules_of_service(service.id)
        .await
        .expect("schedules");
    let days: Vec<&str> = schedules.iter().map(|s| s.byday.as_str()).collect();
    assert_eq!(days.len(), 2, "{days:?}");
    assert!(days.contains(&"SA") && days.contains(&"TH"));
}

#[tokio::test]
async fn a_combined_feed_of_sessions_embedding_their_series_brings_the_series_in() {
    let test = seeded().await;
    let server = FeedServer::start(10).await;
    let base = server.base.clone();
    let embedded = series(
        &base,
        "embedded",
        "Otago group (test)",
        (
            "https://openactive.io/activity-list#72871f24-fdcd-4a88-9400-9cb08b911e70",
            "Otago",
        ),
        None,
    );
    for (id, start) in [("e1", "2026-10-06T13:00:00Z"), ("e2", "2026-10-13T13:00:00Z")] {
        let mut data = session(
            &base,
            id,
            "embedded",
            start,
            &start.replace("T13", "T14"),
            "EventScheduled",
        );
        data["superEvent"] = embedded.clone();
        server.put(SERIES_FEED, "ScheduledSession.SessionSeries", id, data);
    }
    let (source, outcome) = run(&test.directory, "combined", &server.feed_url(SERIES_FEED)).await;
    assert_eq!(outcome.summary.counts.created, 1, "{}", outcome.summary);
    let service = imported(&test.directory, &source, &format!("{base}/series/embedded"))
        .await
        .expect("the embedded series");
    assert!(service.needs.iter().any(|n| n.as_str() == "strength-and-balance"));
    let schedules = test
        .directory
        .store()
        .schedules_of_service(service.id)
        .await
        .expect("schedules");
    assert_eq!(schedules.len(), 1);
    assert_eq!(
        (schedules[0].byday.as_str(), schedules[0].opens_at.as_str()),
        ("TU", "14:00")
    );
}

#[tokio::test]
async fn importing_twice_changes_nothing_and_tombstones_archive_only_what_the_source_brought() {
    let test = seeded().await;
    let server = publisher(2).await;
    let (source, _) = run(&test.directory, "coast", &server.dataset_url()).await;
    let fame = imported(&test.directory, &source, "fame-1").await.expect("fame");
    let audits = audit_rows(&test.directory).await;
    let seq = test.directory.store().last_change_seq().await.expect("seq");

    // From the start again: every item read, nothing written.
    test.directory.reset_import_cursor(&source).await.expect("reset");
    let (_, again) = run(&test.directory, "coast", &server.dataset_url()).await;
    assert_eq!(
        (again.summary.counts.created, again.summary.counts.updated),
        (0, 0),
        "{}",
        again.summary
    );
    // Tai chi is read again with each page of its sessions: unchanged each time.
    assert!(again.summary.counts.unchanged >= 2, "{}", again.summary);
    assert_eq!(audit_rows(&test.directory).await, audits, "no audit rows");
    assert_eq!(
        test.directory.store().last_change_seq().await.expect("seq"),
        seq,
        "no changes"
    );
    assert_eq!(
        imported(&test.directory, &source, "fame-1")
            .await
            .expect("fame")
            .version,
        fame.version
    );

    // A tombstone for the class archives it; one for an id the source never brought in (a
    // seeded service's id) touches nothing.
    let seeded_id = "2dcc0fc8-9396-5cc0-9ea0-81cd647fba47";
    server.delete(SERIES_FEED, "SessionSeries", "fame-1");
    server.delete(SERIES_FEED, "SessionSeries", seeded_id);
    let (_, removal) = run(&test.directory, "coast", &server.dataset_url()).await;
    assert_eq!(removal.summary.counts.archived, 1, "{}", removal.summary);
    let archived = test
        .directory
        .store()
        .service(fame.id)
        .await
        .expect("read")
        .expect("kept, never deleted");
    assert!(archived.state.archived_at.is_some());
    let untouched = test
        .directory
        .store()
        .service(Uuid::parse_str(seeded_id).expect("uuid"))
        .await
        .expect("read")
        .expect("seeded");
    assert!(untouched.state.is_public());
}

#[tokio::test]
async fn a_publisher_failing_half_way_is_resumed_from_the_saved_cursor() {
    let test = seeded().await;
    let server = FeedServer::start(1).await;
    let base = server.base.clone();
    for n in 1..=5 {
        let id = format!("class-{n}");
        server.put(
            SERIES_FEED,
            "SessionSeries",
            &id,
            series(
                &base,
                &id,
                &format!("Class {n} (test)"),
                TAI_CHI,
                Some(weekly("Friday", "14:00", "15:00")),
            ),
        );
    }
    server.fail_page(Some((SERIES_FEED, 3)));
    let feed = server.feed_url(SERIES_FEED);
    let (_, failed) = run(&test.directory, "flaky", &feed).await;
    assert_eq!(failed.summary.status, "failed");
    assert_eq!(failed.summary.counts.created, 2, "pages 1 and 2 landed");
    assert!(
        failed.summary.errors.iter().any(|e| e.contains("HTTP 500")),
        "{:?}",
        failed.summary.errors
    );

    server.fail_page(None);
    server.take_requests();
    let (source, resumed) = run(&test.directory, "flaky", &feed).await;
    assert_eq!(resumed.summary.status, "succeeded", "{:?}", resumed.summary.errors);
    assert_eq!(resumed.summary.counts.created, 3, "{}", resumed.summary);
    assert_eq!(resumed.summary.counts.unchanged, 0, "pages 1 and 2 are not read again");
    let requests = server.take_requests();
    assert!(
        requests[0].contains("afterId=class-2"),
        "resumed at page 3: {requests:?}"
    );
    for n in 1..=5 {
        assert!(
            imported(&test.directory, &source, &format!("class-{n}"))
                .await
                .is_some(),
            "class {n}"
        );
    }

    // The last page (no items, next = itself) is where the next run polls.
    let (_, caught_up) = run(&test.directory, "flaky", &feed).await;
    assert_eq!(caught_up.pages, 1);
    assert_eq!(caught_up.summary.counts.total(), 0);
    let last_page = server.take_requests();
    assert_eq!(last_page.len(), 1);
    assert!(last_page[0].contains("afterId=class-5"), "{last_page:?}");
}

#[tokio::test]
async fn a_page_whose_next_never_moves_stops_the_run() {
    let test = seeded().await;
    let server = FeedServer::start(2).await;
    let base = server.base.clone();
    server.put(
        SERIES_FEED,
        "SessionSeries",
        "x",
        series(&base, "x", "X (test)", TAI_CHI, None),
    );
    server.make_stuck();
    let (_, outcome) = run(&test.directory, "stuck", &server.feed_url(SERIES_FEED)).await;
    assert_eq!(outcome.summary.status, "failed");
    assert!(
        outcome.summary.errors.iter().any(|e| e.contains("never advance")),
        "{:?}",
        outcome.summary.errors
    );
    assert_eq!(outcome.pages, 0);
}

#[tokio::test]
async fn the_directory_own_openactive_feeds_round_trip() {
    let (publisher, _publisher_dir) = spawn_app().await;
    let test = seeded().await;
    // The publisher is a copy of the same seed: its feed is this directory's before the import.
    let published: Vec<Value> = crate::openactive::walk_series(&test.directory, 500)
        .await
        .into_iter()
        .filter(|item| item["state"] == "updated")
        .collect();
    let (source, outcome) = run(&test.directory, "norfolk-directory", &format!("{publisher}/openactive")).await;
    assert_eq!(outcome.summary.status, "succeeded", "{:?}", outcome.summary.errors);
    assert!(outcome.feeds[0].ends_with("/openactive/session-series"));
    assert!(!published.is_empty());
    assert_eq!(
        outcome.summary.counts.created as usize,
        published.len(),
        "{}",
        outcome.summary
    );
    for item in &published {
        let id = item["id"].as_str().expect("id");
        let copy = imported(&test.directory, &source, id)
            .await
            .unwrap_or_else(|| panic!("{id} imported"));
        let original = test
            .directory
            .store()
            .service(Uuid::parse_str(id).expect("uuid"))
            .await
            .expect("read")
            .expect("original");
        assert_ne!(
            copy.id, original.id,
            "the original's id is taken here, so the copy's is derived"
        );
        assert_eq!(copy.name, original.name);
        let concepts: Vec<&str> = copy.activity_concepts.iter().map(|c| c.id.as_str()).collect();
        let expected: Vec<&str> = original.activity_concepts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(concepts, expected, "{}", copy.name);
        if original.needs.iter().any(|n| n.as_str() == "strength-and-balance")
            && !original.activity_concepts.iter().any(|c| c.pref_label == "Chair Yoga")
        {
            assert!(
                copy.needs.iter().any(|n| n.as_str() == "strength-and-balance"),
                "{}",
                copy.name
            );
        }
        let mut copied: Vec<(String, String, String)> = test
            .directory
            .store()
            .schedules_of_service(copy.id)
            .await
            .expect("schedules")
            .into_iter()
            .map(|s| (s.byday, s.opens_at, s.closes_at))
            .collect();
        copied.sort();
        let times: Vec<Value> = item["data"]["eventSchedule"].as_array().expect("schedule").clone();
        assert_eq!(copied.len(), times.len(), "{}", copy.name);
    }
}

#[tokio::test]
async fn imported_classes_are_found_by_search_signposting_and_gap_reports() {
    let test = seeded().await;
    // Feeds give no review date: the class counts in gap reports that include stale listings.
    let gaps = r#"{ gaps(place: "E07000147", need: "strength-and-balance", maxDistanceKm: 2, includeStale: true) { coveragePercent } }"#;
    let before = test.data(gaps).await["gaps"]["coveragePercent"]
        .as_f64()
        .expect("coverage");
    let server = publisher(10).await;
    run(&test.directory, "coast", &server.dataset_url()).await;
    searchable(&test.directory).await;
    // A feed gives no review date, so the class counts as stale for signposting's default.
    check_found(&test, "Steady and Strong FaME class (test)", true).await;
    let after = test.data(gaps).await["gaps"]["coveragePercent"]
        .as_f64()
        .expect("coverage");
    assert!(
        after > before,
        "the class covers part of North Norfolk: {before} → {after}"
    );
}

/// A strength-and-balance class at NR21 8AA is found by text search and signposted to a
/// resident nearby (with stale listings included when `include_stale`).
pub async fn check_found(test: &TestDirectory, name: &str, include_stale: bool) {
    let found = test
        .data(r#"{ search(text: "strength balance", near: { postcode: "NR21 8AB", radiusKm: 3 }, needs: ["strength-and-balance"], first: 20) { edges { node { name } } } }"#)
        .await;
    let names: Vec<&str> = found["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["name"].as_str())
        .collect();
    assert!(names.contains(&name), "{name} not in {names:?}");
    let signposted = test
        .data(&format!(r#"{{ signpost(input: {{ postcode: "NR21 8AB", age: 74, needs: ["strength-and-balance"], maxDistanceKm: 3, includeStale: {include_stale}, optionsPerNeed: 10 }}) {{ needs {{ need {{ code }} options {{ service {{ name }} }} }} }} }}"#))
        .await;
    let options: Vec<&str> = signposted["signpost"]["needs"][0]["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["service"]["name"].as_str())
        .collect();
    assert!(options.contains(&name), "{name} not signposted: {options:?}");
}

//! Search: relevance over the seed as a link worker would judge it, filters, geo, bad input,
//! and the index staying in step with the database.

use indexer::store::db;
use std::time::{Duration, Instant};

use indexer::store::feed::{record_change, ChangeKind};
use serde_json::Value;

use crate::support::{copy_of_template, seeded, strings, TestDirectory};

const EDGE_FIELDS: &str = "distanceKm score stale matchReasons servesArea { code } nextSession { startsAt endsAt }
    node { __typename id name kind
      ... on Service { needs { code } minimumAge maximumAge free deliveryModes
        locations { latitude longitude accessibility places { code } } schedules { byday opensAt closesAt }
        serviceAreas { placeCode } }
      ... on Fund { isOpen needs { code } }
      ... on Organization { isExample } }";

/// Runs `search(args)` and returns the connection.
async fn search(test: &TestDirectory, args: &str) -> Value {
    let query = format!(
        "{{ search({args}) {{ totalCount pageInfo {{ hasNextPage endCursor }} facets {{ needs {{ need {{ code }} count }} districts {{ place {{ code }} count }} }} edges {{ {EDGE_FIELDS} }} }} }}"
    );
    test.data(&query).await["search"].clone()
}

fn edges(connection: &Value) -> Vec<Value> {
    connection["edges"].as_array().cloned().unwrap_or_default()
}

fn name(edge: &Value) -> String {
    edge["node"]["name"].as_str().unwrap_or_default().to_lowercase()
}

fn needs(edge: &Value) -> Vec<String> {
    edge["node"]["needs"]
        .as_array()
        .map(|_| strings(&edge["node"]["needs"], "code"))
        .unwrap_or_default()
}

/// What a link worker expects near the top.
enum Expect {
    /// Every one of the first `n` results meets one of these needs.
    TopMeet(usize, &'static [&'static str]),
    /// One of the first `n` results has this (lower-case) text in its name.
    TopNamed(usize, &'static str),
}

fn check(case: &str, connection: &Value, expect: &Expect) {
    let found = edges(connection);
    let names: Vec<String> = found.iter().map(name).collect();
    match expect {
        Expect::TopMeet(n, wanted) => {
            assert!(found.len() >= *n, "{case}: only {} results: {names:?}", found.len());
            for edge in found.iter().take(*n) {
                assert!(
                    needs(edge).iter().any(|need| wanted.contains(&need.as_str())),
                    "{case}: {} meets none of {wanted:?} (top: {names:?})",
                    name(edge)
                );
            }
        }
        Expect::TopNamed(n, text) => {
            assert!(
                names.iter().take(*n).any(|name| name.contains(text)),
                "{case}: no {text:?} in the top {n}: {names:?}"
            );
        }
    }
}

#[tokio::test]
async fn relevance_of_realistic_link_worker_queries() {
    let test = seeded().await;
    use Expect::*;
    let cases: Vec<(&str, Expect)> = vec![
        (r#"text: "falls prevention""#, TopMeet(3, &["strength-and-balance"])),
        (r#"text: "FaME class""#, TopNamed(1, "fame")),
        (r#"text: "tai chi""#, TopNamed(1, "tai chi")),
        (r#"text: "wobbly on my feet""#, TopMeet(3, &["strength-and-balance"])),
        (r#"text: "unsteady""#, TopMeet(3, &["strength-and-balance"])),
        (r#"text: "had a fall""#, TopMeet(3, &["strength-and-balance"])),
        (r#"text: "chair based exercise""#, TopMeet(3, &["strength-and-balance"])),
        (r#"text: "otago""#, TopNamed(1, "otago")),
        (r#"text: "lonely""#, TopMeet(3, &["social-connection", "befriending"])),
        (
            r#"text: "feeling isolated" near: {postcode: "NR30 2JS", radiusKm: 15}"#,
            TopMeet(3, &["social-connection", "befriending"]),
        ),
        (r#"text: "debt""#, TopMeet(3, &["money-advice"])),
        (
            r#"text: "worried about heating bills""#,
            TopMeet(3, &["money-advice", "housing"]),
        ),
        (r#"text: "benefits check""#, TopMeet(1, &["money-advice"])),
        (r#"text: "memory cafe""#, TopNamed(1, "memory caf")),
        (r#"text: "dementia""#, TopMeet(3, &["memory-and-dementia"])),
        (r#"text: "bereavement""#, TopMeet(3, &["bereavement"])),
        (r#"text: "grief after losing my husband""#, TopMeet(2, &["bereavement"])),
        (r#"text: "walking football""#, TopNamed(1, "walking football")),
        (r#"text: "food bank""#, TopMeet(3, &["food"])),
        (
            r#"text: "help getting online with a tablet""#,
            TopMeet(2, &["digital-inclusion"]),
        ),
        (r#"text: "community car to appointments""#, TopMeet(2, &["transport"])),
        (r#"text: "support for carers""#, TopMeet(3, &["carers"])),
        (r#"text: "anxiety and low mood""#, TopMeet(3, &["mental-wellbeing"])),
        (r#"text: "dementai""#, TopMeet(3, &["memory-and-dementia"])),
        (r#"text: "befreinding""#, TopMeet(2, &["befriending"])),
        (r#"text: "bereavment""#, TopMeet(3, &["bereavement"])),
        (r#"text: "benifits advise""#, TopMeet(2, &["money-advice"])),
        (
            r#"text: "\"tai chi\" AND (balance) OR name:foo""#,
            TopMeet(1, &["strength-and-balance"]),
        ),
        (
            r#"text: "chair: \"exercise\" -classes* [x TO y]""#,
            TopMeet(1, &["strength-and-balance", "physical-activity"]),
        ),
        (
            r#"text: "tai chi" near: {postcode: "IP24 1JW", radiusKm: 60}"#,
            TopNamed(1, "thetford"),
        ),
        (
            r#"text: "memory cafe" near: {postcode: "NR19 1NY", radiusKm: 40}"#,
            TopNamed(1, "memory caf"),
        ),
        (
            r#"text: "money advice" near: {postcode: "PE30 9SG", radiusKm: 10}"#,
            TopMeet(2, &["money-advice"]),
        ),
        (
            r#"text: "exercise class for older people" place: "E07000148""#,
            TopMeet(3, &["strength-and-balance", "physical-activity"]),
        ),
        (
            r#"needs: ["strength-and-balance"] near: {postcode: "NR27 0BL", radiusKm: 10}"#,
            TopNamed(2, "cromer"),
        ),
    ];
    assert!(cases.len() >= 30);
    for (args, expect) in &cases {
        let connection = search(&test, &format!("{args} kinds: [SERVICE] first: 10")).await;
        check(args, &connection, expect);
    }
}

fn within_km(edge: &Value, radius: f64) -> bool {
    edge["distanceKm"].as_f64().is_some_and(|d| d <= radius)
        || (edge["distanceKm"].is_null() && !edge["servesArea"].is_null())
}

#[tokio::test]
async fn radius_search_keeps_to_the_radius_and_sorts_by_distance() {
    let test = seeded().await;
    for radius in [2.0, 5.0, 20.0] {
        let connection = search(
            &test,
            &format!(r#"near: {{postcode: "IP24 1JW", radiusKm: {radius}}} sort: DISTANCE first: 100"#),
        )
        .await;
        let found = edges(&connection);
        assert!(!found.is_empty());
        assert!(found.iter().all(|e| within_km(e, radius)), "radius {radius}");
        let distances: Vec<f64> = found.iter().filter_map(|e| e["distanceKm"].as_f64()).collect();
        assert!(
            distances.windows(2).all(|w| w[0] <= w[1]),
            "sorted by distance: {distances:?}"
        );
        let served = found.iter().position(|e| e["distanceKm"].is_null());
        if let Some(first_served) = served {
            assert!(
                found[first_served..].iter().all(|e| e["distanceKm"].is_null()),
                "area matches come after venues"
            );
        }
    }
    let wider = search(&test, r#"near: {postcode: "IP24 1JW", radiusKm: 20}"#).await;
    let narrower = search(&test, r#"near: {postcode: "IP24 1JW", radiusKm: 2}"#).await;
    assert!(wider["totalCount"].as_i64() > narrower["totalCount"].as_i64());
}

#[tokio::test]
async fn services_serving_an_area_match_inside_it_and_say_so() {
    let test = seeded().await;
    let connection = search(
        &test,
        r#"needs: ["befriending"] near: {postcode: "IP22 5BJ", radiusKm: 2} first: 50"#,
    )
    .await;
    let found = edges(&connection);
    let by_area: Vec<&Value> = found.iter().filter(|e| !e["servesArea"].is_null()).collect();
    assert!(
        !by_area.is_empty(),
        "a district-wide or county-wide befriending service covers Diss"
    );
    for edge in by_area {
        assert!(edge["distanceKm"].is_null());
        let reasons: Vec<&str> = edge["matchReasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(reasons.iter().any(|r| r.starts_with("serves ")), "{reasons:?}");
        let area = edge["servesArea"]["code"].as_str().expect("code");
        assert!(
            ["E10000020", "E07000149"].contains(&area),
            "Diss is in South Norfolk: {area}"
        );
    }
}

#[tokio::test]
async fn filters_combine_with_and() {
    let test = seeded().await;
    let connection = search(
        &test,
        r#"needs: ["strength-and-balance"] age: 55 kinds: [SERVICE] first: 100"#,
    )
    .await;
    assert!(!edges(&connection).is_empty());
    for edge in edges(&connection) {
        assert!(needs(&edge).contains(&"strength-and-balance".to_string()));
        assert!(
            edge["node"]["minimumAge"].as_i64().is_none_or(|min| min <= 55),
            "{}",
            name(&edge)
        );
        assert!(edge["node"]["maximumAge"].as_i64().is_none_or(|max| max >= 55));
    }

    let connection = search(&test, r#"needs: ["strength-and-balance"] days: [TUESDAY] timeFrom: "09:00" timeTo: "12:00" kinds: [SERVICE] first: 100"#).await;
    assert!(!edges(&connection).is_empty());
    for edge in edges(&connection) {
        let fits = edge["node"]["schedules"]
            .as_array()
            .expect("schedules")
            .iter()
            .any(|s| {
                s["byday"].as_str().is_some_and(|d| d.contains("TU"))
                    && s["opensAt"].as_str().is_some_and(|t| t >= "09:00")
                    && s["closesAt"].as_str().is_some_and(|t| t <= "12:00")
            });
        assert!(fits, "{} has no Tuesday morning session", name(&edge));
        let next = edge["nextSession"]["startsAt"].as_str().expect("a next session");
        let weekday = chrono_weekday(next);
        assert_eq!(weekday, "Tue", "{next}");
    }

    for edge in edges(&search(&test, "freeOnly: true kinds: [SERVICE] first: 100").await) {
        assert_eq!(edge["node"]["free"], true);
    }
    for edge in edges(
        &search(
            &test,
            "accessibility: [STEP_FREE, HEARING_LOOP] kinds: [SERVICE] first: 100",
        )
        .await,
    ) {
        let venues = edge["node"]["locations"].as_array().expect("locations");
        let features: Vec<String> = venues
            .iter()
            .flat_map(|l| l["accessibility"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect();
        assert!(
            features.contains(&"STEP_FREE".to_string()) && features.contains(&"HEARING_LOOP".to_string()),
            "{}",
            name(&edge)
        );
    }
    for edge in edges(&search(&test, "deliveryModes: [PHONE] kinds: [SERVICE] first: 100").await) {
        assert!(strings_of(&edge["node"]["deliveryModes"]).contains(&"PHONE".to_string()));
    }
    let funds = search(&test, "kinds: [FUND] openNow: true first: 100").await;
    let all_funds = search(&test, "kinds: [FUND] first: 100").await;
    assert!(!edges(&funds).is_empty() && edges(&funds).len() < edges(&all_funds).len());
    assert!(edges(&funds)
        .iter()
        .all(|e| e["node"]["isOpen"] == true && e["node"]["kind"] == "FUND"));
}

fn strings_of(array: &Value) -> Vec<String> {
    array
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The weekday of an RFC 3339 timestamp, as "Mon".."Sun".
fn chrono_weekday(timestamp: &str) -> String {
    let date = &timestamp[..10];
    let parts: Vec<i64> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    let (y, m, d) = (parts[0], parts[1], parts[2]);
    // Zeller-style day of week (Sakamoto), 0 = Sunday.
    let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if m < 3 { y - 1 } else { y };
    let dow = (y + y / 4 - y / 100 + y / 400 + t[(m - 1) as usize] + d) % 7;
    ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][dow as usize].to_string()
}

#[tokio::test]
async fn place_filter_keeps_to_the_place() {
    let test = seeded().await;
    let connection = search(
        &test,
        r#"place: "E07000148" needs: ["money-advice"] kinds: [SERVICE] first: 100"#,
    )
    .await;
    assert!(!edges(&connection).is_empty());
    for edge in edges(&connection) {
        let venue_in_norwich = edge["node"]["locations"]
            .as_array()
            .expect("locations")
            .iter()
            .any(|l| strings(&l["places"], "code").contains(&"E07000148".to_string()));
        let serves = strings(&edge["node"]["serviceAreas"], "placeCode")
            .iter()
            .any(|c| c == "E07000148" || c == "E10000020");
        assert!(venue_in_norwich || serves, "{}", name(&edge));
    }
}

#[tokio::test]
async fn facets_count_every_result_and_browse_pages_through_everything() {
    let test = seeded().await;
    let connection = search(&test, r#"needs: ["strength-and-balance"]"#).await;
    let total = connection["totalCount"].as_i64().expect("count");
    let facet = connection["facets"]["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .find(|f| f["need"]["code"] == "strength-and-balance")
        .expect("facet");
    assert_eq!(facet["count"].as_i64(), Some(total));
    let districts: i64 = connection["facets"]["districts"]
        .as_array()
        .expect("districts")
        .iter()
        .filter_map(|d| d["count"].as_i64())
        .sum();
    assert!(
        districts >= 7,
        "strength-and-balance listings across the districts: {districts}"
    );

    let mut seen = std::collections::HashSet::new();
    let mut after = String::new();
    let mut browse_total;
    loop {
        let page = search(&test, &format!("first: 100 {after}")).await;
        browse_total = page["totalCount"].as_i64().expect("count");
        for edge in edges(&page) {
            assert!(
                seen.insert(edge["node"]["id"].as_str().expect("id").to_string()),
                "no result twice"
            );
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = format!(
            r#"after: "{}""#,
            page["pageInfo"]["endCursor"].as_str().expect("cursor")
        );
    }
    assert_eq!(seen.len() as i64, browse_total);
    assert_eq!(
        browse_total as u64,
        test.directory.search_index().num_docs(),
        "browse returns every indexed listing"
    );
}

#[tokio::test]
async fn stale_listings_are_flagged_and_ranked_lower() {
    let test = seeded().await;
    let connection = search(&test, r#"text: "mobile library" first: 5"#).await;
    let first = &edges(&connection)[0];
    assert!(name(first).contains("mobile librar"), "{}", name(first));
    assert_eq!(first["stale"], true);
    assert!(strings_of(&first["matchReasons"])
        .iter()
        .any(|r| r.contains("12 months")));
}

/// Every result of a text search says where the words were found: in its name, its
/// description, its needs' words, or the names of the places it meets in or serves; and an
/// organisation, whose needs are its services', says which of them the words name.
#[tokio::test]
async fn results_say_where_the_words_were_found() {
    let test = seeded().await;
    let reasons = |edge: &Value| strings_of(&edge["matchReasons"]);
    let connection = search(&test, r#"text: "chair exercise" first: 3"#).await;
    let first = reasons(&edges(&connection)[0]);
    assert!(first.contains(&r#"name matches "exercise""#.to_string()), "{first:?}");
    assert!(
        first.contains(&r#"description mentions "chair""#.to_string()),
        "{first:?}"
    );

    let connection = search(&test, r#"text: "Dereham" first: 20"#).await;
    let found = edges(&connection);
    assert!(found.len() >= 5, "{}", found.len());
    assert!(
        found
            .iter()
            .any(|edge| reasons(edge).contains(&r#"in or serving "dereham""#.to_string())),
        "some are found by the places they meet in alone"
    );
    for edge in &found {
        let reasons = reasons(edge);
        assert!(
            reasons.iter().any(|r| r.ends_with(r#" "dereham""#)),
            "{}: {reasons:?}",
            name(edge)
        );
    }

    let connection = search(&test, r#"text: "wobbly" kinds: [ORGANIZATION] first: 5"#).await;
    let found = edges(&connection);
    assert!(!found.is_empty());
    for edge in &found {
        assert_eq!(edge["node"]["__typename"], "Organization");
        let reasons = reasons(edge);
        assert!(
            reasons.contains(&"Strength and balance (from your words)".to_string()),
            "{}: {reasons:?}",
            name(edge)
        );
    }
}

#[tokio::test]
async fn suggest_offers_needs_and_names() {
    let test = seeded().await;
    let data = test.data(r#"{ tai: suggest(prefix: "tai") { text kind id need } fal: suggest(prefix: "fal") { text need } empty: suggest(prefix: "  ") { text } }"#).await;
    assert!(data["tai"]
        .as_array()
        .expect("list")
        .iter()
        .any(|s| s["text"].as_str().is_some_and(|t| t.starts_with("Tai chi")) && s["kind"] == "SERVICE"));
    assert!(data["fal"]
        .as_array()
        .expect("list")
        .iter()
        .any(|s| s["need"] == "strength-and-balance"));
    assert_eq!(data["empty"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_search_input_is_bad_user_input_naming_the_argument() {
    let test = seeded().await;
    let cases = [
        (r#"near: {postcode: "IP24 1JW", radiusKm: 0}"#, "near.radiusKm"),
        (r#"near: {postcode: "IP24 1JW", radiusKm: 250}"#, "near.radiusKm"),
        (r#"near: {postcode: "IP24 1JW", radiusKm: -3}"#, "near.radiusKm"),
        (r#"near: {postcode: "not a postcode"}"#, "near.postcode"),
        ("near: {lat: 10, lng: 1}", "near.lat"),
        ("near: {lat: 52.6, lng: 9}", "near.lng"),
        (r#"near: {postcode: "IP24 1JW", lat: 52.6, lng: 1.2}"#, "near"),
        ("near: {radiusKm: 5}", "near"),
        ("first: 101", "first"),
        (r#"needs: ["knitting"]"#, "needs"),
        (r#"place: "E07999999""#, "place"),
        (r#"place: "Breckland""#, "place"),
        ("age: 130", "age"),
        ("age: -1", "age"),
        (r#"timeFrom: "9am""#, "timeFrom"),
        (r#"timeFrom: "12:00" timeTo: "09:00""#, "timeTo"),
        (r#"after: "garbage""#, "after"),
        ("sort: DISTANCE", "sort"),
    ];
    for (args, field) in cases {
        let (code, got_field) = test.error(&format!("{{ search({args}) {{ totalCount }} }}")).await;
        assert_eq!(
            (code.as_str(), got_field.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{args}"
        );
    }
    let long = "a".repeat(501);
    let (code, field) = test
        .error(&format!(r#"{{ search(text: "{long}") {{ totalCount }} }}"#))
        .await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("text")));
    let browse = search(&test, "first: 50").await;
    assert!(
        browse["totalCount"].as_i64().is_some_and(|n| n > 200),
        "empty search is a valid browse"
    );
}

/// Renames a service in the database, with its change-log row, in one transaction (as every
/// write path does).
async fn rename_service(directory: &indexer::Directory, id: &str, name: &str) {
    let mut tx = directory.store().begin().await.expect("begin");
    db::query("UPDATE services SET name = ? WHERE id = ?")
        .bind(name)
        .bind(id)
        .execute(&mut tx)
        .await
        .expect("update");
    record_change(&mut tx, ChangeKind::Service, id.parse().expect("uuid"))
        .await
        .expect("change");
    tx.commit().await.expect("commit");
}

async fn first_hit_name(test: &TestDirectory, text: &str) -> Option<String> {
    edges(&search(test, &format!(r#"text: "{text}" first: 1"#)).await)
        .first()
        .map(|e| e["node"]["name"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn a_committed_change_is_searchable_within_a_second() {
    let test = seeded().await;
    let target = edges(&search(&test, r#"text: "tai chi" first: 1"#).await)[0]["node"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    rename_service(&test.directory, &target, "Zanzibar qigong circle (example)").await;
    let started = Instant::now();
    loop {
        if first_hit_name(&test, "zanzibar qigong").await.as_deref() == Some("Zanzibar qigong circle (example)") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "not searchable within 1 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn after_a_crash_the_index_catches_up_on_start_and_a_lost_index_is_rebuilt() {
    let data_dir = copy_of_template();
    let target;
    {
        let directory = indexer::Directory::open(data_dir.path()).await.expect("open");
        let schema = api::graphql::build_schema(directory.clone());
        let response = schema
            .execute(r#"{ search(text: "memory cafe", kinds: [SERVICE], first: 1) { edges { node { id } } } }"#)
            .await;
        let value = serde_json::to_value(&response).expect("json");
        target = value["data"]["search"]["edges"][0]["node"]["id"]
            .as_str()
            .expect("id")
            .to_string();
        directory.close().await;
    }
    // The process "died" after the database commit and before the index commit: change the
    // database with no directory open, so nothing applies it to the index.
    {
        let store = indexer::store::Store::open(&data_dir.path().join(indexer::directory::DATABASE_FILE))
            .await
            .expect("store");
        let mut tx = store.begin().await.expect("begin");
        db::query("UPDATE services SET name = 'Quokka memory club (example)' WHERE id = ?")
            .bind(&target)
            .execute(&mut tx)
            .await
            .expect("update");
        record_change(&mut tx, ChangeKind::Service, target.parse().expect("uuid"))
            .await
            .expect("change");
        tx.commit().await.expect("commit");
        store.close().await;
    }
    let reopened = open_test_directory(data_dir.path()).await;
    assert_eq!(
        first_hit_name(&reopened, "quokka").await.as_deref(),
        Some("Quokka memory club (example)"),
        "caught up on start"
    );
    let documents = reopened.directory.search_index().num_docs();
    reopened.directory.close().await;
    drop(reopened);

    std::fs::remove_dir_all(data_dir.path().join(indexer::directory::INDEX_DIR)).expect("delete index");
    let rebuilt = open_test_directory(data_dir.path()).await;
    assert_eq!(
        rebuilt.directory.search_index().num_docs(),
        documents,
        "rebuilt from the database"
    );
    assert_eq!(
        first_hit_name(&rebuilt, "quokka").await.as_deref(),
        Some("Quokka memory club (example)")
    );
}

/// `indexer reindex`: the directory is opened without building a missing index (it would be
/// built twice), then rebuilt once, batch by batch with progress, to what opening builds.
#[tokio::test]
async fn reindex_opens_without_building_then_builds_once() {
    let data_dir = copy_of_template();
    let expected = {
        let directory = indexer::Directory::open(data_dir.path()).await.expect("open");
        let documents = directory.search_index().num_docs();
        directory.close().await;
        documents
    };
    std::fs::remove_dir_all(data_dir.path().join(indexer::directory::INDEX_DIR)).expect("delete index");
    let directory = indexer::Directory::open_to_rebuild_index(data_dir.path())
        .await
        .expect("open to rebuild");
    assert_eq!(directory.search_index().num_docs(), 0, "not built on opening");
    let mut progress = Vec::new();
    let mut read = Vec::new();
    let added = indexer::search::sync::rebuild(
        directory.store(),
        &directory.places(),
        directory.search_index(),
        |step| match step {
            indexer::search::sync::RebuildProgress::Read(n) => read.push(n),
            indexer::search::sync::RebuildProgress::Added(n) => progress.push(n),
        },
    )
    .await
    .expect("rebuild");
    assert_eq!(added, expected);
    assert_eq!(directory.search_index().num_docs(), expected);
    assert_eq!(progress.last(), Some(&expected));
    assert!(progress.windows(2).all(|pair| pair[0] <= pair[1]), "{progress:?}");
    let services = directory.store().count("services").await.expect("count") as u64;
    assert!(read.windows(2).all(|pair| pair[0] <= pair[1]), "{read:?}");
    assert!(
        matches!(read.last(), Some(&n) if n > 0 && n <= services),
        "{read:?} of {services}"
    );
    // Read in id order, indexed in the curve's order: each indexing thread of tantivy's writer
    // makes a segment of its share, in order, and the final merge puts the segments end to end.
    // So each kind reads as a few sorted runs (one a segment, 2 to 8 of them); the services in
    // id order would break into dozens.
    let order = directory.search_index().document_order().expect("order");
    assert_eq!(order.len() as u64, expected);
    let is_service = |kind: &Option<indexer::search::AssetKind>| *kind == Some(indexer::search::AssetKind::Service);
    let services: Vec<_> = order
        .iter()
        .filter(|(kind, _)| is_service(kind))
        .map(|(_, key)| *key)
        .collect();
    let others: Vec<_> = order
        .iter()
        .filter(|(kind, _)| !is_service(kind))
        .map(|(_, key)| *key)
        .collect();
    assert!(services.len() > 50, "{} services", services.len());
    for keys in [&services, &others] {
        let descents = keys.windows(2).filter(|pair| pair[0] > pair[1]).count();
        assert!(
            descents < 8,
            "{descents} descents in {} documents: out of the curve's order",
            keys.len()
        );
    }
    let mut by_id = services.clone();
    by_id.sort_by_key(|(_, id)| *id);
    assert!(
        by_id.windows(2).filter(|pair| pair[0] > pair[1]).count() >= 8,
        "the check can tell"
    );
    let schema = api::graphql::build_schema(directory.clone());
    let rebuilt = TestDirectory {
        data_dir: tempfile::tempdir().expect("unused"),
        directory,
        schema,
        database: None,
    };
    assert!(first_hit_name(&rebuilt, "memory cafe").await.is_some());
    rebuilt.directory.close().await;
}

async fn open_test_directory(path: &std::path::Path) -> TestDirectory {
    let directory = indexer::Directory::open(path).await.expect("reopen");
    let schema = api::graphql::build_schema(directory.clone());
    TestDirectory {
        data_dir: tempfile::tempdir().expect("unused"),
        directory,
        schema,
        database: None,
    }
}

/// Without `totalCount` and `facets`, search skips documents that cannot enter the page (and
/// near a point with no words, tries rings inside the radius first): the page itself (order,
/// scores up to float rounding, hasNextPage) must be the one a full count gives.
#[tokio::test]
async fn a_page_without_totals_is_the_page_with_totals() {
    let test = seeded().await;
    for args in [
        r#"text: "exercise""#,
        r#"text: "balance classes", first: 5"#,
        r#"text: "advice", first: 3, after: "b2Zmc2V0OjI""#,
        r#"text: "walking group", near: {postcode: "NR19 1AA", radiusKm: 30}"#,
        r#"text: "lonely", age: 80, first: 4"#,
        r#"text: "tai chi", needs: ["strength-and-balance"], first: 2"#,
        // No words near a point: search tries rings inside the radius first.
        r#"near: {postcode: "NR19 1AA", radiusKm: 40}, first: 5"#,
        r#"near: {postcode: "NR2 1AB", radiusKm: 60}, needs: ["social-connection"], first: 3"#,
        r#"near: {postcode: "NR19 1AA", radiusKm: 80}, sort: DISTANCE, first: 10"#,
        r#"near: {lat: 52.75, lng: 1.0, radiusKm: 100}, kinds: [SERVICE], first: 20"#,
        // Few venues of the need nearby: services serving the area fill the page.
        r#"near: {postcode: "NR19 1AA", radiusKm: 3}, needs: ["money-advice"], first: 10"#,
        r#"near: {postcode: "NR19 1AA", radiusKm: 3}, needs: ["money-advice"], sort: DISTANCE, first: 10"#,
        r#"near: {postcode: "PE30 1AA", radiusKm: 8}, needs: ["befriending"], first: 6"#,
        r#"near: {postcode: "NR2 1AB", radiusKm: 1}, first: 3"#,
        // No words and no point: the first fresh matches in index order are the page.
        r#"place: "E07000143", first: 5"#,
        r#"needs: ["social-connection"], first: 7"#,
        r#"first: 10, after: "b2Zmc2V0OjI""#,
        r#"kinds: [FUND], first: 3"#,
        // Stale mobile library stops among the first matches: fresh ones after them rank first.
        r#"needs: ["information-and-advice"], first: 1"#,
        r#"needs: ["information-and-advice"], kinds: [SERVICE], first: 3"#,
        r#"place: "E07000148", needs: ["carers"], first: 2"#,
    ] {
        let page = |extra: &str| {
            format!(r#"{{ search({args}) {{ edges {{ score node {{ id }} }} pageInfo {{ hasNextPage }} {extra} }} }}"#)
        };
        let without = test.data(&page("")).await;
        let mut with = test.data(&page("totalCount facets { needs { count } }")).await;
        let total = with["search"]["totalCount"].as_i64().expect("total");
        let search = with["search"].as_object_mut().expect("object");
        search.remove("totalCount");
        search.remove("facets");
        // Pruning adds a document's term scores in another order: equal up to float rounding.
        let ids_and_scores = |found: &Value| -> Vec<(String, f64)> {
            edges(&found["search"])
                .iter()
                .map(|edge| (edge["node"]["id"].to_string(), edge["score"].as_f64().expect("score")))
                .collect()
        };
        let (pruned, counted) = (ids_and_scores(&without), ids_and_scores(&with));
        let ids = |page: &[(String, f64)]| page.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&pruned), ids(&counted), "{args}");
        for ((_, a), (_, b)) in pruned.iter().zip(&counted) {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "{args}: score {a} against {b}"
            );
        }
        assert_eq!(without["search"]["pageInfo"], with["search"]["pageInfo"], "{args}");
        assert!(total >= pruned.len() as i64);
    }
}

/// The engine's shortcuts (skipping what cannot beat the page's worst, rings near a point,
/// stopping at the first fresh matches, a separate unscored counting pass) give exactly what
/// ranking and counting every match in one pass gives: the same hits with bit-for-bit the same
/// scores, the same match after the page, and the same totals and facets, for pages of several
/// sizes and offsets, many cut through listings that tie.
#[tokio::test]
async fn shortcuts_give_exactly_what_ranking_every_match_gives() {
    use indexer::domain::{GeoPoint, NeedCode, PlaceCode};
    use indexer::search::{Near, SearchOptions, SearchRequest, SortOrder, Within};

    let test = seeded().await;
    let directory = &test.directory;
    let index = directory.search_index();
    let near = |lat: f64, lng: f64, radius_km: f64| {
        let point = GeoPoint::new(lat, lng).expect("in Norfolk");
        Some(Near {
            point,
            radius_km,
            containing_places: directory.places_at(point).into_iter().map(|p| p.code).collect(),
        })
    };
    let within = |code: &str| {
        let code = PlaceCode::parse(code).expect("code");
        Some(Within {
            overlapping: directory.places().overlapping_codes(&code),
            members: Vec::new(),
            code,
        })
    };
    let need = |code: &str| vec![NeedCode::parse(code).expect("need")];
    let base = SearchRequest {
        limit: 10,
        today: chrono::Utc::now().date_naive(),
        ..SearchRequest::default()
    };
    let text = |words: &str| SearchRequest {
        text: Some(words.to_string()),
        ..base.clone()
    };
    let mut requests = Vec::new();
    for words in [
        "exercise",
        "library",
        "balance classes",
        "advice",
        "lunch club",
        "mobile library stop",
        "wobbly",
    ] {
        for (offset, limit) in [(0, 10), (10, 10), (3, 5), (0, 1), (0, 50), (20, 3)] {
            requests.push(SearchRequest {
                offset,
                limit,
                ..text(words)
            });
        }
    }
    requests.extend([
        SearchRequest {
            near: near(52.68, 0.94, 30.0),
            ..text("walking group")
        },
        SearchRequest {
            needs: need("strength-and-balance"),
            ..text("tai chi")
        },
        // Words near a point lead within the radius bitset, with filters folded in or not.
        SearchRequest {
            near: near(52.63, 1.29, 12.0),
            needs: need("social-connection"),
            days: vec![chrono::Weekday::Tue, chrono::Weekday::Thu],
            age: Some(78),
            ..text("lunch club")
        },
        SearchRequest {
            near: near(52.63, 1.29, 25.0),
            sort: SortOrder::Distance,
            limit: 7,
            ..text("exercise")
        },
        SearchRequest {
            near: near(52.75, 1.0, 40.0),
            offset: 5,
            ..text("library")
        },
        // Near enough that distance hardly lowers a score: the page's worst is close to the
        // best words' scores, and pruning at it decides the page.
        SearchRequest {
            near: near(52.63, 1.29, 3.0),
            limit: 3,
            ..text("lunch club")
        },
        SearchRequest {
            near: near(52.63, 1.29, 5.0),
            offset: 2,
            ..text("exercise")
        },
        // More than two words, and a typo: words and radius as clauses of their own.
        SearchRequest {
            near: near(52.63, 1.29, 30.0),
            ..text("chair based exercise class")
        },
        SearchRequest {
            near: near(52.63, 1.29, 30.0),
            ..text("excercise")
        },
        // A radius inside a place.
        SearchRequest {
            near: near(52.63, 1.29, 30.0),
            within: within("E07000148"),
            ..text("advice")
        },
        SearchRequest {
            age: Some(80),
            limit: 4,
            ..text("lonely")
        },
        SearchRequest {
            near: near(52.63, 1.29, 60.0),
            needs: need("social-connection"),
            limit: 3,
            ..base.clone()
        },
        SearchRequest {
            near: near(52.68, 0.94, 80.0),
            sort: SortOrder::Distance,
            ..base.clone()
        },
        SearchRequest {
            near: near(52.68, 0.94, 3.0),
            needs: need("money-advice"),
            ..base.clone()
        },
        SearchRequest {
            within: within("E07000143"),
            limit: 5,
            ..base.clone()
        },
        SearchRequest {
            needs: need("information-and-advice"),
            limit: 1,
            ..base.clone()
        },
        SearchRequest {
            offset: 7,
            limit: 4,
            ..base.clone()
        },
    ]);
    // The ORUK filters: organisation and activity terms, age bounds, modified since.
    let organization = directory
        .store()
        .organizations_by_ids(None)
        .await
        .expect("organisations")
        .into_iter()
        .map(|organization| organization.id)
        .max()
        .expect("an organisation");
    let tai_chi = vec!["c16df6ed-a4a0-4275-a8c3-1c8cff56856f".to_string()];
    let exercise_concepts: Vec<String> = indexer::domain::TAXONOMY
        .iter()
        .flat_map(|need| need.activity_concepts.iter().map(|concept| concept.id.to_string()))
        .collect();
    let a_day_ago = chrono::Utc::now() - chrono::Duration::days(1);
    requests.extend([
        SearchRequest {
            organization_ids: vec![organization],
            ..base.clone()
        },
        SearchRequest {
            activities: exercise_concepts.clone(),
            near: near(52.63, 1.29, 30.0),
            ..text("exercise")
        },
        SearchRequest {
            activities: tai_chi,
            limit: 3,
            ..base.clone()
        },
        SearchRequest {
            minimum_age_at_least: Some(50),
            near: near(52.63, 1.29, 40.0),
            ..base.clone()
        },
        SearchRequest {
            maximum_age_at_most: Some(120),
            minimum_age_at_least: Some(16),
            ..text("club")
        },
        SearchRequest {
            modified_since: Some(a_day_ago),
            activities: exercise_concepts,
            offset: 2,
            ..base.clone()
        },
    ]);
    let summary = |found: &indexer::search::Collected| {
        let hits: Vec<_> = found
            .hits
            .iter()
            .map(|hit| {
                (
                    hit.id.clone(),
                    hit.score.to_bits(),
                    hit.distance_km.map(f64::to_bits),
                    hit.stale,
                    hit.by_area,
                )
            })
            .collect();
        (
            hits,
            found.has_more,
            found.next.as_ref().map(|next| (next.id.clone(), next.score.to_bits())),
        )
    };
    let mut tied = 0;
    for request in &requests {
        let exhaustive = index
            .search_exhaustively(request, SearchOptions::PAGE)
            .expect("exhaustive");
        assert!(!exhaustive.hits.is_empty(), "nothing to compare for {request:?}");
        let page = index.search(request, SearchOptions::PAGE).expect("page");
        let counted = index
            .search(request, SearchOptions::COUNTED_WITH_FACETS)
            .expect("counted");
        // Counted without facets: where nothing is checked match by match, tantivy counts.
        let counted_alone = index
            .search(request, SearchOptions::COUNTED)
            .expect("counted without facets");
        assert_eq!(summary(&page), summary(&exhaustive), "page of {request:?}");
        assert_eq!(summary(&counted), summary(&exhaustive), "counted page of {request:?}");
        assert_eq!(
            summary(&counted_alone),
            summary(&exhaustive),
            "counted page of {request:?}"
        );
        assert_eq!(counted_alone.total, exhaustive.total, "{request:?}");
        let facets_exhaustive = index
            .search_exhaustively(request, SearchOptions::COUNTED_WITH_FACETS)
            .expect("exhaustive facets");
        assert_eq!(counted.total, facets_exhaustive.total, "{request:?}");
        assert_eq!(counted.need_counts, facets_exhaustive.need_counts, "{request:?}");
        assert_eq!(
            counted.district_counts, facets_exhaustive.district_counts,
            "{request:?}"
        );
        let scores: Vec<u32> = exhaustive.hits.iter().map(|hit| hit.score.to_bits()).collect();
        tied += scores.windows(2).filter(|pair| pair[0] == pair[1]).count();
    }
    // Listings with the same words tie: the cases include pages cut through ties.
    assert!(tied > 20, "only {tied} ties");
}

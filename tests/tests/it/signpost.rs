//! Signposting over the seed: checked properties of the answer (not fixed ids), gaps, privacy
//! and bad input.

use indexer::store::db;
use serde_json::Value;

use crate::support::{seeded, TestDirectory};

const RESULT_FIELDS: &str = "rural maxDistanceKm place { code }
    detectedNeeds { need { code } triggers negated }
    needs { need { code } unmet
      options { distanceKm remote fitScore cost reasons summary stale nextSessions { startsAt endsAt }
        service { id name minimumAge maximumAge deliveryModes } location { postcode } }
      nearestBeyond { distanceKm service { name } }
      remoteAlternatives { remote service { name deliveryModes } } }
    funds { name isOpen applicantType minimumAge maximumAge beneficiaryLocations { code } }
    text html";

async fn signpost(test: &TestDirectory, input: &str) -> Value {
    test.data(&format!("{{ signpost(input: {{ {input} }}) {{ {RESULT_FIELDS} }} }}"))
        .await["signpost"]
        .clone()
}

fn need_result<'a>(result: &'a Value, code: &str) -> &'a Value {
    result["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .find(|n| n["need"]["code"] == code)
        .unwrap_or_else(|| panic!("no answer for {code}"))
}

fn options(need: &Value) -> Vec<Value> {
    need["options"].as_array().cloned().unwrap_or_default()
}

/// Every option is within reach (or remote), eligible by age, ordered by fit, explained.
fn check_options(result: &Value, age: i64) {
    let reach = result["maxDistanceKm"].as_f64().expect("reach");
    for need in result["needs"].as_array().expect("needs") {
        let found = options(need);
        assert!(found.len() <= 3);
        assert_eq!(need["unmet"], found.is_empty());
        for option in &found {
            assert!(
                option["remote"] == true || option["distanceKm"].as_f64().is_some_and(|d| d <= reach),
                "{option}"
            );
            let service = &option["service"];
            assert!(
                service["minimumAge"].as_i64().is_none_or(|min| min <= age)
                    && service["maximumAge"].as_i64().is_none_or(|max| max >= age),
                "{service}"
            );
            assert!(!option["reasons"].as_array().expect("reasons").is_empty());
            assert!(option["nextSessions"].as_array().expect("sessions").len() <= 3);
        }
        let scores: Vec<f64> = found.iter().filter_map(|o| o["fitScore"].as_f64()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ordered by fit: {scores:?}");
    }
}

#[tokio::test]
async fn the_specification_scenario_a_72_year_old_at_risk_of_falls_in_rural_breckland() {
    let test = seeded().await;
    // IP25 6DY is in Ashill ward, a rural Breckland LSOA.
    let result = signpost(&test, r#"postcode: "IP25 6DY", age: 72, description: "Had two falls since the summer, lonely since her husband died, worried about heating bills""#).await;
    assert_eq!(result["rural"], true);
    assert_eq!(
        result["maxDistanceKm"].as_f64(),
        Some(15.0),
        "wider default reach in rural areas"
    );
    assert_eq!(result["place"]["code"], "E07000143");
    let detected: Vec<&str> = result["detectedNeeds"]
        .as_array()
        .expect("detected")
        .iter()
        .filter_map(|d| d["need"]["code"].as_str())
        .collect();
    for need in ["strength-and-balance", "social-connection", "money-advice"] {
        assert!(
            detected.contains(&need),
            "{need} not read from the description: {detected:?}"
        );
    }
    check_options(&result, 72);
    let strength = need_result(&result, "strength-and-balance");
    let first = &options(strength)[0];
    assert!(
        !first["nextSessions"].as_array().expect("sessions").is_empty(),
        "a class with dates: {first}"
    );
    assert!(first["summary"].as_str().is_some_and(|s| s.contains("km")));
    for fund in result["funds"].as_array().expect("funds") {
        assert_eq!(fund["isOpen"], true);
        assert_eq!(fund["applicantType"], "INDIVIDUAL");
        assert!(fund["minimumAge"].as_i64().is_none_or(|min| min <= 72));
        let codes: Vec<&str> = fund["beneficiaryLocations"]
            .as_array()
            .expect("places")
            .iter()
            .filter_map(|p| p["code"].as_str())
            .collect();
        assert!(
            codes.contains(&"E07000143") || codes.contains(&"E10000020"),
            "{codes:?}"
        );
    }
    let text = result["text"].as_str().expect("text");
    assert!(text.contains("Strength and balance") && text.contains("Next:"));
    let html = result["html"].as_str().expect("html");
    assert!(html.starts_with("<!doctype html>") && html.contains("<h2>Strength and balance</h2>"));
}

#[tokio::test]
async fn availability_limits_options_to_the_given_days_and_times() {
    let test = seeded().await;
    let result = signpost(&test, r#"postcode: "NR3 2HZ", age: 70, needs: ["strength-and-balance", "social-connection"], days: [TUESDAY], timeFrom: "09:00", timeTo: "13:00", maxDistanceKm: 20"#).await;
    check_options(&result, 70);
    for need in result["needs"].as_array().expect("needs") {
        for option in options(need).iter().filter(|o| o["remote"] == false) {
            for session in option["nextSessions"].as_array().expect("sessions") {
                let starts = session["startsAt"].as_str().expect("time");
                let hour: u32 = starts[11..13].parse().expect("hour");
                assert!((9..13).contains(&hour), "{starts}");
            }
            assert!(
                option["reasons"][0].as_str().is_some_and(|r| r.starts_with("Tuesdays")),
                "{option}"
            );
        }
    }
}

#[tokio::test]
async fn nothing_within_reach_is_a_counted_gap_with_the_nearest_beyond() {
    let test = seeded().await;
    let count = |test: &TestDirectory| {
        let pool = test.directory.store().pool().clone();
        async move {
            db::query_scalar::<i64>("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM unmet_need_counts WHERE place_code = 'E07000143' AND need_code = 'memory-and-dementia'")
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    let before = count(&test).await;
    let result = signpost(&test, r#"postcode: "IP25 6DY", age: 80, needs: ["memory-and-dementia"], maxDistanceKm: 1, deliveryModes: [IN_PERSON]"#).await;
    let need = need_result(&result, "memory-and-dementia");
    assert_eq!(need["unmet"], true);
    assert!(
        need["nearestBeyond"]["distanceKm"].as_f64().is_some_and(|d| d > 1.0),
        "{need}"
    );
    assert_eq!(count(&test).await, before + 1, "the gap is counted for Breckland");
    assert!(result["text"]
        .as_str()
        .is_some_and(|t| t.contains("Nothing suitable found within 1 km")));
}

#[tokio::test]
async fn negations_rule_needs_out() {
    let test = seeded().await;
    let result = signpost(
        &test,
        r#"postcode: "NR3 2HZ", age: 68, description: "No mobility problems and no falls, but feels lonely""#,
    )
    .await;
    let detected = result["detectedNeeds"].as_array().expect("detected");
    assert!(detected
        .iter()
        .any(|d| d["need"]["code"] == "strength-and-balance" && d["negated"] == true));
    let asked: Vec<&str> = result["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .filter_map(|n| n["need"]["code"].as_str())
        .collect();
    assert_eq!(asked, vec!["social-connection"]);
}

#[tokio::test]
async fn stale_listings_are_left_out_unless_asked_for() {
    let test = seeded().await;
    // A mobile library stop (stale 2019 timetable) is the only information service near here.
    let without = signpost(
        &test,
        r#"postcode: "IP25 6DY", needs: ["information-and-advice"], maxDistanceKm: 15"#,
    )
    .await;
    assert!(options(need_result(&without, "information-and-advice"))
        .iter()
        .all(|o| o["stale"] == false));
    let with = signpost(&test, r#"postcode: "IP25 6DY", needs: ["information-and-advice"], maxDistanceKm: 15, includeStale: true, optionsPerNeed: 10"#).await;
    let stale: Vec<Value> = options(need_result(&with, "information-and-advice"))
        .into_iter()
        .filter(|o| o["stale"] == true)
        .collect();
    assert!(!stale.is_empty(), "stale options appear when asked for");
    assert!(stale.iter().all(|o| o["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .any(|r| r.as_str().is_some_and(|r| r.contains("12 months")))));
}

#[tokio::test]
async fn nothing_from_the_request_is_stored() {
    let test = seeded().await;
    let tables = [
        "organizations",
        "services",
        "locations",
        "schedules",
        "funds",
        "places",
        "postcodes",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(test.directory.store().count(table).await.expect("count"));
    }
    let sentinel = "quixotic-sentinel-words-7731";
    signpost(
        &test,
        &format!(r#"postcode: "NR3 2HZ", age: 71, description: "lonely and {sentinel}""#),
    )
    .await;
    let mut after = Vec::new();
    for table in tables {
        after.push(test.directory.store().count(table).await.expect("count"));
    }
    assert_eq!(before, after);
    for file in std::fs::read_dir(test.data_dir.path()).expect("data dir") {
        let path = file.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !bytes.windows(sentinel.len()).any(|w| w == sentinel.as_bytes()),
                "{} holds request text",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn bad_signpost_input_is_bad_user_input_naming_the_field() {
    let test = seeded().await;
    let long = "lonely ".repeat(300);
    let cases = [
        (r#"postcode: "nonsense", needs: ["food"]"#.to_string(), "input.postcode"),
        (r#"needs: ["food"]"#.to_string(), "input"),
        (r#"postcode: "NR3 2HZ""#.to_string(), "input"),
        (r#"postcode: "NR3 2HZ", description: "   ""#.to_string(), "input"),
        (
            r#"postcode: "NR3 2HZ", needs: ["food"], age: 121"#.to_string(),
            "input.age",
        ),
        (
            r#"postcode: "NR3 2HZ", needs: ["food"], age: -4"#.to_string(),
            "input.age",
        ),
        (r#"postcode: "NR3 2HZ", needs: ["unicorns"]"#.to_string(), "input.needs"),
        (
            format!(r#"postcode: "NR3 2HZ", description: "{long}""#),
            "input.description",
        ),
        (
            r#"postcode: "NR3 2HZ", needs: ["food"], maxDistanceKm: 0"#.to_string(),
            "input.maxDistanceKm",
        ),
        (
            r#"postcode: "NR3 2HZ", needs: ["food"], timeFrom: "25:00""#.to_string(),
            "input.timeFrom",
        ),
        (r#"lat: 48.0, lng: 1.0, needs: ["food"]"#.to_string(), "input.lat"),
        (
            r#"postcode: "NR3 2HZ", needs: ["food"], optionsPerNeed: 50"#.to_string(),
            "input.optionsPerNeed",
        ),
    ];
    for (input, field) in cases {
        let (code, got) = test
            .error(&format!("{{ signpost(input: {{ {input} }}) {{ rural }} }}"))
            .await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
}

//! Listings: the seed's contents and the read API over them.

use indexer::store::db;
use std::collections::HashSet;

use indexer::seed::seed_id;
use serde_json::Value;

use crate::support::{seeded, strings, TestDirectory};

const SERVICE_FIELDS: &str = "id name isExample stale free minimumAge maximumAge deliveryModes status attribution
    needs { code } organization { id name isExample }
    locations { latitude longitude postcode places { code level } }
    schedules { freq interval byday opensAt closesAt validFrom }
    serviceAreas { placeCode place { code } }";

/// Every service matching the arguments, following `endCursor` page by page.
async fn all_services(test: &TestDirectory, arguments: &str) -> (Vec<Value>, i64) {
    let mut services = Vec::new();
    let mut after = String::new();
    loop {
        let query = format!(
            "{{ services({arguments} first: 50 {after}) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage endCursor }} edges {{ cursor node {{ {SERVICE_FIELDS} }} }} }} }}"
        );
        let data = test.data(&query).await;
        let connection = &data["services"];
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_empty());
        services.extend(
            connection["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|edge| edge["node"].clone()),
        );
        if connection["pageInfo"]["hasNextPage"] != true {
            return (services, connection["totalCount"].as_i64().expect("count"));
        }
        after = format!(
            r#"after: "{}""#,
            connection["pageInfo"]["endCursor"].as_str().expect("cursor")
        );
    }
}

fn has_need(service: &Value, need: &str) -> bool {
    strings(&service["needs"], "code").iter().any(|code| code == need)
}

#[tokio::test]
async fn paging_through_services_visits_each_once_in_name_order() {
    let test = seeded().await;
    let (services, total) = all_services(&test, "").await;
    assert_eq!(services.len() as i64, total);
    let ids: HashSet<&str> = services.iter().map(|s| s["id"].as_str().expect("id")).collect();
    assert_eq!(ids.len(), services.len(), "no service twice");
    let names: Vec<&str> = services.iter().map(|s| s["name"].as_str().expect("name")).collect();
    assert!(names.windows(2).all(|pair| pair[0] <= pair[1]), "ordered by name");
}

#[tokio::test]
async fn seed_has_the_example_listings_the_product_promises() {
    let test = seeded().await;
    let (services, _) = all_services(&test, "").await;
    let examples: Vec<&Value> = services.iter().filter(|s| s["isExample"] == true).collect();
    assert!(examples.len() >= 150, "{} example services", examples.len());
    for service in &examples {
        assert!(
            service["name"].as_str().is_some_and(|n| n.ends_with("(example)")),
            "{}",
            service["name"]
        );
        assert_eq!(service["organization"]["isExample"], true);
    }
    let organizations: HashSet<&str> = examples
        .iter()
        .map(|s| s["organization"]["id"].as_str().expect("id"))
        .collect();
    assert!(
        organizations.len() >= 60,
        "{} example organisations",
        organizations.len()
    );

    let classes: Vec<&&Value> = examples
        .iter()
        .filter(|s| {
            has_need(s, "strength-and-balance")
                && s["schedules"]
                    .as_array()
                    .is_some_and(|list| list.iter().any(|x| x["freq"] == "WEEKLY"))
        })
        .collect();
    assert!(
        classes.len() >= 40,
        "{} strength-and-balance classes with weekly schedules",
        classes.len()
    );

    let districts_with_listings: HashSet<String> = examples
        .iter()
        .flat_map(|s| s["locations"].as_array().into_iter().flatten())
        .flat_map(|l| l["places"].as_array().into_iter().flatten())
        .filter(|p| p["level"] == "DISTRICT")
        .map(|p| p["code"].as_str().expect("code").to_string())
        .collect();
    assert_eq!(districts_with_listings.len(), 7, "example listings in all 7 districts");

    let needs = test.data("{ needs { code } }").await;
    for need in strings(&needs["needs"], "code") {
        assert!(
            examples.iter().any(|s| has_need(s, &need)),
            "no example service for {need}"
        );
    }
}

#[tokio::test]
async fn mobile_library_stops_are_real_2019_timetables_and_flagged_stale() {
    let test = seeded().await;
    let id = seed_id("service", "mobile-library:CEN1");
    let data = test
        .data(&format!(r#"{{ service(id: "{id}") {{ {SERVICE_FIELDS} }} }}"#))
        .await;
    let service = &data["service"];
    assert_eq!(service["isExample"], false);
    assert_eq!(service["stale"], true, "not reviewed since 2019");
    assert!(service["name"].as_str().is_some_and(|n| n.contains("2019")));
    assert!(service["attribution"]
        .as_str()
        .is_some_and(|a| a.contains("Libraries Hacked")));
    let schedules = service["schedules"].as_array().expect("schedules");
    assert!(schedules.len() > 100);
    assert!(schedules.iter().all(|s| s["freq"] == "WEEKLY" && s["interval"] == 4));
    assert!(service["locations"].as_array().expect("stops").iter().all(|l| {
        l["places"]
            .as_array()
            .is_some_and(|places| places.iter().any(|p| p["level"] == "DISTRICT"))
    }));
}

#[tokio::test]
async fn services_for_a_need_in_a_place_all_meet_the_need_and_are_in_or_serve_the_place() {
    let test = seeded().await;
    for district in ["E07000143", "E07000148"] {
        let (services, total) =
            all_services(&test, &format!(r#"place: "{district}" need: "strength-and-balance""#)).await;
        assert!(total >= 5, "{district} has {total} strength-and-balance services");
        for service in &services {
            assert!(has_need(service, "strength-and-balance"));
            let venue_inside = service["locations"].as_array().into_iter().flatten().any(|l| {
                l["places"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["code"] == district)
            });
            let serves_area = strings(&service["serviceAreas"], "placeCode")
                .iter()
                .any(|c| c == district || c == "E10000020");
            assert!(venue_inside || serves_area, "{} is not in {district}", service["name"]);
        }
    }
}

#[tokio::test]
async fn county_wide_phone_services_appear_in_every_district() {
    let test = seeded().await;
    let (county_wide, _) = all_services(&test, r#"place: "E10000020""#).await;
    let remote: Vec<&Value> = county_wide
        .iter()
        .filter(|s| {
            s["locations"].as_array().is_some_and(Vec::is_empty)
                && strings(&s["serviceAreas"], "placeCode").contains(&"E10000020".to_string())
        })
        .collect();
    assert!(!remote.is_empty(), "the seed has county-wide services without venues");
    let (in_norwich, _) = all_services(&test, r#"place: "E07000148""#).await;
    let norwich_ids: HashSet<&str> = in_norwich.iter().map(|s| s["id"].as_str().expect("id")).collect();
    for service in remote {
        assert!(
            norwich_ids.contains(service["id"].as_str().expect("id")),
            "{} missing from Norwich",
            service["name"]
        );
    }
}

#[tokio::test]
async fn funds_cover_county_and_districts_and_say_whether_open() {
    let test = seeded().await;
    let data = test
        .data(
            r#"{ all: funds { id name isExample isOpen closesOn beneficiaryLocations { code } needs { code } }
                 open: funds(openNow: true) { id isOpen }
                 norwich: funds(place: "E07000148") { beneficiaryLocations { code } } }"#,
        )
        .await;
    let all = data["all"].as_array().expect("funds");
    assert!(all.len() >= 20);
    assert!(all
        .iter()
        .all(|f| f["isExample"] == true && f["name"].as_str().is_some_and(|n| n.ends_with("(example)"))));
    assert!(all.iter().any(|f| f["isOpen"] == false), "some funds are closed");
    let open = data["open"].as_array().expect("open");
    assert!(!open.is_empty() && open.len() < all.len());
    assert!(open.iter().all(|f| f["isOpen"] == true));
    let county_wide = |f: &Value| strings(&f["beneficiaryLocations"], "code").contains(&"E10000020".to_string());
    assert!(all.iter().any(county_wide));
    assert!(all.iter().any(|f| !county_wide(f)), "some funds are district-only");
    for fund in data["norwich"].as_array().expect("norwich") {
        let codes = strings(&fund["beneficiaryLocations"], "code");
        assert!(codes.iter().any(|c| c == "E07000148" || c == "E10000020"), "{codes:?}");
    }
}

#[tokio::test]
async fn needs_cover_the_falls_prevention_areas_and_map_openactive_concepts() {
    let test = seeded().await;
    let data = test
        .data("{ needs { code label description activityConcepts { id prefLabel } } }")
        .await;
    let needs = data["needs"].as_array().expect("needs");
    let codes = strings(&data["needs"], "code");
    for required in [
        "strength-and-balance",
        "social-connection",
        "money-advice",
        "befriending",
        "mental-wellbeing",
        "carers",
        "housing",
        "food",
        "digital-inclusion",
        "transport",
        "information-and-advice",
        "physical-activity",
    ] {
        assert!(codes.iter().any(|c| c == required), "missing {required}");
    }
    assert!(needs.iter().all(|n| n["label"].as_str().is_some_and(|l| !l.is_empty())
        && n["description"].as_str().is_some_and(|d| !d.is_empty())));
    let strength = needs
        .iter()
        .find(|n| n["code"] == "strength-and-balance")
        .expect("strength-and-balance");
    let labels = strings(&strength["activityConcepts"], "prefLabel");
    for concept in [
        "Falls and Exercise Management",
        "Otago",
        "Postural Stability Instruction",
        "Chair Based Exercise",
        "Tai Chi",
        "General Fitness for Older Adults",
    ] {
        assert!(labels.iter().any(|l| l == concept), "{concept} not mapped");
    }
}

#[tokio::test]
async fn organization_lists_its_services_and_funds() {
    let test = seeded().await;
    let data = test.data("{ organizations(first: 100) { totalCount edges { node { id name services { id organization { id } } } } } }").await;
    let connection = &data["organizations"];
    assert!(connection["totalCount"].as_i64().is_some_and(|n| n >= 61));
    for edge in connection["edges"].as_array().expect("edges") {
        let organization = &edge["node"];
        for service in organization["services"].as_array().expect("services") {
            assert_eq!(service["organization"]["id"], organization["id"]);
        }
    }
    let some_id = connection["edges"][0]["node"]["id"].as_str().expect("id");
    let one = test
        .data(&format!(
            r#"{{ organization(id: "{some_id}") {{ id stale lastReviewedAt updatedAt }} }}"#
        ))
        .await;
    assert_eq!(one["organization"]["id"], some_id);
}

/// The search index and signposting read services through the feed (one JSON document a
/// service); everything else reads rows. Both must give the same services, venues, schedules
/// and areas, to the last bit of a coordinate.
#[tokio::test]
async fn the_service_feed_gives_what_row_reads_give() {
    let test = seeded().await;
    let store = test.directory.store();
    // Coordinates that need all 17 significant digits, and a quote and a backslash in text.
    db::query(
        "UPDATE locations SET latitude = latitude + 1.0 / 3e7, longitude = longitude - 2.0 / 3e9,
         name = name || ' \"quoted\" \\ back'",
    )
    .execute(store.pool())
    .await
    .expect("update locations");
    let feed = store.service_feed(None).await.expect("feed");
    assert!(feed.services.len() > 20, "the seed's services");
    let mut seen_schedules = 0;
    for service in &feed.services {
        let row = store.service(service.id).await.expect("read").expect("public service");
        assert_eq!(service, &row);
        let locations = store.locations_of_service(service.id).await.expect("locations");
        let mut fed: Vec<_> = feed
            .venues
            .get(&service.id)
            .into_iter()
            .flatten()
            .map(|venue| venue.location.clone())
            .collect();
        let mut read = locations.clone();
        fed.sort_by_key(|location| location.id);
        read.sort_by_key(|location| location.id);
        assert_eq!(fed, read, "venues of {}", service.name);
        for (a, b) in fed.iter().zip(&read) {
            assert_eq!(a.latitude.to_bits(), b.latitude.to_bits());
            assert_eq!(a.longitude.to_bits(), b.longitude.to_bits());
        }
        let mut fed = feed.schedules.get(&service.id).cloned().unwrap_or_default();
        let mut read = store.schedules_of_service(service.id).await.expect("schedules");
        fed.sort_by_key(|schedule| schedule.id);
        read.sort_by_key(|schedule| schedule.id);
        assert_eq!(fed, read, "schedules of {}", service.name);
        seen_schedules += fed.len();
        let mut fed: Vec<String> = feed
            .areas
            .get(&service.id)
            .into_iter()
            .flatten()
            .map(|code| code.as_str().to_string())
            .collect();
        let mut read: Vec<String> = store
            .service_areas(service.id)
            .await
            .expect("areas")
            .iter()
            .map(|area| area.place_code.as_str().to_string())
            .collect();
        fed.sort();
        read.sort();
        assert_eq!(fed, read, "areas of {}", service.name);
        let organization = store
            .organization(service.organization_id)
            .await
            .expect("read")
            .expect("organization");
        assert_eq!(
            feed.organization_names.get(&service.organization_id),
            Some(&organization.name)
        );
    }
    assert!(seen_schedules > 10, "the seed's schedules");
    assert!(feed
        .venues
        .values()
        .flatten()
        .any(|venue| venue.location.name.contains("\"quoted\" \\ back")));
}

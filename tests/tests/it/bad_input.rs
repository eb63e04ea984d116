//! Wrong arguments get a GraphQL error with a stable code and the argument at fault; nothing
//! crashes and nothing stored changes.

use crate::support::seeded;
use indexer::store::db;

fn expect(actual: (String, Option<String>), code: &str, field: Option<&str>, query: &str) {
    assert_eq!((actual.0.as_str(), actual.1.as_deref()), (code, field), "{query}");
}

#[tokio::test]
async fn malformed_arguments_are_bad_user_input_naming_the_argument() {
    let test = seeded().await;
    let cases = [
        (r#"{ service(id: "not-a-uuid") { id } }"#, "id"),
        (r#"{ organization(id: "123") { id } }"#, "id"),
        (r#"{ fund(id: "") { id } }"#, "id"),
        (r#"{ postcode(postcode: "hello world") { postcode } }"#, "postcode"),
        (r#"{ postcode(postcode: "NR2 4A1") { postcode } }"#, "postcode"),
        ("{ placesAt(lat: 91, lng: 1.0) { code } }", "lat"),
        ("{ placesAt(lat: 48.85, lng: 2.35) { code } }", "lat"),
        ("{ placesAt(lat: 52.6, lng: 181) { code } }", "lng"),
        ("{ placesAt(lat: 52.6, lng: 4.9) { code } }", "lng"),
        (r#"{ place(code: "Breckland") { code } }"#, "code"),
        (r#"{ places(parentCode: "E07") { code } }"#, "parentCode"),
        (r#"{ services(place: "nowhere") { totalCount } }"#, "place"),
        (r#"{ services(need: "knitting") { totalCount } }"#, "need"),
        ("{ services(first: 101) { totalCount } }", "first"),
        ("{ services(first: 0) { totalCount } }", "first"),
        ("{ services(first: -5) { totalCount } }", "first"),
        (r#"{ services(after: "garbage") { totalCount } }"#, "after"),
        (r#"{ organizations(after: "eyJ4IjoxfQ") { totalCount } }"#, "after"),
        (r#"{ funds(need: "unicorns") { id } }"#, "need"),
    ];
    for (query, field) in cases {
        expect(test.error(query).await, "BAD_USER_INPUT", Some(field), query);
    }
}

#[tokio::test]
async fn well_formed_but_unknown_is_not_found() {
    let test = seeded().await;
    let missing = "00000000-0000-4000-8000-000000000000";
    let cases = [
        (format!(r#"{{ service(id: "{missing}") {{ id }} }}"#), Some("id")),
        (format!(r#"{{ organization(id: "{missing}") {{ id }} }}"#), Some("id")),
        (format!(r#"{{ fund(id: "{missing}") {{ id }} }}"#), Some("id")),
        (r#"{ place(code: "E07999999") { code } }"#.to_string(), Some("code")),
        (
            r#"{ places(parentCode: "E07999999") { code } }"#.to_string(),
            Some("parentCode"),
        ),
        (
            r#"{ services(place: "E07999999") { totalCount } }"#.to_string(),
            Some("place"),
        ),
        (
            r#"{ postcode(postcode: "SW1A 1AA") { postcode } }"#.to_string(),
            Some("postcode"),
        ),
    ];
    for (query, field) in cases {
        expect(test.error(&query).await, "NOT_FOUND", field, &query);
    }
}

#[tokio::test]
async fn bad_input_leaves_the_directory_as_it_was() {
    let test = seeded().await;
    let before = test
        .data("{ services(first: 1) { totalCount } places(level: LSOA) { code } }")
        .await;
    for query in [
        "{ services(first: 100000) { totalCount } }",
        r#"{ postcode(postcode: "'; DROP TABLE services; --") { lat } }"#,
        "{ placesAt(lat: NaN, lng: 1) { code } }",
    ] {
        let response = test.execute(query).await;
        assert!(response["errors"].is_array(), "{query}");
    }
    let after = test
        .data("{ services(first: 1) { totalCount } places(level: LSOA) { code } }")
        .await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn over_deep_queries_are_refused_not_run() {
    let test = seeded().await;
    let mut query = String::from(r#"{ place(code: "E07000143") { "#);
    for _ in 0..20 {
        query.push_str("parent { ");
    }
    query.push_str("code");
    query.push_str(&" }".repeat(22));
    let response = test.execute(&query).await;
    assert!(response["errors"].is_array(), "{response}");
}

#[tokio::test]
async fn languages_are_codes_made_up_ones_are_refused_and_names_become_codes() {
    let test = seeded().await;
    let moderator = test
        .principal(indexer::accounts::Role::Moderator, "Languages", None)
        .await;
    let organization = test.first_organization_id().await;
    let create = |languages: &str| {
        format!(
            r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "Conversation cafe (example)", description: "Practise English over tea", needs: ["social-connection"], languages: {languages}}}) {{ id languages }} }}"#
        )
    };
    let refused = test.error_as(&moderator, &create(r#"["English", "klingon!!"]"#)).await;
    assert_eq!(
        (refused.0.as_str(), refused.1.as_deref()),
        ("BAD_USER_INPUT", Some("input.languages"))
    );
    let created = test
        .data_as(
            &moderator,
            &create(r#"["English", "Polish", "en", "EN-gb", "British Sign Language"]"#),
        )
        .await;
    assert_eq!(
        created["createService"]["languages"],
        serde_json::json!(["en", "pl", "en-GB", "bfi"])
    );
    // The seed's listings carry codes too.
    let seeded_languages = test
        .data(r#"{ services(first: 100) { edges { node { languages } } } }"#)
        .await
        .to_string();
    assert!(
        seeded_languages.contains(r#""en""#) && !seeded_languages.contains("English"),
        "{seeded_languages}"
    );
}

/// A venue whose coordinates lie kilometres from its own postcode is refused, on creation and
/// when only the coordinates change; coordinates near the postcode are kept as given.
#[tokio::test]
async fn venue_coordinates_that_contradict_the_postcode_are_refused() {
    let test = seeded().await;
    let moderator = test.principal(indexer::accounts::Role::Moderator, "Venues", None).await;
    let locations = || async {
        db::query_scalar::<i64>("SELECT COUNT(*) FROM locations")
            .fetch_one(test.directory.store().pool())
            .await
            .expect("count")
    };
    let before = locations().await;
    // NR19 1AA is in Dereham (52.6444, 0.9679); 52.6309, 1.2974 is Norwich, 22 km away.
    let create = |latitude: f64, longitude: f64| {
        format!(
            r#"mutation {{ createLocation(input: {{name: "Church hall (example)", postcode: "NR19 1AA", latitude: {latitude}, longitude: {longitude}}}) {{ id version latitude longitude }} }}"#
        )
    };
    let refused = test.error_as(&moderator, &create(52.6309, 1.2974)).await;
    assert_eq!(
        (refused.0.as_str(), refused.1.as_deref()),
        ("BAD_USER_INPUT", Some("input.latitude"))
    );
    assert_eq!(locations().await, before, "nothing is stored");

    // A few hundred metres from the postcode's centre: kept exactly as given.
    let created = test.data_as(&moderator, &create(52.6470, 0.9700)).await["createLocation"].clone();
    assert_eq!(created["latitude"].as_f64(), Some(52.6470));
    assert_eq!(locations().await, before + 1);

    // Moving only the coordinates far from the postcode it keeps is refused too.
    let id = created["id"].as_str().expect("id");
    let version = created["version"].as_i64().expect("version");
    let moved = test
        .error_as(
            &moderator,
            &format!(
                r#"mutation {{ updateLocation(id: "{id}", version: {version}, input: {{latitude: 52.6309, longitude: 1.2974}}) {{ id }} }}"#
            ),
        )
        .await;
    assert_eq!(
        (moved.0.as_str(), moved.1.as_deref()),
        ("BAD_USER_INPUT", Some("input.latitude"))
    );

    // A venue stored before the rule with contradicting coordinates stays editable: an edit
    // that leaves its coordinates alone is not refused for them.
    db::query("UPDATE locations SET latitude = 52.6309, longitude = 1.2974 WHERE id = ?")
        .bind(id)
        .execute(test.directory.store().pool())
        .await
        .expect("old data");
    let renamed = test
        .data_as(
            &moderator,
            &format!(
                r#"mutation {{ updateLocation(id: "{id}", version: {version}, input: {{name: "Church hall, renamed (example)"}}) {{ name }} }}"#
            ),
        )
        .await;
    assert_eq!(renamed["updateLocation"]["name"], "Church hall, renamed (example)");
}

//! `/services` filters: each alone and combined against a brute-force oracle over the full
//! documents, the same answers as GraphQL's `search`, and `modified_after` after an edit.

use chrono::{DateTime, Utc};
use indexer::publish::oruk::taxonomies::need_term_id;

use super::*;

/// One full service's facts the filters look at.
struct Facts {
    id: String,
    organization_id: String,
    term_ids: BTreeSet<String>,
    taxonomy_ids: BTreeSet<String>,
    minimum_age: i64,
    maximum_age: i64,
    /// (weekdays, opens, closes) per schedule.
    sessions: Vec<(Vec<String>, String, String)>,
    last_modified: DateTime<Utc>,
}

fn facts(service: &Value) -> Facts {
    let attributes = service["attributes"].as_array().cloned().unwrap_or_default();
    Facts {
        id: id_of(service),
        organization_id: service["organization_id"].as_str().expect("organization").to_string(),
        term_ids: attributes
            .iter()
            .map(|a| a["taxonomy_term_id"].as_str().unwrap_or_default().to_string())
            .collect(),
        taxonomy_ids: attributes
            .iter()
            .map(|a| {
                a["taxonomy_term"]["taxonomy_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect(),
        minimum_age: service["minimum_age"].as_i64().unwrap_or(0),
        maximum_age: service["maximum_age"].as_i64().unwrap_or(200),
        sessions: service["schedules"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|s| {
                let days = s["byday"]
                    .as_str()
                    .unwrap_or_default()
                    .split(',')
                    .map(|day| {
                        day.trim_start_matches(|c: char| c == '-' || c.is_ascii_digit())
                            .to_string()
                    })
                    .collect();
                (
                    days,
                    s["opens_at"].as_str().unwrap_or_default()[..5].to_string(),
                    s["closes_at"].as_str().unwrap_or_default()[..5].to_string(),
                )
            })
            .collect(),
        last_modified: service["last_modified"]
            .as_str()
            .expect("last_modified")
            .parse()
            .expect("rfc 3339"),
    }
}

/// A filter as the oracle applies it: (query string, predicate).
type Case = (String, Box<dyn Fn(&Facts) -> bool>);

#[tokio::test]
async fn each_filter_alone_and_combined_narrows_as_a_brute_force_oracle_does() {
    let api = spawn().await;
    let directory = &api.test.directory;
    // Every public active service (what search holds), fully rendered.
    let listed = api.service_ids("").await;
    let ids: Vec<Uuid> = listed.iter().map(|id| id.parse().expect("uuid")).collect();
    let documents = directory.oruk_services(&ids).await.expect("render");
    assert_eq!(documents.len(), ids.len());
    let all: Vec<Facts> = documents
        .iter()
        .map(|doc| facts(&serde_json::to_value(doc).expect("json")))
        .collect();

    let strength = need_term_id(indexer::domain::NeedCode::parse("strength-and-balance").expect("need")).to_string();
    let vocab = vocabularies();
    let (needs_id, activities_id) = (vocab.needs.id.to_string(), vocab.activities.id.to_string());
    let activity = all
        .iter()
        .flat_map(|f| f.term_ids.iter())
        .find(|id| {
            vocab
                .term(id.parse().expect("uuid"))
                .is_some_and(|(v, _)| v == indexer::publish::oruk::taxonomies::Vocabulary::Activities)
        })
        .cloned()
        .expect("the seed has an activity");
    let organization = all[all.len() / 2].organization_id.clone();
    let session = |day: Option<&'static str>, from: Option<&'static str>, to: Option<&'static str>| {
        move |f: &Facts| {
            f.sessions.iter().any(|(days, opens, closes)| {
                day.is_none_or(|d| days.iter().any(|x| x == d))
                    && from.is_none_or(|from| opens.as_str() >= from)
                    && to.is_none_or(|to| closes.as_str() <= to)
            })
        }
    };
    let has = |term: String| move |f: &Facts| f.term_ids.contains(&term);
    let in_taxonomy = |taxonomy: String| move |f: &Facts| f.taxonomy_ids.contains(&taxonomy);
    let org = organization.clone();
    let cases: Vec<Case> = vec![
        (format!("taxonomy_term_id={strength}"), Box::new(has(strength.clone()))),
        (format!("taxonomy_term_id={activity}"), Box::new(has(activity.clone()))),
        (
            format!("taxonomy_id={needs_id}"),
            Box::new(in_taxonomy(needs_id.clone())),
        ),
        (
            format!("taxonomy_id={activities_id}"),
            Box::new(in_taxonomy(activities_id.clone())),
        ),
        ("minimum_age=50".into(), Box::new(|f: &Facts| f.minimum_age >= 50)),
        ("maximum_age=18".into(), Box::new(|f: &Facts| f.maximum_age <= 18)),
        ("day=TU".into(), Box::new(session(Some("TU"), None, None))),
        ("day=saturday".into(), Box::new(session(Some("SA"), None, None))),
        ("start_time=13:00".into(), Box::new(session(None, Some("13:00"), None))),
        ("end_time=12:00".into(), Box::new(session(None, None, Some("12:00")))),
        (
            format!("organization_id={organization}"),
            Box::new(move |f: &Facts| f.organization_id == org),
        ),
        (
            format!("taxonomy_term_id={strength}&day=WE"),
            Box::new({
                let has = has(strength.clone());
                let on = session(Some("WE"), None, None);
                move |f: &Facts| has(f) && on(f)
            }),
        ),
        (
            format!("taxonomy_id={activities_id}&day=MO&start_time=09:00&end_time=13:00"),
            Box::new({
                let within = in_taxonomy(activities_id.clone());
                let on = session(Some("MO"), Some("09:00"), Some("13:00"));
                move |f: &Facts| within(f) && on(f)
            }),
        ),
        (
            format!("taxonomy_term_id={strength}&taxonomy_id={activities_id}&minimum_age=50"),
            Box::new({
                let has = has(strength.clone());
                let within = in_taxonomy(activities_id.clone());
                move |f: &Facts| has(f) && within(f) && f.minimum_age >= 50
            }),
        ),
    ];
    for (query, keep) in &cases {
        let expected: BTreeSet<String> = all.iter().filter(|f| keep(f)).map(|f| f.id.clone()).collect();
        let found = api.service_ids(query).await;
        assert_eq!(found, expected, "{query}");
    }
    let narrowing: Vec<usize> = {
        let mut sizes = Vec::new();
        for (query, _) in cases.iter().take(11) {
            sizes.push(api.service_ids(query).await.len());
        }
        sizes
    };
    assert!(
        narrowing.iter().filter(|n| **n > 0).count() >= 8,
        "most single filters find services: {narrowing:?}"
    );
    assert!(
        narrowing.iter().filter(|n| **n < all.len()).count() >= 9,
        "most single filters narrow: {narrowing:?}"
    );

    // modified_after: on or after, to the stored precision.
    let newest = all.iter().map(|f| f.last_modified).max().expect("services");
    let at_newest = api
        .service_ids(&format!("modified_after={}", urlencode(&newest.to_rfc3339())))
        .await;
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|f| f.last_modified >= newest)
        .map(|f| f.id.clone())
        .collect();
    assert_eq!(at_newest, expected);
    let after_newest = newest + chrono::Duration::microseconds(1);
    assert!(api
        .service_ids(&format!("modified_after={}", urlencode(&after_newest.to_rfc3339())))
        .await
        .is_empty());
}

fn urlencode(raw: &str) -> String {
    raw.replace('+', "%2B").replace(':', "%3A")
}

/// Every service id GraphQL's `search(kinds: [SERVICE], ...)` finds.
async fn graphql_ids(test: &TestDirectory, args: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after = String::new();
    loop {
        let data = test
            .data(&format!(
                "{{ search(kinds: [SERVICE], first: 100{after}, {args}) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }}"
            ))
            .await;
        let search = &data["search"];
        for edge in search["edges"].as_array().expect("edges") {
            ids.insert(edge["node"]["id"].as_str().expect("id").to_string());
        }
        if search["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = format!(", after: {}", search["pageInfo"]["endCursor"]);
    }
}

#[tokio::test]
async fn graphql_search_and_oruk_services_agree_for_the_same_filters() {
    let api = spawn().await;
    let postcode = api
        .test
        .directory
        .store()
        .postcode(&indexer::domain::Postcode::parse("NR2 4AB").expect("postcode"))
        .await
        .expect("read")
        .map(|_| "NR2 4AB")
        .unwrap_or("NR1 1AA");
    let strength = need_term_id(indexer::domain::NeedCode::parse("strength-and-balance").expect("need"));
    let befriending = need_term_id(indexer::domain::NeedCode::parse("befriending").expect("need"));
    let cases = [
        ("search=tai%20chi".to_string(), r#"text: "tai chi""#.to_string()),
        ("search=lunch".to_string(), r#"text: "lunch""#.to_string()),
        (
            format!("taxonomy_term_id={strength}"),
            r#"needs: ["strength-and-balance"]"#.to_string(),
        ),
        (
            format!("taxonomy_term_id={befriending}&day=TH"),
            r#"needs: ["befriending"], days: [THURSDAY]"#.to_string(),
        ),
        (
            "day=WE&start_time=10:00&end_time=15:00".to_string(),
            r#"days: [WEDNESDAY], timeFrom: "10:00", timeTo: "15:00""#.to_string(),
        ),
        (
            format!("postcode={}&proximity=8000", postcode.replace(' ', "%20")),
            format!(r#"near: {{ postcode: "{postcode}", radiusKm: 8 }}"#),
        ),
        (
            format!(
                "search=exercise&postcode={}&proximity=20000",
                postcode.replace(' ', "%20")
            ),
            format!(r#"text: "exercise", near: {{ postcode: "{postcode}", radiusKm: 20 }}"#),
        ),
    ];
    let mut found_any = 0;
    for (oruk, graphql) in &cases {
        let from_oruk = api.service_ids(oruk).await;
        let from_graphql = graphql_ids(&api.test, graphql).await;
        assert_eq!(from_oruk, from_graphql, "{oruk} vs {graphql}");
        found_any += usize::from(!from_oruk.is_empty());
    }
    assert!(found_any >= 5, "most cases find services");
    // A postcode outside the directory names the same parameter on both: GraphQL says
    // NOT_FOUND as its `postcode` query does; the REST list answers 400 (the path exists, a
    // parameter is unusable).
    let (code, field) = api
        .test
        .error(r#"{ search(near: { postcode: "SW1A 1AA" }) { totalCount } }"#)
        .await;
    assert_eq!((code.as_str(), field.as_deref()), ("NOT_FOUND", Some("near.postcode")));
    let (status, body) = api.get("/oruk/services?postcode=SW1A%201AA").await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["field"]),
        (400, &Value::from("postcode"))
    );
}

#[tokio::test]
async fn modified_after_finds_an_edit_and_not_what_came_before_it() {
    let api = spawn().await;
    let directory = &api.test.directory;
    let moderator = api.test.principal(Role::Moderator, "moderator", None).await;
    let anonymous = indexer::accounts::Viewer::anonymous();
    let listed: Vec<String> = api.service_ids("").await.into_iter().collect();
    // A date before every listing (a mirror's first sync) finds every listing, and counts them.
    let since_long_ago = api.service_ids("modified_after=2000-01-01T00%3A00%3A00Z").await;
    assert_eq!(since_long_ago.into_iter().collect::<Vec<_>>(), listed);
    let first = api
        .ok("/oruk/services?modified_after=2000-01-01T00%3A00%3A00Z&per_page=1")
        .await;
    assert_eq!(first["total_items"], listed.len());
    let edited: Uuid = listed[listed.len() / 2].parse().expect("id");
    let before = Utc::now();
    let version = directory.service(&anonymous, edited).await.expect("public").version;
    directory
        .update_service(
            &moderator,
            edited,
            version,
            &ServiceInput {
                description: Some("Edited to test modified_after.".into()),
                ..ServiceInput::default()
            },
        )
        .await
        .expect("edit");
    api.catch_up().await;
    let service = api.ok(&format!("/oruk/services/{edited}")).await;
    let last_modified = service["last_modified"].as_str().expect("last_modified");
    let since_edit = api
        .service_ids(&format!("modified_after={}", urlencode(last_modified)))
        .await;
    assert_eq!(since_edit, BTreeSet::from([edited.to_string()]));
    let since_before = api
        .service_ids(&format!("modified_after={}", urlencode(&before.to_rfc3339())))
        .await;
    assert_eq!(since_before, BTreeSet::from([edited.to_string()]));
}

#[tokio::test]
async fn service_at_locations_near_a_postcode_page_through_every_link_of_the_services_found() {
    let api = spawn().await;
    let near = "postcode=NR2%204AB&proximity=3000";
    // The services found, nearest first, as `/services` ranks them.
    let ranked: Vec<String> = api
        .all(&format!("/oruk/services?{near}"))
        .await
        .iter()
        .map(id_of)
        .collect();
    let services: BTreeSet<String> = ranked.iter().cloned().collect();
    assert!(services.len() > 3, "services near Norwich: {}", services.len());
    // Every link of those services, from their full documents: service by service in that
    // order, each one's links in id order.
    let mut expected = Vec::new();
    for id in &ranked {
        let service = api.ok(&format!("/oruk/services/{id}")).await;
        let mut links: Vec<String> = service["service_at_locations"]
            .as_array()
            .expect("links")
            .iter()
            .map(|link| link["id"].as_str().expect("link id").to_string())
            .collect();
        links.sort();
        expected.extend(links);
    }
    assert!(expected.len() > services.len(), "some services have several venues");
    // Small pages, so pages start and end inside a service's links: every link once, in that
    // order, and every page giving the same total.
    let mut listed = Vec::new();
    for page in 1.. {
        let body = api
            .ok(&format!("/oruk/service_at_locations?{near}&per_page=3&page={page}"))
            .await;
        assert_eq!(body["total_items"], expected.len(), "page {page}");
        for link in body["contents"].as_array().expect("contents") {
            assert!(services.contains(link["service_id"].as_str().expect("service")));
            listed.push(link["id"].as_str().expect("id").to_string());
        }
        if body["last_page"] == true {
            break;
        }
    }
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn the_organizations_total_follows_a_new_organisation() {
    let api = spawn().await;
    let directory = &api.test.directory;
    let listed = api.all("/oruk/organizations").await;
    let first = api.ok("/oruk/organizations?per_page=1").await;
    assert_eq!(first["total_items"], listed.len());
    // Asked again at the same change-log position: the same (kept) count.
    assert_eq!(
        api.ok("/oruk/organizations?per_page=1").await["total_items"],
        listed.len()
    );
    let moderator = api.test.principal(Role::Moderator, "moderator", None).await;
    let (created, _) = directory
        .create_organization(
            &moderator,
            &indexer::editing::input::OrganizationInput {
                name: Some("Totals Test Group (example)".into()),
                description: Some("An example group made by a test.".into()),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    let after = api.ok("/oruk/organizations?per_page=1").await;
    assert_eq!(after["total_items"], listed.len() + 1);
    let everyone = api.all("/oruk/organizations").await;
    assert!(everyone.iter().any(|o| o["id"] == created.id.to_string()));
}

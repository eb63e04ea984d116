//! Custom Places (groups of wards or LSOAs) in place lookups, gap reports, search, signposting
//! and the gap map, defined through the admin mutation and the engine.

use indexer::accounts::Role;
use indexer::areas::custom::parse_members;
use indexer::store::db;
use serde_json::Value;

use super::*;

const CORBY_EXAMPLE: &str = "examples/areas/corby_wards_example.csv";

fn corby_members() -> Vec<String> {
    let text = std::fs::read_to_string(workspace_root().join(CORBY_EXAMPLE)).expect("example file");
    parse_members(&text, "file")
        .expect("codes")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn quoted(codes: &[String]) -> String {
    codes.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", ")
}

#[tokio::test]
async fn a_place_of_wards_has_their_lsoas_population_and_works_in_gaps_search_and_signposting() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE]).await;
    let admin = test.principal(Role::Admin, "Ada Admin", None).await;
    let members = corby_members();
    assert_eq!(members.len(), 5);
    let define = format!(
        r#"mutation {{ definePlace(name: "Corby (example)", members: [{}]) {{
            place {{ code name level parent {{ code }} population {{ total age65Plus }}
                     children(level: LSOA) {{ code population {{ total age65Plus }} }} }}
            members lsoaCount replaced }} }}"#,
        quoted(&members)
    );
    let defined = test.data_as(&admin, &define).await["definePlace"].clone();
    let place = &defined["place"];
    assert_eq!(place["code"], "P00000001");
    assert_eq!(place["level"], "CUSTOM");
    assert!(place["parent"].is_null());
    assert_eq!(defined["replaced"], false);
    let lsoas = place["children"].as_array().expect("LSOAs");
    assert_eq!(defined["lsoaCount"].as_u64(), Some(lsoas.len() as u64));
    assert!(
        lsoas.len() >= 20,
        "Corby's five wards hold dozens of LSOAs, got {}",
        lsoas.len()
    );
    let sum = |key: &str| {
        lsoas
            .iter()
            .map(|l| l["population"][key].as_i64().expect("count"))
            .sum::<i64>()
    };
    assert_eq!(place["population"]["total"].as_i64(), Some(sum("total")));
    assert_eq!(place["population"]["age65Plus"].as_i64(), Some(sum("age65Plus")));

    // Each LSOA's postcodes lie mostly in the member wards (Code-Point's own ward codes).
    let ward_of_lsoa: Vec<(String, String)> =
        db::query_as("SELECT lsoa_code, ward_code FROM postcodes WHERE district_code = ?")
            .bind(NORTH_NORTHAMPTONSHIRE)
            .fetch_all(test.directory.store().pool())
            .await
            .expect("postcodes");
    let lsoa_codes: Vec<&str> = lsoas.iter().map(|l| l["code"].as_str().expect("code")).collect();
    let in_lsoas: Vec<&(String, String)> = ward_of_lsoa
        .iter()
        .filter(|(l, _)| lsoa_codes.contains(&l.as_str()))
        .collect();
    let in_members = in_lsoas.iter().filter(|(_, w)| members.contains(w)).count();
    assert!(
        in_members * 100 >= in_lsoas.len() * 95,
        "{in_members} of {} postcodes",
        in_lsoas.len()
    );

    // A gap report over its LSOAs, like any Place.
    let gaps = test
        .data(r#"{ gaps(place: "P00000001", need: "strength-and-balance", maxDistanceKm: 5) { targetPopulation coveragePercent areas { place { code } } } }"#)
        .await;
    assert_eq!(gaps["gaps"]["targetPopulation"].as_i64(), Some(sum("age65Plus")));
    assert_eq!(gaps["gaps"]["areas"].as_array().map(Vec::len), Some(lsoas.len()));
    assert_eq!(
        gaps["gaps"]["coveragePercent"].as_f64(),
        Some(0.0),
        "no listings in Corby"
    );

    // Search and the services list accept it as a place filter.
    let search = test
        .data(r#"{ search(place: "P00000001", first: 5) { totalCount } }"#)
        .await;
    assert_eq!(search["search"]["totalCount"], 0);
    let services = test.data(r#"{ services(place: "P00000001") { totalCount } }"#).await;
    assert_eq!(services["services"]["totalCount"], 0);

    // A point inside it is in it (placesAt), and signposting from a postcode there works.
    let record: (String, f64, f64) =
        db::query_as("SELECT postcode, latitude, longitude FROM postcodes WHERE lsoa_code = ? LIMIT 1")
            .bind(lsoa_codes[0])
            .fetch_one(test.directory.store().pool())
            .await
            .expect("a postcode");
    let at = test
        .data(&format!(
            "{{ placesAt(lat: {}, lng: {}) {{ code level }} }}",
            record.1, record.2
        ))
        .await;
    let codes = crate::support::strings(&at["placesAt"], "code");
    assert!(codes.contains(&"P00000001".to_string()), "{codes:?}");
    let signpost = test
        .data(&format!(r#"{{ signpost(input: {{ postcode: "{}", age: 74, needs: ["strength-and-balance"] }}) {{ place {{ code }} }} }}"#, record.0))
        .await;
    assert_eq!(signpost["signpost"]["place"]["code"], NORTH_NORTHAMPTONSHIRE);

    // Defining the same name again replaces it and keeps its code.
    let again = test.data_as(&admin, &define).await["definePlace"].clone();
    assert_eq!(again["place"]["code"], "P00000001");
    assert_eq!(again["replaced"], true);
    let places = test.data("{ places(level: CUSTOM) { code name } }").await;
    assert_eq!(places["places"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_place_of_lsoas_sums_exactly_its_members() {
    let test = with_areas(&[BATH]).await;
    let truth = truth(BATH);
    let lsoas: Vec<String> = truth["population"]["lsoa"]
        .as_object()
        .expect("lsoas")
        .keys()
        .take(7)
        .cloned()
        .collect();
    let members: Vec<indexer::domain::PlaceCode> = lsoas.iter().map(|c| code(c)).collect();
    let defined = test
        .directory
        .define_place("Bath seven LSOAs (example)", &members, "name", "members")
        .await
        .expect("defined");
    let expected: i64 = lsoas
        .iter()
        .map(|c| truth["population"]["lsoa"][c]["total"].as_i64().expect("n"))
        .sum();
    assert_eq!(defined.place.population.map(|p| p.total()), Some(expected));
    assert_eq!(defined.lsoas, 7);
    let places = test.directory.places();
    let mut children: Vec<String> = places
        .children(&defined.place.code)
        .into_iter()
        .filter(|p| p.level == indexer::domain::PlaceLevel::Lsoa)
        .map(|p| p.code.to_string())
        .collect();
    children.sort();
    let mut expected_children = lsoas.clone();
    expected_children.sort();
    assert_eq!(children, expected_children, "its LSOA children are its members");
}

#[tokio::test]
async fn defining_a_place_needs_an_admin_known_members_of_one_level_and_a_name() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE]).await;
    let admin = test.principal(Role::Admin, "Ada Admin", None).await;
    let editor_org = None;
    let moderator = test.principal(Role::Moderator, "Mo Moderator", editor_org).await;
    let mutation = |name: &str, members: &str| {
        format!(r#"mutation {{ definePlace(name: "{name}", members: [{members}]) {{ place {{ code }} }} }}"#)
    };
    let good = mutation("Corby (example)", r#""E05016206""#);
    let (code_, _) = test.error(&good).await;
    assert_eq!(code_, "FORBIDDEN");
    let (code_, _) = test.error_as(&moderator, &good).await;
    assert_eq!(code_, "FORBIDDEN");
    for (name, members, field) in [
        ("Corby", r#""E05099999""#, "members"),
        ("Corby", r#""E05016206", "E01026949""#, "members"),
        ("Corby", r#""E06000061""#, "members"),
        ("Corby", r#""not a code""#, "members"),
        ("Corby", "", "members"),
        ("  ", r#""E05016206""#, "name"),
    ] {
        let (code_, found) = test.error_as(&admin, &mutation(name, members)).await;
        assert_eq!(
            (code_.as_str(), found.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{name} {members}"
        );
    }
    let places: Value = test.data("{ places(level: CUSTOM) { code } }").await;
    assert_eq!(
        places["places"].as_array().map(Vec::len),
        Some(0),
        "nothing was defined"
    );
}

#[tokio::test]
async fn the_gap_map_draws_a_loaded_district_and_a_custom_place() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE]).await;
    let members: Vec<indexer::domain::PlaceCode> = corby_members().iter().map(|c| code(c)).collect();
    test.directory
        .define_place("Corby (example)", &members, "name", "members")
        .await
        .expect("defined");
    let base = test.serve().await;
    let client = reqwest::Client::new();
    for (place, title) in [
        (
            NORTH_NORTHAMPTONSHIRE,
            "Strength and balance: gaps in North Northamptonshire",
        ),
        ("P00000001", "Strength and balance: gaps in Corby (example)"),
    ] {
        let response = client
            .get(format!(
                "{base}/maps/gaps.svg?place={place}&need=strength-and-balance&maxDistanceKm=5"
            ))
            .send()
            .await
            .expect("map");
        assert_eq!(response.status(), 200, "{place}");
        let svg = response.text().await.expect("svg");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(title), "{place}: no title {title:?}");
        assert!(svg.matches("<path").count() > 20, "{place}: one path per LSOA");
    }
}

/// Ids of a GraphQL list of `{ node { ... on Service { id } } }` or `{ node { id } }` edges.
fn edge_ids(edges: &Value) -> std::collections::BTreeSet<String> {
    edges
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|edge| edge["node"]["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_custom_place_of_norfolk_wards_finds_the_listings_with_venues_inside_it() {
    let test = crate::support::seeded().await;
    let pool = test.directory.store().pool();
    // The two Norfolk wards with the most public venues of the example listings.
    let wards: Vec<String> = db::query_scalar(
        "SELECT ward_code FROM public_locations WHERE ward_code IS NOT NULL
         GROUP BY ward_code ORDER BY COUNT(*) DESC, ward_code LIMIT 2",
    )
    .fetch_all(pool)
    .await
    .expect("wards");
    let members: Vec<indexer::domain::PlaceCode> = wards.iter().map(|c| code(c)).collect();
    let defined = test
        .directory
        .define_place("Two Norfolk wards (example)", &members, "name", "members")
        .await
        .expect("defined");
    let place = defined.place.code.to_string();

    // Independently, from the tables: public services with a public venue in a member ward.
    let with_venue_inside: std::collections::BTreeSet<String> = db::query_scalar(&format!(
        "SELECT DISTINCT s.id FROM public_services s
         JOIN service_at_location sal ON sal.service_id = s.id
         JOIN public_locations l ON l.id = sal.location_id
         WHERE l.ward_code IN ({})",
        wards.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
    ))
    .fetch_all(pool)
    .await
    .expect("services")
    .into_iter()
    .collect();
    assert!(
        with_venue_inside.len() >= 3,
        "the seed has listings there: {with_venue_inside:?}"
    );

    // `services(place:)` lists every one of them.
    let services = test
        .data(&format!(
            r#"{{ services(place: "{place}", first: 100) {{ totalCount pageInfo {{ hasNextPage }} edges {{ node {{ id }} }} }} }}"#
        ))
        .await;
    assert_eq!(services["services"]["pageInfo"]["hasNextPage"], false);
    let listed = edge_ids(&services["services"]["edges"]);
    let missing: Vec<&String> = with_venue_inside.difference(&listed).collect();
    assert!(missing.is_empty(), "services(place:) misses venues inside: {missing:?}");

    // `search(place:)` finds the same services with a venue inside.
    let search = test
        .data(&format!(
            r#"{{ search(place: "{place}", kinds: [SERVICE], first: 100) {{ totalCount edges {{ node {{ ... on Service {{ id }} }} }} }} }}"#
        ))
        .await;
    let found = edge_ids(&search["search"]["edges"]);
    let missing: Vec<&String> = with_venue_inside.difference(&found).collect();
    assert!(missing.is_empty(), "search(place:) misses venues inside: {missing:?}");
    assert_eq!(found, listed, "search and the services list agree on the custom Place");

    // A gap report for each of their needs (stale listings counted, so that every venue with
    // the need is an asset) marks exactly the venues inside the Place as in it.
    let needs: Vec<(String, String)> = db::query_as(&format!(
        "SELECT DISTINCT service_id, need_code FROM service_needs WHERE service_id IN ({})",
        with_venue_inside
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .fetch_all(pool)
    .await
    .expect("needs");
    let mut inside_found = std::collections::BTreeSet::new();
    for need in needs
        .iter()
        .map(|(_, need)| need)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let gaps = test
            .data(&format!(
                r#"{{ gaps(place: "{place}", need: "{need}", maxDistanceKm: 5, includeStale: true) {{ assets {{ serviceId inPlace }} }} }}"#
            ))
            .await;
        for asset in gaps["gaps"]["assets"].as_array().expect("assets") {
            let id = asset["serviceId"].as_str().expect("id").to_string();
            if asset["inPlace"] == true {
                assert!(
                    with_venue_inside.contains(&id),
                    "{id} is marked in the Place for {need}"
                );
                inside_found.insert(id);
            }
        }
    }
    assert!(
        !inside_found.is_empty(),
        "the gap reports count venues inside the Place"
    );
}

//! Every ORUK response validates against the compiled schemas: the validator's first checks,
//! every endpoint over the seed, edge cases made through editing, and broken documents refused.

use super::*;
use indexer::store::db;

/// What the ORUK validator checks first (Level 1): `/` names the version and an OpenAPI file
/// that can be read, `/services` is a page of services, and `/services/{id}` of the first
/// answers the nested service.
#[tokio::test]
async fn the_root_names_hsds_uk_3_and_an_openapi_file_that_is_served() {
    let api = spawn().await;
    for root in ["/oruk", "/oruk/"] {
        let info = api.ok(root).await;
        assert_eq!(info["version"], "HSDS-UK-3.0", "{root}");
        assert!(info["profile"].as_str().is_some_and(|p| p.starts_with("https://")));
        let openapi_url = info["openapi_url"].as_str().expect("openapi_url");
        assert_eq!(openapi_url, format!("{}/oruk/openapi.json", api.base));
    }
    let openapi = api.ok("/oruk/openapi.json").await;
    assert!(openapi["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert!(openapi["paths"]["/services"].is_object());
    let first = api.ok("/oruk/services").await;
    assert_envelope(&first, 1, 50);
    let id = id_of(&first["contents"][0]);
    let service = api.ok(&format!("/oruk/services/{id}")).await;
    assert_eq!(id_of(&service), id);
}

#[tokio::test]
async fn every_endpoint_validates_against_the_compiled_schemas_over_the_seed() {
    let api = spawn().await;
    let schemas = schemas();

    let services = api.all("/oruk/services").await;
    assert!(services.len() > 20, "the seed lists services: {}", services.len());
    for item in &services {
        assert_valid(&schemas.service_list, item, "a /services item");
    }
    let mut seen = (0, 0, 0, 0, 0);
    for item in &services {
        let id = id_of(item);
        let service = api.ok(&format!("/oruk/services/{id}")).await;
        assert_valid(&schemas.service, &service, &format!("/services/{id}"));
        assert_eq!(service["last_modified"], item["last_modified"]);
        seen.0 += service["service_at_locations"].as_array().map_or(0, Vec::len);
        seen.1 += service["schedules"].as_array().map_or(0, Vec::len);
        seen.2 += service["attributes"].as_array().map_or(0, Vec::len);
        seen.3 += service["service_areas"].as_array().map_or(0, Vec::len);
        seen.4 +=
            service["contacts"].as_array().map_or(0, Vec::len) + service["languages"].as_array().map_or(0, Vec::len);
        // Every id in the document is unique within it.
        let mut ids = Vec::new();
        collect_ids(&service, &mut ids);
        let unique: BTreeSet<&String> = ids.iter().collect();
        let organization_ids = 1 + service["attributes"].as_array().map_or(0, Vec::len);
        assert!(unique.len() + organization_ids >= ids.len(), "ids repeat in {id}");
    }
    assert!(
        seen.0 > 0 && seen.1 > 0 && seen.2 > 0 && seen.3 > 0 && seen.4 > 0,
        "the seed exercises every part: {seen:?}"
    );

    let links = api.all("/oruk/service_at_locations").await;
    assert!(!links.is_empty());
    for link in &links {
        assert_valid(&schemas.service_at_location_list, link, "a /service_at_locations item");
    }
    for link in links.iter().take(15) {
        let id = id_of(link);
        let full = api.ok(&format!("/oruk/service_at_locations/{id}")).await;
        assert_valid(
            &schemas.service_at_location,
            &full,
            &format!("/service_at_locations/{id}"),
        );
        assert_eq!(full["service"]["id"], link["service_id"]);
        assert_eq!(full["location"]["id"], link["location_id"]);
    }

    let organizations = api.all("/oruk/organizations").await;
    assert!(!organizations.is_empty());
    for organization in &organizations {
        assert_valid(&schemas.organization_list, organization, "an /organizations item");
    }
    for organization in organizations.iter().take(10) {
        let id = id_of(organization);
        let full = api.ok(&format!("/oruk/organizations/{id}")).await;
        assert_valid(&schemas.organization, &full, &format!("/organizations/{id}"));
    }

    let taxonomies = api.all("/oruk/taxonomies").await;
    assert_eq!(taxonomies.len(), 2);
    for taxonomy in &taxonomies {
        assert_valid(&schemas.taxonomy, taxonomy, "a /taxonomies item");
        let full = api.ok(&format!("/oruk/taxonomies/{}", id_of(taxonomy))).await;
        assert_valid(&schemas.taxonomy, &full, "a taxonomy");
    }
    let terms = api.all("/oruk/taxonomy_terms").await;
    assert_eq!(terms.len(), indexer::domain::TAXONOMY.len() + 768);
    for term in &terms {
        assert_valid(&schemas.taxonomy_term, term, "a /taxonomy_terms item");
    }
    let otago = api
        .ok("/oruk/taxonomy_terms/72871f24-fdcd-4a88-9400-9cb08b911e70")
        .await;
    assert_valid(&schemas.taxonomy_term, &otago, "otago");
    assert_eq!(
        otago["term_uri"],
        "https://openactive.io/activity-list#72871f24-fdcd-4a88-9400-9cb08b911e70"
    );
    let needs_id = vocabularies().needs.id;
    let needs = api.all(&format!("/oruk/taxonomy_terms?taxonomy_id={needs_id}")).await;
    assert_eq!(needs.len(), indexer::domain::TAXONOMY.len());
    assert!(needs.iter().all(|term| term["taxonomy_id"] == needs_id.to_string()));
}

fn collect_ids(value: &Value, ids: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            if let Some(Value::String(id)) = fields.get("id") {
                ids.push(id.clone());
            }
            for (key, field) in fields {
                // A term's id is shared by every service it describes.
                if key != "taxonomy_term" {
                    collect_ids(field, ids);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_ids(item, ids)),
        _ => {}
    }
}

#[tokio::test]
async fn edge_cases_made_through_editing_validate_and_carry_their_details() {
    let api = spawn().await;
    let directory = &api.test.directory;
    let moderator = api.test.principal(Role::Moderator, "moderator", None).await;
    let organization = an_organization(&api).await;
    let norwich = GeoPoint::new(52.6309, 1.2974).expect("a point");
    let district = directory
        .places_at(norwich)
        .into_iter()
        .find(|place| place.code.as_str().starts_with("E07"))
        .expect("norwich is in a district");

    // No venue, phone only, serving an area.
    let phone_only = directory
        .create_service(
            &moderator,
            organization,
            &ServiceInput {
                name: Some("Telephone befriending (edge case)".into()),
                description: Some("A weekly phone call from a volunteer.".into()),
                phone: Some("01632 960001".into()),
                delivery_modes: Some(vec![DeliveryMode::Phone]),
                free: Some(Some(true)),
                needs: Some(vec!["befriending".into()]),
                service_areas: Some(vec![(
                    district.code.as_str().to_string(),
                    Some("all of the district".into()),
                )]),
                ..ServiceInput::default()
            },
        )
        .await
        .expect("create the phone-only service")
        .id;
    // A venue with an address and features, a paid class with age limits, contacts,
    // languages, an activity, and a monthly schedule there.
    let venue = directory
        .create_location(
            &moderator,
            Some(organization),
            &LocationInput {
                name: Some("Edge Case Hall".into()),
                address_1: Some("1 Example Street".into()),
                city: Some("Norwich".into()),
                postcode: Some("NR2 4AB".into()),
                latitude: Some(52.6309),
                longitude: Some(1.2974),
                accessibility: Some(vec![AccessibilityFeature::StepFree, AccessibilityFeature::HearingLoop]),
            },
        )
        .await
        .expect("create the venue")
        .id;
    let paid = directory
        .create_service(
            &moderator,
            organization,
            &ServiceInput {
                name: Some("Paid tai chi for adults (edge case)".into()),
                description: Some("Tai chi, paid by the session.".into()),
                url: Some("https://example.org/tai-chi".into()),
                email: Some("tai-chi@example.org".into()),
                minimum_age: Some(Some(18)),
                maximum_age: Some(Some(64)),
                free: Some(Some(false)),
                cost_options: Some(vec![CostOption {
                    option: "Per session".into(),
                    amount: Some(3.5),
                    currency: "GBP".into(),
                    amount_description: Some("pay on the door".into()),
                }]),
                contacts: Some(vec![Contact {
                    name: Some("Ann Example".into()),
                    title: Some("Instructor".into()),
                    email: Some("ann@example.org".into()),
                    phone: Some("01632 960002".into()),
                }]),
                languages: Some(vec!["English".into(), "Polish".into()]),
                needs: Some(vec!["strength-and-balance".into()]),
                location_ids: Some(vec![venue]),
                ..ServiceInput::default()
            },
        )
        .await
        .expect("create the paid service")
        .id;
    db::query("UPDATE services SET activity_concepts = ? WHERE id = ?")
        .bind(
            serde_json::to_string(&[ActivityRef {
                id: "c16df6ed-a4a0-4275-a8c3-1c8cff56856f".into(),
                pref_label: "Tai Chi".into(),
            }])
            .expect("json"),
        )
        .bind(paid.to_string())
        .execute(directory.store().pool())
        .await
        .expect("give it an activity");
    directory
        .create_schedule(
            &moderator,
            paid,
            &ScheduleInput {
                location_id: Some(Some(venue)),
                freq: Some(Frequency::Monthly),
                interval: Some(1),
                byday: Some("1TU".into()),
                opens_at: Some("10:00".into()),
                closes_at: Some("11:30".into()),
                valid_from: Some(NaiveDate::from_ymd_opt(2026, 1, 1)),
                valid_to: Some(None),
                description: Some("first Tuesday of the month".into()),
                ..ScheduleInput::default()
            },
        )
        .await
        .expect("create the monthly schedule");
    api.catch_up().await;

    let schemas = schemas();
    let phone = api.ok(&format!("/oruk/services/{phone_only}")).await;
    assert_valid(&schemas.service, &phone, "the phone-only service");
    assert_eq!(phone["service_at_locations"], serde_json::json!([]));
    assert_eq!(phone["phones"][0]["number"], "01632 960001");
    assert_eq!(phone["fees"], "Free");
    assert_eq!(phone["service_areas"][0]["service_area"], "all of the district");
    assert!(
        phone.get("minimum_age").is_none() && phone.get("url").is_none(),
        "absent fields are left out"
    );

    let service = api.ok(&format!("/oruk/services/{paid}")).await;
    assert_valid(&schemas.service, &service, "the paid service");
    assert_eq!(service["minimum_age"], 18);
    assert_eq!(service["maximum_age"], 64);
    assert_eq!(service["cost_options"][0]["amount"], 3.5);
    assert_eq!(service["cost_options"][0]["currency"], "GBP");
    assert!(service.get("fees").is_none());
    assert_eq!(service["contacts"][0]["phones"][0]["number"], "01632 960002");
    assert_eq!(service["languages"][1]["code"], "pl");
    let schedule = &service["schedules"][0];
    assert_eq!(schedule["freq"], "MONTHLY");
    assert_eq!(schedule["byday"], "1TU");
    assert_eq!(schedule["opens_at"], "10:00:00");
    assert_eq!(
        schedule["service_at_location_id"],
        service["service_at_locations"][0]["id"]
    );
    let location = &service["service_at_locations"][0]["location"];
    assert_eq!(location["addresses"][0]["postal_code"], "NR2 4AB");
    assert_eq!(location["addresses"][0]["country"], "GB");
    assert_eq!(location["accessibility"].as_array().map(Vec::len), Some(2));
    let terms: Vec<&Value> = service["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|attribute| &attribute["taxonomy_term"])
        .collect();
    assert!(terms.iter().any(|term| term["term"] == "strength-and-balance"));
    assert!(terms
        .iter()
        .any(|term| term["term_uri"] == "https://openactive.io/activity-list#c16df6ed-a4a0-4275-a8c3-1c8cff56856f"));
    // The same ids on every read: derived, not random.
    assert_eq!(api.ok(&format!("/oruk/services/{paid}")).await, service);

    // The filters find them.
    let adults = api.service_ids("minimum_age=18&maximum_age=64").await;
    assert!(adults.contains(&paid.to_string()));
    let tai_chi = api
        .service_ids("taxonomy_term_id=c16df6ed-a4a0-4275-a8c3-1c8cff56856f&day=TU&start_time=10:00&end_time=11:30")
        .await;
    assert!(tai_chi.contains(&paid.to_string()));
    let later = api
        .service_ids("taxonomy_term_id=c16df6ed-a4a0-4275-a8c3-1c8cff56856f&start_time=10:01")
        .await;
    assert!(!later.contains(&paid.to_string()));
    let of_organization = api.service_ids(&format!("organization_id={organization}")).await;
    assert!(of_organization.contains(&paid.to_string()) && of_organization.contains(&phone_only.to_string()));
    let links = api
        .all(&format!("/oruk/service_at_locations?organization_id={organization}"))
        .await;
    let link = links
        .iter()
        .find(|link| link["service_id"] == paid.to_string())
        .expect("the paid service's venue is listed");
    assert_valid(&schemas.service_at_location_list, link, "the new link");

    // Batch rendering: the order asked, hidden or unknown ids left out.
    let unknown = Uuid::new_v4();
    let batch = directory
        .oruk_services(&[paid, unknown, phone_only])
        .await
        .expect("batch");
    assert_eq!(
        batch.iter().map(|s| s.fields.id).collect::<Vec<_>>(),
        vec![paid, phone_only]
    );
    let line: Value = serde_json::from_str(&batch[0].to_json_line()).expect("one JSON line");
    assert_eq!(line, service);
}

/// A way to break a document.
type Breaker = Box<dyn Fn(&mut Value)>;

/// The schema checks above can fail: a document broken in each way they guard is refused.
#[tokio::test]
async fn the_schema_checks_refuse_broken_documents() {
    let api = spawn().await;
    let first = api.ok("/oruk/services?per_page=1").await;
    let service = api
        .ok(&format!("/oruk/services/{}", id_of(&first["contents"][0])))
        .await;
    let service_schema = &schemas().service;
    assert!(service_schema.is_valid(&service));
    let broken: [(&str, Breaker); 5] = [
        (
            "no name",
            Box::new(|doc| drop(doc.as_object_mut().map(|o| o.remove("name")))),
        ),
        ("an id that is not a UUID", Box::new(|doc| doc["id"] = "42".into())),
        (
            "an email that is not one",
            Box::new(|doc| doc["email"] = "not an email".into()),
        ),
        ("an unknown status", Box::new(|doc| doc["status"] = "open".into())),
        ("a null", Box::new(|doc| doc["description"] = Value::Null)),
    ];
    for (what, break_it) in &broken {
        let mut doc = service.clone();
        break_it(&mut doc);
        let refused =
            !service_schema.is_valid(&doc) || std::panic::catch_unwind(|| assert_no_nulls(&doc, "doc")).is_err();
        assert!(refused, "{what} passes");
    }
}

/// The schema a `$ref` of the served `openapi.json` names, from the profile's files copied in
/// `tests/fixtures/oruk3/` (`#/components/...` from the OpenAPI file itself), every reference
/// inside it resolved the same way.
fn resolved(schema: &Value, openapi: &Value) -> Value {
    match schema {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let target = match reference.strip_prefix("#/") {
                    Some(pointer) => openapi
                        .pointer(&format!("/{pointer}"))
                        .cloned()
                        .unwrap_or_else(|| panic!("{reference} is not in the OpenAPI file")),
                    None => {
                        let name = reference.rsplit('/').next().expect("file name");
                        let mut file = fixture(name);
                        // taxonomy.json names taxonomy_term.json by a relative path.
                        if name == "taxonomy.json" {
                            file["properties"]["taxonomy_terms"]["items"] = fixture("taxonomy_term.json");
                        }
                        file
                    }
                };
                return resolved(&target, openapi);
            }
            Value::Object(
                object
                    .iter()
                    .map(|(key, value)| (key.clone(), resolved(value, openapi)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| resolved(item, openapi)).collect()),
        other => other.clone(),
    }
}

/// What the ORUK validator does, walked here over the OpenAPI file the API serves: every path
/// it lists answers 200 over the seed (an `{id}` taken from the list beside it), and each body
/// validates against the schema the file gives that path, page envelopes included.
///
/// One exception, the profile's own: the file gives `/service_at_locations/{id}` the compiled
/// *service* schema although it describes (and the profile's example shows) a fully nested
/// service_at_location; that path is checked against `service_at_location.json`, and its
/// nested service against `service.json`.
#[tokio::test]
async fn every_path_of_the_served_openapi_file_answers_what_the_file_says() {
    let api = spawn().await;
    let openapi = api.ok("/oruk/openapi.json").await;
    let paths = openapi["paths"].as_object().expect("paths");
    assert!(paths.len() >= 9, "the profile's paths: {}", paths.len());
    let mut checked = 0;
    for (path, item) in paths {
        let (list, concrete) = match path.strip_suffix("/{id}") {
            Some(list) => {
                let first = api.ok(&format!("/oruk{list}")).await;
                let id = id_of(&first["contents"][0]);
                (false, format!("{list}/{id}"))
            }
            None => (true, path.clone()),
        };
        let body = api.ok(&format!("/oruk{}", concrete.trim_end_matches('/'))).await;
        let declared = &item["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(declared.is_object(), "{path}: a 200 schema");
        let schema = if path == "/service_at_locations/{id}" {
            assert_valid(&schemas().service, &body["service"], "the nested service");
            fixture("service_at_location.json")
        } else {
            resolved(declared, &openapi)
        };
        assert_valid(&validator(&schema), &body, &concrete);
        if list && path != "/" {
            assert!(
                body["contents"].as_array().is_some_and(|c| !c.is_empty()),
                "{path}: items"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, paths.len());
}

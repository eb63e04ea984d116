//! The Open Referral UK 3.0 API over HTTP (`/oruk`): every response validated against the UK
//! profile's compiled JSON Schemas (`tests/fixtures/oruk3/`), over the seed and over edge cases
//! made through the editing API; filters checked against a brute-force oracle over the full
//! documents and against GraphQL's `search`; hidden listings; paging; bad input.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use indexer::accounts::Role;
use indexer::domain::{AccessibilityFeature, ActivityRef, Contact, CostOption, DeliveryMode, Frequency, GeoPoint};
use indexer::editing::input::{LocationInput, ScheduleInput, ServiceInput};
use indexer::publish::oruk::taxonomies::{need_term_id, vocabularies};
use indexer::publish::oruk::{MAX_PER_PAGE, MAX_RESULT_WINDOW};
use serde_json::Value;
use uuid::Uuid;

use crate::support::{seeded, workspace_root, TestDirectory};

/// A server on a loopback port over a private seeded directory.
struct Oruk {
    base: String,
    client: reqwest::Client,
    test: TestDirectory,
}

async fn spawn() -> Oruk {
    let test = seeded().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let state = api::AppState::new(test.directory.clone());
    tokio::spawn(api::serve(listener, state, std::future::pending()));
    Oruk {
        base: format!("http://{address}"),
        client: reqwest::Client::new(),
        test,
    }
}

impl Oruk {
    /// Status and JSON body of a GET.
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON ({status}): {text}"));
        (status, body)
    }

    /// The body of a GET that must answer 200.
    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// Every item of a paged list, page by page (each envelope checked).
    async fn all(&self, path: &str) -> Vec<Value> {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        for page in 1.. {
            let body = self
                .ok(&format!("{path}{joiner}per_page={MAX_PER_PAGE}&page={page}"))
                .await;
            assert_envelope(&body, page, MAX_PER_PAGE);
            let contents = body["contents"].as_array().expect("contents").clone();
            let last = body["last_page"] == true;
            items.extend(contents);
            if last {
                break;
            }
        }
        items
    }

    /// The ids of every service `/services` lists for a query.
    async fn service_ids(&self, query: &str) -> BTreeSet<String> {
        let path = if query.is_empty() {
            "/oruk/services".to_string()
        } else {
            format!("/oruk/services?{query}")
        };
        let items = self.all(&path).await;
        let ids: BTreeSet<String> = items.iter().map(id_of).collect();
        assert_eq!(ids.len(), items.len(), "{query}: a service listed twice");
        ids
    }

    /// Brings the search index up to date with the store (after edits).
    async fn catch_up(&self) {
        let directory = &self.test.directory;
        indexer::search::sync::catch_up(directory.store(), &directory.places(), directory.search_index())
            .await
            .expect("index catches up");
    }
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_string()
}

/// The page envelope's arithmetic.
fn assert_envelope(body: &Value, page: usize, per_page: usize) {
    let total = body["total_items"].as_u64().expect("total_items") as usize;
    let size = body["size"].as_u64().expect("size") as usize;
    let contents = body["contents"].as_array().expect("contents");
    assert_eq!(size, contents.len(), "size is the page's length");
    assert_eq!(body["page_number"].as_u64(), Some(page as u64));
    assert_eq!(body["total_pages"].as_u64(), Some(total.div_ceil(per_page) as u64));
    assert_eq!(body["first_page"], page == 1);
    assert_eq!(body["last_page"], page >= total.div_ceil(per_page));
    assert_eq!(body["empty"], total == 0);
    assert_eq!(size, total.saturating_sub((page - 1) * per_page).min(per_page));
}

/// The compiled schemas, each compiled once.
struct Schemas {
    service: jsonschema::Validator,
    service_list: jsonschema::Validator,
    service_at_location: jsonschema::Validator,
    service_at_location_list: jsonschema::Validator,
    organization: jsonschema::Validator,
    organization_list: jsonschema::Validator,
    taxonomy: jsonschema::Validator,
    taxonomy_term: jsonschema::Validator,
}

fn fixture(name: &str) -> Value {
    let path = workspace_root().join("tests/fixtures/oruk3").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture is JSON")
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("schema compiles")
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let term = fixture("taxonomy_term.json");
        // taxonomy.json refers to taxonomy_term.json by relative path: inline it.
        let mut taxonomy = fixture("taxonomy.json");
        taxonomy["properties"]["taxonomy_terms"]["items"] = term.clone();
        Schemas {
            service: validator(&fixture("service.json")),
            service_list: validator(&fixture("service_list.json")),
            service_at_location: validator(&fixture("service_at_location.json")),
            service_at_location_list: validator(&fixture("service_at_location_list.json")),
            organization: validator(&fixture("organization.json")),
            organization_list: validator(&fixture("organization_list.json")),
            taxonomy: validator(&taxonomy),
            taxonomy_term: validator(&term),
        }
    })
}

/// Valid against the schema, and with no `null` anywhere (the schemas never allow one).
fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} is not valid: {errors:#?}\n{instance}");
    assert_no_nulls(instance, what);
}

fn assert_no_nulls(value: &Value, at: &str) {
    match value {
        Value::Null => panic!("{at} is null"),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, item)| assert_no_nulls(item, &format!("{at}[{i}]"))),
        Value::Object(fields) => fields
            .iter()
            .for_each(|(key, field)| assert_no_nulls(field, &format!("{at}.{key}"))),
        _ => {}
    }
}

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

/// A seeded organisation's id and a point in Norwich with the places around it.
async fn an_organization(api: &Oruk) -> Uuid {
    let first = api.ok("/oruk/organizations?per_page=1").await;
    id_of(&first["contents"][0]).parse().expect("uuid")
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
                free: Some(true),
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
                free: Some(false),
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
    sqlx::query("UPDATE services SET activity_concepts = ? WHERE id = ?")
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
    // A postcode outside the directory is the same bad input on both.
    let (code, field) = api
        .test
        .error(r#"{ search(near: { postcode: "SW1A 1AA" }) { totalCount } }"#)
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("near.postcode"))
    );
    let (status, body) = api.get("/oruk/services?postcode=SW1A%201AA").await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["field"]),
        (400, &Value::from("postcode"))
    );
}

#[tokio::test]
async fn pending_rejected_and_archived_listings_never_appear() {
    let api = spawn().await;
    let directory = &api.test.directory;
    let moderator = api.test.principal(Role::Moderator, "moderator", None).await;
    let anonymous = indexer::accounts::Viewer::anonymous();
    let listed: Vec<String> = api.service_ids("").await.into_iter().collect();
    let (archived, rejected) = (
        listed[0].parse::<Uuid>().expect("id"),
        listed[1].parse::<Uuid>().expect("id"),
    );
    let version = directory.service(&anonymous, archived).await.expect("public").version;
    directory.archive(&moderator, archived, version).await.expect("archive");
    directory
        .reject(&moderator, rejected, "not a real service")
        .await
        .expect("reject");
    let organization = an_organization(&api).await;
    let editor = api.test.principal(Role::Editor, "editor", Some(organization)).await;
    let pending = directory
        .create_service(
            &editor,
            organization,
            &ServiceInput {
                name: Some("Awaiting review (edge case)".into()),
                description: Some("Not yet approved.".into()),
                needs: Some(vec!["befriending".into()]),
                ..ServiceInput::default()
            },
        )
        .await
        .expect("an editor's new service waits for review")
        .id;
    api.catch_up().await;

    let hidden = [archived, rejected, pending].map(|id| id.to_string());
    let now_listed = api.service_ids("").await;
    let by_organization = api.service_ids(&format!("organization_id={organization}")).await;
    let links = api.all("/oruk/service_at_locations").await;
    let full_organization = api.ok(&format!("/oruk/organizations/{organization}")).await;
    for id in &hidden {
        let (status, body) = api.get(&format!("/oruk/services/{id}")).await;
        assert_eq!(status, 404, "{id}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
        assert!(!now_listed.contains(id) && !by_organization.contains(id));
        assert!(links.iter().all(|link| link["service_id"] != id.as_str()));
        assert!(full_organization["services"]
            .as_array()
            .expect("services")
            .iter()
            .all(|service| service["id"] != id.as_str()));
    }
    assert!(directory
        .oruk_services(&[archived, rejected, pending])
        .await
        .expect("batch")
        .is_empty());
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let batch = directory.store().public_service_ids_after(after, 7).await.expect("ids");
        let Some(last) = batch.last().copied() else { break };
        walked.extend(batch);
        after = Some(last);
    }
    assert!(walked.windows(2).all(|pair| pair[0] < pair[1]), "id order, no repeats");
    assert!(hidden.iter().all(|id| !walked.iter().any(|w| w.to_string() == *id)));
    assert!(walked.len() >= now_listed.len());
}

#[tokio::test]
async fn pages_are_numbered_from_one_and_the_envelope_adds_up() {
    let api = spawn().await;
    let total = api.ok("/oruk/services?per_page=1").await["total_items"]
        .as_u64()
        .expect("total") as usize;
    let per_page = 7;
    let pages = total.div_ceil(per_page);
    let mut seen = BTreeSet::new();
    for page in 1..=pages + 1 {
        let body = api.ok(&format!("/oruk/services?per_page={per_page}&page={page}")).await;
        assert_envelope(&body, page, per_page);
        for item in body["contents"].as_array().expect("contents") {
            assert!(seen.insert(id_of(item)), "a service on two pages");
        }
    }
    assert_eq!(seen.len(), total);
    let nothing = api.ok("/oruk/services?search=zzqxjv%20wkpqz").await;
    assert_envelope(&nothing, 1, 50);
    assert_eq!(nothing["empty"], true);
    let default = api.ok("/oruk/taxonomy_terms").await;
    assert_eq!(default["size"], 50);
    let deepest = MAX_RESULT_WINDOW / MAX_PER_PAGE;
    api.ok(&format!("/oruk/taxonomy_terms?per_page={MAX_PER_PAGE}&page={deepest}"))
        .await;
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter_and_unknown_ids_a_404() {
    let api = spawn().await;
    let unknown = Uuid::new_v4();
    for (path, parameter) in [
        ("/oruk/services?page=0", "page"),
        ("/oruk/services?page=%FF", "page"),
        ("/oruk/services?minimum_age=NaN", "minimum_age"),
        ("/oruk/services?start_time=10:00&end_time=09:00&day=Caturday", "day"),
        ("/oruk/services?page=two", "page"),
        ("/oruk/services?per_page=0", "per_page"),
        ("/oruk/services?per_page=501", "per_page"),
        ("/oruk/services?per_page=500&page=21", "page"),
        ("/oruk/services?taxonomy_term_id=not-a-uuid", "taxonomy_term_id"),
        (
            &format!("/oruk/services?taxonomy_term_id={unknown}"),
            "taxonomy_term_id",
        ),
        (&format!("/oruk/services?taxonomy_id={unknown}"), "taxonomy_id"),
        ("/oruk/services?minimum_age=-3", "minimum_age"),
        ("/oruk/services?maximum_age=lots", "maximum_age"),
        ("/oruk/services?start_time=9am", "start_time"),
        ("/oruk/services?end_time=24:30", "end_time"),
        ("/oruk/services?day=funday", "day"),
        ("/oruk/services?modified_after=last%20week", "modified_after"),
        ("/oruk/services?organization_id=42", "organization_id"),
        ("/oruk/services?postcode=XX", "postcode"),
        ("/oruk/services?postcode=SW1A%201AA", "postcode"),
        ("/oruk/services?proximity=1000", "proximity"),
        ("/oruk/services?postcode=NR2%204AB&proximity=-5", "proximity"),
        ("/oruk/service_at_locations?day=someday", "day"),
        ("/oruk/organizations?per_page=1000", "per_page"),
        ("/oruk/taxonomies?page=-1", "page"),
        ("/oruk/taxonomy_terms?taxonomy_id=nope", "taxonomy_id"),
        ("/oruk/services/not-a-uuid", "id"),
        ("/oruk/service_at_locations/123", "id"),
        ("/oruk/organizations/x", "id"),
        ("/oruk/taxonomies/x", "id"),
        ("/oruk/taxonomy_terms/x", "id"),
    ] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{path}");
        assert_eq!(body["errors"][0]["extensions"]["field"], parameter, "{path}: {body}");
        assert!(body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with(parameter)));
    }
    for kind in [
        "services",
        "service_at_locations",
        "organizations",
        "taxonomies",
        "taxonomy_terms",
    ] {
        let (status, body) = api.get(&format!("/oruk/{kind}/{unknown}")).await;
        assert_eq!(status, 404, "{kind}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    }
    let (status, body) = api.get("/oruk/no_such_endpoint").await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["code"]),
        (404, &Value::from("NOT_FOUND"))
    );
}

#[tokio::test]
async fn browsers_may_call_the_oruk_api_from_any_origin() {
    let api = spawn().await;
    let preflight = api
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/oruk/services", api.base))
        .header("Origin", "https://partner.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("*")
    );
    let response = api
        .client
        .get(format!("{}/oruk/taxonomies", api.base))
        .header("Origin", "https://partner.example")
        .send()
        .await
        .expect("get");
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("*")
    );
}

#[tokio::test]
async fn modified_after_finds_an_edit_and_not_what_came_before_it() {
    let api = spawn().await;
    let directory = &api.test.directory;
    let moderator = api.test.principal(Role::Moderator, "moderator", None).await;
    let anonymous = indexer::accounts::Viewer::anonymous();
    let listed: Vec<String> = api.service_ids("").await.into_iter().collect();
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

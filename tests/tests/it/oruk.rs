//! The Open Referral UK 3.0 API over HTTP (`/oruk`): every response validated against the UK
//! profile's compiled JSON Schemas (`tests/fixtures/oruk3/`), over the seed and over edge cases
//! made through the editing API; filters checked against a brute-force oracle over the full
//! documents and against GraphQL's `search`; hidden listings; paging; bad input.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use indexer::accounts::Role;
use indexer::domain::{AccessibilityFeature, ActivityRef, Contact, CostOption, DeliveryMode, Frequency, GeoPoint};
use indexer::editing::input::{LocationInput, ScheduleInput, ServiceInput};
use indexer::publish::oruk::taxonomies::vocabularies;
use indexer::publish::oruk::{MAX_PER_PAGE, MAX_RESULT_WINDOW};
use serde_json::Value;
use uuid::Uuid;

use crate::support::{seeded, workspace_root, TestDirectory};

mod documents;
mod filters;
mod requests;

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
pub(crate) struct Schemas {
    pub(crate) service: jsonschema::Validator,
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

pub(crate) fn schemas() -> &'static Schemas {
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
pub(crate) fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
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

/// A seeded organisation's id.
async fn an_organization(api: &Oruk) -> Uuid {
    let first = api.ok("/oruk/organizations?per_page=1").await;
    id_of(&first["contents"][0]).parse().expect("uuid")
}

//! The change sync (`/feeds/oruk-services`): a platform mirroring the directory reads every
//! public service once as its full ORUK document, then sees edits and removals by polling the
//! last `next` URL, without reading everything again.

use std::collections::HashMap;

use indexer::accounts::Role;
use indexer::editing::input::ServiceInput;
use indexer::publish::rpde::PageRequest;
use serde_json::Value;
use uuid::Uuid;

use crate::support::seeded;
use crate::support::spawn_app;

const BASE: &str = "https://directory.example";

/// Follows the feed from `request` to its last page; returns the items and the last `next`.
async fn walk(directory: &indexer::Directory, mut request: PageRequest) -> (Vec<Value>, PageRequest) {
    let mut items = Vec::new();
    loop {
        let page = directory.oruk_service_changes(BASE, &request).await.expect("page");
        let page = serde_json::to_value(&page).expect("json");
        let found = page["items"].as_array().expect("items").clone();
        let Some(last) = found.last() else {
            return (items, request);
        };
        request =
            PageRequest::parse(Some(&last["modified"].to_string()), last["id"].as_str(), Some("40")).expect("cursor");
        items.extend(found);
    }
}

fn first_page() -> PageRequest {
    PageRequest::parse(None, None, Some("40")).expect("request")
}

fn id_of(item: &Value) -> Uuid {
    Uuid::parse_str(item["id"].as_str().expect("id")).expect("uuid")
}

#[tokio::test]
async fn a_first_sync_holds_every_public_service_as_its_oruk_document() {
    let test = seeded().await;
    let (items, _) = walk(&test.directory, first_page()).await;
    let public: Vec<Uuid> = test
        .directory
        .store()
        .public_service_ids_after(None, 100_000)
        .await
        .expect("ids");
    assert!(public.len() > 100, "the seed has {} public services", public.len());
    let updated: HashMap<Uuid, &Value> = items
        .iter()
        .filter(|item| item["state"] == "updated")
        .map(|item| (id_of(item), item))
        .collect();
    assert_eq!(updated.len(), public.len(), "each public service once");
    for id in &public {
        let item = updated[id];
        assert_eq!(item["kind"], "OrukService");
        let document = serde_json::to_value(test.directory.oruk_service(*id).await.expect("service")).expect("json");
        assert_eq!(item["data"], document, "the feed carries /services/{id}'s document");
    }
    // The seed's services were never edited: nothing is a tombstone yet.
    assert!(items.iter().all(|item| item["state"] == "updated"));
}

#[tokio::test]
async fn polling_after_a_first_sync_brings_exactly_the_edits_and_removals() {
    let test = seeded().await;
    let moderator = test.principal(Role::Moderator, "moderator", None).await;
    let (before, caught_up) = walk(&test.directory, first_page()).await;
    let store = test.directory.store();
    let edited = id_of(&before[3]);
    let archived = id_of(&before[10]);
    let rejected = id_of(&before[20]);

    let service = store.service(edited).await.expect("read").expect("service");
    let input = ServiceInput {
        name: Some("Renamed for the change sync test (example)".into()),
        ..ServiceInput::default()
    };
    test.directory
        .update_service(&moderator, edited, service.version, &input)
        .await
        .expect("update");
    let version = store.service(archived).await.expect("read").expect("service").version;
    test.directory
        .archive(&moderator, archived, version)
        .await
        .expect("archive");
    test.directory
        .reject(&moderator, rejected, "not a real service")
        .await
        .expect("reject");

    let (changes, _) = walk(&test.directory, caught_up).await;
    let by_id: HashMap<Uuid, &Value> = changes.iter().map(|item| (id_of(item), item)).collect();
    assert_eq!(by_id.len(), 3, "only what changed: {changes:#?}");
    assert_eq!(by_id[&edited]["state"], "updated");
    assert_eq!(
        by_id[&edited]["data"]["name"],
        "Renamed for the change sync test (example)"
    );
    for removed in [archived, rejected] {
        assert_eq!(by_id[&removed]["state"], "deleted");
        assert!(by_id[&removed].get("data").is_none(), "a tombstone carries no data");
    }
    assert!(
        changes
            .windows(2)
            .all(|pair| pair[0]["modified"].as_i64() < pair[1]["modified"].as_i64()),
        "changes come in change-log order"
    );
}

#[tokio::test]
async fn a_pending_service_never_appears_with_data() {
    let test = seeded().await;
    let (before, caught_up) = walk(&test.directory, first_page()).await;
    let service = test
        .directory
        .store()
        .service(id_of(&before[0]))
        .await
        .expect("read")
        .expect("service");
    // An editor of an untrusted organisation: new services wait for moderation.
    let editor = test
        .principal(Role::Editor, "editor", Some(service.organization_id))
        .await;
    let created = test
        .data_as(
            &editor,
            &format!(
                r#"mutation {{ createService(organizationId: "{}", input: {{ name: "Pending class (example)",
                   description: "Waits for a moderator.", needs: ["social-connection"] }}) {{ id publication }} }}"#,
                service.organization_id
            ),
        )
        .await;
    assert_eq!(created["createService"]["publication"], "PENDING_REVIEW");
    let id = created["createService"]["id"].as_str().expect("id").to_string();
    let (changes, _) = walk(&test.directory, caught_up).await;
    assert!(
        changes
            .iter()
            .all(|item| item["id"] != id.as_str() || item["state"] == "deleted"),
        "{changes:#?}"
    );
}

#[tokio::test]
async fn the_feed_over_http_pages_and_names_bad_parameters() {
    let (base, _data_dir) = spawn_app().await;
    let client = reqwest::Client::new();
    let page: Value = client
        .get(format!("{base}/feeds/oruk-services?limit=5"))
        .send()
        .await
        .expect("page")
        .json()
        .await
        .expect("json");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 5);
    let last = &items[4];
    assert_eq!(
        page["next"],
        format!(
            "{base}/feeds/oruk-services?afterTimestamp={}&afterId={}&limit=5",
            last["modified"],
            last["id"].as_str().expect("id")
        )
    );
    for (query, field) in [
        (
            "afterTimestamp=soon&afterId=00000000-0000-0000-0000-000000000000",
            "afterTimestamp",
        ),
        ("afterTimestamp=1", "afterId"),
        ("limit=0", "limit"),
    ] {
        let response = client
            .get(format!("{base}/feeds/oruk-services?{query}"))
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
}

//! RPDE 1.0 rules over HTTP and the engine: (modified, id) ordering across pages, no item lost
//! or repeated while edits happen between page reads, tombstones without data, the last-page
//! rule, and 400s naming the bad paging parameter.

use indexer::store::db;
use std::collections::{HashMap, HashSet};

use indexer::accounts::Role;
use indexer::editing::input::ServiceInput;
use serde_json::Value;
use uuid::Uuid;

use crate::openactive::{walk_series, BASE};
use crate::support::{seeded, spawn_app};

fn cursor(item: &Value) -> (i64, String) {
    (
        item["modified"].as_i64().expect("integer modified"),
        item["id"].as_str().expect("id").to_string(),
    )
}

#[tokio::test]
async fn feeds_are_ordered_by_modified_then_id_across_every_page_and_end_on_an_empty_page_pointing_at_itself() {
    let (base, _data_dir) = spawn_app().await;
    let client = reqwest::Client::new();
    for feed in ["/openactive/session-series", "/openactive/scheduled-sessions"] {
        let mut url = format!("{base}{feed}?limit=17");
        let mut seen: Vec<(i64, String)> = Vec::new();
        let mut pages = 0;
        loop {
            let response = client.get(&url).send().await.expect("page");
            assert_eq!(response.status(), 200, "{url}");
            assert_eq!(response.headers()["content-type"], "application/json");
            let page: Value = response.json().await.expect("json");
            assert_eq!(page["license"], "https://creativecommons.org/licenses/by/4.0/");
            let next = page["next"].as_str().expect("next").to_string();
            assert!(next.starts_with(&base), "next is absolute: {next}");
            let items = page["items"].as_array().expect("items");
            pages += 1;
            if items.is_empty() {
                assert_eq!(next, url, "the last page's next is its own URL");
                break;
            }
            assert!(items.len() <= 17);
            let last = cursor(items.last().expect("last"));
            assert_eq!(
                next,
                format!("{base}{feed}?afterTimestamp={}&afterId={}&limit=17", last.0, last.1)
            );
            seen.extend(items.iter().map(cursor));
            url = next;
        }
        assert!(pages > 3, "{feed}: {pages} pages");
        assert!(
            seen.windows(2).all(|pair| pair[0] < pair[1]),
            "{feed}: items strictly ascending by (modified, id)"
        );
    }
    // An empty feed's first page points at itself with no parameters: the engine's rule.
    let empty = client
        .get(format!(
            "{base}/openactive/session-series?afterTimestamp=9223372036854775807&afterId={}",
            Uuid::max()
        ))
        .send()
        .await
        .expect("page");
    let page: Value = empty.json().await.expect("json");
    assert_eq!(page["items"], serde_json::json!([]));
    assert_eq!(
        page["next"],
        format!(
            "{base}/openactive/session-series?afterTimestamp=9223372036854775807&afterId={}",
            Uuid::max()
        )
    );
}

#[tokio::test]
async fn walking_the_feed_while_services_change_loses_nothing_and_repeats_nothing() {
    let test = seeded().await;
    let viewer = test.principal(Role::Moderator, "walker", None).await;
    let store = test.directory.store();
    let everything = walk_series(&test.directory, 500).await;
    let ids: Vec<Uuid> = everything
        .iter()
        .filter(|item| item["state"] == "updated")
        .map(|item| Uuid::parse_str(item["id"].as_str().expect("id")).expect("uuid"))
        .collect();

    // A consumer walks in pages of 10; after each page an editor changes services, some it has
    // read and some it has not, and archives one now and then.
    let mut consumer: HashMap<String, Value> = HashMap::new();
    let mut served: HashSet<(String, i64)> = HashSet::new();
    let mut request = indexer::publish::rpde::PageRequest::parse(None, None, Some("10")).expect("request");
    let mut step = 0usize;
    loop {
        let page = test.directory.session_series_page(BASE, &request).await.expect("page");
        let page = serde_json::to_value(&page).expect("json");
        let items = page["items"].as_array().expect("items").clone();
        for item in &items {
            let key = (
                item["id"].as_str().expect("id").to_string(),
                item["modified"].as_i64().expect("m"),
            );
            assert!(served.insert(key.clone()), "{key:?} served twice");
            consumer.insert(key.0, item.clone());
        }
        let editing = step < ids.len() / 2;
        if items.is_empty() && !editing {
            break;
        }
        for offset in [0, ids.len() / 2].into_iter().filter(|_| editing) {
            let id = ids[(step * 7 + offset) % ids.len()];
            let Some(service) = store.service(id).await.expect("read") else {
                continue;
            };
            if service.state.archived_at.is_some() {
                continue;
            }
            if step % 5 == 4 {
                test.directory
                    .archive(&viewer, id, service.version)
                    .await
                    .expect("archive");
            } else {
                let input = ServiceInput {
                    description: Some(format!("{} Updated during the walk, step {step}.", service.description)),
                    ..ServiceInput::default()
                };
                test.directory
                    .update_service(&viewer, id, service.version, &input)
                    .await
                    .expect("update");
            }
        }
        step += 1;
        if let Some(last) = items.last() {
            request = indexer::publish::rpde::PageRequest::parse(
                Some(&last["modified"].to_string()),
                last["id"].as_str(),
                Some("10"),
            )
            .expect("cursor");
        }
    }
    // What the consumer holds is exactly the feed as it stands now.
    let now: HashMap<String, Value> = walk_series(&test.directory, 500)
        .await
        .into_iter()
        .map(|item| (item["id"].as_str().expect("id").to_string(), item))
        .collect();
    assert_eq!(consumer.len(), now.len(), "no item lost");
    for (id, item) in &now {
        assert_eq!(consumer.get(id), Some(item), "the consumer's copy of {id} is current");
    }
    let archived = now.values().filter(|item| item["state"] == "deleted").count();
    assert!(archived > everything.iter().filter(|i| i["state"] == "deleted").count());
}

#[tokio::test]
async fn archived_rejected_and_hidden_services_come_back_as_deleted_items_without_data() {
    let test = seeded().await;
    let viewer = test.principal(Role::Moderator, "moderator", None).await;
    let before = walk_series(&test.directory, 500).await;
    let newest = before
        .iter()
        .map(|item| item["modified"].as_i64().expect("m"))
        .max()
        .expect("some");
    let live: Vec<&Value> = before.iter().filter(|item| item["state"] == "updated").collect();
    let archived = Uuid::parse_str(live[0]["id"].as_str().expect("id")).expect("uuid");
    let rejected = Uuid::parse_str(live[1]["id"].as_str().expect("id")).expect("uuid");
    let store = test.directory.store();
    let version = store.service(archived).await.expect("read").expect("service").version;
    test.directory
        .archive(&viewer, archived, version)
        .await
        .expect("archive");
    test.directory
        .reject(&viewer, rejected, "not a real class")
        .await
        .expect("reject");
    // Hiding an organisation removes all its services.
    let hidden = store
        .service(Uuid::parse_str(live[2]["id"].as_str().expect("id")).expect("uuid"))
        .await
        .expect("read")
        .expect("service");
    let organization = store
        .organization(hidden.organization_id)
        .await
        .expect("read")
        .expect("organisation");
    test.directory
        .archive(&viewer, organization.id, organization.version)
        .await
        .expect("archive organisation");
    let organisation_services: Vec<String> = store
        .services_of_organization(organization.id, true)
        .await
        .expect("services")
        .iter()
        .map(|service| service.id.to_string())
        .collect();

    let after = walk_series(&test.directory, 500).await;
    let changed: HashMap<String, &Value> = after
        .iter()
        .filter(|item| item["modified"].as_i64().expect("m") > newest)
        .map(|item| (item["id"].as_str().expect("id").to_string(), item))
        .collect();
    let mut expected: HashSet<String> = organisation_services.into_iter().collect();
    expected.insert(archived.to_string());
    expected.insert(rejected.to_string());
    assert_eq!(changed.keys().cloned().collect::<HashSet<_>>(), expected);
    for item in changed.values() {
        assert_eq!(item["state"], "deleted");
        assert!(item.get("data").is_none(), "a deleted item carries no data: {item}");
        assert_eq!(item["kind"], "SessionSeries");
    }
    // Restoring brings the archived one back, later still.
    let version = store.service(archived).await.expect("read").expect("service").version;
    test.directory
        .restore(&viewer, archived, version)
        .await
        .expect("restore");
    let restored = walk_series(&test.directory, 500).await;
    let item = restored.last().expect("last");
    assert_eq!(item["id"], archived.to_string());
    assert_eq!(item["state"], "updated");
}

#[tokio::test]
async fn bad_paging_parameters_answer_400_naming_the_parameter() {
    let (base, _data_dir) = spawn_app().await;
    let client = reqwest::Client::new();
    let id = Uuid::nil();
    let cases = [
        (format!("afterTimestamp=abc&afterId={id}"), "afterTimestamp"),
        ("afterTimestamp=1&afterId=not-a-uuid".to_string(), "afterId"),
        ("afterTimestamp=1".to_string(), "afterId"),
        (format!("afterId={id}"), "afterTimestamp"),
        ("limit=0".to_string(), "limit"),
        ("limit=501".to_string(), "limit"),
        ("limit=ten".to_string(), "limit"),
        (
            "afterTimestamp=99999999999999999999999&afterId=x".to_string(),
            "afterTimestamp",
        ),
    ];
    for feed in ["/openactive/session-series", "/openactive/scheduled-sessions"] {
        for (query, parameter) in &cases {
            let response = client
                .get(format!("{base}{feed}?{query}"))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 400, "{feed}?{query}");
            let body: Value = response.json().await.expect("json error body");
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{feed}?{query}");
            assert_eq!(error["extensions"]["field"], *parameter, "{feed}?{query}");
            assert!(error["message"].as_str().is_some_and(|m| m.contains(parameter)));
        }
    }
}

#[tokio::test]
async fn migration_0006_backfills_each_listing_from_its_newest_change() {
    let test = seeded().await;
    if test.on_postgres() {
        eprintln!("skipped on PostgreSQL: its schema never had a directory without feed positions");
        return;
    }
    let viewer = test.principal(Role::Moderator, "moderator", None).await;
    let store = test.directory.store();
    let items = walk_series(&test.directory, 500).await;
    let live: Vec<Uuid> = items
        .iter()
        .filter(|item| item["state"] == "updated")
        .map(|item| Uuid::parse_str(item["id"].as_str().expect("id")).expect("uuid"))
        .collect();
    for id in &live[..3] {
        let service = store.service(*id).await.expect("read").expect("service");
        let input = ServiceInput {
            name: Some(format!("{} (renamed)", service.name)),
            ..ServiceInput::default()
        };
        test.directory
            .update_service(&viewer, *id, service.version, &input)
            .await
            .expect("update");
    }
    let organization = store
        .service(live[5])
        .await
        .expect("read")
        .expect("service")
        .organization_id;
    let version = store
        .organization(organization)
        .await
        .expect("read")
        .expect("org")
        .version;
    test.directory
        .archive(&viewer, organization, version)
        .await
        .expect("archive");
    let positions =
        "SELECT json_group_array(json_array(id, feed_seq)) FROM (SELECT id, feed_seq FROM services ORDER BY id) AS ordered";
    let expected: String = db::query_scalar(positions)
        .fetch_one(store.pool())
        .await
        .expect("positions");
    assert!(expected.contains(&live[0].to_string()));

    // Undo migration 0006 as if the directory predated it, and open it again.
    for statement in [
        "DROP TABLE scheduled_sessions",
        "DROP INDEX services_by_feed_seq",
        "DROP INDEX organizations_by_feed_seq",
        "DROP INDEX funds_by_feed_seq",
        "ALTER TABLE services DROP COLUMN feed_seq",
        "ALTER TABLE organizations DROP COLUMN feed_seq",
        "ALTER TABLE funds DROP COLUMN feed_seq",
        "DELETE FROM _sqlx_migrations WHERE version = 6",
    ] {
        db::query(statement).execute(store.pool()).await.expect(statement);
    }
    test.directory.close().await;
    let reopened = indexer::Directory::open_with_options(test.data_dir.path(), test.options())
        .await
        .expect("reopen");
    let backfilled: String = db::query_scalar(positions)
        .fetch_one(reopened.store().pool())
        .await
        .expect("positions");
    assert_eq!(
        backfilled, expected,
        "each service's feed position is its newest change, or its organisation's"
    );
    reopened.close().await;
}

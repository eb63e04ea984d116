//! A service whose organisation has not said what it costs (issue 24, "small truths"): stored
//! as unknown, never shown or found as free, left out of ORUK's `cost_options` and OpenActive's
//! `isAccessibleForFree`; set to free and back to unknown through the editing API; and
//! migration 0014 keeping every existing service's value and the table's keys, indexes and view.

use indexer::store::db;
use std::path::Path;
use std::str::FromStr;

use indexer::accounts::{Role, Viewer};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use uuid::Uuid;

use crate::openactive::models::Models;
use crate::openactive::walk_series;
use crate::oruk::{assert_valid, schemas};
use crate::support::{seeded, workspace_root, TestDirectory};

const COST_NOT_KNOWN: &str = "Cost not known: ask the organiser";

/// A seeded directory served on loopback, so pages and ORUK documents are read over HTTP.
struct Served {
    base: String,
    test: TestDirectory,
    moderator: Viewer,
}

async fn serve() -> Served {
    let test = seeded().await;
    let base = test.serve().await;
    let moderator = test.principal(Role::Moderator, "moderator", None).await;
    Served { base, test, moderator }
}

impl Served {
    async fn mutate(&self, mutation: &str) -> Value {
        self.test.data_as(&self.moderator, mutation).await
    }

    async fn catch_up(&self) {
        let directory = &self.test.directory;
        indexer::search::sync::catch_up(directory.store(), &directory.places(), directory.search_index())
            .await
            .expect("index catches up");
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{}{path}", self.base)).await.expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// A new organisation, venue in Dereham and service with no cost information.
    async fn unpriced_service(&self) -> String {
        let org = self
            .mutate(r#"mutation { createOrganization(input: {name: "Unpriced group (test)", description: "A test group"}) { organization { id } } }"#)
            .await["createOrganization"]["organization"]["id"]
            .as_str()
            .expect("organisation id")
            .to_string();
        let location = self
            .mutate(&format!(
                r#"mutation {{ createLocation(organizationId: "{org}", input: {{name: "Quayside hall (test)", postcode: "NR19 1AA"}}) {{ id }} }}"#
            ))
            .await["createLocation"]["id"]
            .as_str()
            .expect("location id")
            .to_string();
        let created = self
            .mutate(&format!(
                r#"mutation {{ createService(organizationId: "{org}", input: {{name: "Quayside walking netball (test)", description: "Walking netball for beginners", needs: ["strength-and-balance"], locationIds: ["{location}"]}}) {{ id free costOptions {{ option }} }} }}"#
            ))
            .await;
        assert_eq!(created["createService"]["free"], Value::Null, "{created}");
        let id = created["createService"]["id"].as_str().expect("service id").to_string();
        self.mutate(&format!(
            r#"mutation {{ createSchedule(serviceId: "{id}", input: {{byday: "TU", opensAt: "10:00", closesAt: "11:00", locationId: "{location}"}}) {{ id }} }}"#
        ))
        .await;
        self.catch_up().await;
        id
    }

    async fn version(&self, id: &str) -> i64 {
        let data = self
            .test
            .data(&format!(r#"{{ service(id: "{id}") {{ version }} }}"#))
            .await;
        data["service"]["version"].as_i64().expect("version")
    }

    /// Updates `free` with the literal given (`true`, `null`) and returns the service's `free`.
    async fn set_free(&self, id: &str, literal: &str) -> Value {
        let version = self.version(id).await;
        let data = self
            .mutate(&format!(
                r#"mutation {{ updateService(id: "{id}", version: {version}, input: {{free: {literal}}}) {{ free }} }}"#
            ))
            .await;
        self.catch_up().await;
        data["updateService"]["free"].clone()
    }

    /// Whether a search near the venue finds the service, with or without `freeOnly`.
    async fn found(&self, id: &str, free_only: bool) -> bool {
        let data = self
            .test
            .data(&format!(
                r#"{{ search(text: "walking netball", near: {{postcode: "NR19 1AA", radiusKm: 5}}, kinds: [SERVICE], freeOnly: {free_only}, first: 50) {{ edges {{ node {{ id }} }} }} }}"#
            ))
            .await;
        data["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|edge| edge["node"]["id"] == id)
    }

    /// Whether the residents' search with "Free things" ticked (or not) lists the service.
    async fn page_lists(&self, free_only: bool) -> bool {
        let free = if free_only { "&free=yes" } else { "" };
        let (status, page) = self.get(&format!("/find?where=NR19+1AA&q=walking+netball{free}")).await;
        assert_eq!(status, 200, "{page}");
        page.contains("Quayside walking netball (test)")
    }

    async fn service_page(&self, id: &str) -> String {
        let (status, page) = self.get(&format!("/find/services/{id}")).await;
        assert_eq!(status, 200, "{page}");
        page
    }

    async fn oruk(&self, id: &str) -> Value {
        let (status, body) = self.get(&format!("/oruk/services/{id}")).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("ORUK JSON")
    }

    async fn session_series(&self, id: &str) -> Value {
        walk_series(&self.test.directory, 500)
            .await
            .into_iter()
            .find(|item| item["id"] == id)
            .map(|item| item["data"].clone())
            .expect("the service is in the SessionSeries feed")
    }
}

#[tokio::test]
async fn a_service_created_without_cost_is_unknown_not_free_everywhere() {
    let served = serve().await;
    let id = served.unpriced_service().await;

    // Residents read that the cost is not known, not "Free".
    let page = served.service_page(&id).await;
    assert!(page.contains(COST_NOT_KNOWN), "{page}");
    assert!(!page.contains("<dd>Free</dd>"), "{page}");
    // Found by search, but not when only free things are wanted.
    assert!(served.found(&id, false).await);
    assert!(!served.found(&id, true).await, "an unknown cost is not free");
    assert!(served.page_lists(false).await);
    assert!(
        !served.page_lists(true).await,
        "the free-only page lists an unknown cost"
    );

    // ORUK leaves cost out rather than claim "no costs" or "Free", and stays valid.
    let document = served.oruk(&id).await;
    assert!(document.get("cost_options").is_none(), "{document}");
    assert!(document.get("fees").is_none(), "{document}");
    assert_valid(&schemas().service, &document, "the unpriced service");

    // Signposting's reasons say so too, and never "free".
    let data = served
        .test
        .data(
            r#"{ signpost(input: {needs: ["strength-and-balance"], postcode: "NR19 1AA", maxDistanceKm: 1, optionsPerNeed: 10}) { needs { options { cost service { id } } } } }"#,
        )
        .await;
    let costs: Vec<&str> = data["signpost"]["needs"][0]["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter(|option| option["service"]["id"] == id.as_str())
        .map(|option| option["cost"].as_str().expect("cost"))
        .collect();
    assert_eq!(costs, [COST_NOT_KNOWN], "{data}");
}

#[tokio::test]
async fn cost_set_to_free_and_back_to_unknown() {
    let served = serve().await;
    let id = served.unpriced_service().await;

    assert_eq!(served.set_free(&id, "true").await, true);
    assert!(served.service_page(&id).await.contains("<dd>Free</dd>"));
    assert!(served.found(&id, true).await);
    let document = served.oruk(&id).await;
    assert_eq!(document["fees"], "Free");
    assert_eq!(document["cost_options"], serde_json::json!([]));

    // An update that leaves `free` out keeps it; an explicit null makes it unknown again.
    let version = served.version(&id).await;
    let renamed = served
        .mutate(&format!(
            r#"mutation {{ updateService(id: "{id}", version: {version}, input: {{description: "Walking netball, all welcome"}}) {{ free }} }}"#
        ))
        .await;
    assert_eq!(renamed["updateService"]["free"], true);
    assert_eq!(served.set_free(&id, "null").await, Value::Null);
    assert!(served.service_page(&id).await.contains(COST_NOT_KNOWN));
    assert!(!served.found(&id, true).await);
    assert!(served.oruk(&id).await.get("cost_options").is_none());
}

/// A new service offers no OpenActive activity (editors cannot give one), so the feed is
/// checked on a seeded opportunity made unknown, then free, then paid.
#[tokio::test]
async fn openactive_says_is_accessible_for_free_only_when_the_cost_is_known() {
    let served = serve().await;
    let id = walk_series(&served.test.directory, 500)
        .await
        .into_iter()
        .find(|item| item["data"].is_object())
        .and_then(|item| item["id"].as_str().map(str::to_string))
        .expect("a seeded SessionSeries");
    let validator = Models::load().validator("SessionSeries");

    assert_eq!(served.set_free(&id, "null").await, Value::Null);
    let series = served.session_series(&id).await;
    assert!(series.get("isAccessibleForFree").is_none(), "{series}");
    let errors: Vec<String> = validator.iter_errors(&series).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{series}");

    assert_eq!(served.set_free(&id, "true").await, true);
    assert_eq!(served.session_series(&id).await["isAccessibleForFree"], true);
    assert_eq!(served.set_free(&id, "false").await, false);
    assert_eq!(served.session_series(&id).await["isAccessibleForFree"], false);
}

/// Migrations 0001 to 0013 into a fresh database file, as an older release left it.
async fn database_before_0014(folder: &Path) -> std::path::PathBuf {
    let older = folder.join("migrations");
    std::fs::create_dir_all(&older).expect("folder");
    for entry in std::fs::read_dir(workspace_root().join("indexer/migrations")).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy().to_string();
        let version: u32 = name[..4].parse().expect("numbered");
        if version < 14 {
            std::fs::copy(&path, older.join(&name)).expect("copy");
        }
    }
    let database = folder.join("directory.sqlite");
    let options = SqliteConnectOptions::from_str("sqlite://")
        .expect("options")
        .filename(&database)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new().connect_with(options).await.expect("open");
    sqlx::migrate::Migrator::new(older.as_path())
        .await
        .expect("read migrations")
        .run(&pool)
        .await
        .expect("migrate to 0013");
    let now = "2026-01-01T00:00:00Z";
    db::query("INSERT INTO organizations (id, name, description, is_example, created_at, updated_at) VALUES ('00000000-0000-0000-0000-00000000000a', 'Group', 'A group', 0, ?1, ?1)")
        .bind(now)
        .execute(&pool)
        .await
        .expect("organisation");
    for (id, free, status) in [("1", 1, "active"), ("2", 0, "inactive")] {
        let id = format!("00000000-0000-0000-0000-00000000000{id}");
        db::query("INSERT INTO services (id, organization_id, name, description, status, free, is_example, created_at, updated_at) VALUES (?1, '00000000-0000-0000-0000-00000000000a', 'Class', 'A class', ?2, ?3, 0, ?4, ?4)")
            .bind(&id)
            .bind(status)
            .bind(free)
            .bind(now)
            .execute(&pool)
            .await
            .expect("service");
        db::query("INSERT INTO service_needs (service_id, need_code, position) VALUES (?1, 'strength-and-balance', 0)")
            .bind(&id)
            .execute(&pool)
            .await
            .expect("need");
        db::query("INSERT INTO schedules (id, service_id, freq, interval, byday, opens_at, closes_at) VALUES (?1, ?2, 'WEEKLY', 1, 'TU', '10:00', '11:00')")
            .bind(Uuid::new_v4().to_string())
            .bind(&id)
            .execute(&pool)
            .await
            .expect("schedule");
    }
    pool.close().await;
    database
}

/// The schema objects that belong to `services` (indexes, triggers) and every view, by name.
async fn schema_around_services(pool: &indexer::store::Pool) -> Vec<(String, String)> {
    db::query_as("SELECT type || ' ' || name, COALESCE(sql, '') FROM sqlite_master WHERE (tbl_name = 'services' AND type IN ('index', 'trigger')) OR type = 'view' ORDER BY name")
        .fetch_all(pool)
        .await
        .expect("schema")
}

#[tokio::test]
async fn migration_0014_keeps_every_services_cost_and_the_tables_keys_indexes_and_views() {
    let folder = tempfile::tempdir().expect("temp dir");
    let database = database_before_0014(folder.path()).await;
    let store = indexer::store::Store::open(&database).await.expect("open");
    let before = schema_around_services(store.pool()).await;
    assert!(
        before.iter().any(|(name, _)| name == "index services_not_active"),
        "{before:?}"
    );
    store.migrate().await.expect("migration 0014 applies");

    assert_eq!(
        schema_around_services(store.pool()).await,
        before,
        "indexes, triggers and views kept"
    );
    let problems = db::query_scalar::<String>("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(store.pool())
        .await
        .expect("check");
    assert!(problems.is_empty(), "foreign keys broken: {} rows", problems.len());
    let kept: Vec<(String, Option<i64>)> = db::query_as("SELECT id, free FROM public_services ORDER BY id")
        .fetch_all(store.pool())
        .await
        .expect("read the view");
    assert_eq!(
        kept.iter().map(|(_, free)| *free).collect::<Vec<_>>(),
        [Some(1), Some(0)],
        "existing values kept"
    );
    let columns = db::query_as::<(String, i64)>("SELECT name, \"notnull\" FROM pragma_table_info('services')")
        .fetch_all(store.pool())
        .await
        .expect("columns");
    let free = columns.iter().find(|(name, _)| name == "free").expect("a free column");
    assert_eq!(free.1, 0, "free is nullable");
    let service = store
        .service(Uuid::parse_str(&kept[0].0).expect("uuid"))
        .await
        .expect("read")
        .expect("service");
    assert_eq!((service.free, service.needs.len()), (Some(true), 1));
    let paid = store
        .service(Uuid::parse_str(&kept[1].0).expect("uuid"))
        .await
        .expect("read")
        .expect("service");
    assert_eq!(paid.free, Some(false));
    let not_active: i64 =
        db::query_scalar("SELECT COUNT(*) FROM services INDEXED BY services_not_active WHERE status <> 'active'")
            .fetch_one(store.pool())
            .await
            .expect("the partial index still answers");
    assert_eq!(not_active, 1);
    store.close().await;
}

//! Organisations editing their own listings: the authorisation matrix, moderation, freshness,
//! audit and restore, version conflicts, concurrent edits, sanitising and duplicates.

use indexer::store::db;
use std::time::{Duration, Instant};

use indexer::accounts::{Role, Viewer};
use serde_json::Value;
use uuid::Uuid;

use crate::support::{seeded, TestDirectory};

/// A district (Breckland) that holds the postcode NR19 1AA.
const BRECKLAND: &str = "E07000143";

/// Two organisations with an editor each, a moderator, and listings of the first organisation.
struct Fixture {
    test: TestDirectory,
    moderator: Viewer,
    own: Viewer,
    other: Viewer,
    anonymous: Viewer,
    org: String,
    service: String,
    location: String,
    schedule: String,
    fund: String,
}

fn id_at(data: &Value, path: &[&str]) -> String {
    let mut value = data;
    for key in path {
        value = &value[*key];
    }
    value
        .as_str()
        .unwrap_or_else(|| panic!("no id at {path:?} in {data:#}"))
        .to_string()
}

async fn create_organization(test: &TestDirectory, moderator: &Viewer, name: &str) -> String {
    let data = test
        .data_as(
            moderator,
            &format!(r#"mutation {{ createOrganization(input: {{name: "{name}", description: "A test group"}}) {{ organization {{ id }} }} }}"#),
        )
        .await;
    id_at(&data, &["createOrganization", "organization", "id"])
}

async fn fixture() -> Fixture {
    let test = seeded().await;
    let moderator = test.principal(Role::Moderator, "Mo Derator", None).await;
    let org = create_organization(&test, &moderator, "Mattishall Movers (test)").await;
    let other_org = create_organization(&test, &moderator, "Elsewhere Exercisers (test)").await;
    let own = test
        .principal(Role::Editor, "Jo Bloggs", Some(Uuid::parse_str(&org).expect("uuid")))
        .await;
    let other = test
        .principal(
            Role::Editor,
            "Sam Other",
            Some(Uuid::parse_str(&other_org).expect("uuid")),
        )
        .await;
    let location = id_at(
        &test
            .data_as(
                &moderator,
                &format!(r#"mutation {{ createLocation(organizationId: "{org}", input: {{name: "Village hall", postcode: "NR19 1AA"}}) {{ id }} }}"#),
            )
            .await,
        &["createLocation", "id"],
    );
    let service = id_at(
        &test
            .data_as(
                &moderator,
                &format!(
                    r#"mutation {{ createService(organizationId: "{org}", input: {{name: "Zumba gold for falls prevention", description: "Seated and standing strength and balance moves to music", needs: ["strength-and-balance"], locationIds: ["{location}"]}}) {{ id }} }}"#
                ),
            )
            .await,
        &["createService", "id"],
    );
    let schedule = id_at(
        &test
            .data_as(
                &moderator,
                &format!(r#"mutation {{ createSchedule(serviceId: "{service}", input: {{byday: "TU", opensAt: "10:00", closesAt: "11:00", locationId: "{location}"}}) {{ id }} }}"#),
            )
            .await,
        &["createSchedule", "id"],
    );
    let fund = id_at(
        &test
            .data_as(
                &moderator,
                &format!(r#"mutation {{ createFund(funderOrganizationId: "{org}", input: {{name: "Kit grant", description: "Up to £50 for exercise kit", needs: ["money-advice"], beneficiaryLocations: ["{BRECKLAND}"]}}) {{ id }} }}"#),
            )
            .await,
        &["createFund", "id"],
    );
    Fixture {
        test,
        moderator,
        own,
        other,
        anonymous: Viewer::anonymous(),
        org,
        service,
        location,
        schedule,
        fund,
    }
}

impl Fixture {
    async fn scalar(&self, sql: &str, id: &str) -> i64 {
        db::query_scalar(sql)
            .bind(id)
            .fetch_one(self.test.directory.store().pool())
            .await
            .expect("query")
    }

    async fn version(&self, table: &str, id: &str) -> i64 {
        self.scalar(&format!("SELECT version FROM {table} WHERE id = ?"), id)
            .await
    }

    /// Everything a change writes: audit entries and change-log rows.
    async fn writes(&self) -> (i64, i64) {
        let pool = self.test.directory.store().pool();
        let audit: i64 = db::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(pool)
            .await
            .expect("audit");
        let changes: i64 = db::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log")
            .fetch_one(pool)
            .await
            .expect("changes");
        (audit, changes)
    }

    /// A new service by the organisation's own (untrusted) editor: pending review.
    async fn pending_service(&self, name: &str) -> String {
        let data = self
            .test
            .data_as(
                &self.own,
                &format!(r#"mutation {{ createService(organizationId: "{}", input: {{name: "{name}", description: "Gentle exercise", needs: ["strength-and-balance"]}}) {{ id publication }} }}"#, self.org),
            )
            .await;
        assert_eq!(data["createService"]["publication"], "PENDING_REVIEW");
        id_at(&data, &["createService", "id"])
    }

    async fn searchable(&self, text: &str) -> bool {
        let data = self
            .test
            .data(&format!(
                r#"{{ search(text: "{text}", first: 50) {{ edges {{ node {{ name }} }} }} }}"#
            ))
            .await;
        data["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|edge| edge["node"]["name"].as_str().is_some_and(|name| name.contains(text)))
    }

    /// Waits (up to the 1 s promise plus slack) until search agrees.
    async fn eventually_searchable(&self, text: &str, expected: bool) {
        let started = Instant::now();
        while self.searchable(text).await != expected {
            assert!(
                started.elapsed() < Duration::from_millis(1_500),
                "search for {text:?} did not become {expected} within 1 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One row of the matrix: name, who may, the table and id whose version `{v}` stands for, and
/// the mutation.
type Case<'a> = (&'a str, Allowed, Option<(&'a str, &'a str)>, String);

/// Who may run a mutation.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Allowed {
    /// The organisation's own editors and moderators.
    Editors,
    /// Moderators only.
    Moderators,
}

#[tokio::test]
async fn every_mutation_is_authorised_per_principal_and_a_refusal_changes_nothing() {
    let f = fixture().await;
    let pending = f.pending_service("Pending stretch class").await;
    let pending_too = f.pending_service("Another pending class").await;
    let (org, service, location, schedule, fund) = (&f.org, &f.service, &f.location, &f.schedule, &f.fund);
    let cases: Vec<Case> = vec![
        ("updateOrganization", Allowed::Editors, Some(("organizations", org)), format!(r#"mutation {{ updateOrganization(id: "{org}", version: {{v}}, input: {{description: "Moving more in Mattishall"}}) {{ id }} }}"#)),
        ("createService", Allowed::Editors, None, format!(r#"mutation {{ createService(organizationId: "{org}", input: {{name: "Walk and talk", description: "A short walk", needs: ["social-connection"]}}) {{ id }} }}"#)),
        ("updateService", Allowed::Editors, Some(("services", service)), format!(r#"mutation {{ updateService(id: "{service}", version: {{v}}, input: {{howToJoin: "Just turn up"}}) {{ id }} }}"#)),
        ("createLocation", Allowed::Editors, None, format!(r#"mutation {{ createLocation(organizationId: "{org}", input: {{name: "Scout hut", postcode: "NR19 1AA"}}) {{ id }} }}"#)),
        ("updateLocation", Allowed::Editors, Some(("locations", location)), format!(r#"mutation {{ updateLocation(id: "{location}", version: {{v}}, input: {{city: "Mattishall"}}) {{ id }} }}"#)),
        ("createSchedule", Allowed::Editors, None, format!(r#"mutation {{ createSchedule(serviceId: "{service}", input: {{byday: "TH", opensAt: "14:00", closesAt: "15:00"}}) {{ id }} }}"#)),
        ("updateSchedule", Allowed::Editors, Some(("schedules", schedule)), format!(r#"mutation {{ updateSchedule(id: "{schedule}", version: {{v}}, input: {{closesAt: "11:30"}}) {{ id }} }}"#)),
        ("createFund", Allowed::Editors, None, format!(r#"mutation {{ createFund(funderOrganizationId: "{org}", input: {{name: "Travel grant", description: "Bus fares to classes", needs: ["money-advice"]}}) {{ id }} }}"#)),
        ("updateFund", Allowed::Editors, Some(("funds", fund)), format!(r#"mutation {{ updateFund(id: "{fund}", version: {{v}}, input: {{howToApply: "Ask at the class"}}) {{ id }} }}"#)),
        ("markReviewed", Allowed::Editors, None, format!(r#"mutation {{ markReviewed(id: "{service}") {{ ... on Service {{ id }} }} }}"#)),
        ("approve", Allowed::Moderators, None, format!(r#"mutation {{ approve(id: "{pending}") {{ ... on Service {{ id }} }} }}"#)),
        ("reject", Allowed::Moderators, None, format!(r#"mutation {{ reject(id: "{pending_too}", reason: "Add a venue") {{ ... on Service {{ id }} }} }}"#)),
        ("setTrusted", Allowed::Moderators, None, format!(r#"mutation {{ setTrusted(organizationId: "{org}", trusted: false) {{ id }} }}"#)),
        ("createOrganization", Allowed::Moderators, None, r#"mutation { createOrganization(input: {name: "New group", description: "New"}) { organization { id } } }"#.to_string()),
    ];
    for (name, allowed, versioned, template) in &cases {
        for (who, viewer, may) in [
            ("anonymous", &f.anonymous, false),
            ("another organisation's editor", &f.other, false),
            ("own editor", &f.own, *allowed == Allowed::Editors),
            ("moderator", &f.moderator, true),
        ] {
            let version = match versioned {
                Some((table, id)) => f.version(table, id).await,
                None => 0,
            };
            let query = template.replace("{v}", &version.to_string());
            let before = f.writes().await;
            let response = f.test.execute_as(viewer, &query).await;
            if may {
                assert!(
                    response.get("errors").is_none(),
                    "{name} as {who} should succeed: {response:#}"
                );
                assert!(f.writes().await.0 > before.0, "{name} as {who} is audited");
            } else {
                assert_eq!(
                    response["errors"][0]["extensions"]["code"], "FORBIDDEN",
                    "{name} as {who}: {response:#}"
                );
                assert_eq!(f.writes().await, before, "{name} refused for {who} changed something");
            }
        }
    }

    // Archive and restore, by each principal.
    for (who, viewer, may) in [
        ("anonymous", &f.anonymous, false),
        ("another organisation's editor", &f.other, false),
        ("own editor", &f.own, true),
        ("moderator", &f.moderator, true),
    ] {
        let version = f.version("services", service).await;
        let archive = format!(
            r#"mutation {{ archive(id: "{service}", version: {version}) {{ ... on Service {{ version }} }} }}"#
        );
        let before = f.writes().await;
        if may {
            let archived = f.test.data_as(viewer, &archive).await;
            let version = archived["archive"]["version"].as_i64().expect("version");
            f.test
                .data_as(
                    viewer,
                    &format!(
                        r#"mutation {{ restore(id: "{service}", version: {version}) {{ ... on Service {{ id }} }} }}"#
                    ),
                )
                .await;
        } else {
            assert_eq!(
                f.test.error_as(viewer, &archive).await.0,
                "FORBIDDEN",
                "archive as {who}"
            );
            assert_eq!(f.writes().await, before);
            let archived = f.test.data_as(&f.moderator, &archive).await;
            let version = archived["archive"]["version"].as_i64().expect("version");
            let restore =
                format!(r#"mutation {{ restore(id: "{service}", version: {version}) {{ ... on Service {{ id }} }} }}"#);
            let before = f.writes().await;
            assert_eq!(
                f.test.error_as(viewer, &restore).await.0,
                "FORBIDDEN",
                "restore as {who}"
            );
            assert_eq!(f.writes().await, before);
            f.test.data_as(&f.moderator, &restore).await;
        }
    }

    // History is for the organisation's editors and moderators.
    let history = format!(r#"{{ history(id: "{service}") {{ lastActionType }} }}"#);
    assert_eq!(f.test.error_as(&f.anonymous, &history).await.0, "FORBIDDEN");
    assert_eq!(f.test.error_as(&f.other, &history).await.0, "FORBIDDEN");
    assert!(f.test.data_as(&f.own, &history).await["history"]
        .as_array()
        .is_some_and(|h| h.len() > 3));
    // A partner key reads, but edits nothing.
    let partner = f.test.principal(Role::Partner, "Platform", None).await;
    let update = format!(r#"mutation {{ updateService(id: "{service}", version: 1, input: {{name: "x"}}) {{ id }} }}"#);
    assert_eq!(f.test.error_as(&partner, &update).await.0, "FORBIDDEN");
}

#[tokio::test]
async fn editors_new_listings_wait_for_a_moderator_and_rejections_carry_a_reason() {
    let f = fixture().await;
    let pending = f.pending_service("Balance builders pending").await;
    let by_id = format!(r#"{{ service(id: "{pending}") {{ name publication rejectionReason version }} }}"#);

    // Hidden from the public, lists and search; visible to its editor and moderators.
    assert_eq!(f.test.error(&by_id).await.0, "NOT_FOUND");
    assert_eq!(f.test.error_as(&f.other, &by_id).await.0, "NOT_FOUND");
    assert_eq!(
        f.test.data_as(&f.own, &by_id).await["service"]["publication"],
        "PENDING_REVIEW"
    );
    let listed = f
        .test
        .data(&format!(
            r#"{{ services(place: "{BRECKLAND}", first: 100) {{ edges {{ node {{ id }} }} }} }}"#
        ))
        .await;
    assert!(!listed.to_string().contains(&pending));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!f.searchable("Balance builders pending").await);

    // In the queues: the moderator's and the organisation's own.
    let queue = r#"{ moderationQueue { id kind publication } }"#;
    assert!(f.test.data_as(&f.moderator, queue).await.to_string().contains(&pending));
    assert!(f.test.data_as(&f.own, queue).await.to_string().contains(&pending));
    assert!(!f.test.data_as(&f.other, queue).await.to_string().contains(&pending));
    assert_eq!(f.test.error(queue).await.0, "FORBIDDEN");

    // Rejected with a reason the editor reads; editing sends it back for review.
    let reason = "Please add where it takes place";
    f.test
        .data_as(
            &f.moderator,
            &format!(r#"mutation {{ reject(id: "{pending}", reason: "{reason}") {{ ... on Service {{ id }} }} }}"#),
        )
        .await;
    let seen = f.test.data_as(&f.own, &by_id).await;
    assert_eq!(seen["service"]["publication"], "REJECTED");
    assert_eq!(seen["service"]["rejectionReason"], reason);
    let version = seen["service"]["version"].as_i64().expect("version");
    let resubmitted = f
        .test
        .data_as(&f.own, &format!(r#"mutation {{ updateService(id: "{pending}", version: {version}, input: {{locationIds: ["{}"]}}) {{ publication }} }}"#, f.location))
        .await;
    assert_eq!(resubmitted["updateService"]["publication"], "PENDING_REVIEW");

    // Approved: public and searchable within a second.
    f.test
        .data_as(
            &f.moderator,
            &format!(r#"mutation {{ approve(id: "{pending}") {{ ... on Service {{ publication }} }} }}"#),
        )
        .await;
    assert_eq!(f.test.data(&by_id).await["service"]["publication"], "PUBLISHED");
    f.eventually_searchable("Balance builders pending", true).await;

    // A trusted organisation's new listings publish directly.
    f.test
        .data_as(
            &f.moderator,
            &format!(
                r#"mutation {{ setTrusted(organizationId: "{}", trusted: true) {{ trusted }} }}"#,
                f.org
            ),
        )
        .await;
    let direct = f
        .test
        .data_as(&f.own, &format!(r#"mutation {{ createService(organizationId: "{}", input: {{name: "Trusted tai chi", description: "Tai chi", needs: ["strength-and-balance"]}}) {{ publication }} }}"#, f.org))
        .await;
    assert_eq!(direct["createService"]["publication"], "PUBLISHED");
}

#[tokio::test]
async fn stale_listings_are_flagged_listed_per_place_with_who_to_remind_and_mark_reviewed_clears_them() {
    let f = fixture().await;
    db::query("UPDATE services SET last_reviewed_at = '2024-01-01T00:00:00+00:00' WHERE id = ?")
        .bind(&f.service)
        .execute(f.test.directory.store().pool())
        .await
        .expect("age the listing");
    let by_id = format!(
        r#"{{ service(id: "{}") {{ stale lastReviewedAt version }} }}"#,
        f.service
    );
    let before = f.test.data(&by_id).await;
    assert_eq!(before["service"]["stale"], true);

    let stale_query = format!(
        r#"{{ staleListings(place: "{BRECKLAND}") {{ id name stale lastReviewedAt organization {{ name }} editors {{ name }} }} }}"#
    );
    assert_eq!(f.test.error_as(&f.own, &stale_query).await.0, "FORBIDDEN");
    let listed = f.test.data_as(&f.moderator, &stale_query).await;
    let entry = listed["staleListings"]
        .as_array()
        .expect("list")
        .iter()
        .find(|item| item["id"] == f.service.as_str())
        .cloned()
        .expect("the aged service is listed");
    assert_eq!(entry["stale"], true);
    assert_eq!(entry["organization"]["name"], "Mattishall Movers (test)");
    assert_eq!(entry["editors"][0]["name"], "Jo Bloggs");

    let reviewed = f
        .test
        .data_as(
            &f.own,
            &format!(
                r#"mutation {{ markReviewed(id: "{}") {{ ... on Service {{ stale version }} }} }}"#,
                f.service
            ),
        )
        .await;
    assert_eq!(reviewed["markReviewed"]["stale"], false);
    assert_eq!(
        reviewed["markReviewed"]["version"], before["service"]["version"],
        "reviewing is not an edit: the version stays"
    );
    let listed = f.test.data_as(&f.moderator, &stale_query).await;
    assert!(!listed.to_string().contains(&f.service));
    let history = f
        .test
        .data_as(
            &f.own,
            &format!(
                r#"{{ history(id: "{}") {{ lastActionType changes {{ fieldName }} }} }}"#,
                f.service
            ),
        )
        .await;
    let last = history["history"]
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .expect("entry");
    assert_eq!(last["lastActionType"], "review");
    assert_eq!(last["changes"][0]["fieldName"], "lastReviewedAt", "by its GraphQL name");
}

#[tokio::test]
async fn every_change_is_audited_field_by_field_and_restore_brings_back_exactly_what_was_there() {
    let f = fixture().await;
    let service = &f.service;
    let updated = f
        .test
        .data_as(&f.own, &format!(r#"mutation {{ updateService(id: "{service}", version: 1, input: {{name: "Zumba gold (Tuesdays)", phone: "01603 123456"}}) {{ version }} }}"#))
        .await;
    assert_eq!(updated["updateService"]["version"], 2);

    let store = f.test.directory.store();
    let snapshot = |id: Uuid| async move {
        let mut conn = store.pool().acquire().await.expect("connection");
        let mut snapshot = indexer::editing::audit::snapshot(&mut conn, indexer::editing::ResourceKind::Service, id)
            .await
            .expect("snapshot")
            .expect("exists");
        for bookkeeping in ["version", "updated_at"] {
            snapshot.remove(bookkeeping);
        }
        snapshot
    };
    let id = Uuid::parse_str(service).expect("uuid");
    let before_archive = snapshot(id).await;
    f.eventually_searchable("Zumba gold (Tuesdays)", true).await;

    f.test
        .data_as(
            &f.own,
            &format!(r#"mutation {{ archive(id: "{service}", version: 2) {{ ... on Service {{ archivedAt }} }} }}"#),
        )
        .await;
    assert_eq!(
        f.test
            .error(&format!(r#"{{ service(id: "{service}") {{ id }} }}"#))
            .await
            .0,
        "NOT_FOUND"
    );
    f.eventually_searchable("Zumba gold (Tuesdays)", false).await;
    assert_eq!(
        f.scalar("SELECT COUNT(*) FROM services WHERE id = ?", service).await,
        1,
        "archive never deletes"
    );

    f.test
        .data_as(
            &f.own,
            &format!(r#"mutation {{ restore(id: "{service}", version: 3) {{ ... on Service {{ archivedAt }} }} }}"#),
        )
        .await;
    assert_eq!(
        snapshot(id).await,
        before_archive,
        "restore brings back exactly what was there"
    );
    f.eventually_searchable("Zumba gold (Tuesdays)", true).await;

    let history = f
        .test
        .data_as(&f.moderator, &format!(r#"{{ history(id: "{service}") {{ lastActionType updatedBy version changes {{ fieldName previousValue replacementValue }} }} }}"#))
        .await;
    let entries = history["history"].as_array().expect("history");
    let actions: Vec<&str> = entries.iter().filter_map(|e| e["lastActionType"].as_str()).collect();
    assert_eq!(actions, ["create", "update", "archive", "restore"]);
    // A creation is kept in the audit log's short form (an object of the fields set), and reads
    // back as the usual list, each field from nothing.
    let created = entries[0]["changes"].as_array().expect("changes");
    assert!(created.len() > 5, "{created:?}");
    assert!(created.iter().all(|c| c["previousValue"].is_null()), "{created:?}");
    let name = created.iter().find(|c| c["fieldName"] == "name").expect("name");
    assert_eq!(name["replacementValue"], "Zumba gold for falls prevention");
    let stored: String =
        db::query_scalar("SELECT changes FROM audit_log WHERE resource_id = ? AND last_action_type = 'create'")
            .bind(service.to_string())
            .fetch_one(f.test.directory.store().pool())
            .await
            .expect("stored");
    assert!(stored.starts_with('{'), "{stored}");
    let update = &entries[1];
    assert_eq!(update["updatedBy"], "Jo Bloggs (editor)");
    assert_eq!(update["version"], 2);
    let changed: Vec<&str> = update["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["fieldName"].as_str())
        .collect();
    assert_eq!(changed, ["name", "phone"]);
    assert_eq!(update["changes"][0]["previousValue"], "Zumba gold for falls prevention");
    assert_eq!(update["changes"][0]["replacementValue"], "Zumba gold (Tuesdays)");
    assert_eq!(update["changes"][1]["previousValue"], Value::Null);
}

#[tokio::test]
async fn an_update_based_on_an_old_version_is_a_conflict_and_changes_nothing() {
    let f = fixture().await;
    let update = |name: &str| {
        format!(
            r#"mutation {{ updateService(id: "{}", version: 1, input: {{name: "{name}"}}) {{ name version }} }}"#,
            f.service
        )
    };
    let first = f.test.data_as(&f.own, &update("First volunteer's name")).await;
    assert_eq!(first["updateService"]["version"], 2);
    let response = f
        .test
        .execute_as(&f.moderator, &update("Second volunteer's name"))
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "CONFLICT");
    assert_eq!(response["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(response["errors"][0]["extensions"]["field"], "version");
    let stored = f
        .test
        .data(&format!(r#"{{ service(id: "{}") {{ name version }} }}"#, f.service))
        .await;
    assert_eq!(stored["service"]["name"], "First volunteer's name");
}

#[tokio::test]
async fn many_parallel_edits_lose_no_update_and_fail_only_with_conflict() {
    let f = fixture().await;
    let second = id_at(
        &f.test
            .data_as(&f.moderator, &format!(r#"mutation {{ createService(organizationId: "{}", input: {{name: "Second class", description: "start", needs: ["social-connection"]}}) {{ id }} }}"#, f.org))
            .await,
        &["createService", "id"],
    );
    let services = [f.service.clone(), second];
    const WRITERS: usize = 16;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let schema = f.test.schema.clone();
        let viewer = if writer % 2 == 0 {
            f.own.clone()
        } else {
            f.moderator.clone()
        };
        let service = services[writer % services.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0;
            loop {
                let read = schema
                    .execute(async_graphql::Request::new(format!(r#"{{ service(id: "{service}") {{ description version }} }}"#)).data(viewer.clone()))
                    .await;
                let read = serde_json::to_value(read).expect("json");
                let description = read["data"]["service"]["description"].as_str().expect("description").to_string();
                let version = read["data"]["service"]["version"].as_i64().expect("version");
                let write = schema
                    .execute(
                        async_graphql::Request::new(format!(
                            r#"mutation {{ updateService(id: "{service}", version: {version}, input: {{description: "{description} w{writer}"}}) {{ version }} }}"#
                        ))
                        .data(viewer.clone()),
                    )
                    .await;
                let write = serde_json::to_value(write).expect("json");
                match write["errors"][0]["extensions"]["code"].as_str() {
                    None => return conflicts,
                    Some("CONFLICT") => conflicts += 1,
                    Some(other) => panic!("writer {writer}: unexpected {other}: {write:#}"),
                }
            }
        }));
    }
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.expect("writer finished");
    }
    for (index, service) in services.iter().enumerate() {
        let stored = f
            .test
            .data(&format!(r#"{{ service(id: "{service}") {{ description version }} }}"#))
            .await;
        let description = stored["service"]["description"].as_str().expect("description");
        for writer in (index..WRITERS).step_by(services.len()) {
            assert!(
                description.contains(&format!(" w{writer}")),
                "writer {writer}'s edit was lost: {description}"
            );
        }
        let writers = (index..WRITERS).step_by(services.len()).count() as i64;
        assert_eq!(
            stored["service"]["version"],
            1 + writers,
            "one version per successful edit"
        );
    }
    println!("{conflicts} conflicts retried");
}

#[tokio::test]
async fn text_is_stored_plain_contacts_are_normalised_and_bad_fields_are_named() {
    let f = fixture().await;
    let created = f
        .test
        .data_as(
            &f.own,
            &format!(
                r#"mutation {{ createService(organizationId: "{}", input: {{
                    name: "<b>Tea</b> &amp; chat<script>alert('x')</script>",
                    description: "<p>Come along</p><img src=x onerror=alert(1)>",
                    needs: ["social-connection"], url: "www.example.org/tea", email: "Tea@Example.ORG",
                    phone: "+44 (0)1362 123456",
                    contacts: [{{name: "<i>Ann</i>", phone: "07700 900123"}}]}}) {{ name description url email phone contacts {{ name phone }} }} }}"#,
                f.org
            ),
        )
        .await;
    let service = &created["createService"];
    assert_eq!(service["name"], "Tea & chat");
    assert_eq!(service["description"], "Come along");
    assert_eq!(service["url"], "https://www.example.org/tea");
    assert_eq!(service["email"], "Tea@example.org");
    assert_eq!(service["phone"], "01362 123456");
    assert_eq!(service["contacts"][0]["name"], "Ann");

    let before = f.writes().await;
    for (input, field) in [
        (
            r#"name: "x", description: "y", needs: ["social-connection"], url: "javascript:alert(1)""#,
            "input.url",
        ),
        (
            r#"name: "x", description: "y", needs: ["social-connection"], email: "not-an-email""#,
            "input.email",
        ),
        (
            r#"name: "x", description: "y", needs: ["social-connection"], phone: "+1 212 555 0100""#,
            "input.phone",
        ),
        (
            r#"name: "<script>x</script>", description: "y", needs: ["social-connection"]"#,
            "input.name",
        ),
        (r#"description: "y", needs: ["social-connection"]"#, "input.name"),
        (r#"name: "x", description: "y", needs: ["bingo"]"#, "input.needs"),
        (
            r#"name: "x", description: "y", needs: ["social-connection"], minimumAge: 90, maximumAge: 50"#,
            "input.maximumAge",
        ),
        (
            r#"name: "x", description: "y", needs: ["social-connection"], serviceAreas: [{placeCode: "E07999999"}]"#,
            "input.serviceAreas",
        ),
    ] {
        let (code, reported) = f
            .test
            .error_as(
                &f.own,
                &format!(
                    r#"mutation {{ createService(organizationId: "{}", input: {{{input}}}) {{ id }} }}"#,
                    f.org
                ),
            )
            .await;
        assert_eq!(
            (code.as_str(), reported.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    let long_name = "a".repeat(201);
    let (code, field) = f
        .test
        .error_as(
            &f.own,
            &format!(
                r#"mutation {{ updateService(id: "{}", version: 1, input: {{name: "{long_name}"}}) {{ id }} }}"#,
                f.service
            ),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("input.name"))
    );
    let (code, field) = f
        .test
        .error_as(&f.own, &format!(r#"mutation {{ createLocation(organizationId: "{}", input: {{name: "Nowhere hall", postcode: "ZZ99 9ZZ"}}) {{ id }} }}"#, f.org))
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("input.postcode"))
    );
    assert_eq!(f.writes().await, before, "refused input stores nothing");
}

#[tokio::test]
async fn creating_an_organisation_warns_of_likely_duplicates() {
    let f = fixture().await;
    let first = f
        .test
        .data_as(&f.moderator, r#"mutation { createOrganization(input: {name: "Dereham Walking Group", description: "Walks", postcode: "NR19 1AA", organizationIdentifiers: [{identifierScheme: "GB-CHC", identifier: "1234567"}]}) { organization { id organizationIdentifiers { identifierScheme identifier } } likelyDuplicates { reason } } }"#)
        .await;
    assert_eq!(first["createOrganization"]["likelyDuplicates"], serde_json::json!([]));
    let first_id = id_at(&first, &["createOrganization", "organization", "id"]);

    let same_number = f
        .test
        .data_as(&f.moderator, r#"mutation { createOrganization(input: {name: "DWG", description: "Walks", organizationIdentifiers: [{identifierScheme: "gb-chc", identifier: " 1234567 "}]}) { likelyDuplicates { organization { id } reason } } }"#)
        .await;
    assert_eq!(
        same_number["createOrganization"]["likelyDuplicates"][0]["organization"]["id"],
        first_id.as_str()
    );
    assert!(same_number.to_string().contains("register number"));

    let similar_name = f
        .test
        .data_as(&f.moderator, r#"{ likelyDuplicateOrganizations(name: "Dereham Walking Grp", postcode: "nr19 1aa") { organization { id } reason } }"#)
        .await;
    assert_eq!(
        similar_name["likelyDuplicateOrganizations"][0]["organization"]["id"],
        first_id.as_str()
    );
    let different = f
        .test
        .data_as(
            &f.moderator,
            r#"{ likelyDuplicateOrganizations(name: "Dereham Tai Chi", postcode: "NR19 1AA") { reason } }"#,
        )
        .await;
    assert_eq!(different["likelyDuplicateOrganizations"], serde_json::json!([]));
}

#[tokio::test]
async fn a_committed_edit_is_soon_searchable() {
    let f = fixture().await;
    // A second service of the same organisation: the follower reads it to remake the
    // organisation's document when its sibling changes, and must leave it findable.
    f.test
        .data_as(
            &f.moderator,
            &format!(r#"mutation {{ createService(organizationId: "{}", input: {{name: "Nordic walking sibling (test)", description: "Poles provided", needs: ["social-connection"]}}) {{ id }} }}"#, f.org),
        )
        .await;
    f.eventually_searchable("Zumba gold for falls prevention", true).await;
    f.eventually_searchable("Nordic walking sibling", true).await;
    let started = Instant::now();
    f.test
        .data_as(&f.own, &format!(r#"mutation {{ updateService(id: "{}", version: 1, input: {{name: "Aquafit for balance"}}) {{ id }} }}"#, f.service))
        .await;
    f.eventually_searchable("Aquafit for balance", true).await;
    // The follower applies the change log every 200 ms; the bound is loose because the test
    // machine may be busy with other tests (speed is for benches, not tests).
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    f.eventually_searchable("Zumba gold for falls prevention", false).await;
    assert!(
        f.searchable("Nordic walking sibling").await,
        "the unchanged sibling is still found"
    );
    // The organisation's document gathers its services' needs: the sibling's need still finds it.
    let by_need = r#"{ search(needs: ["social-connection"], kinds: [ORGANIZATION], text: "Mattishall Movers", first: 20) { edges { node { name } } } }"#;
    let found = f.test.data(by_need).await.to_string();
    assert!(found.contains("Mattishall Movers (test)"), "{found}");
    // A service's new need reaches its organisation's document (its part in it changed).
    let organization_by = |need: &str| {
        format!(
            r#"{{ search(needs: ["{need}"], kinds: [ORGANIZATION], text: "Mattishall Movers", first: 20) {{ edges {{ node {{ name }} }} }} }}"#
        )
    };
    assert!(!f
        .test
        .data(&organization_by("money-advice"))
        .await
        .to_string()
        .contains("Mattishall"));
    let edited = f
        .test
        .data_as(&f.own, &format!(r#"mutation {{ updateService(id: "{}", version: 2, input: {{needs: ["strength-and-balance", "money-advice"]}}) {{ version }} }}"#, f.service))
        .await;
    assert_eq!(edited["updateService"]["version"], 3, "{edited:#}");
    let needs_edited = Instant::now();
    while !f
        .test
        .data(&organization_by("money-advice"))
        .await
        .to_string()
        .contains("Mattishall")
    {
        assert!(
            needs_edited.elapsed() < Duration::from_millis(1_500),
            "the organisation's document kept its old needs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(f.searchable("Nordic walking sibling").await);
    // A venue edit reindexes the services held there: moved to Norwich (its postcode and its
    // coordinates, which must agree), found near Norwich.
    let near_norwich = r#"{ search(text: "aquafit", near: {lat: 52.6309, lng: 1.2974, radiusKm: 2}, first: 5) { edges { node { name } } } }"#;
    assert!(!f.test.data(near_norwich).await.to_string().contains("Aquafit"));
    f.test
        .data_as(&f.own, &format!(r#"mutation {{ updateLocation(id: "{}", version: 1, input: {{postcode: "NR3 1FH", latitude: 52.6309, longitude: 1.2974}}) {{ id }} }}"#, f.location))
        .await;
    let started = Instant::now();
    while !f.test.data(near_norwich).await.to_string().contains("Aquafit") {
        assert!(
            started.elapsed() < Duration::from_millis(1_500),
            "venue change not searchable"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn admins_manage_principals_and_load_places_and_no_one_else_may() {
    let f = fixture().await;
    let admin = f.test.principal(Role::Admin, "Ada Admin", None).await;
    let create = format!(
        r#"mutation {{ createPrincipal(name: "New editor", email: "ed@example.org", role: EDITOR, organizationId: "{}") {{ secret principal {{ id role }} token {{ id prefix }} }} }}"#,
        f.org
    );
    for viewer in [&f.anonymous, &f.own, &f.moderator] {
        assert_eq!(f.test.error_as(viewer, &create).await.0, "FORBIDDEN");
    }
    let created = f.test.data_as(&admin, &create).await;
    let secret = created["createPrincipal"]["secret"].as_str().expect("secret");
    assert!(secret.starts_with(created["createPrincipal"]["token"]["prefix"].as_str().expect("prefix")));
    let principal = f
        .test
        .directory
        .store()
        .authenticate(secret)
        .await
        .expect("the token works");
    assert_eq!(principal.organization_id.map(|id| id.to_string()), Some(f.org.clone()));
    let stored: i64 = db::query_scalar("SELECT COUNT(*) FROM tokens WHERE token_hash = ?")
        .bind(secret)
        .fetch_one(f.test.directory.store().pool())
        .await
        .expect("count");
    assert_eq!(stored, 0, "the token itself is never stored");
    let token_id = created["createPrincipal"]["token"]["id"].as_str().expect("id");
    f.test
        .data_as(
            &admin,
            &format!(r#"mutation {{ revokeToken(tokenId: "{token_id}") {{ revokedAt }} }}"#),
        )
        .await;
    assert!(f.test.directory.store().authenticate(secret).await.is_err(), "revoked");

    let districts =
        std::fs::read_to_string(crate::support::workspace_root().join("seed/places/norfolk_districts.geojson"))
            .expect("file");
    let load = |text: &str| {
        format!(
            r#"mutation {{ loadPlaces(geojson: {}, source: "test") {{ added replaced relocatedVenues }} }}"#,
            serde_json::to_string(text).expect("json string")
        )
    };
    assert_eq!(f.test.error_as(&f.moderator, &load(&districts)).await.0, "FORBIDDEN");
    let (code, field) = f.test.error_as(&admin, &load("not geojson")).await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("geojson")));
    let loaded = f.test.data_as(&admin, &load(&districts)).await;
    assert_eq!(loaded["loadPlaces"]["replaced"], 7);
}

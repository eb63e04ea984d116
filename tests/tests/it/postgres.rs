//! PostgreSQL as the store several API replicas share (issue 21): a write on one replica is
//! found on another, a new replica builds its index from the database, the change log's `seq`
//! follows commit order when transactions overlap (the outbox trap), and edits that run side by
//! side lose none of each other's changes.
//!
//! These run when `TEST_DATABASE_URL` names a PostgreSQL server (`.ci/run` starts one); with
//! `POSTGRES_TESTS=required` a run without one fails rather than skipping them.

use std::time::{Duration, Instant};

use indexer::accounts::{Role, Viewer};
use indexer::store::feed::{record_change, ChangeKind};
use indexer::{Directory, DirectoryOptions};
use uuid::Uuid;

use crate::support::{admin_statement, copy_tree, postgres_admin_url, TestDatabase, TestDirectory};

/// The server's admin URL, or `None` (the test is skipped) when there is none to use.
pub fn admin_url() -> Option<String> {
    let url = postgres_admin_url();
    if url.is_none() {
        assert_ne!(
            std::env::var("POSTGRES_TESTS").as_deref(),
            Ok("required"),
            "POSTGRES_TESTS=required but TEST_DATABASE_URL is not set"
        );
        eprintln!("skipped: TEST_DATABASE_URL is not set");
    }
    url
}

/// A replica: its own data directory (and so its own search index) on the shared database.
async fn replica(database: &TestDatabase, index_from: Option<&std::path::Path>) -> TestDirectory {
    let data_dir = tempfile::tempdir().expect("temp dir");
    if let Some(template) = index_from {
        copy_tree(template, data_dir.path());
    }
    let options = DirectoryOptions {
        database_url: Some(database.url()),
        ..DirectoryOptions::default()
    };
    let directory = Directory::open_with_options(data_dir.path(), options)
        .await
        .expect("a replica opens on the shared database");
    TestDirectory::of(directory, data_dir, None)
}

async fn finds(test: &TestDirectory, text: &str) -> bool {
    let data = test
        .data(&format!(
            r#"{{ search(text: "{text}") {{ edges {{ node {{ name }} }} }} }}"#
        ))
        .await;
    data.to_string().contains(text)
}

async fn moderator(test: &TestDirectory) -> Viewer {
    test.principal(Role::Moderator, "Replica moderator", None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_replica_is_found_on_another_within_a_second() {
    let Some(admin) = admin_url() else { return };
    let (database, template_dir) = TestDatabase::seeded(&admin);
    let a = replica(&database, Some(template_dir)).await;
    // B starts with no index at all: it builds its own from the database, as a new replica does.
    let b = replica(&database, None).await;
    assert_eq!(
        a.directory.search_index().num_docs(),
        b.directory.search_index().num_docs(),
        "the new replica indexed what the database holds"
    );
    // The same matches (ties may be ordered differently: each index is its own build).
    let walking = r#"{ search(text: "walking", first: 100) { totalCount edges { node { id } } } }"#;
    let ids = |data: &serde_json::Value| {
        let mut ids: Vec<String> = data["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"]["id"].as_str().expect("id").to_string())
            .collect();
        ids.sort();
        (data["search"]["totalCount"].as_i64().expect("total"), ids)
    };
    let on_a = ids(&a.data(walking).await);
    assert!(on_a.0 > 0, "{on_a:?}");
    assert_eq!(
        ids(&b.data(walking).await),
        on_a,
        "the new replica finds what the first does"
    );

    let name = "Replicated chair yoga";
    assert!(!finds(&b, name).await);
    let organization = a.first_organization_id().await;
    let moderator = moderator(&a).await;
    let created = a
        .data_as(
            &moderator,
            &format!(
                r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "{name}", description: "Seated yoga (example listing for a test)", needs: ["strength-and-balance"]}}) {{ id publication }} }}"#
            ),
        )
        .await;
    assert_eq!(created["createService"]["publication"], "PUBLISHED", "{created:#}");
    let written = Instant::now();
    while !finds(&a, name).await {
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "not searchable where it was written"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while !finds(&b, name).await {
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "not searchable on the other replica within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // And the other way round: an edit on B reaches A.
    let id = created["createService"]["id"].as_str().expect("id").to_string();
    let moderator_b = moderator.clone();
    let renamed = "Replicated seated yoga";
    let edit = b
        .execute_as(
            &moderator_b,
            &format!(
                r#"mutation {{ updateService(id: "{id}", version: 1, input: {{name: "{renamed}"}}) {{ name }} }}"#
            ),
        )
        .await;
    assert!(edit.get("errors").is_none(), "{edit:#}");
    let edited = Instant::now();
    while !finds(&a, renamed).await {
        assert!(
            edited.elapsed() < Duration::from_secs(1),
            "the edit did not reach replica A within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.directory.close().await;
    b.directory.close().await;
}

/// Two edits that overlap: the one that began first commits last. Their change-log rows are
/// numbered as they commit, so the later commit has the larger `seq` and every reader that has
/// seen a `seq` has seen every smaller one (the outbox trap). The edits do not wait for each
/// other: only their commits take turns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_edits_number_their_changes_in_commit_order() {
    let Some(admin) = admin_url() else { return };
    let (database, template_dir) = TestDatabase::seeded(&admin);
    let test = replica(&database, Some(template_dir)).await;
    let store = test.directory.store().clone();
    let services = service_ids(&test, 2).await;
    let head_before = store.last_change_seq().await.expect("head");

    // The first edit notes its change and stays open.
    let mut first = store.begin_edit().await.expect("first transaction");
    record_change(&mut first, ChangeKind::Service, services[0])
        .await
        .expect("first change");
    // The second starts meanwhile and commits first, without waiting for the first.
    let mut second = store.begin_edit().await.expect("second transaction");
    record_change(&mut second, ChangeKind::Service, services[1])
        .await
        .expect("second change");
    tokio::time::timeout(Duration::from_secs(5), second.commit())
        .await
        .expect("the second edit committed while the first was open")
        .expect("second commit");
    let second_seq = store.last_change_seq().await.expect("head");
    assert!(second_seq > head_before);
    let seen = store.changes_after(head_before, 10).await.expect("changes");
    assert_eq!(
        seen.iter().map(|change| change.id).collect::<Vec<_>>(),
        vec![services[1]],
        "only the committed change is read"
    );

    first.commit().await.expect("first commit");
    let after = store.changes_after(second_seq, 10).await.expect("changes");
    assert_eq!(
        after.iter().map(|change| change.id).collect::<Vec<_>>(),
        vec![services[0]],
        "the change committed last comes after everything a reader has seen"
    );
    let first_seq = after[0].seq;
    assert!(
        first_seq > second_seq,
        "seq follows commit order: {second_seq} then {first_seq}"
    );
    for (id, seq) in [(services[0], first_seq), (services[1], second_seq)] {
        let feed_seq: i64 = indexer::store::db::query_scalar("SELECT feed_seq FROM services WHERE id = ?")
            .bind(id.to_string())
            .fetch_one(store.pool())
            .await
            .expect("feed position");
        assert_eq!(feed_seq, seq, "the listing's feed position is its change's seq");
    }
    test.directory.close().await;
}

/// Writers that are not edits of one listing (imports, areas) still take turns: the second
/// waits for the first to commit, as on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_writers_take_turns() {
    let Some(admin) = admin_url() else { return };
    let (database, template_dir) = TestDatabase::seeded(&admin);
    let test = replica(&database, Some(template_dir)).await;
    let store = test.directory.store().clone();
    let services = service_ids(&test, 2).await;

    let mut first = store.begin().await.expect("first transaction");
    record_change(&mut first, ChangeKind::Service, services[0])
        .await
        .expect("first change");
    let second_store = store.clone();
    let second_service = services[1];
    let second = tokio::spawn(async move {
        let mut tx = second_store.begin().await.expect("second transaction");
        record_change(&mut tx, ChangeKind::Service, second_service)
            .await
            .expect("second change");
        tx.commit().await.expect("second commit");
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "the second writer committed while the first was open"
    );
    first.commit().await.expect("first commit");
    second.await.expect("second writer");
    let head = store.last_change_seq().await.expect("head");
    let last_two = store.changes_after(head - 2, 10).await.expect("changes");
    assert_eq!(
        last_two.iter().map(|change| change.id).collect::<Vec<_>>(),
        services,
        "in the order they committed"
    );
    test.directory.close().await;
}

/// Eight edits of one listing from the same version at once, through two replicas: exactly one
/// is stored, the others get `CONFLICT` (no edit is lost under another), and the listing's
/// history and change log each gain one entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_edits_of_one_listing_store_exactly_one() {
    let Some(admin) = admin_url() else { return };
    let (database, template_dir) = TestDatabase::seeded(&admin);
    let a = replica(&database, Some(template_dir)).await;
    let b = replica(&database, Some(template_dir)).await;
    let moderator = moderator(&a).await;
    let id = service_ids(&a, 1).await[0];
    let version_of = |data: &serde_json::Value| data["service"]["version"].as_i64().expect("version");
    let read = format!(r#"{{ service(id: "{id}") {{ version description }} }}"#);
    let version = version_of(&a.data(&read).await);
    let history_before = a.directory.history(&moderator, id).await.expect("history").len();
    let head_before = a.directory.store().last_change_seq().await.expect("head");

    let edits = (0..8).map(|n| {
        let replica = if n % 2 == 0 { &a } else { &b };
        let moderator = moderator.clone();
        async move {
            replica
                .execute_as(
                    &moderator,
                    &format!(
                        r#"mutation {{ updateService(id: "{id}", version: {version}, input: {{description: "Edit number {n} (example text for a test)"}}) {{ version }} }}"#
                    ),
                )
                .await
        }
    });
    let answers = futures_util::future::join_all(edits).await;
    let stored: Vec<&serde_json::Value> = answers.iter().filter(|answer| answer.get("errors").is_none()).collect();
    assert_eq!(stored.len(), 1, "{answers:#?}");
    assert_eq!(stored[0]["data"]["updateService"]["version"], version + 1);
    for answer in answers.iter().filter(|answer| answer.get("errors").is_some()) {
        assert_eq!(answer["errors"][0]["extensions"]["code"], "CONFLICT", "{answer:#}");
    }
    let now = a.data(&read).await;
    assert_eq!(version_of(&now), version + 1);
    assert_eq!(
        a.directory.history(&moderator, id).await.expect("history").len(),
        history_before + 1
    );
    let changes = a
        .directory
        .store()
        .changes_after(head_before, 20)
        .await
        .expect("changes");
    assert_eq!(changes.iter().map(|change| change.id).collect::<Vec<_>>(), vec![id]);
    a.directory.close().await;
    b.directory.close().await;
}

/// The ids of the first `count` services in the seeded directory.
async fn service_ids(test: &TestDirectory, count: usize) -> Vec<Uuid> {
    let data = test
        .data(&format!(
            "{{ services(first: {count}) {{ edges {{ node {{ id }} }} }} }}"
        ))
        .await;
    data["services"]["edges"]
        .as_array()
        .expect("services")
        .iter()
        .map(|edge| edge["node"]["id"].as_str().expect("id").parse().expect("a uuid"))
        .collect()
}

/// The shared database goes away (connections ended, and the name it is reached by gone) and
/// comes back: meanwhile the replica answers searches it has served before from its index and
/// listing cache, says "degraded" in `/healthz`, and refuses writes with `UNAVAILABLE`; once
/// the database is back, writes work again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_away_searches_answer_writes_are_unavailable_and_it_recovers() {
    let Some(admin) = admin_url() else { return };
    let (database, template_dir) = TestDatabase::seeded(&admin);
    let test = replica(&database, Some(template_dir)).await;
    let base = test.serve().await;
    let moderator = moderator(&test).await;
    let principal = moderator.principal.as_ref().expect("a principal").id;
    let token = test
        .directory
        .store()
        .issue_token(principal)
        .await
        .expect("token")
        .secret;
    let organization = test.first_organization_id().await;
    let search = r#"{ search(text: "walking", first: 5) { edges { node { name } } } }"#;
    let before = test.data(search).await;
    assert!(before.to_string().contains("alk"), "{before:#}");
    let health = || async {
        let response = reqwest::get(format!("{base}/healthz")).await.expect("healthz answers");
        (
            response.status().as_u16(),
            response.json::<serde_json::Value>().await.expect("json"),
        )
    };
    assert_eq!(health().await.0, 200);

    let name = database.name().to_string();
    // New connections are refused (committed on its own: statements sent together share one
    // transaction, and others would not see it until the rename), connections end, then the
    // database is renamed. One that was starting as the doors closed can still appear: the
    // rename is retried until none is left (up to 10 s).
    admin_statement(&admin, format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    admin_statement(
        &admin,
        format!(
            "DO $$
             BEGIN
                 FOR attempt IN 1..100 LOOP
                     PERFORM pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{name}';
                     BEGIN
                         ALTER DATABASE {name} RENAME TO {name}_away;
                         RETURN;
                     EXCEPTION WHEN object_in_use THEN
                         PERFORM pg_sleep(0.1);
                     END;
                 END LOOP;
                 RAISE EXCEPTION 'database {name} stayed in use';
             END $$;"
        ),
    );

    assert_eq!(
        test.data(search).await,
        before,
        "searches it served before still answer"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = health().await;
        if body["status"] == "degraded" {
            assert_eq!(status, 200, "a degraded replica stays in the load balancer: {body}");
            assert_eq!(body["database"], "unavailable");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "healthz never said degraded: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let create = format!(
        r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "Written after the outage", description: "Example listing for a test", needs: ["social-connection"]}}) {{ id }} }}"#
    );
    let refused = test.execute_as(&moderator, &create).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{refused:#}");
    // Over HTTP with a bearer token (checked against the database first): 503, `UNAVAILABLE`.
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": create }))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{body:#}");

    admin_statement(
        &admin,
        format!("ALTER DATABASE {name}_away RENAME TO {name}; ALTER DATABASE {name} ALLOW_CONNECTIONS true;"),
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let attempt = test.execute_as(&moderator, &create).await;
        if attempt.get("errors").is_none() {
            break;
        }
        assert_eq!(attempt["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{attempt:#}");
        assert!(Instant::now() < deadline, "writes did not recover: {attempt:#}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while health().await.1["status"] != "ok" {
        assert!(Instant::now() < deadline, "healthz did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(finds(&test, "Written after the outage").await);
    test.directory.close().await;
}

const VICTIM_DATA_DIR_ENV: &str = "PG_VICTIM_DATA_DIR";
const VICTIM_DATABASE_ENV: &str = "PG_VICTIM_DATABASE_URL";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by a_replica_killed_during_writes_restarts_with_every_listing_once as its victim process"]
async fn victim_replica_writes_until_killed() {
    let (Some(data_dir), Ok(url)) = (
        std::env::var_os(VICTIM_DATA_DIR_ENV),
        std::env::var(VICTIM_DATABASE_ENV),
    ) else {
        return;
    };
    let options = DirectoryOptions {
        database_url: Some(url),
        ..DirectoryOptions::default()
    };
    let directory = Directory::open_with_options(std::path::Path::new(&data_dir), options)
        .await
        .expect("victim opens");
    let test = TestDirectory::of(directory, tempfile::tempdir().expect("unused"), None);
    let moderator = moderator(&test).await;
    let organization = test.first_organization_id().await;
    for n in 0.. {
        let created = test
            .data_as(
                &moderator,
                &format!(
                    r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "Victim class {n}", description: "Example listing written until the process is killed", needs: ["social-connection"]}}) {{ id }} }}"#
                ),
            )
            .await;
        // Printed only once the write is acknowledged.
        println!("acknowledged {}", created["createService"]["id"].as_str().expect("id"));
    }
}

/// A replica killed with SIGKILL while it writes, and started again on its own data directory:
/// every acknowledged listing is in the database and searchable once, on it and on a replica
/// that watched, and both indexes hold exactly what the database holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_during_writes_restarts_with_every_listing_once() {
    use std::io::BufRead;
    let Some(admin) = admin_url() else { return };
    let (database, template_dir) = TestDatabase::seeded(&admin);
    let observer = replica(&database, Some(template_dir)).await;
    let before = observer.directory.search_index().num_docs();
    let services_before = observer.directory.store().count("services").await.expect("count");
    let victim_dir = tempfile::tempdir().expect("temp dir");
    copy_tree(template_dir, victim_dir.path());

    let mut victim = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "postgres::victim_replica_writes_until_killed",
            "--nocapture",
        ])
        .env(VICTIM_DATA_DIR_ENV, victim_dir.path())
        .env(VICTIM_DATABASE_ENV, database.url())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("victim starts");
    let stdout = victim.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(std::result::Result::ok)
        {
            if let Some(id) = line.strip_prefix("acknowledged ") {
                let _ = sender.send(id.to_string());
            }
        }
    });
    // Let it write for a while (at least a few acknowledged listings), then kill it mid-stream.
    let started = Instant::now();
    let mut acknowledged: Vec<String> = Vec::new();
    while acknowledged.len() < 20 || started.elapsed() < Duration::from_secs(2) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the victim wrote too little"
        );
        if let Ok(id) = receiver.recv_timeout(Duration::from_millis(100)) {
            acknowledged.push(id);
        }
    }
    victim.kill().expect("SIGKILL");
    victim.wait().expect("victim ended");
    acknowledged.extend(receiver.try_iter());

    let restarted = replica_at(&database, victim_dir.path()).await;
    // What the database holds: every acknowledged write, and perhaps one committed as the
    // process died, before it could print.
    let committed = restarted.directory.store().count("services").await.expect("count") - services_before;
    let acknowledged_count = i64::try_from(acknowledged.len()).expect("small");
    assert!(
        committed == acknowledged_count || committed == acknowledged_count + 1,
        "{committed} committed for {acknowledged_count} acknowledged"
    );
    // Both indexes hold exactly that: the seed plus each committed listing once.
    let expected = before + u64::try_from(committed).expect("small");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (a, b) = (
            observer.directory.search_index().num_docs(),
            restarted.directory.search_index().num_docs(),
        );
        if a == expected && b == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "indexes never held the database: observer {a}, restarted {b}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in &acknowledged {
        for test in [&observer, &restarted] {
            let data = test.data(&format!(r#"{{ service(id: "{id}") {{ id name }} }}"#)).await;
            assert_eq!(data["service"]["id"], id.as_str(), "acknowledged {id} is stored");
        }
    }
    let victims = r#"{ search(text: "victim class", first: 100) { totalCount } }"#;
    let on_observer = observer.data(victims).await["search"]["totalCount"]
        .as_i64()
        .expect("total");
    let on_restarted = restarted.data(victims).await["search"]["totalCount"]
        .as_i64()
        .expect("total");
    assert_eq!(
        on_observer, on_restarted,
        "the same listings, once each, on both replicas"
    );
    assert!(
        on_observer >= committed,
        "every committed listing searchable: {on_observer} < {committed}"
    );
    observer.directory.close().await;
    restarted.directory.close().await;
}

/// A replica on `data_dir` (which already holds an index) and the shared database.
async fn replica_at(database: &TestDatabase, data_dir: &std::path::Path) -> TestDirectory {
    let options = DirectoryOptions {
        database_url: Some(database.url()),
        ..DirectoryOptions::default()
    };
    let directory = Directory::open_with_options(data_dir, options)
        .await
        .expect("the killed replica starts again");
    TestDirectory::of(directory, tempfile::tempdir().expect("unused"), None)
}

/// With polling slowed to once a minute, a write on one replica still reaches another within a
/// second: the writer's commit notifies (LISTEN/NOTIFY) and wakes the other's follower.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_notice_wakes_another_replica_without_waiting_for_its_poll() {
    let Some(admin) = admin_url() else { return };
    let (database, template_dir) = TestDatabase::seeded(&admin);
    let slow = |dir: &std::path::Path| {
        copy_tree(template_dir, dir);
        DirectoryOptions {
            database_url: Some(database.url()),
            follow_interval: Duration::from_secs(60),
            ..DirectoryOptions::default()
        }
    };
    let (dir_a, dir_b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let open = |dir: &std::path::Path, options: DirectoryOptions| {
        let dir = dir.to_path_buf();
        async move {
            let directory = Directory::open_with_options(&dir, options).await.expect("opens");
            TestDirectory::of(directory, tempfile::tempdir().expect("unused"), None)
        }
    };
    let a = open(dir_a.path(), slow(dir_a.path())).await;
    let b = open(dir_b.path(), slow(dir_b.path())).await;
    // The first poll of each follower happens at once; let it pass.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let name = "Notified chair yoga";
    let organization = a.first_organization_id().await;
    let moderator = moderator(&a).await;
    let created = a
        .data_as(
            &moderator,
            &format!(
                r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "{name}", description: "Example listing for a test", needs: ["strength-and-balance"]}}) {{ id }} }}"#
            ),
        )
        .await;
    assert!(created["createService"]["id"].is_string(), "{created:#}");
    let written = Instant::now();
    while !finds(&b, name).await {
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the other replica waited for its minute-long poll: no notice woke it"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.directory.close().await;
    b.directory.close().await;
}

/// A write PostgreSQL undoes to break a deadlock (two transactions each waiting on the row the
/// other locked) is told as `CONFLICT` with `extensions.retry`, not as an internal error, and
/// left nothing behind: the deadlock here is a real one, between two connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_undone_by_a_deadlock_is_a_conflict_to_retry() {
    use sqlx::Connection;
    let Some(admin) = admin_url() else { return };
    let database = TestDatabase::empty(&admin);
    let mut first = sqlx::PgConnection::connect(&database.url()).await.expect("first");
    let mut second = sqlx::PgConnection::connect(&database.url()).await.expect("second");
    sqlx::raw_sql("CREATE TABLE probe (id int PRIMARY KEY, value int); INSERT INTO probe VALUES (1, 0), (2, 0)")
        .execute(&mut first)
        .await
        .expect("table");
    let update = |id: i32| sqlx::query("UPDATE probe SET value = value + 1 WHERE id = $1").bind(id);
    sqlx::raw_sql("BEGIN").execute(&mut first).await.expect("begin");
    sqlx::raw_sql("BEGIN").execute(&mut second).await.expect("begin");
    update(1).execute(&mut first).await.expect("first locks 1");
    update(2).execute(&mut second).await.expect("second locks 2");
    // Each now waits on the other's row; PostgreSQL ends one of them after deadlock_timeout.
    let (a, b) = tokio::join!(update(2).execute(&mut first), update(1).execute(&mut second));
    let error = match (a, b) {
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => indexer::Error::Database(error),
        other => panic!("expected exactly one side of the deadlock to fail: {other:?}"),
    };
    assert!(error.is_collision(), "{error:?}");
    assert!(!error.is_database_unreachable(), "{error:?}");
    let mapped = api::graphql::error::engine_error(error, None);
    let extensions = serde_json::to_value(&mapped.extensions).expect("extensions");
    assert_eq!(extensions["code"], "CONFLICT", "{extensions}");
    assert_eq!(extensions["retry"], true, "{extensions}");
    assert!(extensions.get("currentVersion").is_none(), "{extensions}");
    // The undone transaction left nothing (its COMMIT rolls back); the other commits both of
    // its updates, one to each row.
    for connection in [&mut first, &mut second] {
        sqlx::raw_sql("COMMIT").execute(&mut *connection).await.expect("commit");
    }
    let values: Vec<(i32, i32)> = sqlx::query_as("SELECT id, value FROM probe ORDER BY id")
        .fetch_all(&mut first)
        .await
        .expect("read");
    assert_eq!(values, vec![(1, 1), (2, 1)]);
    // An ordinary error is not a collision.
    let missing = sqlx::query("SELECT * FROM no_such_table")
        .execute(&mut first)
        .await
        .expect_err("missing");
    assert!(!indexer::Error::Database(missing).is_collision());
}

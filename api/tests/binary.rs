//! The `api` binary itself (its flags and exit codes); everything else is tested through the
//! library in the workspace's `tests/` crate. Lives here because only this package's tests can
//! name the built binary (`CARGO_BIN_EXE_api`).

use std::process::{Child, Command};
use std::time::{Duration, Instant};

#[test]
fn exits_non_zero_with_a_clear_message_on_a_corrupt_data_dir_and_leaves_it_alone() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database = data_dir.path().join(indexer::directory::DATABASE_FILE);
    std::fs::write(&database, b"garbage").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir.path())
        .output()
        .expect("run api");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: data directory") && stderr.contains("not a usable directory database"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&database).expect("read"), b"garbage");
}

#[test]
fn print_schema_prints_the_committed_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("--print-schema")
        .output()
        .expect("run api");
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).expect("schema.graphql");
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "--print-schema differs from schema.graphql"
    );
}

#[test]
fn bad_flags_are_refused_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["--listen", "not-an-address"])
        .output()
        .expect("run api");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}

/// Starts the server on `data_dir` and waits until it answers.
async fn start(data_dir: &std::path::Path, follow_interval_ms: &str) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("address")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .env(indexer::search::sync::FOLLOW_INTERVAL_ENV, follow_interval_ms)
        .spawn()
        .expect("start api");
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, base)
}

async fn post(base: &str, token: &str, query: &str) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn a_change_committed_before_the_process_is_killed_is_in_the_index_after_restart() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let directory = indexer::Directory::open(data_dir.path()).await.expect("seed");
    let moderator = directory
        .store()
        .create_principal("Mo", None, indexer::accounts::Role::Moderator, None)
        .await
        .expect("principal");
    let token = directory.store().issue_token(moderator.id).await.expect("token").secret;
    let organization = directory
        .store()
        .organizations_by_ids(None)
        .await
        .expect("organisations")[0]
        .id;
    directory.close().await;

    // The index follows the change log only hourly here: the change reaches the database, not the index.
    let (mut server, base) = start(data_dir.path(), "3600000").await;
    let created = post(
        &base,
        &token,
        &format!(r#"mutation {{ createService(organizationId: "{organization}", input: {{name: "Kill switch qigong", description: "Qigong", needs: ["strength-and-balance"]}}) {{ publication }} }}"#),
    )
    .await;
    assert_eq!(
        created["data"]["createService"]["publication"], "PUBLISHED",
        "{created:#}"
    );
    let search = r#"{ search(text: "kill switch qigong") { edges { node { name } } } }"#;
    assert!(
        !post(&base, &token, search)
            .await
            .to_string()
            .contains("Kill switch qigong"),
        "not indexed yet"
    );
    server.kill().expect("kill -9");
    server.wait().expect("reaped");

    let (mut server, base) = start(data_dir.path(), "200").await;
    let found = post(&base, &token, search).await;
    server.kill().expect("stop");
    let _ = server.wait();
    assert!(
        found.to_string().contains("Kill switch qigong"),
        "caught up on restart: {found:#}"
    );
}

#[tokio::test]
async fn the_access_log_has_a_line_per_request_and_nothing_the_client_typed() {
    use std::io::Read;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("address")
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir.path())
        .env_remove("RUST_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start api");
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secret = "memory cafe for my mum near NR2 4SZ";
    let answered = reqwest::Client::new()
        .get(format!("{base}/graphql"))
        .query(&[("query", format!(r#"{{ search(text: "{secret}") {{ totalCount }} }}"#))])
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(answered.status(), 200);
    let missing = reqwest::get(format!("{base}/oruk/services/{secret}"))
        .await
        .expect("get");
    assert_eq!(missing.status(), 400);
    server.kill().expect("stop");
    let mut log = String::new();
    server
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("read the log");
    let _ = server.wait();
    let lines: Vec<&str> = log.lines().filter(|line| line.contains("access")).collect();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("route=/graphql") && line.contains("method=GET") && line.contains("status=200")),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains("route=/oruk/services/{id}") && line.contains("status=400")),
        "{log}"
    );
    assert!(
        !lines.iter().any(|line| line.contains("route=/healthz")),
        "probes at debug: {log}"
    );
    assert!(!log.contains("memory cafe") && !log.contains("NR2"), "{log}");
}

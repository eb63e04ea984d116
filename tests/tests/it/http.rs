//! The server over loopback: GraphQL, GraphiQL, health and CORS.

use crate::support::seeded;

/// Starts the app on an ephemeral loopback port; returns its base URL.
async fn spawn_app() -> (String, tempfile::TempDir) {
    let test = seeded().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let state = api::AppState::new(test.directory.clone());
    tokio::spawn(api::serve(listener, state, std::future::pending()));
    (format!("http://{address}"), test.data_dir)
}

#[tokio::test]
async fn graphql_over_http_with_graphiql_health_and_cors() {
    let (base, _data_dir) = spawn_app().await;
    let client = reqwest::Client::new();

    let health = client.get(format!("{base}/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.expect("json");
    assert_eq!(body["status"], "ok");

    let graphiql = client.get(format!("{base}/graphql")).send().await.expect("graphiql");
    assert_eq!(graphiql.status(), 200);
    assert!(graphiql.text().await.expect("html").to_lowercase().contains("graphiql"));

    let response = client
        .post(format!("{base}/graphql"))
        .header("origin", "https://partner.example.org")
        .json(&serde_json::json!({ "query": "{ places(level: DISTRICT) { code } }" }))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().contains_key("access-control-allow-origin"),
        "CORS open for partner sites"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["data"]["places"].as_array().map(Vec::len), Some(7));

    let bad = client
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({ "query": r#"{ postcode(postcode: "zzz") { lat } }"# }))
        .send()
        .await
        .expect("post");
    let body: serde_json::Value = bad.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "postcode");

    let garbage = client
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert!(
        garbage.status().is_client_error(),
        "malformed request body is a 4xx, not a crash"
    );
    let still_up = client.get(format!("{base}/healthz")).send().await.expect("healthz");
    assert_eq!(still_up.status(), 200);
}

//! The server over loopback: GraphQL, GraphiQL, health and CORS.

use crate::support::{seeded, spawn_app};

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
    let page = graphiql.text().await.expect("html");
    assert!(page.to_lowercase().contains("graphiql"));
    // Every script and style the page loads comes from this server (no internet needed).
    let loaded: Vec<&str> = page
        .split(['"', '\''])
        .filter(|part| part.ends_with(".js") || part.ends_with(".css"))
        .collect();
    assert_eq!(loaded.len(), 4, "{loaded:?}");
    for path in loaded {
        assert!(path.starts_with("/graphiql/"), "{path} is not served here");
        let asset = client.get(format!("{base}{path}")).send().await.expect("asset");
        assert_eq!(asset.status(), 200, "{path}");
        let content_type = asset.headers()["content-type"].to_str().expect("type").to_string();
        let kind = if path.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert!(asset.bytes().await.expect("body").len() > 10_000, "{path}");
    }
    let missing = client
        .get(format!("{base}/graphiql/nothing.js"))
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.status(), 404);

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
    assert_eq!(garbage.status(), 400, "malformed request body is a 400, not a crash");
    let body: serde_json::Value = garbage.json().await.expect("a JSON error body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    let still_up = client.get(format!("{base}/healthz")).send().await.expect("healthz");
    assert_eq!(still_up.status(), 200);
}

#[tokio::test]
async fn bearer_tokens_identify_callers_and_unknown_or_revoked_tokens_are_refused() {
    let test = seeded().await;
    let store = test.directory.store();
    let principal = store
        .create_principal("Partner platform", None, indexer::accounts::Role::Partner, None)
        .await
        .expect("principal");
    let token = store.issue_token(principal.id).await.expect("token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(api::serve(
        listener,
        api::AppState::new(test.directory.clone()),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let me = |authorization: Option<String>| {
        let mut request = client
            .post(format!("{base}/graphql"))
            .json(&serde_json::json!({ "query": "{ me { name role } }" }));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };

    let anonymous: serde_json::Value = me(None).await.expect("post").json().await.expect("json");
    assert_eq!(anonymous["data"]["me"], serde_json::Value::Null);
    let known: serde_json::Value = me(Some(format!("Bearer {}", token.secret)))
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(known["data"]["me"]["role"], "PARTNER");

    for authorization in ["Bearer cad_not-a-real-token".to_string(), "Basic abc".to_string()] {
        let refused = me(Some(authorization)).await.expect("post");
        assert_eq!(refused.status(), 401);
        let body: serde_json::Value = refused.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    store.revoke_token(token.info.id).await.expect("revoke");
    let revoked = me(Some(format!("Bearer {}", token.secret))).await.expect("post");
    assert_eq!(revoked.status(), 401);
}

#[tokio::test]
async fn clients_over_their_rate_limit_get_429_with_a_coded_error() {
    let test = seeded().await;
    let base = serve_with_anonymous_limit(&test.directory, 3).await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = client
            .post(format!("{base}/graphql"))
            .json(&serde_json::json!({ "query": "{ needs { code } }" }))
            .send()
            .await
            .expect("post");
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn the_rest_routes_share_the_rate_limit_and_tokens_of_graphql() {
    let test = seeded().await;
    let partner = test
        .directory
        .store()
        .create_principal(
            "Mirroring platform (example)",
            None,
            indexer::accounts::Role::Partner,
            None,
        )
        .await
        .expect("partner");
    let token = test
        .directory
        .store()
        .issue_token(partner.id)
        .await
        .expect("token")
        .secret;
    let base = serve_with_anonymous_limit(&test.directory, 2).await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for path in [
        "/oruk/services",
        "/openactive/session-series",
        "/feeds/oruk-services",
        "/oruk/taxonomies",
    ] {
        let response = client.get(format!("{base}{path}")).send().await.expect("get");
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        }
    }
    assert_eq!(statuses, [200, 200, 429, 429], "one limit over GraphQL and REST alike");
    // A partner's token has its own, higher limit; a made-up one is refused.
    let with_token = client
        .get(format!("{base}/feeds/oruk-services?limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(with_token.status(), 200);
    let made_up = client
        .get(format!("{base}/oruk/services"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("get");
    // The address is over its anonymous limit, and an unknown token counts against it.
    assert_eq!(made_up.status(), 429);
}

/// Serves the directory on an ephemeral loopback port with `per_minute` requests a minute for
/// anonymous clients (100 for token holders); returns its base URL.
async fn serve_with_anonymous_limit(directory: &indexer::Directory, per_minute: u32) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let limits = api::auth::RateLimits {
        anonymous_per_minute: per_minute,
        authenticated_per_minute: 100,
    };
    tokio::spawn(api::serve(
        listener,
        api::AppState::with_limits(directory.clone(), limits),
        std::future::pending(),
    ));
    base
}

#[tokio::test]
async fn fields_come_back_in_the_order_they_were_selected() {
    let (base, _data_dir) = crate::support::spawn_app().await;
    let query = r#"{ services(first: 30) { edges { node { name locations { name postcode } schedules { byday opensAt } ...Ids } } } } fragment Ids on Service { id organization { name id } }"#;
    let text = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("text");
    let nodes: Vec<&str> = text.split(r#"{"node":"#).skip(1).collect();
    assert_eq!(nodes.len(), 30, "{text}");
    for node in nodes {
        let at = |key: &str| {
            node.find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} in {node}"))
        };
        assert!(
            at("name") < at("locations")
                && at("locations") < at("schedules")
                && at("schedules") < at("id")
                && at("id") < at("organization"),
            "selection order: {node}"
        );
    }
}

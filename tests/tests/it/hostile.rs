//! Hostile and careless clients over real loopback HTTP: made-up tokens, huge bodies, idle
//! connections, clients behind proxies, malformed GraphQL, requests past their time.

use indexer::store::db;
use std::time::Duration;

use api::client::TrustedProxies;
use api::config::ServerOptions;
use api::server::ConnectionLimits;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{seeded, TestDirectory};

/// Serves the seeded directory with `options`; returns the base URL.
async fn serve(test: &TestDirectory, options: ServerOptions) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(api::serve(
        listener,
        api::AppState::with_options(test.directory.clone(), options),
        std::future::pending(),
    ));
    base
}

fn limited(anonymous_per_minute: u32) -> ServerOptions {
    ServerOptions {
        rate_limits: api::auth::RateLimits {
            anonymous_per_minute,
            authenticated_per_minute: 1_000,
        },
        ..ServerOptions::default()
    }
}

async fn post(client: &reqwest::Client, base: &str, body: &Value) -> (u16, Value) {
    let response = client
        .post(format!("{base}/graphql"))
        .json(body)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn first_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn made_up_tokens_count_against_the_address_and_the_scheme_is_case_insensitive() {
    let test = seeded().await;
    let base = serve(&test, limited(3)).await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for attempt in 0..6 {
        let response = client
            .post(format!("{base}/graphql"))
            .bearer_auth(format!("cad_made-up-{attempt}"))
            .json(&json!({ "query": "{ needs { code } }" }))
            .send()
            .await
            .expect("post");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);

    let test = seeded().await;
    let principal = test
        .directory
        .store()
        .create_principal("Partner", None, indexer::accounts::Role::Partner, None)
        .await
        .expect("principal");
    let token = test.directory.store().issue_token(principal.id).await.expect("token");
    let base = serve(&test, ServerOptions::default()).await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = client
            .post(format!("{base}/graphql"))
            .header("authorization", format!("{scheme} {}", token.secret))
            .json(&json!({ "query": "{ me { role } }" }))
            .send()
            .await
            .expect("post");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["data"]["me"]["role"], "PARTNER", "scheme {scheme}");
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_they_are_read() {
    let test = seeded().await;
    let options = ServerOptions {
        max_body_bytes: 64 * 1024,
        ..limited(2)
    };
    let base = serve(&test, options).await;
    let client = reqwest::Client::new();
    let padding = "x".repeat(200 * 1024);
    let big = json!({ "query": "{ needs { code } }", "variables": { "padding": padding } });

    let (status, body) = post(&client, &base, &big).await;
    assert_eq!((status, first_code(&body)), (413, "PAYLOAD_TOO_LARGE"));

    // Without a Content-Length (chunked), the body is cut off at the limit as it streams.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = serde_json::to_vec(&big)
        .expect("json")
        .chunks(8 * 1024)
        .map(|chunk| Ok(chunk.to_vec()))
        .collect();
    let response = client
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 413);

    // The client is now over its limit of 2: its next big body is refused with 429, unread.
    let (status, body) = post(&client, &base, &big).await;
    assert_eq!((status, first_code(&body)), (429, "RATE_LIMITED"));
}

#[tokio::test]
async fn silent_connections_are_closed_and_do_not_use_up_the_connection_limit() {
    let test = seeded().await;
    let options = ServerOptions {
        connections: ConnectionLimits {
            max_connections: 2,
            idle_timeout: Duration::from_millis(500),
            ..ConnectionLimits::default()
        },
        ..ServerOptions::default()
    };
    let base = serve(&test, options).await;
    let address = base.trim_start_matches("http://").to_string();
    let mut idle = Vec::new();
    for _ in 0..2 {
        idle.push(tokio::net::TcpStream::connect(&address).await.expect("connect"));
    }
    // Both slots are held by silent clients; the server closes them, then serves this one.
    let health = tokio::time::timeout(Duration::from_secs(10), reqwest::get(format!("{base}/healthz")))
        .await
        .expect("served once the idle connections were closed")
        .expect("get");
    assert_eq!(health.status(), 200);
    for mut stream in idle {
        let mut buffer = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .expect("closed by the server");
        assert!(matches!(read, Ok(0) | Err(_)), "a silent connection was closed");
    }

    // A client that starts a request and stalls is closed too.
    let mut stalled = tokio::net::TcpStream::connect(&address).await.expect("connect");
    stalled
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buffer = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(15), stalled.read(&mut buffer))
        .await
        .expect("stalled request closed");
    match read {
        Ok(0) | Err(_) => {}
        Ok(n) => assert!(
            String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 408"),
            "timed out"
        ),
    }
}

#[tokio::test]
async fn behind_trusted_proxies_each_client_has_its_own_limit() {
    let test = seeded().await;
    let trusting = ServerOptions {
        trusted_proxies: TrustedProxies::new(vec!["127.0.0.1/32".parse().expect("net")]),
        ..limited(2)
    };
    let base = serve(&test, trusting).await;
    let client = reqwest::Client::new();
    let ask = |forwarded_for: &'static str| {
        client
            .post(format!("{base}/graphql"))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({ "query": "{ needs { code } }" }))
            .send()
    };
    let mut statuses = Vec::new();
    for forwarded_for in [
        "198.51.100.1",
        "198.51.100.1",
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.2",
    ] {
        statuses.push(ask(forwarded_for).await.expect("post").status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200]);

    // Not trusted: the header is the client's own claim and changes nothing.
    let base = serve(&seeded().await, limited(2)).await;
    let mut statuses = Vec::new();
    for forwarded_for in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let response = client
            .post(format!("{base}/graphql"))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({ "query": "{ needs { code } }" }))
            .send()
            .await
            .expect("post");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
}

#[tokio::test]
async fn every_graphql_error_has_a_stable_code() {
    let test = seeded().await;
    let base = serve(&test, ServerOptions::default()).await;
    let client = reqwest::Client::new();
    let cases = [
        (json!({ "query": "{ needs { code }" }), 200, "GRAPHQL_PARSE_FAILED"),
        (json!({ "query": "{ noSuchField }" }), 200, "GRAPHQL_VALIDATION_FAILED"),
        (
            json!({ "query": "query Q($n: Int) { services(first: $n) { totalCount } }", "variables": { "n": 99999999999u64 } }),
            200,
            "BAD_USER_INPUT",
        ),
        (
            json!({ "query": "{ needs { code } }", "operationName": "Missing" }),
            200,
            "BAD_REQUEST",
        ),
        (json!({}), 400, "BAD_REQUEST"),
        (json!({ "variables": {} }), 400, "BAD_REQUEST"),
        (json!({ "query": "   " }), 400, "BAD_REQUEST"),
    ];
    for (body, expected_status, expected_code) in cases {
        let (status, answer) = post(&client, &base, &body).await;
        assert_eq!(
            (status, first_code(&answer)),
            (expected_status, expected_code),
            "{body}"
        );
    }
    let nested = format!(
        "{{ __schema {{ types {{ {}name{} }} }} }}",
        "ofType { ".repeat(20),
        " }".repeat(20)
    );
    let (_, answer) = post(&client, &base, &json!({ "query": nested })).await;
    assert_eq!(first_code(&answer), "QUERY_TOO_DEEP", "{answer}");
    let aliases: String = (0..6_000).map(|i| format!("a{i}: needs {{ code }} ")).collect();
    let (_, answer) = post(&client, &base, &json!({ "query": format!("{{ {aliases} }}") })).await;
    assert_eq!(first_code(&answer), "QUERY_TOO_COMPLEX", "{answer}");
}

#[tokio::test]
async fn read_queries_answer_over_get_for_json_clients_and_mutations_need_post() {
    let test = seeded().await;
    let base = serve(&test, ServerOptions::default()).await;
    let client = reqwest::Client::new();
    let query = "{ needs { code } }";
    let response = client
        .get(format!("{base}/graphql"))
        .query(&[("query", query)])
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("cache-control"));
    let body: Value = response.json().await.expect("json");
    assert!(!body["data"]["needs"].as_array().expect("needs").is_empty());

    let mutation = "mutation { revokeToken(id: \"00000000-0000-0000-0000-000000000000\") }";
    let response = client
        .get(format!("{base}/graphql"))
        .query(&[("query", mutation)])
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 405);

    let page = client
        .get(format!("{base}/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    assert!(page.text().await.expect("text").contains("graphiql"));
}

#[tokio::test]
async fn a_browser_may_send_its_token_across_origins() {
    let test = seeded().await;
    let base = serve(&test, ServerOptions::default()).await;
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{base}/graphql"))
        .header("origin", "https://partner.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .expect("preflight");
    let allowed = preflight
        .headers()
        .get("access-control-allow-headers")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization") && !allowed.contains('*'), "{allowed}");
}

#[tokio::test]
async fn a_request_past_its_time_limit_is_stopped_with_a_code() {
    let test = seeded().await;
    let options = ServerOptions {
        request_timeout: Duration::from_millis(1),
        ..ServerOptions::default()
    };
    let base = serve(&test, options).await;
    let query = "{ gapMatrix(parent: \"E10000020\", needs: [\"strength-and-balance\", \"food\"], maxDistanceKm: 5) { rows { place { code } } } }";
    let (status, body) = post(&reqwest::Client::new(), &base, &json!({ "query": query })).await;
    assert_eq!((status, first_code(&body)), (503, "TIMEOUT"), "{body}");
    let health = reqwest::get(format!("{base}/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn expensive_fields_cost_what_they_do_and_lists_are_bounded() {
    let test = seeded().await;
    let base = serve(&test, ServerOptions::default()).await;
    let client = reqwest::Client::new();
    let aliases = |field: &str, n: usize| -> String {
        let body: String = (0..n).map(|i| format!("a{i}: {field} ")).collect();
        format!("{{ {body} }}")
    };
    let boundaries = aliases("places { boundary }", 50);
    let reports = aliases(
        r#"gaps(place: "E10000020", need: "food", maxDistanceKm: 3) { geojson }"#,
        200,
    );
    let matrices = aliases(
        r#"gapMatrix(parent: "E10000020", maxDistanceKm: 3) { rows { coveragePercent } }"#,
        1_000,
    );
    for query in [boundaries, reports, matrices] {
        let (status, body) = post(&client, &base, &json!({ "query": query })).await;
        assert_eq!((status, first_code(&body)), (200, "QUERY_TOO_COMPLEX"));
        assert!(body["data"].is_null(), "nothing was run");
    }
    // One report with its GeoJSON is still a fine request.
    let (_, body) = post(
        &client,
        &base,
        &json!({ "query": r#"{ gaps(place: "E07000145", need: "food", maxDistanceKm: 3) { coveragePercent geojson } }"# }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");

    let many_needs = vec!["strength-and-balance"; 30_000];
    let query = "query S($needs: [String!]) { signpost(input: { postcode: \"NR13 3AT\", needs: $needs }) { needs { need { code } } } }";
    let (_, body) = post(
        &client,
        &base,
        &json!({ "query": query, "variables": { "needs": many_needs } }),
    )
    .await;
    assert_eq!(first_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.needs");
    let (_, body) = post(
        &client,
        &base,
        &json!({ "query": query, "variables": { "needs": vec!["strength-and-balance"; 20] } }),
    )
    .await;
    assert_eq!(
        body["data"]["signpost"]["needs"].as_array().expect("needs").len(),
        1,
        "each need once"
    );
}

#[tokio::test]
async fn repeating_a_signpost_request_cannot_inflate_the_gap_statistics() {
    let test = seeded().await;
    let base = serve(&test, ServerOptions::default()).await;
    let client = reqwest::Client::new();
    let unmet = || async {
        let query = r#"{ gapMatrix(parent: "E10000020", needs: ["food"], maxDistanceKm: 5) { rows { place { code } unmetNeedCount } } }"#;
        let (_, body) = post(&client, &base, &json!({ "query": query })).await;
        body["data"]["gapMatrix"]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|row| row["place"]["code"] == "E07000145")
            .and_then(|row| row["unmetNeedCount"].as_i64())
            .expect("Great Yarmouth row")
    };
    let before = unmet().await;
    let query = r#"{ signpost(input: { postcode: "NR13 3AT", needs: ["food", "food"], maxDistanceKm: 0.01 }) { needs { unmet } } }"#;
    for _ in 0..5 {
        let (_, body) = post(&client, &base, &json!({ "query": query })).await;
        assert_eq!(body["data"]["signpost"]["needs"][0]["unmet"], true, "{body}");
    }
    assert_eq!(
        unmet().await,
        before + 1,
        "one client, one Place, one need: counted once this week"
    );

    // Another client (behind a trusted proxy) counts once too.
    let trusting = ServerOptions {
        trusted_proxies: TrustedProxies::new(vec!["127.0.0.1/32".parse().expect("net")]),
        ..ServerOptions::default()
    };
    let proxied = serve(&test, trusting).await;
    for _ in 0..3 {
        client
            .post(format!("{proxied}/graphql"))
            .header("x-forwarded-for", "198.51.100.77")
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("post");
    }
    assert_eq!(unmet().await, before + 2);
    let stored: Vec<Vec<u8>> = db::query_scalar("SELECT asker_digest FROM unmet_need_askers")
        .fetch_all(test.directory.store().pool())
        .await
        .expect("askers");
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().all(|digest| digest.len() == 32),
        "only keyed digests are stored"
    );
}

#[tokio::test]
async fn forged_cursors_and_unknown_postcodes_get_the_codes_the_rest_of_the_api_uses() {
    use base64::Engine;
    let test = seeded().await;
    let base = serve(&test, ServerOptions::default()).await;
    let client = reqwest::Client::new();
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{}", u64::MAX));
    let query = format!(r#"{{ search(text: "walk", after: "{forged}") {{ edges {{ cursor }} }} }}"#);
    let (_, body) = post(&client, &base, &json!({ "query": query })).await;
    assert_eq!(first_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "after");

    // SW1A 1AA is well formed but outside the directory's area: NOT_FOUND everywhere.
    for (query, field) in [
        (r#"{ postcode(postcode: "SW1A 1AA") { lat } }"#, "postcode"),
        (
            r#"{ search(near: { postcode: "SW1A 1AA", radiusKm: 3 }) { totalCount } }"#,
            "near.postcode",
        ),
        (
            r#"{ signpost(input: { postcode: "SW1A 1AA", needs: ["food"] }) { rural } }"#,
            "input.postcode",
        ),
    ] {
        let (_, body) = post(&client, &base, &json!({ "query": query })).await;
        assert_eq!(first_code(&body), "NOT_FOUND", "{query}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
}

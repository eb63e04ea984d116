//! Residents' pages (`/find`) over HTTP against the real server and seed: results in plain
//! words, every value escaped, helpful pages for bad input, no cookies, nothing typed logged,
//! page weights; and the browser suite (`tests/browser`) run against a live server.
//!
//! # Layout
//! - this module: the pages over HTTP.
//! - [`privacy`]: nothing a resident types reaches the logs.
//! - [`browser`]: Debian's Chromium driven by `tests/browser/run.mjs`.

mod browser;
mod privacy;

use crate::support::spawn_app;

/// A page's status, headers and body.
async fn get(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = reqwest::get(url).await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

fn assert_page_headers(headers: &reqwest::header::HeaderMap, url: &str) {
    assert!(headers.get("set-cookie").is_none(), "{url} sets a cookie");
    assert!(headers.get("x-frame-options").is_none(), "{url} refuses to be framed");
    let policy = headers["content-security-policy"].to_str().expect("policy");
    assert!(policy.contains("frame-ancestors *"), "{url}: {policy}");
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"),
        "{url}: {policy}"
    );
    assert!(headers["content-type"].to_str().expect("type").starts_with("text/html"));
}

#[tokio::test]
async fn a_strength_and_balance_class_near_a_norfolk_postcode_in_plain_words() {
    let (base, _data) = spawn_app().await;
    let url = format!("{base}/find?where=nr19+1ny&need=strength-and-balance");
    let (status, headers, page) = get(&url).await;
    assert_eq!(status, 200);
    assert_page_headers(&headers, &url);
    assert!(
        page.contains("results for strength and balance near NR19 1NY"),
        "{page}"
    );
    assert!(page.contains("Steady Steps chair-based strength and balance, Dereham (example)"));
    // Schedules and sessions in words, distance in miles, the cost as the provider says it.
    assert!(page.contains("Every Thursday, 10am to 11am"), "{page}");
    assert!(page.contains("Next</dt><dd>Thursday "), "{page}");
    assert!(page.contains("Less than half a mile away"));
    assert!(page.contains("£3 per session, first session free"));
    assert!(page.contains(r#"href="tel:01632960170""#));
    // Each result can go on the list, which lives in the URL only.
    let add = page
        .split("href=\"")
        .find(|part| part.contains("list=") && part.starts_with("/find?"))
        .and_then(|part| part.split('"').next())
        .expect("an add-to-list link")
        .replace("&amp;", "&");
    let (_, _, with_list) = get(&format!("{base}{add}")).await;
    assert!(with_list.contains("My list (1)"), "{with_list}");

    let service = page
        .split("href=\"/find/services/")
        .nth(1)
        .and_then(|part| part.split('"').next())
        .expect("a link to a service page")
        .to_string();
    let url = format!("{base}/find/services/{service}");
    let (status, headers, page) = get(&url).await;
    assert_eq!(status, 200);
    assert_page_headers(&headers, &url);
    assert!(page.contains("For people aged 60 and over"), "{page}");
    assert!(page.contains("Next sessions"));

    let url = format!("{base}/find/shortlist?list={service},{service}");
    let (status, headers, page) = get(&url).await;
    assert_eq!(status, 200);
    assert_page_headers(&headers, &url);
    assert_eq!(page.matches("class=\"card\"").count(), 1, "each listing once: {page}");
    assert!(
        page.contains(&format!("/find/shortlist?list={service}\"")),
        "a link that rebuilds the list"
    );
}

#[tokio::test]
async fn hostile_text_is_escaped_everywhere_it_is_shown() {
    let (base, _data) = spawn_app().await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let encoded: String = url_encode(hostile);
    for url in [
        format!("{base}/find?where={encoded}&q={encoded}"),
        format!("{base}/find?where=NR19+1NY&q={encoded}"),
        format!("{base}/find?where=NR19+1NY&need=strength-and-balance&list={encoded}"),
        format!("{base}/find/shortlist?list={encoded}"),
        format!("{base}/find/services/{encoded}"),
        format!("{base}/find?embed=1&accent={encoded}&font={encoded}"),
    ] {
        let (status, headers, page) = get(&url).await;
        assert!(status < 500, "{url}: {status}");
        assert!(headers.get("set-cookie").is_none());
        assert!(!page.contains("<script>alert"), "{url} echoes a script: {page}");
        assert!(!page.contains("<img src=x"), "{url} echoes markup: {page}");
        assert!(!page.contains("onerror=alert(2)>"), "{url}");
    }
    let (_, _, page) = get(&format!("{base}/find?where=NR19+1NY&q={encoded}")).await;
    assert!(page.contains("&lt;script&gt;"), "the words are shown, escaped: {page}");
    // The theme stylesheet takes hex colours only.
    let (_, _, css) = get(&format!(
        "{base}/find/theme.css?accent=000;}}body{{display:none&ink=0b0c0c"
    ))
    .await;
    assert_eq!(css, ":root{--ink:#0b0c0c;--muted:#0b0c0c;}");
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn bad_input_gives_a_page_saying_what_went_wrong_and_what_to_try() {
    let (base, _data) = spawn_app().await;
    let cases = [
        ("where=SW1A+1AA", "We do not have SW1A 1AA in this directory"),
        ("where=Atlantis", "We could not find that place"),
        (
            "where=&q=",
            "Enter a postcode or a place, or type what you are looking for",
        ),
        (
            "where=NR19+1NY&miles=7000&day=someday",
            "Choose a distance from the list",
        ),
        ("where=NR19+1NY&page=99999", "There are at most 50 pages"),
        ("where=NR19+1NY&need=not-a-need", "We do not know one of the topics"),
    ];
    for (query, message) in cases {
        let (status, headers, page) = get(&format!("{base}/find?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_page_headers(&headers, query);
        assert!(page.contains(message), "{query}: {page}");
        assert!(
            page.contains("<title>Error: "),
            "{query}: the title says there is an error"
        );
        assert!(
            page.contains("role=\"alert\""),
            "{query}: the error summary is announced"
        );
    }
    // The error sits next to its field and is tied to it.
    let (_, _, page) = get(&format!("{base}/find?where=SW1A+1AA")).await;
    assert!(
        page.contains(r#"aria-describedby="where-hint where-error" aria-invalid="true""#),
        "{page}"
    );
    assert!(page.contains(r#"<p class="error" id="where-error">"#));

    // A place by name (any case) searches inside it.
    let (status, _, page) = get(&format!("{base}/find?where=breckland&need=social-connection")).await;
    assert_eq!(status, 200);
    assert!(page.contains("for social connection in Breckland"), "{page}");

    let (status, _, page) = get(&format!("{base}/find?where=NR19+1NY&q=xqzvbnmwpt")).await;
    assert_eq!(status, 200);
    assert!(page.contains("No results for"), "{page}");
    assert!(page.contains("tell us what would help"));

    let (status, _, page) = get(&format!("{base}/find/services/not-an-id")).await;
    assert_eq!(status, 400);
    assert!(page.contains("This link is not right"));
    let (status, _, page) = get(&format!("{base}/find/funds/00000000-0000-0000-0000-000000000000")).await;
    assert_eq!(status, 404);
    assert!(page.contains("We could not find this fund") && page.contains("href=\"/find\""));
}

#[tokio::test]
async fn tell_us_what_would_help_answers_from_the_words_and_asks_again_when_it_cannot() {
    let (base, _data) = spawn_app().await;
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("{base}/find/help"))
        .form(&[
            ("about", "I have had two falls and feel lonely"),
            ("where", "NR19 1NY"),
            ("age", "74"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("set-cookie").is_none());
    let page = answer.text().await.expect("body");
    assert!(page.contains("we looked for: Strength and balance"), "{page}");
    assert!(
        !page.contains("two falls"),
        "what was typed is not echoed into the answer"
    );

    let missing = client
        .post(format!("{base}/find/help"))
        .form(&[("about", ""), ("where", "ZZ1 1ZZ"), ("age", "old")])
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("body");
    for message in [
        "We do not have ZZ1 1ZZ",
        "Tell us in a few words what would help",
        "Enter your age as a number",
    ] {
        assert!(missing.contains(message), "{message}: {missing}");
    }
}

#[tokio::test]
async fn pages_stay_within_their_weight_and_the_embed_script_under_15_kb() {
    let (base, _data) = spawn_app().await;
    let (_, _, results) = get(&format!("{base}/find?where=NR19+1NY&need=strength-and-balance")).await;
    let (_, _, css) = get(&format!("{base}/find/site.css")).await;
    let (_, _, frame_js) = get(&format!("{base}/find/frame.js")).await;
    let total = results.len() + css.len() + frame_js.len();
    assert!(total <= 60 * 1024, "a results page weighs {total} bytes");
    let embed = reqwest::get(format!("{base}/embed.js")).await.expect("embed");
    assert!(embed.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/javascript"));
    let embed = embed.text().await.expect("body");
    assert!(embed.len() <= 15 * 1024, "embed.js weighs {} bytes", embed.len());
    assert!(
        embed.contains("event.origin !== origin"),
        "the embed checks who sends it messages"
    );
}

//! The residents' pages in a real browser: Debian's Chromium, driven over the DevTools protocol
//! by `tests/browser/run.mjs` (puppeteer-core, axe-core), against this server on loopback and a
//! partner page served from a second origin (another port) that embeds the search.
//!
//! Needs `/usr/bin/chromium` (or `CHROMIUM`), `node` and `npm ci` run in `tests/browser`
//! (`.ci/run` does both). Without them the test says loudly that it skipped, and fails when
//! `BROWSER_TESTS=required` (as `.ci/run` sets).

use std::path::{Path, PathBuf};

use axum::response::Html;
use axum::routing::get;

use crate::support::{spawn_app, workspace_root};

/// The partner's plain HTML page, with the documented one-line snippet.
fn partner_page(directory: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Partner surgery: keeping steady</title>
<style>body {{ font-family: Georgia, serif; background: #fdf6e3; }} h1 {{ color: #4b0082; }} iframe {{ outline: 0; }}</style>
</head>
<body>
<h1 id="host-title">Keeping steady on your feet</h1>
<p>Classes near you, from the community directory:</p>
<script src="{directory}/embed.js" data-place="NR19 1NY" data-needs="strength-and-balance" async></script>
<p id="after">Talk to your GP practice if you have had a fall.</p>
</body>
</html>"#
    )
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing for the browser suite, if anything.
fn missing(suite: &Path) -> Option<String> {
    if !chromium().exists() {
        return Some(format!("{} (apt-get install chromium)", chromium().display()));
    }
    if std::process::Command::new("node").arg("--version").output().is_err() {
        return Some("node".to_string());
    }
    for package in ["puppeteer-core", "axe-core"] {
        if !suite.join("node_modules").join(package).exists() {
            return Some(format!(
                "tests/browser/node_modules/{package} (npm ci in tests/browser)"
            ));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_work_by_keyboard_embedded_printed_without_javascript_and_pass_axe() {
    let suite = workspace_root().join("tests").join("browser");
    if let Some(what) = missing(&suite) {
        if std::env::var("BROWSER_TESTS").as_deref() == Ok("required") {
            panic!("BROWSER_TESTS=required but {what} is missing");
        }
        eprintln!("\n!!!!!!!! SKIPPED: residents' pages browser tests: {what} is missing !!!!!!!!\n");
        return;
    }
    let (base, _data) = spawn_app().await;
    let partner = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let partner_base = format!("http://{}", partner.local_addr().expect("address"));
    let page = partner_page(&base);
    let host = axum::Router::new().route("/", get(move || async move { Html(page) }));
    tokio::spawn(async move { axum::serve(partner, host).await });

    let screens = std::env::var("SCREENSHOTS_DIR").unwrap_or_default();
    let (script, arguments) = (suite.join("run.mjs"), [base.clone(), partner_base.clone()]);
    // The browser suite runs off the runtime, which keeps serving both origins meanwhile.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .args(arguments)
            .env("CHROMIUM", chromium())
            .env("SCREENSHOTS_DIR", screens)
            .current_dir(&suite)
            .output()
    })
    .await
    .expect("node task")
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser tests failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("browser tests: all passed"), "{stdout}\n{stderr}");
}

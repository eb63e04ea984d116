//! Residents' pages benchmark: server time for a results page over the bundled Norfolk seed,
//! over HTTP as a resident's browser asks for it, and the pages' weights (a bench binary that
//! prints its figures; no test harness).
//!
//! Run in release: `cargo bench -p api --bench pages` (`PAGES_BENCH_REQUESTS`, requests per
//! kind of search, default 300). It seeds a temporary data directory, serves the real router
//! on loopback, and times, one after another, `/find` results pages for the searches residents
//! make: a topic near a postcode, words near a postcode, words with filters, a place by name,
//! and a later page.
//!
//! Issue 20's targets: a results page p99 ≤ 20 ms; a page with its stylesheet and script
//! ≤ 60 KB uncompressed (no images); `embed.js` ≤ 15 KB.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use api::auth::RateLimits;
use api::AppState;
use indexer::Directory;

/// The allocator the binaries use (see `api/src/main.rs`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PAGE_TARGET: Duration = Duration::from_millis(20);
const WEIGHT_TARGET: usize = 60 * 1024;
const EMBED_TARGET: usize = 15 * 1024;

/// Results pages as residents ask for them: (what, query).
const SEARCHES: &[(&str, &str)] = &[
    ("topic near a postcode", "where=NR19+1NY&need=strength-and-balance"),
    ("words near a postcode", "where=NR27+0BL&q=chair+exercise"),
    (
        "words and filters",
        "where=NR30+2JS&q=lunch+club&day=tue&free=yes&stepfree=yes&miles=10",
    ),
    ("topic in a place by name", "where=Breckland&need=social-connection"),
    ("second page, everything near", "where=NR1+2AB&miles=20&q=group&page=2"),
];

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    runtime.block_on(run())
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let at = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}

async fn run() -> Result<()> {
    let requests: usize = std::env::var("PAGES_BENCH_REQUESTS")
        .ok()
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(300);
    let data_dir = tempfile::tempdir()?;
    let directory = Directory::open(data_dir.path()).await?;
    let limits = RateLimits {
        anonymous_per_minute: u32::MAX,
        authenticated_per_minute: u32::MAX,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState::with_limits(directory.clone(), limits);
    let server = tokio::spawn(api::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::new();

    println!("residents' results pages over the Norfolk seed, {requests} requests each, one at a time");
    let mut all = Vec::new();
    for (what, query) in SEARCHES {
        let url = format!("{base}/find?{query}");
        let warm = client.get(&url).send().await?.text().await?;
        anyhow::ensure!(warm.contains("results-title"), "{what}: no results section");
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            let response = client.get(&url).send().await?;
            anyhow::ensure!(response.status() == 200, "{what}: {}", response.status());
            response.bytes().await?;
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "  {what:<32} p50 {:>6.2} ms  p99 {:>6.2} ms  ({} bytes)",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            warm.len()
        );
        all.extend(times);
    }
    all.sort();
    let p99 = percentile(&all, 0.99);
    println!(
        "  all results pages                p50 {:>6.2} ms  p99 {:>6.2} ms  (target p99 ≤ {} ms: {})",
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        PAGE_TARGET.as_millis(),
        if p99 <= PAGE_TARGET { "met" } else { "MISSED" }
    );

    let fetch = |path: &str| {
        let url = format!("{base}{path}");
        let client = client.clone();
        async move { Ok::<usize, anyhow::Error>(client.get(url).send().await?.bytes().await?.len()) }
    };
    let css = fetch("/find/site.css").await?;
    let script = fetch("/find/frame.js").await?;
    let embed = fetch("/embed.js").await?;
    println!("page weights (uncompressed, no images; stylesheet {css} B and script {script} B included):");
    for (what, path) in [
        ("search form", "/find".to_string()),
        ("results", format!("/find?{}", SEARCHES[0].1)),
        ("help form", "/find/help".to_string()),
    ] {
        let html = fetch(&path).await?;
        let total = html + css + script;
        println!(
            "  {what:<12} {html:>6} B html, {total:>6} B in all (target ≤ {} B: {})",
            WEIGHT_TARGET,
            if total <= WEIGHT_TARGET { "met" } else { "MISSED" }
        );
    }
    println!(
        "  embed.js     {embed:>6} B (target ≤ {EMBED_TARGET} B: {})",
        if embed <= EMBED_TARGET { "met" } else { "MISSED" }
    );
    server.abort();
    directory.close().await;
    Ok(())
}

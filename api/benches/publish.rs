//! Publishing benchmark: the Open Referral UK API, the OpenActive feeds, the change sync and
//! the bulk export on a national set of 1,000,000 services, over HTTP as platforms use them
//! (a bench binary that prints its figures; no test harness).
//!
//! Run in release: `PUBLISH_BENCH_DATA_DIR=/some/dir cargo bench -p api --bench publish`
//! (`PUBLISH_BENCH_SERVICES=50000` for a quick run; `PUBLISH_BENCH_REQUESTS`, requests per
//! class, default 300; `PUBLISH_BENCH_SKIP_EXPORT=1` skips the export;
//! `PUBLISH_BENCH_ONLY=modified,organizations` runs only the classes whose names contain one of
//! the words). The data directory is kept: a second run reuses the set it holds.
//!
//! 1. Opens the directory (seeding Norfolk) and, unless it already holds it, writes the
//!    deterministic synthetic national set the signpost bench uses ([`national`]) and
//!    rebuilds the search index.
//! 2. Exports every service as ORUK NDJSON (`indexer export`'s path) and reports the time and
//!    the peak RSS so far.
//! 3. Serves the real router on loopback and times requests one after another: `/services/{id}`
//!    at random ids; `/services` pages with the filters platforms combine (needs, days and
//!    times, ages, a postcode and distance, an organisation, `modified_after`, and searches
//!    written as people type them: long questions, stop words, typos); `/service_at_locations`;
//!    and RPDE feed pages of 500 items walked from the start as a consumer would.
//!
//! Issue 18's targets: pages and `/services/{id}` p99 ≤ 20 ms; a feed page of 500 ≤ 50 ms;
//! export of 1M ≤ 60 s with peak RSS ≤ 1.5 GB.

#[allow(dead_code)]
#[path = "../../indexer/benches/signpost/national.rs"]
mod national;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use api::auth::RateLimits;
use api::AppState;
use indexer::search::sync;
use indexer::Directory;
use serde_json::Value;
use uuid::Uuid;

/// The allocator the binaries use (see `api/src/main.rs`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PAGE_TARGET: Duration = Duration::from_millis(20);
const FEED_TARGET: Duration = Duration::from_millis(50);
const EXPORT_TARGET: Duration = Duration::from_secs(60);

/// Searches as residents and link workers type them; none tuned on.
const SEARCHES: &[&str] = &[
    "strength and balance",
    "chair based exercise",
    "help with heating bills",
    "exercise class for older people",
    "memory cafe for people with dementia and carers",
    "somewhere to meet people near me",
    "walking group",
    "tai chi classes for beginners",
    "benefits advice",
    "lonley and need company",
    "exercize for bad knees",
    "falls prevention class",
    "befriending phone calls for someone living alone",
    "support for carers of someone with dementia",
    "lunch club",
    "coffee morning in the village",
    "gentle yoga",
    "money worries and debt",
    "how do I get help with my energy bills",
    "classes to stop me falling over",
];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `VmHWM` (peak resident set) of this process, in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Whether the class of requests `name` is to run: every class, or those whose names contain
/// one of the comma-separated words of `PUBLISH_BENCH_ONLY` (to profile one path).
fn chosen(name: &str) -> bool {
    std::env::var("PUBLISH_BENCH_ONLY")
        .map(|only| only.split(',').any(|word| name.contains(word.trim())))
        .unwrap_or(true)
}

/// The load average (1, 5 and 15 minutes), to read each figure beside.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let rank = ((sorted.len() as f64) * fraction).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    runtime.block_on(run())
}

async fn run() -> Result<()> {
    let services = env_number("PUBLISH_BENCH_SERVICES", 1_000_000);
    let requests = env_number("PUBLISH_BENCH_REQUESTS", 300) as usize;
    let data_dir: PathBuf = std::env::var_os("PUBLISH_BENCH_DATA_DIR")
        .context("set PUBLISH_BENCH_DATA_DIR to a data directory to build (or reuse) the national set in")?
        .into();
    println!("publish benchmark: {services} synthetic services, {requests} requests per class");
    let directory = Directory::open(&data_dir).await?;
    let marker = data_dir.join(format!("synthetic-{services}.done"));
    if !marker.exists() {
        build(&directory, services).await?;
        std::fs::write(&marker, b"").context("writing the marker")?;
    }

    if std::env::var_os("PUBLISH_BENCH_SKIP_EXPORT").is_none() {
        export(&directory, &data_dir).await?;
    }

    let limits = RateLimits {
        anonymous_per_minute: u32::MAX,
        authenticated_per_minute: u32::MAX,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let state = AppState::with_limits(directory.clone(), limits);
    let server = tokio::spawn(api::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::new();
    let bench = Bench {
        client,
        address,
        requests,
    };

    bench.wait_for_read_ahead().await?;
    bench.services_by_id(&directory).await?;
    bench.service_pages().await?;
    bench.feeds().await?;
    println!("  peak RSS at the end: {:.0} MB", peak_rss_mb());
    server.abort();
    directory.close().await;
    Ok(())
}

/// Writes the synthetic set and rebuilds the index.
async fn build(directory: &Directory, services: u64) -> Result<()> {
    let places = directory.places();
    let inserted = national::insert(directory.store(), &places, services).await?;
    println!("  insert: {:.1} s", inserted.elapsed.as_secs_f64());
    let rebuilt = Instant::now();
    let documents = sync::rebuild(directory.store(), &places, directory.search_index(), |_| {}).await?;
    println!(
        "  index rebuild: {:.1} s for {documents} documents",
        rebuilt.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The bulk export to a file beside the data, timed, with the peak RSS so far.
async fn export(directory: &Directory, data_dir: &Path) -> Result<()> {
    let path = data_dir.join("export.ndjson");
    let file = std::fs::File::create(&path)?;
    let started = Instant::now();
    let exported = directory.export_oruk_ndjson(file, |_| {}).await?;
    let took = started.elapsed();
    println!(
        "  export: {} services, {:.0} MB in {:.1} s ({:.0} services/s); peak RSS so far {:.0} MB (target <= {} s: {})",
        exported.services,
        exported.bytes as f64 / 1e6,
        took.as_secs_f64(),
        exported.services as f64 / took.as_secs_f64(),
        peak_rss_mb(),
        EXPORT_TARGET.as_secs(),
        if took <= EXPORT_TARGET { "met" } else { "MISSED" }
    );
    std::fs::remove_file(&path)?;
    Ok(())
}

/// Makes the i-th request of a class.
type RequestMaker<'a> = Box<dyn Fn(usize) -> String + 'a>;

struct Bench {
    client: reqwest::Client,
    address: SocketAddr,
    requests: usize,
}

impl Bench {
    async fn get(&self, path_and_query: &str) -> Result<(Duration, Value)> {
        let started = Instant::now();
        let response = self
            .client
            .get(format!("http://{}{path_and_query}", self.address))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        let took = started.elapsed();
        if !status.is_success() {
            bail!("{path_and_query} answered {status}: {body}");
        }
        Ok((took, body))
    }

    /// A first gap report, which waits for the gap read-ahead `api::serve` starts with: the
    /// timed requests then meet a server that has finished starting, as a platform's would.
    async fn wait_for_read_ahead(&self) -> Result<()> {
        let started = Instant::now();
        let query =
            r#"{ gaps(place: "E07000143", need: "strength-and-balance", maxDistanceKm: 5) { coveragePercent } }"#;
        // On a busy machine the read-ahead can outlast the server's request time limit: ask
        // again (it keeps reading) until it answers.
        loop {
            let response = self
                .client
                .post(format!("http://{}/graphql", self.address))
                .json(&serde_json::json!({ "query": query }))
                .send()
                .await?;
            let body: Value = response.json().await?;
            match body["errors"][0]["extensions"]["code"].as_str() {
                None => break,
                Some("TIMEOUT") if started.elapsed() < Duration::from_secs(600) => continue,
                Some(_) => bail!("the first gap report failed: {body}"),
            }
        }
        println!(
            "  server ready (gap read-ahead finished) after {:.1} s; load average {}",
            started.elapsed().as_secs_f64(),
            load_average()
        );
        Ok(())
    }

    fn report(&self, name: &str, mut latencies: Vec<Duration>, target: Duration, note: &str) {
        latencies.sort();
        let tail = percentile(&latencies, 0.99);
        println!(
            "  {name:<44} p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  (target p99 <= {} ms: {}){note}",
            ms(percentile(&latencies, 0.50)),
            ms(tail),
            ms(latencies[latencies.len() - 1]),
            target.as_millis(),
            if tail <= target { "met" } else { "MISSED" },
        );
    }

    /// `/oruk/services/{id}` at ids spread over the whole set.
    async fn services_by_id(&self, directory: &Directory) -> Result<()> {
        if !chosen("GET /oruk/services/{id}") {
            return Ok(());
        }
        let mut ids = Vec::with_capacity(self.requests);
        for index in 0..self.requests as u64 {
            let after = Uuid::from_u128(u128::from(national::mix(index, 77)) << 64);
            let found = directory.store().public_service_ids_after(Some(after), 1).await?;
            ids.extend(found);
        }
        let mut latencies = Vec::new();
        for id in ids {
            latencies.push(self.get(&format!("/oruk/services/{id}")).await?.0);
        }
        self.report("GET /oruk/services/{id}", latencies, PAGE_TARGET, "");
        Ok(())
    }

    /// `/oruk/services` and `/oruk/service_at_locations` pages with realistic filters.
    async fn service_pages(&self) -> Result<()> {
        let (_, terms) = self.get("/oruk/taxonomy_terms?per_page=50").await?;
        let term_ids: Vec<String> = terms["contents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|term| term["id"].as_str().map(str::to_string))
            .take(10)
            .collect();
        // Real Norfolk postcodes (the seed's Code-Point Open extract).
        let postcodes = [
            "NR1 1YN", "NR5 0TL", "NR9 5AP", "NR13 4EB", "NR17 1PD", "NR21 7PF", "NR29 3RY", "PE32 2AQ",
        ];
        let days = ["MO", "TU", "WE", "TH", "FR"];
        let (_, organizations) = self.get("/oruk/organizations?per_page=50&page=3").await?;
        let organization_ids: Vec<String> = organizations["contents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["id"].as_str().map(str::to_string))
            .collect();
        let (short, long): (Vec<&str>, Vec<&str>) = SEARCHES.iter().partition(|s| s.split(' ').count() <= 2);
        let pick = |items: &[&str], i: usize, salt: u64| {
            items[(national::mix(i as u64, salt) as usize) % items.len()].to_string()
        };
        let term = |i: usize| term_ids[(national::mix(i as u64, 3) as usize) % term_ids.len().max(1)].clone();
        let encode = |text: &str| text.replace(' ', "+");
        let classes: Vec<(&str, RequestMaker)> = vec![
            ("/services first page", Box::new(|_| "/oruk/services".into())),
            (
                "/services?taxonomy_term_id&page",
                Box::new(|i| format!("/oruk/services?taxonomy_term_id={}&page={}", term(i), 1 + i % 20)),
            ),
            (
                "/services?search (1-2 words)",
                Box::new(|i| format!("/oruk/services?search={}", encode(&pick(&short, i, 5)))),
            ),
            (
                "/services?search (3-9 words, as people ask)",
                Box::new(|i| format!("/oruk/services?search={}", encode(&pick(&long, i, 5)))),
            ),
            (
                "/services?postcode&proximity&term",
                Box::new(|i| {
                    format!(
                        "/oruk/services?postcode={}&proximity=5000&taxonomy_term_id={}",
                        encode(&pick(&postcodes, i, 7)),
                        term(i)
                    )
                }),
            ),
            (
                "/services?day&start_time&end_time&term",
                Box::new(|i| {
                    format!(
                        "/oruk/services?day={}&start_time=09:00&end_time=14:00&taxonomy_term_id={}",
                        pick(&days, i, 9),
                        term(i)
                    )
                }),
            ),
            (
                "/services?minimum_age&maximum_age",
                Box::new(|i| {
                    format!(
                        "/oruk/services?minimum_age={}&maximum_age=120&page={}",
                        18 + i % 50,
                        1 + i % 5
                    )
                }),
            ),
            (
                "/services?organization_id",
                Box::new(|i| {
                    format!(
                        "/oruk/services?organization_id={}",
                        organization_ids[i % organization_ids.len().max(1)]
                    )
                }),
            ),
            (
                "/services?modified_after",
                Box::new(|i| {
                    format!(
                        "/oruk/services?modified_after=2025-{:02}-01T00:00:00Z&page={}",
                        1 + i % 12,
                        1 + i % 10
                    )
                }),
            ),
            (
                "/services?search&postcode&day (combined)",
                Box::new(|i| {
                    format!(
                        "/oruk/services?search={}&postcode={}&proximity=10000&day={}",
                        encode(&pick(SEARCHES, i, 11)),
                        encode(&pick(&postcodes, i, 13)),
                        pick(&days, i, 15)
                    )
                }),
            ),
            (
                "/service_at_locations?postcode&proximity",
                Box::new(|i| {
                    format!(
                        "/oruk/service_at_locations?postcode={}&proximity=3000",
                        encode(&pick(&postcodes, i, 17))
                    )
                }),
            ),
            (
                "/organizations page",
                Box::new(|i| format!("/oruk/organizations?page={}", 1 + i % 50)),
            ),
        ];
        for (name, make) in classes {
            if !chosen(name) {
                continue;
            }
            let mut latencies = Vec::with_capacity(self.requests);
            let mut total_items = 0u64;
            for i in 0..self.requests {
                let (took, body) = self.get(&make(i)).await?;
                total_items += body["total_items"].as_u64().unwrap_or(0);
                latencies.push(took);
            }
            let note = format!("  mean total_items {}", total_items / self.requests as u64);
            self.report(name, latencies, PAGE_TARGET, &note);
        }
        Ok(())
    }

    /// RPDE pages of 500 items, walked from the start by following `next`.
    async fn feeds(&self) -> Result<()> {
        for (name, start) in [
            ("OpenActive session-series page", "/openactive/session-series"),
            ("OpenActive scheduled-sessions page", "/openactive/scheduled-sessions"),
            ("change sync (ORUK services) page", "/feeds/oruk-services"),
        ] {
            if !chosen(name) {
                continue;
            }
            let mut latencies = Vec::new();
            let mut next = start.to_string();
            let mut items = 0usize;
            for _ in 0..self.requests.min(200) {
                let (took, body) = self.get(&next).await?;
                latencies.push(took);
                let count = body["items"].as_array().map_or(0, Vec::len);
                items += count;
                let following = body["next"].as_str().unwrap_or_default();
                let path = following
                    .find("://")
                    .and_then(|at| following[at + 3..].find('/').map(|p| &following[at + 3 + p..]));
                match path {
                    Some(path) if count > 0 => next = path.to_string(),
                    _ => break,
                }
            }
            let note = format!("  {} pages, {items} items", latencies.len());
            self.report(name, latencies, FEED_TARGET, &note);
        }
        Ok(())
    }
}

//! Area loading benchmark (a bench binary that prints figures; no test harness).
//!
//! Run in release: `cargo bench -p indexer --bench areas`
//!
//! 1. One unitary authority: the real North Northamptonshire pack
//!    (`tests/fixtures/areas/E06000061`, 8,555 postcodes, 205 LSOAs) loaded into a freshly
//!    seeded directory; then `postcode()` and `placesAt` latencies.
//! 2. All of England: a generated pack of England's size in the same file formats (33,755
//!    LSOAs, 1.5 million postcodes; see `generate.rs` for how), written to a temporary
//!    directory first (not timed), then loaded into a freshly seeded directory: load time and
//!    peak RSS (`VmHWM`, reset through `/proc/self/clear_refs` before the load), the memory
//!    of the in-memory postcode table and place index, and `postcode()` and `placesAt`
//!    latencies over the whole country.
//!
//! Targets (issue 23): one UA ≤ 5 s; England ≤ 90 s with peak RSS ≤ 2 GB; the lookups
//! ≤ 400 MB; `postcode()` and `placesAt` under 50 µs.

mod generate;

use std::path::Path;
use std::time::{Duration, Instant};

use indexer::domain::{GeoPoint, Postcode};
use indexer::Directory;

/// The allocator the binaries use (see `api/src/main.rs`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in MB.
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets the peak resident set to the current one (Linux `clear_refs` value 5).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Mean and 99th percentile of per-call timings.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len().max(1) as u32;
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    format!("mean {mean:.2?}, p99 {p99:.2?} over {} calls", times.len())
}

async fn postcode_latency(directory: &Directory, postcodes: &[Postcode], calls: usize) -> String {
    let mut times = Vec::with_capacity(calls);
    for i in 0..calls {
        let postcode = &postcodes[i % postcodes.len()];
        let started = Instant::now();
        let found = directory.postcode(postcode).await;
        times.push(started.elapsed());
        assert!(found.is_ok(), "{postcode} is loaded");
    }
    summary(times)
}

fn places_at_latency(directory: &Directory, box_: (f64, f64, f64, f64), calls: usize) -> (String, f64) {
    let mut random = generate::Random(0xfeed_beef);
    let mut times = Vec::with_capacity(calls);
    let mut found = 0usize;
    for _ in 0..calls {
        let point = GeoPoint::new(random.between(box_.1, box_.3), random.between(box_.0, box_.2)).expect("point");
        let started = Instant::now();
        let places = directory.places_at(point);
        times.push(started.elapsed());
        found += places.len();
    }
    (summary(times), found as f64 / calls as f64)
}

async fn fresh_directory(dir: &Path) -> Directory {
    Directory::open(dir).await.expect("open and seed")
}

#[tokio::main]
async fn main() {
    // The load logs each stage's time (`RUST_LOG=indexer=info`, the default here).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("indexer=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/areas/E06000061");
    println!(
        "# one unitary authority: North Northamptonshire ({})",
        fixture.display()
    );
    let data = tempfile::tempdir().expect("temp dir");
    let directory = fresh_directory(data.path()).await;
    let started = Instant::now();
    let load = directory.load_area(&fixture).await.expect("loads");
    println!(
        "load: {:.2?} ({} postcodes, {} LSOAs, population {})",
        started.elapsed(),
        load.summary.postcodes(),
        load.summary.lsoas(),
        load.summary.population()
    );
    let sample: Vec<Postcode> = ["NN10 8BQ", "NN17 1AA", "NN15 5AA", "PE8 4AA"]
        .iter()
        .filter_map(|raw| Postcode::parse(raw).ok())
        .filter(|p| directory.postcode_table().get(p).is_some())
        .collect();
    println!("postcode(): {}", postcode_latency(&directory, &sample, 100_000).await);
    let (latency, per_call) = places_at_latency(&directory, (-0.95, 52.2, -0.35, 52.65), 50_000);
    println!("placesAt: {latency} ({per_call:.1} places a call)");
    directory.close().await;
    drop(data);

    println!("\n# all of England, generated");
    let pack = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let generated = generate::england(pack.path()).expect("generate");
    println!(
        "generated in {:.1?}: {} LSOAs, {} MSOAs, {} wards, {} postcodes, {:.0} MB of files",
        started.elapsed(),
        generated.lsoas,
        generated.msoas,
        generated.wards,
        generated.postcodes,
        generated.bytes as f64 / 1e6
    );
    let data = tempfile::tempdir().expect("temp dir");
    let directory = fresh_directory(data.path()).await;
    reset_peak_memory();
    let (_, rss_before) = memory_mb();
    let started = Instant::now();
    let load = directory.load_area(pack.path()).await.expect("England loads");
    let elapsed = started.elapsed();
    let (peak, rss_after) = memory_mb();
    println!(
        "load: {elapsed:.1?} ({} districts, {} LSOAs, {} postcodes); peak RSS {peak:.0} MB (RSS {rss_before:.0} MB before, {rss_after:.0} MB after)",
        load.summary.districts.len(),
        load.summary.lsoas(),
        load.summary.postcodes()
    );
    let table = directory.postcode_table();
    let places = directory.places();
    println!(
        "lookups: postcode table {:.0} MB ({} postcodes), place index {:.0} MB ({} places)",
        table.heap_bytes() as f64 / 1e6,
        table.len(),
        places.heap_bytes() as f64 / 1e6,
        places.len()
    );
    let sample: Vec<Postcode> = generated
        .sample_postcodes
        .iter()
        .filter_map(|raw| Postcode::parse(raw).ok())
        .collect();
    println!("postcode(): {}", postcode_latency(&directory, &sample, 200_000).await);
    let (latency, per_call) = places_at_latency(&directory, (-5.4, 50.2, 1.6, 55.6), 100_000);
    println!("placesAt: {latency} ({per_call:.1} places a call)");
    directory.close().await;
}

//! Signposting benchmark (a bench binary that prints its figures; no test harness).
//!
//! Run in release: `cargo bench -p indexer --bench signpost`
//! (`SIGNPOST_BENCH_SERVICES=50000` for a quick run; `SIGNPOST_BENCH_REQUESTS`, default 600;
//! `SIGNPOST_BENCH_PROFILE`, requests replayed stage by stage afterwards, default 200;
//! `SIGNPOST_BENCH_DATA_DIR=/some/new/dir` keeps the data directory instead of a temporary one).
//!
//! 1. Opens a directory in a temporary data dir (seeding Norfolk), then writes a deterministic
//!    synthetic national set of 1,000,000 services to SQLite through the store's insert
//!    functions ([`national`]) and reports the time.
//! 2. Rebuilds the search index from the database (`search::sync::rebuild`, the `indexer
//!    reindex` path) and reports the time and peak RSS (`VmHWM`).
//! 3. Runs signposting requests at real Norfolk postcodes ([`requests`]) one after another,
//!    in process on a multi-thread runtime, after a warm-up, and reports p50/p95/p99/max.
//!
//! Issue 5's target: p99 ≤ 20 ms.

mod national;
mod profile;
mod requests;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indexer::search::sync;
use indexer::Directory;

/// The allocator the binaries use (see `api/src/main.rs`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WARM_UP_REQUESTS: u64 = 60;
const TARGET_P99: Duration = Duration::from_millis(20);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

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
    let services = env_number("SIGNPOST_BENCH_SERVICES", 1_000_000);
    let measured = env_number("SIGNPOST_BENCH_REQUESTS", 600);
    let repository_root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the workspace root")?;
    let temporary = tempfile::tempdir().context("a temporary data dir")?;
    // `SIGNPOST_BENCH_DATA_DIR` (a new directory) keeps the data for a look afterwards.
    let data_dir =
        std::env::var_os("SIGNPOST_BENCH_DATA_DIR").map_or_else(|| temporary.path().to_path_buf(), Into::into);
    println!("signpost benchmark: {services} synthetic services, {measured} requests");

    let opened = Instant::now();
    let directory = Directory::open(&data_dir).await?;
    println!("  open and seed Norfolk: {:.1} s", opened.elapsed().as_secs_f64());

    // A kept data dir that already holds this set is reused as it is (for quick reruns).
    let marker = data_dir.join(format!("synthetic-{services}.done"));
    if marker.exists() {
        println!("  reusing the synthetic set in {}", data_dir.display());
    } else {
        build(&directory, services).await?;
        std::fs::write(&marker, b"").context("writing the marker")?;
    }
    measure(&directory, repository_root, measured).await?;
    directory.close().await;
    Ok(())
}

/// Writes the synthetic set and rebuilds the index, reporting times and memory.
async fn build(directory: &Directory, services: u64) -> Result<()> {
    let places = directory.places();
    let inserted = national::insert(directory.store(), &places, services).await?;
    println!(
        "  insert: {:.1} s ({:.0} services/s): {} organisations, {} venues, {} services in Norfolk ({:.2}%), {} of them remote",
        inserted.elapsed.as_secs_f64(),
        inserted.services as f64 / inserted.elapsed.as_secs_f64(),
        inserted.organizations,
        inserted.venues,
        inserted.norfolk_services,
        100.0 * inserted.norfolk_services as f64 / inserted.services.max(1) as f64,
        inserted.remote_services,
    );

    let rebuilt = Instant::now();
    let documents = sync::rebuild(
        directory.store(),
        &places,
        directory.search_index(),
        |step| match step {
            sync::RebuildProgress::Read(read) if read % 100_000 == 0 => eprint!("\r  read {read} services"),
            sync::RebuildProgress::Added(added) => eprint!("\r  indexed {added} documents"),
            sync::RebuildProgress::Read(_) => {}
        },
    )
    .await?;
    eprintln!();
    let (peak, resident) = memory_mb();
    println!(
        "  index rebuild: {:.1} s for {documents} documents; peak RSS {peak:.0} MB (now {resident:.0} MB)",
        rebuilt.elapsed().as_secs_f64()
    );

    Ok(())
}

/// Runs the requests and reports latency, then where the time goes.
async fn measure(directory: &Directory, repository_root: &Path, measured: u64) -> Result<()> {
    let points = requests::norfolk_points(repository_root)?;
    for index in 0..WARM_UP_REQUESTS {
        directory
            .signpost(requests::request(&points, 1_000_000 + index))
            .await?;
    }
    let (cold_caches, warm_caches) = (true, false);
    for cold in [warm_caches, cold_caches] {
        let mut latencies = Vec::with_capacity(measured as usize);
        let (mut needs, mut options, mut unmet) = (0, 0, 0);
        for index in 0..measured {
            let request = requests::request(&points, index);
            if cold {
                directory.search_index().clear_caches();
            }
            let started = Instant::now();
            let result = directory.signpost(request).await?;
            latencies.push(started.elapsed());
            needs += result.needs.len();
            options += result.needs.iter().map(|n| n.options.len()).sum::<usize>();
            unmet += result.needs.iter().filter(|n| n.unmet).count();
        }
        latencies.sort();
        let caches = match cold {
            true => "every cache emptied before each request: no listing read before",
            false => "as a server runs: listings read by earlier requests are cached",
        };
        println!(
            "  signpost ({measured} requests at {} Norfolk postcodes; {needs} needs, {options} options, {unmet} unmet; {caches}):",
            points.len()
        );
        let tail = percentile(&latencies, 0.99);
        println!(
            "    p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (target p99 <= {} ms: {})",
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.95)),
            ms(tail),
            ms(latencies[latencies.len() - 1]),
            TARGET_P99.as_millis(),
            if tail <= TARGET_P99 { "met" } else { "MISSED" },
        );
    }
    let profiled = env_number("SIGNPOST_BENCH_PROFILE", 200).min(measured);
    if profiled > 0 {
        let mut stages = profile::Stages::default();
        for index in 0..profiled {
            let request = requests::request(&points, index);
            let result = directory.signpost(request.clone()).await?;
            profile::replay(directory, &request, &result, &mut stages).await?;
        }
        println!("  where the time goes ({profiled} requests replayed; per request):");
        for (name, durations) in [
            ("candidate searches (tantivy)", &mut stages.search),
            ("unmet needs' extra searches", &mut stages.unmet_path),
        ] {
            durations.sort();
            let mean = durations.iter().sum::<Duration>() / durations.len().max(1) as u32;
            println!(
                "    {name:<30} mean {:.2} ms  p50 {:.2} ms  p99 {:.2} ms",
                ms(mean),
                ms(percentile(durations, 0.50)),
                ms(percentile(durations, 0.99))
            );
        }
    }
    let (peak, _) = memory_mb();
    println!("  peak RSS at the end: {peak:.0} MB");
    Ok(())
}

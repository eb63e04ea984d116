//! Search benchmark (a bench binary that prints its figures; no test harness).
//!
//! Run in release: `cargo bench -p indexer --bench search`
//! (`SEARCH_BENCH_SERVICES=20000` for a quick run; `SEARCH_BENCH_QUERIES` per class, default 500;
//! `SEARCH_BENCH_CLASSES=text,radius` for only the classes whose labels start so;
//! `SEARCH_BENCH_SKIP_SQLITE=1` for tantivy alone; `SEARCH_BENCH_LONG_PHRASE="..."` makes every
//! long query that one phrase, to profile it; `SEARCH_BENCH_INDEX_DIR=/new/dir` keeps the
//! index, and a rerun with it and the same count skips the build).
//!
//! 1. Generates a deterministic synthetic national set of 1,000,000 services over England
//!    ([`synthetic`]), builds the tantivy index **on disk** in a temporary directory through the
//!    engine's own `replace_all`, in the order of the `indexer reindex` path (documents sorted by
//!    their venue's position on a Z-order curve), then merges it to one segment, and
//!    reports build time, index size and peak RSS (`VmHWM`, read before SQLite is touched).
//! 2. Measures in-process latency (p50/p99 over a few hundred varied queries per class, after a
//!    warm-up with other queries) for text only; radius 2, 5, 20 km; text + radius + need + age +
//!    day; a place filter; text + radius with facets.
//! 3. Builds the same data into SQLite (FTS5 + R*Tree, [`sqlite`]) in a temporary file and runs the
//!    same queries through sqlx, then prints both side by side with the p99 ratio.

mod queries;
mod sqlite;
mod synthetic;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indexer::search::{SearchIndex, SearchOptions};
use tantivy::{Index, TantivyDocument};

use queries::{Class, Query};
use synthetic::Geography;

/// The allocator the binaries use (see `api/src/main.rs`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Writer memory for the build: 512 MB shared by the indexing threads (the server's reindex uses
/// 50 MB; more memory means fewer, larger segments to merge).
const WRITER_MEMORY_BYTES: usize = 512_000_000;
const WARM_UP_QUERIES: usize = 100;
const SQLITE_WARM_UP_QUERIES: usize = 20;

/// Latency figures of one query class on one engine.
#[derive(Debug, Clone, Copy, Default)]
struct Latency {
    p50: Duration,
    p99: Duration,
    mean_total: f64,
}

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

fn directory_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.metadata().ok())
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
        .sum()
}

fn percentiles(mut times: Vec<Duration>, totals: &[i64]) -> Latency {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Latency {
        p50: at(0.50),
        p99: at(0.99),
        mean_total: totals.iter().sum::<i64>() as f64 / totals.len().max(1) as f64,
    }
}

struct TantivyBuild {
    index: SearchIndex,
    indexed: Duration,
    merged: Duration,
    segments_before_merge: usize,
    bytes: u64,
    peak_rss_mb: f64,
}

/// Builds the index through `replace_all`, then merges its segments into one.
fn build_tantivy(dir: &Path, geography: &Geography, count: u64) -> Result<TantivyBuild> {
    let started = Instant::now();
    {
        let (index, _) = SearchIndex::open(dir, WRITER_MEMORY_BYTES)?;
        // In the order `indexer reindex` uses (`sync::rebuild` sorts by curve position): the
        // generator is deterministic, so a first pass finds each service's position and a second
        // generates them in that order, without holding a million documents in memory.
        let mut order: Vec<(u64, u64)> = (0..count)
            .map(|i| (synthetic::service(geography, i).curve_position(), i))
            .collect();
        order.sort_unstable();
        let documents = order.into_iter().map(|(_, i)| synthetic::service(geography, i));
        let added = index.replace_all(documents, 1, |_| {})?;
        anyhow::ensure!(added == count, "indexed {added} of {count}");
    }
    let indexed = started.elapsed();
    let started = Instant::now();
    let raw = Index::open_in_dir(dir)?;
    let segments = raw.searchable_segment_ids()?;
    if segments.len() > 1 {
        let mut writer = raw.writer::<TantivyDocument>(64_000_000)?;
        writer.merge(&segments).wait()?;
        writer.wait_merging_threads()?;
    }
    let merged = started.elapsed();
    let (index, seq) = SearchIndex::open(dir, 50_000_000)?;
    anyhow::ensure!(seq == Some(1), "index reopened at {seq:?}");
    anyhow::ensure!(index.num_docs() == count, "index holds {} of {count}", index.num_docs());
    Ok(TantivyBuild {
        index,
        indexed,
        merged,
        segments_before_merge: segments.len(),
        bytes: directory_bytes(dir),
        peak_rss_mb: 0.0,
    })
}

/// A kept index of `count` documents from an earlier run, if `dir` holds one (build figures zero).
fn reuse_tantivy(dir: &Path, count: u64) -> Result<Option<TantivyBuild>> {
    if !dir.join("meta.json").exists() {
        return Ok(None);
    }
    let (index, _) = SearchIndex::open(dir, 50_000_000)?;
    if index.num_docs() != count {
        return Ok(None);
    }
    println!(
        "reusing the index in {} (build figures are from the run that built it)",
        dir.display()
    );
    Ok(Some(TantivyBuild {
        index,
        indexed: Duration::ZERO,
        merged: Duration::ZERO,
        segments_before_merge: 0,
        bytes: directory_bytes(dir),
        peak_rss_mb: 0.0,
    }))
}

/// The request as the API sends it: with `page_only`, no `totalCount` (search keeps the best
/// page and skips what cannot enter it); else every match counted, as SQLite's `COUNT(*) OVER ()`.
fn tantivy_request(query: &Query, page_only: bool) -> (indexer::search::SearchRequest, SearchOptions) {
    let options = match page_only && !query.facets {
        true => SearchOptions::PAGE,
        false => query.options(),
    };
    (query.to_request(), options)
}

/// With `SEARCH_BENCH_SLOWEST=n`, prints the `n` slowest queries of a class: where its p99 comes from.
fn report_slowest(queries: &[Query], times: &[Duration], totals: &[i64]) {
    let shown = env_number("SEARCH_BENCH_SLOWEST", 0) as usize;
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(times[i]));
    for &i in order.iter().take(shown) {
        let query = &queries[i];
        println!(
            "    {} ms, {} matches: text {:?}, radius {:?} km, need {:?}, day {:?}",
            ms(times[i]),
            totals[i],
            query.text,
            query.near.as_ref().map(|(_, radius_km)| radius_km),
            query.need,
            query.day,
        );
    }
}

fn measure_tantivy(index: &SearchIndex, warm_up: &[Query], queries: &[Query], page_only: bool) -> Result<Latency> {
    for query in warm_up {
        let (request, options) = tantivy_request(query, page_only);
        index.search(&request, options)?;
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut totals = Vec::with_capacity(queries.len());
    for query in queries {
        let (request, options) = tantivy_request(query, page_only);
        let started = Instant::now();
        let collected = index.search(&request, options)?;
        times.push(started.elapsed());
        totals.push(collected.total as i64);
    }
    report_slowest(queries, &times, &totals);
    report_reading(index, queries, page_only);
    Ok(percentiles(times, &totals))
}

/// With `SEARCH_BENCH_SLOWEST` set, how long reading the words takes of a class with words
/// (stop words, stems, typo readings through the term dictionary): a share of each search.
fn report_reading(index: &SearchIndex, queries: &[Query], page_only: bool) {
    if env_number("SEARCH_BENCH_SLOWEST", 0) == 0 || page_only || queries.iter().all(|query| query.text.is_none()) {
        return;
    }
    let searcher = index.searcher();
    let times: Vec<Duration> = queries
        .iter()
        .map(|query| {
            let (request, _) = tantivy_request(query, page_only);
            let started = Instant::now();
            std::hint::black_box(index.read_text(&searcher, &request));
            started.elapsed()
        })
        .collect();
    let reading = percentiles(times, &[]);
    println!(
        "    reading the words: p50 {} ms, p99 {} ms",
        ms(reading.p50),
        ms(reading.p99)
    );
}

async fn measure_sqlite(
    connection: &mut sqlx::SqliteConnection,
    statements: &sqlite::Statements,
    warm_up: &[Query],
    queries: &[Query],
) -> Result<Latency> {
    for query in warm_up {
        sqlite::run(connection, statements, query).await?;
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut totals = Vec::with_capacity(queries.len());
    for query in queries {
        let started = Instant::now();
        let (_, total) = sqlite::run(connection, statements, query).await?;
        times.push(started.elapsed());
        totals.push(total);
    }
    Ok(percentiles(times, &totals))
}

/// The round trip sqlx adds to any statement (`SELECT 1`), p50, for reading the SQLite column.
async fn sqlx_overhead(connection: &mut sqlx::SqliteConnection) -> Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..1000 {
        let started = Instant::now();
        sqlx::query("SELECT 1").fetch_all(&mut *connection).await?;
        times.push(started.elapsed());
    }
    Ok(percentiles(times, &[]).p50)
}

fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1000.0)
}

fn main() -> Result<()> {
    let count = env_number("SEARCH_BENCH_SERVICES", 1_000_000);
    let per_class = env_number("SEARCH_BENCH_QUERIES", 500) as usize;
    // SQLite is two orders of magnitude slower on the broad queries: fewer of the same queries
    let sqlite_per_class = (env_number("SEARCH_BENCH_SQLITE_QUERIES", 100) as usize).min(per_class);
    let skip_sqlite = std::env::var_os("SEARCH_BENCH_SKIP_SQLITE").is_some();
    let geography = Geography::new();
    // `SEARCH_BENCH_CLASSES=text,radius 2` measures only the classes whose labels start so.
    let chosen = std::env::var("SEARCH_BENCH_CLASSES").unwrap_or_default();
    // A whole label ("text+5 km, facets") is taken as it is, not split at its comma.
    let prefixes: Vec<&str> = if Class::ALL.iter().any(|class| class.label().starts_with(chosen.trim())) {
        vec![chosen.trim()]
    } else {
        chosen.split(',').map(str::trim).collect()
    };
    let workloads: Vec<(Class, Vec<Query>, Vec<Query>)> = Class::ALL
        .into_iter()
        .filter(|class| prefixes.iter().any(|prefix| class.label().starts_with(prefix)))
        .map(|class| {
            (
                class,
                queries::generate(class, &geography, WARM_UP_QUERIES, 0xa11),
                queries::generate(class, &geography, per_class, 0xbe7c4),
            )
        })
        .collect();
    let scratch = tempfile::tempdir().context("temp dir")?;
    println!(
        "search benchmark: {count} synthetic services over England ({} towns x {} clusters), tantivy {per_class} queries per class after {WARM_UP_QUERIES} warm-up, sqlite the first {sqlite_per_class} after {SQLITE_WARM_UP_QUERIES}; {} cores",
        synthetic::TOWNS.len(),
        synthetic::CLUSTERS_PER_TOWN,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );

    // `SEARCH_BENCH_INDEX_DIR=/new/dir` keeps the index; a rerun with the same count reuses it.
    let kept = std::env::var_os("SEARCH_BENCH_INDEX_DIR").map(std::path::PathBuf::from);
    let index_dir = kept.clone().unwrap_or_else(|| scratch.path().join("tantivy"));
    let mut build = match kept
        .as_deref()
        .map(|dir| reuse_tantivy(dir, count))
        .transpose()?
        .flatten()
    {
        Some(build) => build,
        None => build_tantivy(&index_dir, &geography, count)?,
    };
    build.peak_rss_mb = memory_mb().0;
    println!(
        "tantivy build (on disk): indexed {:.1} s + merge of {} segments {:.1} s = {:.1} s; index {:.0} MB; peak RSS {:.0} MB",
        build.indexed.as_secs_f64(),
        build.segments_before_merge,
        build.merged.as_secs_f64(),
        (build.indexed + build.merged).as_secs_f64(),
        build.bytes as f64 / 1e6,
        build.peak_rss_mb,
    );
    let mut tantivy_figures = Vec::new();
    for (class, warm_up, queries) in &workloads {
        let latency = measure_tantivy(&build.index, warm_up, queries, false)?;
        println!("  tantivy {:<24} {latency:?}", class.label());
        tantivy_figures.push(latency);
    }
    println!();
    println!("tantivy, a page without totalCount (what the API runs when totalCount and facets are not selected):");
    println!("| query | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    for (class, warm_up, queries) in &workloads {
        let latency = measure_tantivy(&build.index, warm_up, queries, true)?;
        println!("| {} | {} | {} |", class.label(), ms(latency.p50), ms(latency.p99));
    }
    println!();
    let (peak_after_queries, rss_after_queries) = memory_mb();
    drop(build.index);
    if skip_sqlite {
        for ((class, _, _), tantivy) in workloads.iter().zip(&tantivy_figures) {
            println!(
                "| {} | {} | {} | {:.0} |",
                class.label(),
                ms(tantivy.p50),
                ms(tantivy.p99),
                tantivy.mean_total
            );
        }
        return Ok(());
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (sqlite_figures, sqlite_build, sqlite_bytes, overhead) = runtime.block_on(async {
        let mut connection = sqlite::connect(&scratch.path().join("baseline.sqlite")).await?;
        let started = Instant::now();
        let bytes = sqlite::build(&mut connection, &geography, count).await?;
        let built = started.elapsed();
        let statements = sqlite::Statements::new();
        let mut figures = Vec::new();
        for (class, warm_up, queries) in &workloads {
            let (warm_up, queries) = (&warm_up[..SQLITE_WARM_UP_QUERIES], &queries[..sqlite_per_class]);
            let latency = measure_sqlite(&mut connection, &statements, warm_up, queries).await?;
            println!("  sqlite  {:<24} {latency:?}", class.label());
            figures.push(latency);
        }
        let overhead = sqlx_overhead(&mut connection).await?;
        anyhow::Ok((figures, built, bytes, overhead))
    })?;
    println!(
        "sqlite build (FTS5 + R*Tree, on disk, WAL): {:.1} s; database {:.0} MB; sqlx round trip (SELECT 1) p50 {} ms",
        sqlite_build.as_secs_f64(),
        sqlite_bytes as f64 / 1e6,
        ms(overhead),
    );
    println!(
        "tantivy memory after its queries (before SQLite): peak RSS {peak_after_queries:.0} MB, RSS {rss_after_queries:.0} MB"
    );
    println!();
    println!(
        "| query | tantivy p50 ms | tantivy p99 ms | sqlite p50 ms | sqlite p99 ms | p99 ratio | mean matches (tantivy / sqlite) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for ((class, _, _), (tantivy, sqlite)) in workloads.iter().zip(tantivy_figures.iter().zip(&sqlite_figures)) {
        println!(
            "| {} | {} | {} | {} | {} | {:.1}x | {:.0} / {:.0} |",
            class.label(),
            ms(tantivy.p50),
            ms(tantivy.p99),
            ms(sqlite.p50),
            ms(sqlite.p99),
            sqlite.p99.as_secs_f64() / tantivy.p99.as_secs_f64().max(1e-9),
            tantivy.mean_total,
            sqlite.mean_total,
        );
    }
    Ok(())
}

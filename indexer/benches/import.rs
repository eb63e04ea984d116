//! Import benchmark (issue 19): N services from an ORUK NDJSON file into a fresh data
//! directory, searchable at the end; then the same file with 1% of services changed.
//! A bench binary that prints its figures (no test harness).
//!
//! Run in release: `cargo bench -p indexer --bench import` with `IMPORT_BENCH_SERVICES`
//! (default 1,000,000) and `IMPORT_BENCH_DIR` (default `/tmp/import-bench`, kept between runs:
//! the generated file is reused). `IMPORT_BENCH_FILE=/path/to/file.ndjson` imports that ORUK
//! NDJSON file instead (its first `IMPORT_BENCH_SERVICES` lines, when that is set); the
//! 1%-changed copy is written beside the data.
//!
//! The file is the seed's export (what `indexer export` writes) copied over and over, every
//! UUID in copy k replaced by `v5(uuid, k)` and every name suffixed, so each copy is a new set
//! of services, venues and organisations (organisations with a register number are linked to
//! the seed's, as a real re-listing would be).
//!
//! `RUST_LOG=indexer=info` logs the bulk path's phases with their elapsed times.
//!
//! `IMPORT_BENCH_REIMPORT=/path/to/file.ndjson` imports that one file into the data directory
//! the last run left and stops: after a run, the original file and the changed copy each
//! differ from what the directory holds by 1%, so alternating them times the re-import alone.
//!
//! Issue 19's targets: 1M in ≤ 60 s with peak RSS ≤ 1.5 GB; the 1%-changed re-import ≤ 15 s.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use indexer::imports::oruk::FileImportOptions;
use indexer::imports::{SourceKind, SourceSpec, Trust};
use indexer::Directory;
use serde_json::Value;
use uuid::Uuid;

/// The allocator the binaries use (see `api/src/main.rs`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process (`VmHWM`), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Every UUID string replaced by `v5(uuid, copy)`; names suffixed with the copy.
fn rewrite(value: &mut Value, copy: u64) {
    match value {
        Value::String(text) => {
            if let Ok(id) = Uuid::parse_str(text) {
                *text = Uuid::new_v5(&id, &copy.to_le_bytes()).to_string();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite(item, copy)),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key == "name" {
                    if let Value::String(name) = item {
                        name.push_str(&format!(" #{copy}"));
                        continue;
                    }
                }
                rewrite(item, copy);
            }
        }
        _ => {}
    }
}

/// Writes `services` lines from the seed's export; lines whose index is in `changed` get a
/// different description.
fn generate(seed: &[String], services: u64, path: &Path, changed_every: Option<u64>) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let documents: Vec<Value> = seed
        .iter()
        .map(|line| serde_json::from_str(line))
        .collect::<Result<_, _>>()?;
    for n in 0..services {
        let copy = n / documents.len() as u64;
        let mut document = documents[(n % documents.len() as u64) as usize].clone();
        rewrite(&mut document, copy);
        if changed_every.is_some_and(|every| n % every == 0) {
            document["description"] = Value::from(format!("Changed at the source ({n})."));
        }
        serde_json::to_writer(&mut out, &document)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

async fn seed_export(dir: &Path) -> Result<Vec<String>> {
    let template = dir.join("template");
    let directory = Directory::open(&template).await?;
    let path = dir.join("seed.ndjson");
    directory
        .export_oruk_ndjson(std::fs::File::create(&path)?, |_| {})
        .await?;
    directory.close().await;
    Ok(std::io::BufReader::new(std::fs::File::open(&path)?)
        .lines()
        .collect::<Result<_, _>>()?)
}

async fn import(directory: &Directory, path: &Path, label: &str) -> Result<()> {
    let source = directory
        .ensure_source(&SourceSpec::new(
            "bench",
            SourceKind::OrukNdjson,
            "bench",
            Trust::Publish,
        ))
        .await?;
    let started = Instant::now();
    let summary = directory
        .import_oruk_file(&source, path, FileImportOptions::default(), |_| {}, |_| {})
        .await?;
    let written = started.elapsed();
    directory.wait_until_searchable().await?;
    let per_second = summary.counts.total() as f64 / started.elapsed().as_secs_f64();
    println!(
        "{label}: {summary}; written in {:.1?}, searchable after {:.1?} ({per_second:.0} records/s); peak RSS {:.0} MB; load average {}",
        written,
        started.elapsed(),
        peak_rss_mb(),
        load_average()
    );
    Ok(())
}

/// Copies the first `limit` lines of `input` (all when `None`) to `output`, giving every
/// `changed_every`-th line a different description.
fn copy_lines(input: &Path, output: &Path, limit: Option<u64>, changed_every: Option<u64>) -> Result<()> {
    let reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(input)?);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(output)?);
    for (n, line) in reader.lines().enumerate() {
        let n = n as u64;
        if limit.is_some_and(|limit| n >= limit) {
            break;
        }
        let line = line?;
        if changed_every.is_some_and(|every| n.is_multiple_of(every)) {
            let mut document: Value = serde_json::from_str(&line)?;
            document["description"] = Value::from(format!("Changed at the source ({n})."));
            serde_json::to_writer(&mut out, &document)?;
        } else {
            out.write_all(line.as_bytes())?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// The 1-minute load average (the machine is shared: figures are read beside it).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|raw| raw.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> Result<()> {
    // `RUST_LOG=info` shows where a run's time goes (links read, records applied, searchable).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let limit: Option<u64> = std::env::var("IMPORT_BENCH_SERVICES")
        .ok()
        .and_then(|raw| raw.parse().ok());
    let services = limit.unwrap_or(1_000_000);
    let dir = PathBuf::from(env_or("IMPORT_BENCH_DIR", "/tmp/import-bench".to_string()));
    std::fs::create_dir_all(&dir)?;
    if let Ok(file) = std::env::var("IMPORT_BENCH_REIMPORT") {
        // One more run into the directory the last bench left (alternating the two files, each
        // run is a 1%-changed re-import): what to measure without the first import each time.
        let directory = Directory::open(&dir.join("data")).await?;
        println!("re-importing {file} (load average {})", load_average());
        import(&directory, Path::new(&file), "re-import").await?;
        directory.close().await;
        return Ok(());
    }
    let (file, changed) = match std::env::var("IMPORT_BENCH_FILE").ok() {
        Some(input) => {
            let input = PathBuf::from(input);
            let file = match limit {
                Some(limit) => {
                    let file = dir.join(format!("head-{limit}.ndjson"));
                    if !file.exists() {
                        copy_lines(&input, &file, Some(limit), None).context("copying the head of the file")?;
                    }
                    file
                }
                None => input,
            };
            let changed = dir.join(format!("changed-{services}.ndjson"));
            if !changed.exists() {
                copy_lines(&file, &changed, None, Some(100)).context("writing the changed file")?;
            }
            (file, changed)
        }
        None => {
            let file = dir.join(format!("services-{services}.ndjson"));
            let changed = dir.join(format!("services-{services}-changed.ndjson"));
            if !file.exists() || !changed.exists() {
                let seed = seed_export(&dir).await?;
                generate(&seed, services, &file, None).context("writing the file")?;
                generate(&seed, services, &changed, Some(100)).context("writing the changed file")?;
            }
            (file, changed)
        }
    };
    let data = dir.join("data");
    let _ = std::fs::remove_dir_all(&data);
    let directory = Directory::open(&data).await?;
    println!("importing {} (load average {})", file.display(), load_average());
    import(&directory, &file, "first import").await?;
    import(&directory, &changed, "1% changed").await?;
    directory.close().await;
    Ok(())
}

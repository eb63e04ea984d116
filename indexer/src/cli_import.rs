//! The `indexer import` command (a module of the binary, not the library): one-off imports
//! with progress bars and a summary, and registered sources.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use indexer::imports::oruk::api::ApiImportOptions;
use indexer::imports::oruk::{files, FileImportOptions, ImportProgress};
use indexer::imports::run::{describe_rejection, ImportSummary};
use indexer::imports::{BatchReport, RecordOutcome, SourceKind, SourceSpec, Trust};
use indexer::Directory;

#[path = "cli_import_feeds.rs"]
mod feeds;

/// `indexer import ...`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import Open Referral UK 3.0 listings: an NDJSON file (as `indexer export` writes), a
    /// saved `/services` page, a folder of ORUK CSV tables, or a live API (`http(s)://...`).
    Oruk(OrukArgs),
    /// Import an OpenActive RPDE feed, or the feeds a dataset site lists, resuming where the
    /// source's last run stopped.
    Openactive(feeds::OpenactiveArgs),
    /// Import a spreadsheet saved as CSV, one row per service.
    Csv(feeds::CsvArgs),
    /// Registered sources: list, add, run.
    Sources {
        #[command(subcommand)]
        command: SourcesCommand,
    },
}

/// Options every one-off import takes.
#[derive(Debug, Args)]
pub struct CommonImportArgs {
    /// The source's name (registered on first use; its links make re-imports idempotent).
    /// Default: the file's name or the API's host.
    #[arg(long)]
    pub source: Option<String>,
    /// New listings publish directly, or wait in the moderation queue.
    #[arg(long, default_value = "publish", value_parser = parse_trust)]
    pub trust: Trust,
    /// Shown with every listing the source brings in (publisher and licence).
    #[arg(long)]
    pub attribution: Option<String>,
    /// Report what each record would do (create, update, unchanged, rejected), write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_trust(raw: &str) -> Result<Trust, String> {
    Trust::parse(raw).map_err(|e| e.to_string())
}

/// `indexer import oruk`.
#[derive(Debug, Args)]
pub struct OrukArgs {
    /// A file (`.ndjson`, `.json`), a folder of CSV tables, or an API's base URL.
    pub input: String,
    #[command(flatten)]
    pub common: CommonImportArgs,
    /// Do not archive what the source brought in before and the input no longer lists.
    #[arg(long)]
    pub no_archive: bool,
    /// Services per transaction.
    #[arg(long, default_value_t = indexer::imports::oruk::DEFAULT_BATCH_SIZE)]
    pub batch_size: usize,
    /// APIs: only services modified since the last completed run (`modified_after`).
    #[arg(long)]
    pub incremental: bool,
    /// APIs: `per_page`.
    #[arg(long, default_value_t = 100)]
    pub per_page: usize,
    /// APIs: `/services/{id}` requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// APIs: at most this many requests a second.
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
}

/// `indexer import sources ...`.
#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Every registered source with its last run.
    List,
    /// Register a source (or change the one of that name).
    Add {
        name: String,
        /// oruk_api, oruk_ndjson, oruk_json_page, oruk_csv, openactive, spreadsheet.
        #[arg(long)]
        kind: String,
        /// A URL or a path.
        #[arg(long)]
        location: String,
        #[arg(long, default_value = "publish", value_parser = parse_trust)]
        trust: Trust,
        #[arg(long)]
        attribution: Option<String>,
        /// How often the running server refreshes it, in minutes.
        #[arg(long)]
        refresh_minutes: Option<i64>,
        /// Settings as JSON, e.g. `{"per_page":50,"concurrency":2,"requests_per_second":2,"incremental":true}`.
        #[arg(long, default_value = "{}")]
        config: String,
    },
    /// Run a registered source once, now.
    Run {
        name: String,
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs `indexer import ...`.
pub async fn import(directory: &Directory, command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Oruk(args) => import_oruk(directory, args).await,
        ImportCommand::Openactive(args) => feeds::import_openactive(directory, args).await,
        ImportCommand::Csv(args) => feeds::import_csv(directory, args).await,
        ImportCommand::Sources { command } => sources(directory, command).await,
    }
}

async fn import_oruk(directory: &Directory, args: OrukArgs) -> anyhow::Result<()> {
    let is_api = args.input.starts_with("http://") || args.input.starts_with("https://");
    let (kind, default_name) = if is_api {
        let host = url::Url::parse(&args.input)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_else(|| args.input.clone());
        (SourceKind::OrukApi, host)
    } else {
        let path = PathBuf::from(&args.input);
        let kind = files::detect_format(&path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| args.input.clone());
        (kind, name)
    };
    let location = if is_api {
        args.input.clone()
    } else {
        std::fs::canonicalize(&args.input).map_or(args.input.clone(), |p| p.display().to_string())
    };
    let mut spec = SourceSpec::new(
        args.common.source.as_deref().unwrap_or(&default_name),
        kind,
        &location,
        args.common.trust,
    );
    spec.attribution = args.common.attribution.clone();
    let source = directory.ensure_source(&spec).await?;
    let bar = progress_bar(if is_api {
        None
    } else {
        std::fs::metadata(&args.input).ok().map(|m| m.len())
    });
    let dry_run = args.common.dry_run;
    let on_batch = |report: &BatchReport| print_records(&bar, report, dry_run);
    let progress = |state: &ImportProgress| show_progress(&bar, state);
    let summary = if is_api {
        let options = ApiImportOptions {
            dry_run,
            per_page: args.per_page,
            concurrency: args.concurrency,
            requests_per_second: args.rate,
            incremental: args.incremental,
            ..ApiImportOptions::default()
        };
        directory.import_oruk_api(&source, &options, progress, on_batch).await
    } else {
        let options = FileImportOptions {
            dry_run,
            batch_size: args.batch_size,
            archive_unlisted: !args.no_archive,
        };
        directory
            .import_oruk_file(&source, std::path::Path::new(&args.input), options, progress, on_batch)
            .await
    };
    finish(directory, &bar, summary).await
}

async fn sources(directory: &Directory, command: SourcesCommand) -> anyhow::Result<()> {
    match command {
        SourcesCommand::List => {
            for status in directory.store().sources().await? {
                let counts = status
                    .last_run_counts
                    .map(|c| {
                        format!(
                            "{} created, {} updated, {} unchanged, {} archived, {} rejected",
                            c.created, c.updated, c.unchanged, c.archived, c.rejected
                        )
                    })
                    .unwrap_or_else(|| "never run".into());
                println!(
                    "{}\t{}\t{}\t{}\tlast run {} {}: {counts}",
                    status.source.name,
                    status.source.kind.as_str(),
                    status.source.trust.as_str(),
                    status.source.location,
                    status.last_run_status.as_deref().unwrap_or("-"),
                    status.last_run_started_at.map(|at| at.to_rfc3339()).unwrap_or_default(),
                );
                for error in &status.last_run_errors {
                    println!("\t{error}");
                }
            }
            Ok(())
        }
        SourcesCommand::Add {
            name,
            kind,
            location,
            trust,
            attribution,
            refresh_minutes,
            config,
        } => {
            let mut spec = SourceSpec::new(&name, SourceKind::parse(&kind)?, &location, trust);
            spec.attribution = attribution;
            spec.refresh_minutes = refresh_minutes;
            spec.config = serde_json::from_str(&config).context("--config is not JSON")?;
            let source = directory.ensure_source(&spec).await?;
            println!("registered source {} ({})", source.name, source.id);
            Ok(())
        }
        SourcesCommand::Run { name, dry_run } => {
            let status = directory
                .store()
                .source_by_name(&name)
                .await?
                .with_context(|| format!("no source named {name:?} (see `indexer import sources list`)"))?;
            let bar = progress_bar(None);
            let summary = directory
                .run_import_source(
                    &status,
                    dry_run,
                    |state| show_progress(&bar, state),
                    |report| print_records(&bar, report, dry_run),
                )
                .await;
            finish(directory, &bar, summary).await
        }
    }
}

fn progress_bar(total_bytes: Option<u64>) -> indicatif::ProgressBar {
    let (bar, template) = match total_bytes {
        Some(total) => (
            indicatif::ProgressBar::new(total),
            "{spinner} importing [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {elapsed}, about {eta} left) {msg}",
        ),
        None => (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} importing ({elapsed}) {msg}",
        ),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn show_progress(bar: &indicatif::ProgressBar, state: &ImportProgress) {
    if state.bytes > 0 {
        bar.set_position(state.bytes);
    }
    let c = &state.counts;
    let rate = state.records as f64 / bar.elapsed().as_secs_f64().max(0.001);
    bar.set_message(format!(
        "{} records ({rate:.0}/s): {} created, {} updated, {} unchanged, {} archived, {} rejected",
        state.records, c.created, c.updated, c.unchanged, c.archived, c.rejected
    ));
}

/// Rejections always, every record on a dry run: `line 12  svc-1  would create`.
fn print_records(bar: &indicatif::ProgressBar, report: &BatchReport, dry_run: bool) {
    for record in &report.records {
        let line = match &record.outcome {
            RecordOutcome::Rejected { reason, field } => {
                format!("rejected {}", describe_rejection(record, reason, field.as_deref()))
            }
            outcome if dry_run => format!(
                "{} {}{}",
                match outcome {
                    RecordOutcome::Created => "would create",
                    RecordOutcome::Updated => "would update",
                    RecordOutcome::Archived => "would archive",
                    _ => "unchanged",
                },
                record.source_record_id.as_deref().unwrap_or("?"),
                record.position.map(|n| format!(" (record {n})")).unwrap_or_default()
            ),
            _ => continue,
        };
        bar.suspend(|| println!("{line}"));
    }
}

async fn finish(
    directory: &Directory,
    bar: &indicatif::ProgressBar,
    summary: indexer::Result<ImportSummary>,
) -> anyhow::Result<()> {
    bar.finish_and_clear();
    let summary = summary?;
    if !summary.dry_run {
        let waiting = std::time::Instant::now();
        directory.wait_until_searchable().await?;
        eprintln!("search index up to date ({:.1?})", waiting.elapsed());
    }
    eprintln!("{summary}");
    Ok(())
}

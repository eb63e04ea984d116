//! `indexer import openactive` and `indexer import csv` (a child module of `cli_import`, whose
//! progress bars, record printing and summary it shares).

use std::path::PathBuf;

use clap::Args;
use indexer::imports::openactive::{openactive_source, OpenactiveOptions, Progress};
use indexer::imports::spreadsheet::{default_source_name, spreadsheet_source};
use indexer::Directory;

use super::{finish, print_records, CommonImportArgs};

/// `indexer import openactive`.
#[derive(Debug, Args)]
pub struct OpenactiveArgs {
    /// An RPDE feed's first page, or an OpenActive dataset site listing the feeds.
    pub url: String,
    #[command(flatten)]
    pub common: CommonImportArgs,
    /// Stop after this many pages (the next run goes on from there).
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// Tries after the first for a page that fails with a 5xx, a 429 or a dropped connection.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Milliseconds to wait between pages (a publisher's rate limit).
    #[arg(long, default_value_t = 0)]
    pub page_interval_ms: u64,
}

/// `indexer import csv`.
#[derive(Debug, Args)]
pub struct CsvArgs {
    /// A spreadsheet saved as CSV, one row per service (see the README for the columns).
    pub file: PathBuf,
    #[command(flatten)]
    pub common: CommonImportArgs,
}

/// Reads an OpenActive feed (or the feeds of a dataset site) from where its last run stopped.
pub async fn import_openactive(directory: &Directory, args: OpenactiveArgs) -> anyhow::Result<()> {
    let default_name = url::Url::parse(&args.url)
        .ok()
        .and_then(|url| url.host_str().map(|host| format!("openactive:{host}")))
        .unwrap_or_else(|| args.url.clone());
    let name = args.common.source.clone().unwrap_or(default_name);
    let source = directory
        .ensure_source(&openactive_source(
            &name,
            &args.url,
            args.common.trust,
            args.common.attribution.clone(),
        ))
        .await?;
    let options = OpenactiveOptions {
        retries: Some(args.retries),
        page_interval_ms: Some(args.page_interval_ms),
        max_pages: args.max_pages,
        dry_run: args.common.dry_run,
        ..OpenactiveOptions::default()
    };
    let bar = spinner();
    let dry_run = args.common.dry_run;
    let outcome = directory
        .import_openactive(
            &source,
            &options,
            |progress| show_feed_progress(&bar, progress),
            |report| print_records(&bar, report, dry_run),
        )
        .await;
    if let Ok(outcome) = &outcome {
        bar.suspend(|| {
            eprintln!(
                "read {} pages ({} items) of {}",
                outcome.pages,
                outcome.items,
                outcome.feeds.join(", ")
            );
            if outcome.waiting_sessions > 0 {
                eprintln!(
                    "{} sessions wait for a series the feeds have not given yet",
                    outcome.waiting_sessions
                );
            }
        });
    }
    finish(directory, &bar, outcome.map(|outcome| outcome.summary)).await
}

/// Imports a spreadsheet: a report line for every row on a dry run, for every rejected row
/// otherwise.
pub async fn import_csv(directory: &Directory, args: CsvArgs) -> anyhow::Result<()> {
    let name = args
        .common
        .source
        .clone()
        .unwrap_or_else(|| default_source_name(&args.file));
    let location = std::fs::canonicalize(&args.file).unwrap_or_else(|_| args.file.clone());
    let source = directory
        .ensure_source(&spreadsheet_source(
            &name,
            &location,
            args.common.trust,
            args.common.attribution.clone(),
        ))
        .await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} importing [{bar:30}] {pos}/{len} rows ({per_sec}, {elapsed})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let dry_run = args.common.dry_run;
    let outcome = directory
        .import_spreadsheet(&source, &args.file, dry_run, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    if let Ok(outcome) = &outcome {
        bar.suspend(|| {
            for row in outcome.rows.iter().filter(|row| dry_run || row.outcome == "rejected") {
                println!("{}", row.line(dry_run));
            }
            if !outcome.ignored_columns.is_empty() {
                eprintln!("ignored columns: {}", outcome.ignored_columns.join(", "));
            }
        });
    }
    finish(directory, &bar, outcome.map(|outcome| outcome.summary)).await
}

fn spinner() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} importing ({elapsed}) {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn show_feed_progress(bar: &indicatif::ProgressBar, progress: &Progress) {
    let c = &progress.counts;
    let rate = progress.items as f64 / bar.elapsed().as_secs_f64().max(0.001);
    bar.set_message(format!(
        "{}: {} pages, {} items ({rate:.0}/s): {} created, {} updated, {} unchanged, {} archived, {} rejected",
        progress.feed, progress.pages, progress.items, c.created, c.updated, c.unchanged, c.archived, c.rejected
    ));
}

//! The `indexer export` command (a module of the binary, not the library).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indexer::Directory;

/// Bulk export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Open Referral UK 3.0: one full `/services/{id}` object a line (NDJSON).
    OrukNdjson,
}

/// Arguments of `indexer export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(long, value_enum, default_value = "oruk-ndjson")]
    format: ExportFormat,
    /// The file to write (replaced if it exists); `-` writes to standard output.
    file: PathBuf,
}

/// Writes every public service, with a progress bar on standard error and a summary at the end.
pub async fn export(directory: &Directory, args: ExportArgs) -> anyhow::Result<()> {
    let ExportFormat::OrukNdjson = args.format;
    // Every service, hidden ones too: an upper bound counted from an index in milliseconds,
    // where counting the public ones reads every row (seconds at a million).
    let expected = directory.store().count("services").await?;
    let bar = indicatif::ProgressBar::new(expected.max(0) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} exporting [{bar:40}] {pos}/{len} services ({per_sec}, {elapsed}, about {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let to_stdout = args.file.as_os_str() == "-";
    let exported = if to_stdout {
        directory
            .export_oruk_ndjson(std::io::stdout(), |n| bar.set_position(n))
            .await?
    } else {
        let file = std::fs::File::create(&args.file).with_context(|| format!("creating {}", args.file.display()))?;
        directory.export_oruk_ndjson(file, |n| bar.set_position(n)).await?
    };
    bar.finish_and_clear();
    let place = if to_stdout {
        "standard output".to_string()
    } else {
        args.file.display().to_string()
    };
    eprintln!(
        "exported {} services ({:.1} MB) to {place} in {:.1?}",
        exported.services,
        exported.bytes as f64 / 1e6,
        started.elapsed()
    );
    Ok(())
}

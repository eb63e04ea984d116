//! `indexer backup DEST` and `indexer restore BACKUP`: an online copy of a data directory, and a
//! new data directory made from one.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Arguments of `indexer backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Directory to write the backup into: new, or empty. The backup is itself a data directory.
    pub destination: PathBuf,
}

/// Arguments of `indexer restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A directory written by `indexer backup`; it is copied, never changed.
    pub backup: PathBuf,
}

pub async fn backup(directory: &indexer::Directory, args: BackupArgs) -> anyhow::Result<()> {
    let report = directory
        .backup(&args.destination)
        .await
        .with_context(|| format!("backing up into {}", args.destination.display()))?;
    println!(
        "backed up into {}: database {:.1} MB, search index {} files {:.1} MB (at change {}), in {:.1?}",
        report.destination.display(),
        report.database_bytes as f64 / 1e6,
        report.index_files,
        report.index_bytes as f64 / 1e6,
        report
            .index_seq
            .map_or_else(|| "unknown".to_string(), |seq| seq.to_string()),
        report.took
    );
    Ok(())
}

pub async fn restore(data_dir: &Path, args: RestoreArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let directory = indexer::operations::restore(&args.backup, data_dir)
        .await
        .with_context(|| format!("restoring {} into {}", args.backup.display(), data_dir.display()))?;
    let stats = directory.operational_stats().await?;
    println!(
        "restored {} into {}: {} searchable listings, change log at {}, in {:.1?}",
        args.backup.display(),
        data_dir.display(),
        stats.searchable_documents,
        stats.change_log_head,
        started.elapsed()
    );
    directory.close().await;
    Ok(())
}

//! `indexer backup DEST` and `indexer restore BACKUP`: an online copy of a data directory, and a
//! new data directory made from one; `indexer migrate-store`: a directory moved onto PostgreSQL.

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

/// Arguments of `indexer migrate-store`.
#[derive(Debug, clap::Args)]
pub struct MigrateStoreArgs {
    /// The SQLite database to copy: `sqlite:PATH`, PATH being a data directory or its
    /// `directory.sqlite3`. It is read, never changed (beyond this version's migrations).
    #[arg(long)]
    pub from: String,
    /// The PostgreSQL database to fill: `postgres://user:password@host/database`, new or empty
    /// (default: `--database-url`).
    #[arg(long)]
    pub to: Option<String>,
}

pub async fn migrate_store(args: MigrateStoreArgs, database_url: Option<String>) -> anyhow::Result<()> {
    let Some(to) = args.to.or(database_url) else {
        anyhow::bail!("give the PostgreSQL database to copy into with --to postgres://...");
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} copying {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let report = indexer::migrate_store::migrate_store(&args.from, &to, |table, rows| {
        bar.set_message(format!("{table}: {rows} rows"));
        bar.tick();
    })
    .await
    .with_context(|| format!("copying {} into PostgreSQL", args.from))?;
    bar.finish_and_clear();
    for table in &report.tables {
        println!("{:>26} {}", table.table, table.rows);
    }
    let rows: u64 = report.tables.iter().map(|table| table.rows).sum();
    println!(
        "copied {} ({} tables, {rows} rows) into PostgreSQL in {:.1?}; start the replicas with --database-url",
        report.source.display(),
        report.tables.len(),
        report.took
    );
    Ok(())
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

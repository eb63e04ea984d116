//! `indexer`: the directory engine's command line (seeding and inspection, no HTTP).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indexer::search::sync::RebuildProgress;

mod cli_accounts;
mod cli_areas;
mod cli_export;
mod cli_gaps;
mod cli_import;
mod cli_operations;

/// mimalloc rather than the system allocator: a page of the ORUK API or a feed renders and
/// frees thousands of small strings, and glibc's malloc was a quarter of that time (measured).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The community asset directory engine.
#[derive(Debug, Parser)]
#[command(name = "indexer", version)]
struct Cli {
    /// Directory holding the database (created if missing).
    #[arg(long, env = "DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,

    /// The shared PostgreSQL database of a scaled-out directory (`postgres://...`); without it
    /// the commands work on the SQLite file in the data directory (whose search index they
    /// then keep up to date too).
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load the bundled Norfolk seed into the data directory (does nothing if already seeded).
    Seed,
    /// Print what the data directory holds.
    Stats,
    /// Rebuild the search index from the database (it is derived and can always be rebuilt).
    Reindex,
    /// Print the gap report for a Place and need (GeoJSON or CSV).
    Gaps(cli_gaps::GapsArgs),
    /// Manage principals (editors, moderators, admins, partners) and their bearer tokens.
    Accounts {
        #[command(subcommand)]
        command: cli_accounts::AccountsCommand,
    },
    /// List organisations (id and name), optionally those whose name contains TEXT.
    Organizations {
        /// Part of the name to look for.
        #[arg(long)]
        name: Option<String>,
    },
    /// Write every public service in a standard format (Open Referral UK NDJSON), with progress.
    Export(cli_export::ExportArgs),
    /// Manage places and their boundaries.
    Places {
        #[command(subcommand)]
        command: cli_gaps::PlacesCommand,
    },
    /// Load areas of England from the publishers' files (area packs).
    Areas {
        #[command(subcommand)]
        command: cli_areas::AreasCommand,
    },
    /// Import listings from other directories, feeds and spreadsheets (with progress and a summary).
    Import {
        #[command(subcommand)]
        command: cli_import::ImportCommand,
    },
    /// Write an online, consistent copy of the data directory (database and search index) into
    /// a new directory, while the server keeps running.
    Backup(cli_operations::BackupArgs),
    /// Make the data directory (new, or empty) from a backup, and check it opens.
    Restore(cli_operations::RestoreArgs),
    /// Copy a directory (listings, history, accounts, change log) from its SQLite file into a
    /// new PostgreSQL database, for API replicas to share.
    MigrateStore(cli_operations::MigrateStoreArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // sqlx's "slow statement" warnings are quiet here: a command that reads a whole national
    // directory (migrate-store, export, reindex) makes them by design, and they read as faults.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tantivy=warn,sqlx::postgres::notice=warn,sqlx::query=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Command::Restore(args) = cli.command {
        return cli_operations::restore(&cli.data_dir, args).await;
    }
    if let Command::MigrateStore(args) = cli.command {
        return cli_operations::migrate_store(args, cli.database_url).await;
    }
    // Only `seed` makes a data directory: any other command in the wrong folder would
    // otherwise answer from a fresh seed as if it were the real directory.
    if cli.database_url.is_none()
        && !matches!(cli.command, Command::Seed)
        && !cli.data_dir.join(indexer::directory::DATABASE_FILE).exists()
    {
        anyhow::bail!(
            "no directory database in {} (looked for {}); run `indexer --data-dir {} seed` or start the server there to create one",
            cli.data_dir.display(),
            indexer::directory::DATABASE_FILE,
            cli.data_dir.display()
        );
    }
    let options = indexer::DirectoryOptions {
        database_url: cli.database_url.clone(),
        ..indexer::DirectoryOptions::default()
    };
    let open = match cli.command {
        Command::Reindex => indexer::Directory::open_to_rebuild_index_with(&cli.data_dir, options).await,
        _ => indexer::Directory::open_with_options(&cli.data_dir, options).await,
    };
    let directory = open.with_context(|| format!("opening data directory {}", cli.data_dir.display()))?;
    match cli.command {
        Command::Seed => match directory.seed().await? {
            Some(report) => println!("seeded {}: {report:?}", cli.data_dir.display()),
            None => println!("{} is seeded", cli.data_dir.display()),
        },
        Command::Stats => print_stats(&directory).await?,
        Command::Reindex => reindex(&directory).await?,
        Command::Gaps(args) => cli_gaps::gaps(&directory, args).await?,
        Command::Places { command } => cli_gaps::places(&directory, command).await?,
        Command::Areas { command } => cli_areas::areas(&directory, command).await?,
        Command::Export(args) => cli_export::export(&directory, args).await?,
        Command::Accounts { command } => cli_accounts::accounts(&directory, command).await?,
        Command::Organizations { name } => cli_accounts::organizations(&directory, name).await?,
        Command::Import { command } => cli_import::import(&directory, command).await?,
        Command::Backup(args) => cli_operations::backup(&directory, args).await?,
        Command::Restore(_) | Command::MigrateStore(_) => {
            unreachable!("restore and migrate-store run before a directory is opened")
        }
    }
    directory.close().await;
    Ok(())
}

async fn reindex(directory: &indexer::Directory) -> anyhow::Result<()> {
    if !directory.search_index().is_writable() {
        anyhow::bail!(
            "a running server holds this data directory's search index and keeps it up to date; stop the server to rebuild the index (nothing was changed)"
        );
    }
    let store = directory.store();
    let expected = store.count("services").await? + store.count("organizations").await? + store.count("funds").await?;
    let bar = indicatif::ProgressBar::new(expected.max(0) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} listings ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let added = indexer::search::sync::rebuild(store, &directory.places(), directory.search_index(), |step| {
        let (message, done) = match step {
            RebuildProgress::Read(n) => ("reading", n),
            RebuildProgress::Added(n) => ("indexing", n),
        };
        bar.set_message(message);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    println!("indexed {added} active listings in {:.1?}", started.elapsed());
    Ok(())
}

async fn print_stats(directory: &indexer::Directory) -> anyhow::Result<()> {
    for table in indexer::store::COUNTED_TABLES {
        let count = directory.store().count(table).await?;
        println!("{table:>14} {count}");
    }
    Ok(())
}

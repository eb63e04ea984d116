//! Moving a directory from its embedded SQLite file onto a PostgreSQL database that API
//! replicas will share (`indexer migrate-store --from sqlite:... --to postgres://...`).
//!
//! The target must be a new database (or one holding nothing): it is migrated, filled in one
//! transaction from a consistent read of the source, and checked table by table. The source is
//! never written, except that it is brought to this version's schema first, as a server start
//! would. The search index is not copied: each replica builds its own from the database, or
//! starts with the old data directory, whose index is at the same change-log position.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::directory::DATABASE_FILE;
use crate::error::{Error, Result};
use crate::store::copy::{self, CopiedTable};
use crate::store::Store;

/// Connections the copy opens to PostgreSQL (one transaction writes; the rest check).
const TARGET_CONNECTIONS: u32 = 2;

/// What a finished move copied.
#[derive(Debug, Clone)]
pub struct MigrationReport {
    /// The SQLite file read.
    pub source: PathBuf,
    /// Every table, and its rows (the same in both databases: checked after the commit).
    pub tables: Vec<CopiedTable>,
    pub took: Duration,
}

/// Where `--from` points: `sqlite:PATH`, `sqlite://PATH` or a bare path, to the database file
/// or to the data directory holding it. The file must exist (it is never created).
pub fn source_database(from: &str) -> Result<PathBuf> {
    let path = from
        .strip_prefix("sqlite://")
        .or_else(|| from.strip_prefix("sqlite:"))
        .unwrap_or(from);
    if path.trim().is_empty() {
        return Err(Error::invalid("from", "give the SQLite database as sqlite:PATH"));
    }
    let path = Path::new(path);
    let file = if path.is_dir() {
        path.join(DATABASE_FILE)
    } else {
        path.to_path_buf()
    };
    if !file.is_file() {
        return Err(Error::invalid(
            "from",
            format!(
                "no directory database at {} (give the data directory or its {DATABASE_FILE})",
                file.display()
            ),
        ));
    }
    // Refused before it is opened: opening a file turns it into a SQLite database in WAL mode.
    let mut header = [0u8; 16];
    let is_sqlite = std::fs::File::open(&file)
        .and_then(|mut opened| std::io::Read::read_exact(&mut opened, &mut header))
        .is_ok()
        && &header == b"SQLite format 3\0";
    if !is_sqlite {
        return Err(Error::invalid(
            "from",
            format!("{} is not a SQLite database", file.display()),
        ));
    }
    Ok(file)
}

/// Copies the directory in the SQLite database `from` into the PostgreSQL database `to`.
/// `progress` hears each table's name and the rows copied so far.
pub async fn migrate_store(from: &str, to: &str, progress: impl FnMut(&str, u64)) -> Result<MigrationReport> {
    let started = Instant::now();
    let source_file = source_database(from)?;
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(Error::invalid(
            "to",
            "give the PostgreSQL database as postgres://user@host/database",
        ));
    }
    let source = Store::open(&source_file).await?;
    if source.belongs_to_another_application().await? || !copy::is_seeded_directory(&source).await? {
        return Err(Error::invalid(
            "from",
            format!(
                "{} is not a directory's database (it was never seeded by one)",
                source_file.display()
            ),
        ));
    }
    source.migrate().await?;
    let target = Store::connect_postgres(to, TARGET_CONNECTIONS).await?;
    // Replicas that start meanwhile wait for the copy, rather than seeding the empty database.
    let first_start = target.first_start_lock().await?;
    if target.belongs_to_another_application().await? {
        return Err(Error::invalid(
            "to",
            "the PostgreSQL database holds another application's tables",
        ));
    }
    // Asked before migrating too, so a database holding an older directory is left as it is.
    let refuse_non_empty = || {
        Error::invalid(
            "to",
            "the PostgreSQL database already holds a directory; migrate-store copies only into a new, empty database (nothing was changed)",
        )
    };
    if !copy::holds_no_rows(&target).await? {
        return Err(refuse_non_empty());
    }
    target.migrate().await?;
    if !copy::holds_no_rows(&target).await? {
        return Err(refuse_non_empty());
    }
    let tables = copy::copy_sqlite_into_postgres(&source, &target, progress).await?;
    let stored = copy::row_counts(&target).await?;
    drop(first_start);
    let expected: Vec<(String, i64)> = tables.iter().map(|t| (t.table.clone(), t.rows as i64)).collect();
    if stored != expected {
        return Err(Error::Index(format!(
            "the PostgreSQL database does not hold what was copied (it holds {stored:?}, the copy wrote {expected:?})"
        )));
    }
    target.close().await;
    source.close().await;
    Ok(MigrationReport {
        source: source_file,
        tables,
        took: started.elapsed(),
    })
}

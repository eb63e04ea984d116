//! What operators need from the engine: figures for monitoring, and an online backup that a
//! data directory can be restored from.
//!
//! A backup is itself a data directory: the search index first (the files of the segments its
//! `meta.json` names, copied while the server may be committing and merging), then the database
//! by SQLite's `VACUUM INTO`, which reads one consistent snapshot. The index is therefore never
//! ahead of the database it sits beside; on the first start from the backup it catches up with
//! the change log from its own position, as after any restart.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::directory::{DATABASE_FILE, INDEX_DIR};
use crate::error::{Error, Result};
use crate::search::cache::CacheCounts;
use crate::Directory;

/// Monitoring figures, read at a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationalStats {
    /// The newest change-log position in the database.
    pub change_log_head: i64,
    /// The change-log position the search index reflects.
    pub index_applied: i64,
    /// Documents the search index holds.
    pub searchable_documents: u64,
    /// Hits and misses of the search results' hydration cache.
    pub search_cache: CacheCounts,
    /// Hits and misses of signposting's hydration cache.
    pub signpost_cache: CacheCounts,
}

/// What the newest database check found (see [`Directory::watch_database`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseCheck {
    /// Whether the database answered within the check's time limit.
    pub answered: bool,
    /// When the check finished.
    pub at: Instant,
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub destination: PathBuf,
    /// Bytes of the database copy.
    pub database_bytes: u64,
    /// Files and bytes of the index copy.
    pub index_files: usize,
    pub index_bytes: u64,
    /// The change-log position the copied index reflects (the database is at or after it).
    pub index_seq: Option<i64>,
    pub took: Duration,
}

/// Attempts at copying a consistent set of index files while merges may remove some.
const INDEX_COPY_ATTEMPTS: usize = 5;

impl Directory {
    /// Checks every `every` that the database answers (within `limit`) and keeps the outcome
    /// for [`Directory::database_check`]; runs until the task is dropped. A health probe then
    /// reads memory: while every database connection is busy with heavy reports, a probe
    /// that asked the database itself would queue behind them and make a busy server look
    /// dead, and many probes would add to the load.
    pub async fn watch_database(&self, every: Duration, limit: Duration) {
        loop {
            let answered = matches!(tokio::time::timeout(limit, self.ping()).await, Ok(Ok(())));
            if !answered {
                tracing::error!("database check failed or timed out");
            }
            let check = DatabaseCheck {
                answered,
                at: Instant::now(),
            };
            match self.database_check.write() {
                Ok(mut newest) => *newest = Some(check),
                Err(poisoned) => *poisoned.into_inner() = Some(check),
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The newest check of [`Directory::watch_database`], if one has finished.
    pub fn database_check(&self) -> Option<DatabaseCheck> {
        match self.database_check.read() {
            Ok(newest) => *newest,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Figures for `/metrics`: index lag and cache hit counts. One indexed read (the change
    /// log's newest position); everything else is in memory.
    pub async fn operational_stats(&self) -> Result<OperationalStats> {
        let index = self.search_index();
        let (search_cache, signpost_cache) = index.cache_counts();
        Ok(OperationalStats {
            change_log_head: self.store().last_change_seq().await?,
            index_applied: index.applied_seq(),
            searchable_documents: index.num_docs(),
            search_cache,
            signpost_cache,
        })
    }

    /// Writes an online, consistent copy of this data directory into `destination`, which must
    /// not exist yet or be an empty directory (a backup never overwrites anything). Readers and
    /// writers carry on meanwhile.
    pub async fn backup(&self, destination: &Path) -> Result<BackupReport> {
        let started = Instant::now();
        prepare_destination(destination)?;
        let source_index = self.data_dir().join(INDEX_DIR);
        let target_index = destination.join(INDEX_DIR);
        let copied = {
            let (source, target) = (source_index.clone(), target_index.clone());
            tokio::task::spawn_blocking(move || copy_index(&source, &target))
                .await
                .map_err(|e| Error::Index(format!("index copy stopped: {e}")))??
        };
        let database = destination.join(DATABASE_FILE);
        self.store().vacuum_into(&database).await?;
        let database_bytes = std::fs::metadata(&database).map(|m| m.len()).unwrap_or(0);
        Ok(BackupReport {
            destination: destination.to_path_buf(),
            database_bytes,
            index_files: copied.files,
            index_bytes: copied.bytes,
            index_seq: copied.seq,
            took: started.elapsed(),
        })
    }
}

/// Makes a backup from `backup` into `data_dir` (which must not exist yet or be empty), then
/// opens it to check it: the database is migrated if the backup is older than this program, and
/// the index catches up with the database (or is rebuilt if it cannot be used).
pub async fn restore(backup: &Path, data_dir: &Path) -> Result<Directory> {
    let database = backup.join(DATABASE_FILE);
    if !database.is_file() {
        return Err(Error::DataDir {
            path: backup.to_path_buf(),
            reason: format!("it is not a backup: it has no {DATABASE_FILE}"),
        });
    }
    prepare_destination(data_dir)?;
    let (from, to) = (backup.to_path_buf(), data_dir.to_path_buf());
    tokio::task::spawn_blocking(move || -> Result<()> {
        copy_file(&from.join(DATABASE_FILE), &to.join(DATABASE_FILE))?;
        let index = from.join(INDEX_DIR);
        if index.is_dir() {
            std::fs::create_dir_all(to.join(INDEX_DIR)).map_err(|e| io_error(&to, e))?;
            for entry in std::fs::read_dir(&index).map_err(|e| io_error(&index, e))? {
                let path = entry.map_err(|e| io_error(&index, e))?.path();
                if path.is_file() {
                    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
                    copy_file(&path, &to.join(INDEX_DIR).join(name))?;
                }
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| Error::Index(format!("restore stopped: {e}")))??;
    Directory::open(data_dir).await
}

/// Refuses a destination that holds anything; creates it if missing.
fn prepare_destination(destination: &Path) -> Result<()> {
    let refuse = |reason: String| Error::DataDir {
        path: destination.to_path_buf(),
        reason,
    };
    if destination.exists() {
        let mut entries = std::fs::read_dir(destination).map_err(|e| refuse(format!("cannot read it: {e}")))?;
        if entries.next().is_some() {
            return Err(refuse("it is not empty; a backup never overwrites anything".into()));
        }
    }
    std::fs::create_dir_all(destination).map_err(|e| refuse(format!("cannot create it: {e}")))
}

struct CopiedIndex {
    files: usize,
    bytes: u64,
    seq: Option<i64>,
}

/// Copies the files of the segments `meta.json` names, then `meta.json` itself. A merge may
/// remove a segment's files between reading `meta.json` and copying them; then the whole copy
/// starts again from a newer `meta.json`. The copy is opened at the end to prove it whole.
fn copy_index(source: &Path, target: &Path) -> Result<CopiedIndex> {
    let mut last_problem = String::new();
    for attempt in 1..=INDEX_COPY_ATTEMPTS {
        if target.exists() {
            std::fs::remove_dir_all(target).map_err(|e| io_error(target, e))?;
        }
        std::fs::create_dir_all(target).map_err(|e| io_error(target, e))?;
        match copy_index_once(source, target) {
            Ok(copied) => return Ok(copied),
            Err(problem) => {
                tracing::info!(attempt, %problem, "index changed while being copied; copying again");
                last_problem = problem;
            }
        }
    }
    Err(Error::Index(format!(
        "the search index kept changing while being copied ({INDEX_COPY_ATTEMPTS} attempts; last: {last_problem})"
    )))
}

fn copy_index_once(source: &Path, target: &Path) -> std::result::Result<CopiedIndex, String> {
    let meta_bytes = std::fs::read(source.join("meta.json")).map_err(|e| format!("meta.json: {e}"))?;
    let meta: serde_json::Value = serde_json::from_slice(&meta_bytes).map_err(|e| format!("meta.json: {e}"))?;
    let (live, deletes) = live_segments(&meta);
    let mut files = 0;
    let mut bytes = 0;
    let mut copied_segments = HashSet::new();
    let entries = std::fs::read_dir(source).map_err(|e| format!("listing the index: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("listing the index: {e}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((segment, rest)) = name.split_once('.') else {
            continue;
        };
        if !live.contains(segment) {
            continue;
        }
        // Only the delete bitset of the opstamp `meta.json` names belongs to this commit.
        if let Some(opstamp) = rest.strip_suffix(".del") {
            if deletes.get(segment).map(String::as_str) != Some(opstamp) {
                continue;
            }
        }
        let copied = std::fs::copy(entry.path(), target.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        files += 1;
        bytes += copied;
        copied_segments.insert(segment.to_string());
    }
    if copied_segments.len() != live.len() {
        return Err("a segment's files were gone".into());
    }
    for (segment, opstamp) in &deletes {
        if !target.join(format!("{segment}.{opstamp}.del")).exists() {
            return Err(format!("the deletes of segment {segment} were gone"));
        }
    }
    std::fs::write(target.join("meta.json"), &meta_bytes).map_err(|e| format!("writing meta.json: {e}"))?;
    let opened = tantivy::Index::open_in_dir(target).map_err(|e| format!("the copy does not open: {e}"))?;
    let reader = opened.reader().map_err(|e| format!("the copy cannot be read: {e}"))?;
    let damaged = opened
        .validate_checksum()
        .map_err(|e| format!("the copy's checksums cannot be read: {e}"))?;
    if !damaged.is_empty() {
        return Err(format!("{} copied files fail their checksums", damaged.len()));
    }
    drop(reader);
    let seq = meta
        .get("payload")
        .and_then(serde_json::Value::as_str)
        .and_then(|payload| serde_json::from_str::<serde_json::Value>(payload).ok())
        .and_then(|payload| payload.get("seq").and_then(serde_json::Value::as_i64));
    Ok(CopiedIndex {
        files: files + 1,
        bytes: bytes + meta_bytes.len() as u64,
        seq,
    })
}

/// The segment ids `meta.json` names (as in file names: hex without dashes), and for those with
/// deletes, the opstamp of their delete bitset.
fn live_segments(meta: &serde_json::Value) -> (HashSet<String>, std::collections::HashMap<String, String>) {
    let mut live = HashSet::new();
    let mut deletes = std::collections::HashMap::new();
    for segment in meta
        .get("segments")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = segment.get("segment_id").and_then(serde_json::Value::as_str) else {
            continue;
        };
        let id = id.replace('-', "");
        if let Some(opstamp) = segment
            .get("deletes")
            .and_then(|d| d.get("opstamp"))
            .and_then(serde_json::Value::as_u64)
        {
            deletes.insert(id.clone(), opstamp.to_string());
        }
        live.insert(id);
    }
    (live, deletes)
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| io_error(from, e))
}

fn io_error(path: &Path, error: std::io::Error) -> Error {
    Error::DataDir {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

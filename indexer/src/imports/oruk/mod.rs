//! Open Referral UK 3.0 sources: files (NDJSON, a saved `/services` page, the CSV package) and
//! live APIs.
//!
//! # Layout
//! - [`document`]: the service document, read leniently.
//! - [`mapping`]: document → [`crate::imports::ImportedListing`].
//! - [`files`]: the three file formats, read into batches on a blocking thread.
//! - [`api`]: a live ORUK API, paged politely, incrementally and resumably.

pub mod api;
pub mod document;
pub mod files;
pub mod mapping;

use std::collections::HashSet;
use std::path::Path;

use super::record::*;
use super::run::{ImportRun, ImportSummary};
use crate::error::Result;
use crate::Directory;

/// Services per batch (one transaction each).
pub const DEFAULT_BATCH_SIZE: usize = 500;

/// How a file import runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileImportOptions {
    /// Report what would happen, write nothing.
    pub dry_run: bool,
    pub batch_size: usize,
    /// The file is the whole source: archive what the source brought in before and the file
    /// no longer lists.
    pub archive_unlisted: bool,
}

impl Default for FileImportOptions {
    fn default() -> Self {
        FileImportOptions {
            dry_run: false,
            batch_size: DEFAULT_BATCH_SIZE,
            archive_unlisted: true,
        }
    }
}

/// Where a run is, for progress bars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportProgress {
    pub records: u64,
    /// Input bytes read so far (files; 0 when unknown).
    pub bytes: u64,
    pub counts: ImportCounts,
}

impl Directory {
    /// Imports an ORUK file or CSV package folder for `source` (format detected, see
    /// [`files::detect_format`]), calling `progress` after each batch and `on_batch` with each
    /// batch's report (the CLI prints dry-run rows from it). Bad records are reported, never
    /// fatal; a failure stops the run after its last committed batch and is recorded on the
    /// source, and running the same file again resumes (what landed is unchanged).
    pub async fn import_oruk_file(
        &self,
        source: &SourceRef,
        path: &Path,
        options: FileImportOptions,
        mut progress: impl FnMut(&ImportProgress),
        mut on_batch: impl FnMut(&BatchReport),
    ) -> Result<ImportSummary> {
        if !options.dry_run {
            return self
                .import_oruk_file_bulk(source, path, options, progress, on_batch)
                .await;
        }
        let format = files::detect_format(path)?;
        let mut run = ImportRun::start(self, source, options.dry_run).await?;
        let mut batches = files::read_batches(path.to_path_buf(), format, options.batch_size.max(1));
        let mut listed: HashSet<String> = HashSet::new();
        let mut state = ImportProgress::default();
        let outcome: Result<()> = async {
            while let Some(batch) = batches.recv().await {
                let (items, bytes) = batch?;
                for item in &items {
                    match item {
                        ImportItem::Listing(listing) => listed.insert(listing.source_record_id.clone()),
                        ImportItem::Rejected(RejectedRecord {
                            source_record_id: Some(id),
                            ..
                        }) => listed.insert(id.clone()),
                        _ => false,
                    };
                }
                state.records += items.len() as u64;
                let report = run.apply(self, items, None).await?;
                state.bytes = bytes;
                state.counts = run.counts;
                on_batch(&report);
                progress(&state);
            }
            if options.archive_unlisted {
                let report = run.archive_unlisted(self, &listed).await?;
                on_batch(&report);
                state.counts = run.counts;
                progress(&state);
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => run.finish(self, None).await,
            Err(e) => {
                let failure = e.to_string();
                run.finish(self, Some(&failure)).await?;
                Err(e)
            }
        }
    }
}

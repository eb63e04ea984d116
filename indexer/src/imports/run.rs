//! A run of a source: started, fed batches, finished with a status, counts and the first
//! errors, which admins read on the source. A run of a *whole* input (a file, every page of an
//! API without `modified_after`) may also archive what the source brought in before and no
//! longer lists.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::apply::{apply_batch, SERVICE};
use super::matcher::OrgMatcher;
use super::record::*;
use crate::error::Result;
use crate::store::imports::kept_records;
use crate::Directory;

/// Rejections kept on a run for admins to read (the CLI prints them all).
pub const KEPT_ERRORS: usize = 50;

/// Removals applied per batch when archiving what a full run no longer lists.
const REMOVAL_BATCH: usize = 500;

/// A run in progress.
#[derive(Debug)]
pub struct ImportRun {
    pub source: SourceRef,
    pub run_id: i64,
    pub started_at: DateTime<Utc>,
    pub counts: ImportCounts,
    /// The first rejections, `record <id> (line <n>): <field>: <reason>`.
    pub errors: Vec<String>,
    pub dry_run: bool,
    /// Duplicate organisations, read at the run's first batch.
    matcher: Option<OrgMatcher>,
}

impl ImportRun {
    /// Starts a run of `source` (recorded on the source unless `dry_run`).
    pub async fn start(directory: &Directory, source: &SourceRef, dry_run: bool) -> Result<ImportRun> {
        let run_id = if dry_run {
            0
        } else {
            directory.store().start_import_run(source.id).await?
        };
        Ok(ImportRun {
            source: source.clone(),
            run_id,
            started_at: Utc::now(),
            counts: ImportCounts::default(),
            errors: Vec::new(),
            dry_run,
            matcher: None,
        })
    }

    /// Applies (or previews) one batch and adds up its report; `cursor` is saved with it.
    pub async fn apply(
        &mut self,
        directory: &Directory,
        batch: Vec<ImportItem>,
        cursor: Option<&str>,
    ) -> Result<BatchReport> {
        if self.matcher.is_none() {
            self.matcher = Some(OrgMatcher::load(directory.store()).await?);
        }
        let cursor = if self.dry_run { None } else { cursor };
        let report = apply_batch(
            directory,
            &self.source,
            batch,
            self.dry_run,
            cursor,
            self.matcher.as_mut(),
        )
        .await?;
        self.record(&report);
        Ok(report)
    }

    /// Adds up a batch applied elsewhere (the bulk path).
    pub fn record(&mut self, report: &BatchReport) {
        self.counts.merge(report.counts);
        for record in &report.records {
            if self.errors.len() >= KEPT_ERRORS {
                break;
            }
            if let RecordOutcome::Rejected { reason, field } = &record.outcome {
                self.errors.push(describe_rejection(record, reason, field.as_deref()));
            }
        }
    }

    /// Archives every service this source created and still keeps whose record id is not in
    /// `listed` (what the run read, rejected records included: a record the source still
    /// lists, even badly, is not a removal). For runs that read the whole source (a full
    /// file), never for incremental ones.
    pub async fn archive_unlisted(&mut self, directory: &Directory, listed: &HashSet<String>) -> Result<BatchReport> {
        let kept = kept_records(directory.store(), self.source.id, SERVICE).await?;
        let missing: Vec<String> = kept.into_iter().filter(|id| !listed.contains(id)).collect();
        self.archive_missing(directory, missing).await
    }

    /// Archives the service records in `missing` (the source's own, live ones its run no longer
    /// listed), as removals through the per-record path.
    pub async fn archive_missing(&mut self, directory: &Directory, missing: Vec<String>) -> Result<BatchReport> {
        let mut total = BatchReport {
            dry_run: self.dry_run,
            ..BatchReport::default()
        };
        for chunk in missing.chunks(REMOVAL_BATCH) {
            let batch = chunk
                .iter()
                .map(|id| {
                    ImportItem::Removal(ImportedRemoval {
                        source_record_id: id.clone(),
                        position: None,
                    })
                })
                .collect();
            let report = self.apply(directory, batch, None).await?;
            total.counts.merge(report.counts);
            total.records.extend(report.records);
        }
        Ok(total)
    }

    /// Ends the run: `succeeded`, or `failed` with the error that stopped it.
    pub async fn finish(mut self, directory: &Directory, failure: Option<&str>) -> Result<ImportSummary> {
        if let Some(failure) = failure {
            self.errors.push(format!("run stopped: {failure}"));
        }
        let status = if failure.is_some() { "failed" } else { "succeeded" };
        if !self.dry_run {
            directory
                .store()
                .finish_import_run(self.source.id, self.run_id, status, &self.counts, &self.errors)
                .await?;
        }
        Ok(ImportSummary {
            source: self.source.name,
            status: status.to_string(),
            counts: self.counts,
            errors: self.errors,
            elapsed: (Utc::now() - self.started_at).to_std().unwrap_or_default(),
            dry_run: self.dry_run,
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    pub source: String,
    pub status: String,
    pub counts: ImportCounts,
    pub errors: Vec<String>,
    pub elapsed: std::time::Duration,
    pub dry_run: bool,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "{}{} {}: {} created, {} updated, {} unchanged, {} archived, {} rejected in {:.1?}",
            if self.dry_run { "dry run of " } else { "" },
            self.source,
            self.status,
            c.created,
            c.updated,
            c.unchanged,
            c.archived,
            c.rejected,
            self.elapsed
        )
    }
}

/// One line for a rejected record.
pub fn describe_rejection(record: &RecordReport, reason: &str, field: Option<&str>) -> String {
    let id = record.source_record_id.as_deref().unwrap_or("?");
    let position = record.position.map(|n| format!(" (record {n})")).unwrap_or_default();
    match field {
        Some(field) => format!("{id}{position}: {field}: {reason}"),
        None => format!("{id}{position}: {reason}"),
    }
}

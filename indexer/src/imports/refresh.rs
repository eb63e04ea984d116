//! Running registered sources: one run of a source by its kind, the sources that are due, and
//! the refresh loop the running server spawns.

use std::time::Duration;

use chrono::Utc;
use tracing::{info, warn};

use super::oruk::api::ApiImportOptions;
use super::oruk::{FileImportOptions, ImportProgress};
use super::record::*;
use super::run::ImportSummary;
use crate::error::Result;
use crate::store::imports::SourceStatus;
use crate::Directory;

/// How often the refresh loop looks for sources that are due.
pub const REFRESH_CHECK_INTERVAL: Duration = Duration::from_secs(60);

impl Directory {
    /// Runs a registered source once, by its kind, with its `config` settings.
    pub async fn run_import_source(
        &self,
        status: &SourceStatus,
        dry_run: bool,
        progress: impl FnMut(&ImportProgress),
        on_batch: impl FnMut(&BatchReport),
    ) -> Result<ImportSummary> {
        let source = &status.source;
        match source.kind {
            SourceKind::OrukApi => {
                let mut options: ApiImportOptions = serde_json::from_value(status.config.clone()).unwrap_or_default();
                options.dry_run = dry_run;
                self.import_oruk_api(source, &options, progress, on_batch).await
            }
            SourceKind::OrukNdjson | SourceKind::OrukJsonPage | SourceKind::OrukCsv => {
                let options = FileImportOptions {
                    dry_run,
                    ..FileImportOptions::default()
                };
                self.import_oruk_file(
                    source,
                    std::path::Path::new(&source.location),
                    options,
                    progress,
                    on_batch,
                )
                .await
            }
            SourceKind::Openactive => {
                let mut options: super::openactive::OpenactiveOptions =
                    serde_json::from_value(status.config.clone()).unwrap_or_default();
                options.dry_run = dry_run;
                let mut progress = progress;
                let outcome = self
                    .import_openactive(
                        source,
                        &options,
                        |state| {
                            progress(&ImportProgress {
                                records: state.items,
                                bytes: 0,
                                counts: state.counts,
                            })
                        },
                        on_batch,
                    )
                    .await?;
                Ok(outcome.summary)
            }
            SourceKind::Spreadsheet => {
                let mut progress = progress;
                let outcome = self
                    .import_spreadsheet(source, std::path::Path::new(&source.location), dry_run, |done, _| {
                        progress(&ImportProgress {
                            records: done,
                            bytes: 0,
                            counts: ImportCounts::default(),
                        })
                    })
                    .await?;
                Ok(outcome.summary)
            }
        }
    }

    /// Sources with a refresh interval whose last run started longer ago than it (or never).
    pub async fn import_sources_due(&self) -> Result<Vec<SourceStatus>> {
        let now = Utc::now();
        Ok(self
            .store()
            .sources()
            .await?
            .into_iter()
            .filter(|status| {
                let Some(minutes) = status.refresh_minutes else {
                    return false;
                };
                status
                    .last_run_started_at
                    .is_none_or(|started| now - started >= chrono::Duration::minutes(minutes))
            })
            .collect())
    }

    /// Waits until the search index has applied every committed change (when this process
    /// holds the index writer; another process holding it keeps it up to date itself).
    pub async fn wait_until_searchable(&self) -> Result<()> {
        let index = self.search_index().clone();
        if !index.is_writable() {
            return Ok(());
        }
        let newest = self.store().last_change_seq().await?;
        while index.applied_seq() < newest {
            if !index.is_writable() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

/// Refreshes due sources for as long as the runtime runs (the server spawns it). A source
/// that fails is recorded as failed on its row and tried again when next due.
pub async fn refresh_sources(directory: Directory) {
    let mut interval = tokio::time::interval(REFRESH_CHECK_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let due = match directory.import_sources_due().await {
            Ok(due) => due,
            Err(error) => {
                warn!(?error, "import sources unreadable; will retry");
                continue;
            }
        };
        for status in due {
            match directory.run_import_source(&status, false, |_| {}, |_| {}).await {
                Ok(summary) => info!(
                    source = %status.source.name,
                    created = summary.counts.created,
                    updated = summary.counts.updated,
                    unchanged = summary.counts.unchanged,
                    archived = summary.counts.archived,
                    rejected = summary.counts.rejected,
                    "import source refreshed"
                ),
                Err(error) => warn!(source = %status.source.name, %error, "import source refresh failed"),
            }
        }
    }
}

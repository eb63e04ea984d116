//! Imports: listings from other directories (Open Referral UK), OpenActive feeds and
//! spreadsheets, kept current by refreshing their sources.
//!
//! Every source module parses its input into the source-neutral records of [`record`]
//! ([`ImportItem`]s) and hands them, a batch at a time, to [`Directory::apply_import`]. The
//! rules every source shares live in the apply path, not in the sources:
//!
//! - **Provenance**: each listing remembers its source and the source's own id of the record
//!   (`import_records`), and when the source was last read; the API shows and attributes it.
//! - **Idempotent**: a record whose content hash is what was read last time writes nothing: no
//!   new version, no audit entry, no change-log row.
//! - **Removals** archive (never delete), with an audit entry by the source, and only what that
//!   source created: an organisation it was linked to, or a listing an admin detached, is never
//!   touched.
//! - **Local edits**: a listing a source created is read-only in the editing path (`FORBIDDEN`,
//!   naming the source) until an admin detaches it ([`Directory::detach_from_source`]); from then
//!   on the source's changes to it are reported as rejected, never applied, so neither side is
//!   lost silently. Moderation (approve, reject, archive, restore, review) stays with the
//!   directory and is never undone by a refresh.
//! - **Duplicates**: a new organisation matching one the directory holds (register number, or a
//!   very similar name at the same postcode, as the editing duplicate check) is linked, not
//!   created again.
//! - **Trust**: per source, new listings publish directly or wait in the moderation queue.
//! - **Bad records** are rejected with a reason and field and never stop a run; a batch is one
//!   transaction (with its cursor), so an interrupted run resumes after its last batch.
//!
//! # Layout
//! - [`record`]: what sources yield, and the per-record report.
//! - `apply`: one batch into the store.
//! - [`bulk`]: the bulk path for whole files: parsed on threads, set-wise, multi-row inserts.
//! - [`matcher`]: duplicate organisations for a whole run, in memory.
//! - [`oruk`]: Open Referral UK files (NDJSON, a saved page, the CSV package) and live APIs.
//! - [`refresh`]: running a registered source by its kind; the server's refresh loop.
//! - [`run`]: a run of a source: batches, counts, errors, removals of what a full file no
//!   longer lists, the summary.
//! - [`openactive`]: the OpenActive RPDE consumer (feeds, dataset sites, split feeds).
//! - [`spreadsheet`]: a spreadsheet saved as CSV, one row per service, with a dry run.

mod apply;
pub mod bulk;
pub mod matcher;
pub mod openactive;
pub mod oruk;
mod parts;
pub mod record;
pub mod refresh;
pub mod run;
pub mod spreadsheet;

use chrono::Utc;
use uuid::Uuid;

use crate::accounts::Viewer;
use crate::error::{Error, Result};
use crate::store::imports::{Provenance, SourceStatus};
use crate::Directory;
pub use record::*;
pub use run::ImportRun;

/// The namespace of source ids: `v5(SOURCE_NAMESPACE, name)`.
pub const SOURCE_NAMESPACE: Uuid = Uuid::from_u128(0x3b0e_61c4_8f52_4d7a_a1e9_5c2d_7f08_9b14);

/// What registering a source takes.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    pub name: String,
    pub kind: SourceKind,
    pub location: String,
    pub trust: Trust,
    pub attribution: Option<String>,
    /// Keep the source's UUIDs as the directory's ids when free (see [`SourceRef::keep_ids`]).
    pub keep_ids: bool,
    /// How often the running server refreshes it, in minutes (`None`: only by hand).
    pub refresh_minutes: Option<i64>,
    /// Source-specific settings (paging, concurrency, rate), JSON.
    pub config: serde_json::Value,
}

impl SourceSpec {
    /// A source with the defaults: ids kept, refreshed by hand only, no settings.
    pub fn new(name: &str, kind: SourceKind, location: &str, trust: Trust) -> SourceSpec {
        SourceSpec {
            name: name.to_string(),
            kind,
            location: location.to_string(),
            trust,
            attribution: None,
            keep_ids: true,
            refresh_minutes: None,
            config: serde_json::json!({}),
        }
    }
}

impl Directory {
    /// Registers a source (or updates the one of that name: its id, cursor and links stay) and
    /// returns it.
    pub async fn ensure_source(&self, spec: &SourceSpec) -> Result<SourceRef> {
        let name = spec.name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(Error::invalid("name", "a source needs a name of 1 to 100 characters"));
        }
        if spec.refresh_minutes.is_some_and(|minutes| minutes < 1) {
            return Err(Error::invalid("refreshMinutes", "must be at least 1"));
        }
        let source = SourceRef {
            id: Uuid::new_v5(&SOURCE_NAMESPACE, name.as_bytes()),
            name: name.to_string(),
            kind: spec.kind,
            trust: spec.trust,
            location: spec.location.clone(),
            attribution: spec.attribution.clone(),
            keep_ids: spec.keep_ids,
        };
        self.store()
            .save_source(&source, spec.refresh_minutes, &spec.config)
            .await?;
        self.import_source(name).await
    }

    /// A registered source by name, or `NOT_FOUND`.
    pub async fn import_source(&self, name: &str) -> Result<SourceRef> {
        self.store()
            .source_by_name(name)
            .await?
            .map(|status| status.source)
            .ok_or_else(|| Error::not_found("source", name))
    }

    /// Every registered source with its last run (admins).
    pub async fn import_sources(&self, viewer: &Viewer) -> Result<Vec<SourceStatus>> {
        viewer.require_admin("see import sources")?;
        self.store().sources().await
    }

    /// Applies one batch of a source's records and reports each: created, updated, unchanged,
    /// archived or rejected (with the reason and field). The batch is one transaction; bad
    /// records are rejected alone.
    pub async fn apply_import(&self, source: &SourceRef, batch: Vec<ImportItem>) -> Result<BatchReport> {
        apply::apply_batch(self, source, batch, false, None, None).await
    }

    /// As [`Directory::apply_import`], saving in the same transaction where the source's next
    /// run resumes (an RPDE `next` URL, a page), so a batch and its cursor commit together.
    pub async fn apply_import_at(
        &self,
        source: &SourceRef,
        batch: Vec<ImportItem>,
        cursor: &str,
    ) -> Result<BatchReport> {
        apply::apply_batch(self, source, batch, false, Some(cursor), None).await
    }

    /// What [`Directory::apply_import`] would do, without writing anything (a dry run).
    pub async fn preview_import(&self, source: &SourceRef, batch: Vec<ImportItem>) -> Result<BatchReport> {
        apply::apply_batch(self, source, batch, true, None, None).await
    }

    /// Where a source's next run resumes (saved by [`Directory::apply_import_at`]).
    pub async fn import_cursor(&self, source: &SourceRef) -> Result<Option<String>> {
        self.store().source_cursor(source.id).await
    }

    /// Forgets a source's cursor, so its next run starts from the beginning.
    pub async fn reset_import_cursor(&self, source: &SourceRef) -> Result<()> {
        let mut tx = self.store().begin_write().await?;
        crate::store::imports::set_source_cursor(&mut tx, source.id, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Where a listing (service or organisation) came from, if a source brought it in.
    pub async fn provenance(&self, id: Uuid) -> Result<Option<Provenance>> {
        self.store().provenance(id).await
    }

    /// An admin cuts a listing loose from the source that created it: from then on it is
    /// edited here, and the source's changes to it are reported, not applied.
    pub async fn detach_from_source(&self, viewer: &Viewer, id: Uuid) -> Result<u64> {
        viewer.require_admin("detach listings from their sources")?;
        let mut tx = self.store().begin_write().await?;
        let detached = crate::store::imports::detach(&mut tx, id, Utc::now()).await?;
        if detached == 0 {
            return Err(Error::invalid("id", "this listing is not kept by any source"));
        }
        crate::store::imports::audit_by_source(
            &mut tx,
            crate::editing::ResourceKind::of(self.store(), id).await?.as_str(),
            id,
            "detach",
            &viewer.describe(),
            None,
            Some("detached from its source: edited here from now on"),
            "[]",
        )
        .await?;
        tx.commit().await?;
        Ok(detached)
    }

    /// The local-edit rule: `FORBIDDEN` when a source keeps this listing (see the module docs).
    pub async fn refuse_if_imported(&self, id: Uuid) -> Result<()> {
        match self.store().keeping_source(id).await? {
            Some(source) => Err(Error::forbidden(format!(
                "this listing is kept up to date by the import source {source:?}: change it at the source, or ask an admin to detach it (detachFromSource) before editing it here"
            ))),
            None => Ok(()),
        }
    }
}

//! The bulk path for big files: what a run of a whole ORUK file takes when it writes (not a dry
//! run). The rules are the per-record path's ([`super::apply`]); the work is set-wise:
//!
//! - the file is parsed and hashed on several threads ([`read`]) while the writer writes;
//! - the source's links (service, organisation and venue records → listing and content hash)
//!   and the duplicate matcher are read once for the run and kept in memory, so an unchanged
//!   record is recognised without touching the database, and new ones are matched in memory;
//! - new listings are validated and planned in memory ([`plan`]) and written a chunk at a time
//!   in one transaction of multi-row inserts ([`crate::store::bulk`]), with their audit
//!   entries, links and change-log rows (so `feed_seq`, the feeds and change sync follow); the
//!   rows planned so far are written while the rest of the chunk is planned ([`insert`]);
//! - what is not new (a changed listing, a removal, a new listing whose organisation or venue
//!   the source changed) goes through the per-record path, after the chunk's new listings;
//!   and when a chunk's transaction fails, its records go through it one savepoint each, so
//!   one bad record never aborts the run;
//! - a big file into a directory that holds few services has the secondary indexes of the
//!   tables it writes dropped for the load and built once at its end
//!   ([`bulk_store::defer_indexes`]; opening a directory builds them should a load die);
//! - unchanged records are marked read ("last read") once, at the end, in key order;
//! - the change-log follower is paused for the run, and a run that wrote many listings
//!   rebuilds the search index once at the end; a smaller one feeds the index its change log
//!   in a few big commits.

mod created_audit;
mod insert;
mod plan;
mod premade;
pub(crate) mod read;
mod update;

use read::{Chunks, Hashes, ParsedListing, Prepared};

use crate::store::db::Conn;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use tracing::{info, warn};

use super::apply::{apply_batch, LOCATION, ORGANIZATION, SERVICE};
use super::oruk::{files, FileImportOptions, ImportProgress};
use super::record::*;
use super::run::{ImportRun, ImportSummary};
use crate::error::Result;
use crate::imports::oruk::mapping::item_from_json;
use crate::store::bulk::{self as bulk_store, hash_bytes};
use crate::store::imports::record_links;
use crate::Directory;
use plan::Known;

/// A file at least this big, imported into a directory holding fewer than
/// [`DEFER_INDEXES_BELOW`] services, has its tables' secondary indexes dropped for the load and
/// built once at its end ([`bulk_store::defer_indexes`]).
pub const DEFER_INDEXES_BYTES: u64 = 64 << 20;

/// See [`DEFER_INDEXES_BYTES`]: a directory this full keeps its indexes up to date (building
/// them again would read everything it holds, and its searches need them meanwhile).
pub const DEFER_INDEXES_BELOW: i64 = 20_000;

/// Records a load with deferred indexes sends through the per-record path before it builds the
/// indexes again (that path reads by them: without, each record scans tables).
const SLOW_WITHOUT_INDEXES: usize = 100;

/// Change-log rows a search index commit takes after a run too small to rebuild the index: the
/// follower's own batch. 20,000 at 1M made no faster commits (the changed listings' organisations
/// bring all their services along) and took the 1%-changed re-import's peak RSS from 1.3 to 2.2 GB.
const CATCH_UP_BATCH: i64 = 1_000;

/// Records a chunk: parsed together, written in one transaction.
pub const CHUNK_RECORDS: usize = 5_000;

/// New listings of a chunk handed to SQLite together while the next ones are planned.
pub(super) const LISTINGS_PER_WRITE: usize = 500;

/// Unchanged records whose "last read" one statement (and transaction) marks at the end of a
/// run (see [`Directory::touch_unchanged`]).
const TOUCHED_PER_STATEMENT: usize = 50_000;

/// A run that created or changed at least this many listings rebuilds the search index at the
/// end rather than feeding it the change log (a rebuild reads each listing once, in order).
pub const REBUILD_AFTER: u64 = 50_000;

/// A file at least this big may write [`REBUILD_AFTER`] listings (at a kilobyte or so a
/// service), so its new listings' search documents are made as they are written, for the
/// rebuild at the end ([`premade`]). A smaller file would not rebuild: the documents would
/// go unused.
pub const PREMADE_DOCUMENTS_BYTES: u64 = 32 << 20;

/// How a bulk load goes about its work; the defaults suit real runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLoad {
    /// Files at least this big, into a directory holding fewer than [`DEFER_INDEXES_BELOW`]
    /// services, have the indexes deferred (see [`DEFER_INDEXES_BYTES`], the default).
    pub defer_indexes_bytes: u64,
    /// Files at least this big have their new listings' search documents made as they are
    /// written (see [`PREMADE_DOCUMENTS_BYTES`], the default).
    pub premade_documents_bytes: u64,
    /// A run that created or changed at least this many listings rebuilds the search index
    /// (see [`REBUILD_AFTER`], the default).
    pub rebuild_after: u64,
}

impl Default for BulkLoad {
    fn default() -> Self {
        BulkLoad {
            defer_indexes_bytes: DEFER_INDEXES_BYTES,
            premade_documents_bytes: PREMADE_DOCUMENTS_BYTES,
            rebuild_after: REBUILD_AFTER,
        }
    }
}

/// What a run found unchanged: the records (to mark read) and, of those, the ones read from a
/// line the link does not hold yet (to keep it, so the next run skips them unparsed).
#[derive(Default)]
struct Unchanged {
    records: Vec<String>,
    lines: Vec<(String, [u8; 16])>,
}

impl Directory {
    /// Imports a whole ORUK file through the bulk path (see the module docs); what
    /// [`Directory::import_oruk_file`] runs for a file that is written (not a dry run).
    pub async fn import_oruk_file_bulk(
        &self,
        source: &SourceRef,
        path: &Path,
        options: FileImportOptions,
        progress: impl FnMut(&ImportProgress),
        on_batch: impl FnMut(&BatchReport),
    ) -> Result<ImportSummary> {
        self.import_oruk_file_bulk_with(source, path, options, BulkLoad::default(), progress, on_batch)
            .await
    }

    /// [`Directory::import_oruk_file_bulk`] with the load's own settings (tests and benches).
    pub async fn import_oruk_file_bulk_with(
        &self,
        source: &SourceRef,
        path: &Path,
        options: FileImportOptions,
        load: BulkLoad,
        mut progress: impl FnMut(&ImportProgress),
        mut on_batch: impl FnMut(&BatchReport),
    ) -> Result<ImportSummary> {
        let format = files::detect_format(path)?;
        let mut run = ImportRun::start(self, source, false).await?;
        let pause = crate::search::sync::pause_following(self.search_index());
        let mut written = 0u64;
        let mut conn = self.store().pool().acquire().await?;
        let started = Instant::now();
        let mut unchanged = Unchanged::default();
        // Documents made by a run that failed half way are dropped: what it wrote is read back.
        let mut premade = None;
        let outcome: Result<()> = async {
            let store = self.store();
            bulk_store::set_load_pragmas(&mut conn).await?;
            // Read side by side: each on a connection of its own.
            let (services, organizations, venues) = tokio::try_join!(
                store.all_record_links(source.id, SERVICE),
                store.all_record_links(source.id, ORGANIZATION),
                store.all_record_links(source.id, LOCATION),
            )?;
            let mut known = Known {
                services,
                organizations,
                venues,
                matcher: None,
                ..Known::default()
            };
            let file_bytes = std::fs::metadata(path).map_or(0, |meta| meta.len());
            if file_bytes >= load.premade_documents_bytes {
                known.premade = Some(crate::search::sync::Premade::new(self.search_index())?);
            }
            if file_bytes >= load.defer_indexes_bytes
                && bulk_store::few_services(&mut conn, DEFER_INDEXES_BELOW).await?
            {
                let dropped = bulk_store::defer_indexes(&mut conn).await?;
                known.indexes_deferred = dropped > 0;
                info!(
                    dropped,
                    file_bytes, "bulk import: indexes dropped, to be built at the end"
                );
            }
            info!(
                links = known.services.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "bulk import: the source's links read"
            );
            let mut listed: HashSet<String> = HashSet::new();
            let mut state = ImportProgress::default();
            let same = Arc::new(known.same_lines());
            let mut next = Chunks::open(path, format, options.batch_size.max(CHUNK_RECORDS), same);
            while let Some((items, bytes)) = next.next().await? {
                listed.extend(items.iter().filter_map(Prepared::listed_id).cloned());
                state.records += items.len() as u64;
                let report = self
                    .apply_chunk(&mut conn, source, &mut known, items, &mut unchanged)
                    .await?;
                written += report.counts.created + report.counts.updated;
                run.record(&report);
                state.bytes = bytes;
                state.counts = run.counts;
                on_batch(&report);
                progress(&state);
            }
            info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "bulk import: records applied"
            );
            if options.archive_unlisted {
                // What the source keeps and did not list, from the run's memory of its links
                // (as `ImportRun::archive_unlisted` reads them, without reading them again).
                let mut missing: Vec<String> = known
                    .services
                    .iter()
                    .filter(|(id, link)| {
                        link.created_by_source && !link.archived_by_source && !link.detached && !listed.contains(*id)
                    })
                    .map(|(id, _)| id.clone())
                    .collect();
                missing.sort_unstable();
                // Archiving goes record by record, reading by the indexes.
                if known.indexes_deferred && !missing.is_empty() {
                    bulk_store::restore_deferred_indexes(&mut conn).await?;
                }
                let report = run.archive_missing(self, missing).await?;
                written += report.counts.archived;
                on_batch(&report);
                state.counts = run.counts;
                progress(&state);
            }
            if let Some(mut made) = known.premade.take() {
                // A venue changed after it was written (by this run's per-record path, or an
                // editor meanwhile) leaves the documents made from it for later chunks stale:
                // their own change-log positions do not move. Those are read back.
                let venues: Vec<uuid::Uuid> = known.premade_venues.keys().copied().collect();
                let stale = self.store().services_at_changed_venues(&venues).await?;
                made.forget(&stale);
                info!(
                    stale = stale.len(),
                    premade = made.count(),
                    left = known.not_premade,
                    "bulk import: search documents made as the listings were written"
                );
                premade = Some(made);
            }
            Ok(())
        }
        .await;
        // Also after a failed run: the records it read unchanged were read.
        let read_all = outcome.is_ok() && options.archive_unlisted;
        let touched = self.touch_unchanged(&mut conn, source, unchanged, read_all).await;
        info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "bulk import: unchanged records marked read"
        );
        // Also after a failed run: searches need the indexes (opening the directory would build
        // them). A run that rebuilds the search index does it meanwhile: its premade documents
        // need no reading (SQLite builds indexes on one core, tantivy indexes on the other), and
        // the services it reads wait for the indexes. The indexes are built on a task of their
        // own, so that the rebuild's indexing (which blocks its thread) does not hold them up.
        let rebuild = written >= load.rebuild_after;
        let (indexes_built, indexes_in_place) = tokio::sync::oneshot::channel::<()>();
        let build = tokio::spawn(async move {
            let indexed = bulk_store::restore_deferred_indexes(&mut conn).await;
            info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "bulk import: indexes in place"
            );
            let _ = indexes_built.send(());
            (indexed, bulk_store::restore_load_pragmas(&mut conn).await)
        });
        if rebuild {
            info!(written, "bulk import: rebuilding the search index once");
            let reads_after = async {
                let _ = indexes_in_place.await;
            };
            if let Err(error) = crate::search::sync::rebuild_with(
                self.store(),
                &self.places(),
                self.search_index(),
                premade,
                reads_after,
                |_| {},
            )
            .await
            {
                warn!(%error, "search index rebuild after a bulk import failed; the change log will be followed");
            }
        }
        let (indexed, restored) = build.await.unwrap_or_else(|error| {
            // The task died (it never panics in practice): opening the directory builds them.
            let error = std::io::Error::other(format!("building the indexes again: {error}"));
            (Err(error.into()), Ok(()))
        });
        if !rebuild && written > 0 {
            // The run returns searchable: its changes are in the index, not left to the follower.
            if let Err(error) = crate::search::sync::catch_up_in_batches(
                self.store(),
                &self.places(),
                self.search_index(),
                CATCH_UP_BATCH,
            )
            .await
            {
                warn!(%error, "search index catch-up after a bulk import failed; the follower will retry");
            }
        }
        info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "bulk import: searchable"
        );
        drop(pause);
        let outcome = outcome.and(touched).and(indexed.map(|_| ())).and(restored);
        match outcome {
            Ok(()) => run.finish(self, None).await,
            Err(e) => {
                let failure = e.to_string();
                run.finish(self, Some(&failure)).await?;
                Err(e)
            }
        }
    }

    /// Marks the run's unchanged service records as read now (provenance's "last read"), in key
    /// order and a few big statements at the end of the run: a statement per chunk touched
    /// pages all over the table every time, a million records rewriting it many times over.
    /// `read_all`: the run read the source's whole list (its time is kept on the source
    /// instead, see [`crate::store::Store::provenance`]). Keeps the new lines of unchanged
    /// records either way.
    async fn touch_unchanged(
        &self,
        conn: &mut Conn<'_>,
        source: &SourceRef,
        mut unchanged: Unchanged,
        read_all: bool,
    ) -> Result<()> {
        let now = Utc::now();
        if read_all {
            let mut tx = conn.begin().await?;
            bulk_store::set_read_all(&mut tx, source.id, now).await?;
            tx.commit().await?;
        } else {
            unchanged.records.sort_unstable();
            for ids in unchanged.records.chunks(TOUCHED_PER_STATEMENT) {
                let mut tx = conn.begin().await?;
                bulk_store::touch_links(&mut tx, source.id, SERVICE, ids, now).await?;
                tx.commit().await?;
            }
        }
        unchanged.lines.sort_unstable();
        for lines in unchanged.lines.chunks(TOUCHED_PER_STATEMENT) {
            let mut tx = conn.begin().await?;
            bulk_store::set_line_hashes(&mut tx, source.id, lines).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Applies one chunk: unchanged records skipped, new listings planned and inserted in one
    /// transaction, the rest through the per-record path. The report is in input order.
    async fn apply_chunk(
        &self,
        conn: &mut Conn<'_>,
        source: &SourceRef,
        known: &mut Known,
        items: Vec<Prepared>,
        unchanged: &mut Unchanged,
    ) -> Result<BatchReport> {
        let mut report = BatchReport::default();
        let mut new: Vec<ParsedListing> = Vec::new();
        let mut slow: Vec<ImportItem> = Vec::new();
        // The lines of listings going through the per-record path, kept once it wrote them.
        let mut slow_lines: HashMap<String, [u8; 16]> = HashMap::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut changed: Vec<update::Changed> = Vec::new();
        for prepared in items {
            let (item, hashes, line) = match prepared {
                Prepared::Same {
                    record_id,
                    position,
                    text,
                    line,
                } => match known.services.get(&record_id) {
                    // Still the line the link holds (an earlier chunk may have written the
                    // record from another line of the file since the run began).
                    Some(link) if !link.detached && !link.archived_by_source && link.line == Some(line) => {
                        report.push(unchanged_record(record_id.clone(), Some(position), link.entity_id));
                        unchanged.records.push(record_id);
                        continue;
                    }
                    // The run archived, detached or rewrote it since it began: read as any other.
                    _ => match Prepared::parsed(item_from_json(&text, Some(position)), Some(line)) {
                        Prepared::Parsed { item, hashes, line } => (item, hashes, line),
                        Prepared::Same { .. } => continue,
                    },
                },
                Prepared::Parsed { item, hashes, line } => (item, hashes, line),
            };
            match (item, hashes) {
                (ImportItem::Listing(listing), Some(hashes)) => {
                    let id = &listing.source_record_id;
                    match known.services.get(id) {
                        Some(link)
                            if link.hash == hash_bytes(&hashes.listing)
                                && !link.archived_by_source
                                && !link.detached =>
                        {
                            report.push(unchanged_record(id.clone(), listing.position, link.entity_id));
                            if let Some(line) = line.filter(|line| link.line != Some(*line)) {
                                unchanged.lines.push((id.clone(), line));
                            }
                            unchanged.records.push(id.clone());
                        }
                        Some(link) if seen.insert(id.clone()) => {
                            match update::Changed::of(known, link, listing, hashes, line) {
                                Ok(change) => changed.push(change),
                                Err((listing, _, line)) => {
                                    slow_lines.extend(line.map(|line| (listing.source_record_id.clone(), line)));
                                    slow.push(ImportItem::Listing(listing));
                                }
                            }
                        }
                        Some(_) => {
                            slow_lines.extend(line.map(|line| (id.clone(), line)));
                            slow.push(ImportItem::Listing(listing));
                        }
                        // A record listed twice in a chunk: the second is an update of the first.
                        None if !seen.insert(id.clone()) => {
                            slow_lines.extend(line.map(|line| (id.clone(), line)));
                            slow.push(ImportItem::Listing(listing));
                        }
                        None => new.push((listing, hashes, line)),
                    }
                }
                (item, _) => slow.push(item),
            }
        }
        // Duplicate organisations are read when the run first meets an organisation the source
        // has not brought in (a re-import of unchanged and changed records never needs them).
        if known.matcher.is_none() && needs_matcher(known, &new, &slow) {
            known.matcher = Some(super::matcher::OrgMatcher::load(self.store()).await?);
        }
        if !new.is_empty() {
            self.insert_new(conn, source, known, new, &mut report, &mut slow, &mut slow_lines)
                .await?;
        }
        if !changed.is_empty() {
            known.needs_indexes(conn, changed.len()).await?;
            self.apply_changed(conn, source, known, changed, &mut report, &mut slow, &mut slow_lines)
                .await?;
        }
        if !slow.is_empty() {
            known.needs_indexes(conn, slow.len()).await?;
            let ids = slow_record_ids(&slow);
            let outcome = apply_batch(self, source, slow, false, None, known.matcher.as_mut()).await?;
            // The per-record path forgets a link's line; the lines it read are kept again.
            let mut lines: Vec<(String, [u8; 16])> = Vec::new();
            for record in outcome.records {
                if let (Some(id), RecordOutcome::Created | RecordOutcome::Updated | RecordOutcome::Unchanged) =
                    (&record.source_record_id, &record.outcome)
                {
                    lines.extend(slow_lines.remove(id).map(|line| (id.clone(), line)));
                }
                report.push(record);
            }
            let mut tx = conn.begin().await?;
            bulk_store::set_line_hashes(&mut tx, source.id, &lines).await?;
            tx.commit().await?;
            self.refresh_known(source, known, &ids).await?;
            for (id, line) in lines {
                if let Some(link) = known.services.get_mut(&id) {
                    link.line = Some(line);
                }
            }
        }
        report.records.sort_by_key(|record| record.position.unwrap_or(u64::MAX));
        Ok(report)
    }

    /// Reads again the links the per-record path may have written, so the run's memory of
    /// them stays true.
    async fn refresh_known(&self, source: &SourceRef, known: &mut Known, ids: &[Vec<String>; 3]) -> Result<()> {
        let mut conn = self.store().pool().acquire().await?;
        for (kind, ids) in [SERVICE, ORGANIZATION, LOCATION].into_iter().zip(ids) {
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let links = record_links(&mut conn, source.id, kind, &refs).await?;
            let map = match kind {
                SERVICE => &mut known.services,
                ORGANIZATION => &mut known.organizations,
                _ => &mut known.venues,
            };
            for (record, link) in links {
                map.insert(
                    record,
                    bulk_store::KeptLink {
                        entity_id: link.entity_id,
                        hash: hash_bytes(&link.content_hash),
                        created_by_source: link.created_by_source,
                        archived_by_source: link.archived_by_source,
                        detached: link.detached,
                        line: None,
                    },
                );
            }
        }
        Ok(())
    }
}

/// The report of a record found unchanged.
fn unchanged_record(record_id: String, position: Option<u64>, service_id: uuid::Uuid) -> RecordReport {
    RecordReport {
        source_record_id: Some(record_id),
        position,
        outcome: RecordOutcome::Unchanged,
        service_id: Some(service_id),
        organization_id: None,
        organization_linked: false,
    }
}

/// Whether a chunk's new or changed listings name an organisation the source has not brought
/// in (nor the run so far): only then are duplicates looked for.
fn needs_matcher(known: &Known, new: &[ParsedListing], slow: &[ImportItem]) -> bool {
    let unknown = |listing: &ImportedListing| !known.organizations.contains_key(&listing.organization.source_record_id);
    new.iter().any(|(listing, _, _)| unknown(listing))
        || slow
            .iter()
            .any(|item| matches!(item, ImportItem::Listing(listing) if unknown(listing)))
}

impl Known {
    /// Counts `records` more that are not new (changed ones, and what goes through the
    /// per-record path) and, past [`SLOW_WITHOUT_INDEXES`], builds the deferred indexes again:
    /// those writes read by secondary indexes (a service's schedules and needs, an
    /// organisation's services), and without them each would scan tables.
    async fn needs_indexes(&mut self, conn: &mut Conn<'_>, records: usize) -> Result<()> {
        self.slow_records += records;
        if self.indexes_deferred && self.slow_records > SLOW_WITHOUT_INDEXES {
            bulk_store::restore_deferred_indexes(conn).await?;
            self.indexes_deferred = false;
            info!(
                slow = self.slow_records,
                "bulk import: indexes built again for the records that are not new"
            );
        }
        Ok(())
    }
}

/// The service, organisation and venue record ids of items going through the per-record path.
fn slow_record_ids(items: &[ImportItem]) -> [Vec<String>; 3] {
    let mut ids: [Vec<String>; 3] = Default::default();
    for item in items {
        match item {
            ImportItem::Listing(listing) => {
                ids[0].push(listing.source_record_id.clone());
                ids[1].push(listing.organization.source_record_id.clone());
                ids[2].extend(listing.venues.iter().map(|venue| venue.source_record_id.clone()));
            }
            ImportItem::Removal(removal) => ids[0].push(removal.source_record_id.clone()),
            ImportItem::Rejected(_) => {}
        }
    }
    ids
}

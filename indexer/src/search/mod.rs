//! Full-text, geo and filtered search over services, organisations and funds (tantivy).
//!
//! The database is the truth; this index is derived from it. It is rebuilt from the database
//! when missing or from an older schema (`indexer reindex` does the same on demand), and kept in
//! step by following the change log: each commit records the last change-log row applied in its
//! payload, so after a restart or crash it catches up from there.
//!
//! # Plans
//!
//! Each search runs one [`plan::Plan`], chosen once per request ([`plan::Plan::of`]) from the
//! request and its words read against the index ([`words::ReadText`]), and logged with its
//! matches and time (`search completed`, at debug level):
//!
//! | request | plan | passes |
//! |---|---|---|
//! | words, no filter (kinds only mask the words' listings), by relevance | `WordsAlone` | page: MaxScore over every term (`query::top_words::TopWords`); 3+ words: the listings that could beat the page, from the terms' bits 64 at a time (enough words, or a need while it could; each term or pair without which the rest cannot), bounded at their field lengths and scored where the bound allows (`candidates`), a common word a listing has once from its length alone (`TermDocs::repeated`), the rest from postings. Counts (asked): a second pass, from the terms' bits |
//! | words and a radius, no narrowing filter; 3+ words and a radius, any filters | `WordsNear` | one pass: the words' listings folded into the radius's bits (3+ words: those with enough of the words), scored there alone (`query::words_near`) |
//! | words and other filters (1-2 words, or no radius), or by distance | `WordsFiltered` | one pass over every match: the words sought at each candidate (`query::seeking_union::SeekingUnion` or grouped) where a need, day, feature or free only narrows, else tantivy's union |
//! | a point, no words | `Rings` | page: rings doubling inside the radius, kept once nothing beyond can outrank the page. Counts: a second pass; with nothing but the radius to match, the query hands the radius to the collector (`BuiltQuery::radius_alone`), which reads its bits and those of the cells wholly within reach itself and counts them a word at a time |
//! | no words, no point | `FirstFresh` | page: the first fresh matches. Counts: a second pass |
//!
//! Data flows one way: the query describes what matches, the collector decides what is kept;
//! what the collector needs beyond the matches is handed to it with the query when the query is
//! built (`request::BuiltQuery`), never through a side channel or by downcasting a scorer.
//!
//! What the pruning relies on, checked in debug builds (`debug_assert!`) or by the tests:
//! - the blended score never exceeds the text score (decay and staleness are at most 1): the
//!   collector hands the page's worst score to the scorers as the threshold to beat (asserted
//!   at each collected match, `collect::pass`);
//! - sums of a few dozen `f32` scores are added in `f64` and rounded once, so a listing scores
//!   the same bits on every path, and a bound that does not beat the threshold proves the score
//!   does not (`query::top_words`, `grouped`);
//! - no term scores above its highest score at the listing's field length, so a listing scores
//!   at most the bound MaxScore and the candidates of three words or more rule it out by
//!   (asserted at each scored listing, `query::top_words`);
//! - a common word's listings without its repeated bit have it exactly once, so the term
//!   query's BM25 at a frequency of 1 is their score for it, bit for bit
//!   (`grouped_pages_are_the_best_among_templates`);
//! - a page is the same whether or not totals are asked (`a_page_without_totals_is_the_page_with_totals`),
//!   and equal to the brute-force page of stock tantivy queries (the `oracle` tests).
//!
//! # Layout
//! The public surface is the index's lifecycle ([`SearchIndex`], [`sync`]), searching
//! ([`SearchIndex::search`], [`browse`], `suggest`), explaining (`explain`) and the types they
//! take and give; the machinery under them is private to the crate, grouped by role:
//! - [`words`]: a search's text read once: words without stop words, stems, typo readings,
//!   synonyms.
//! - [`plan`]: which way a search runs; `run`: the passes each plan takes.
//! - [`request`]: the request type and the tantivy query built from it.
//! - `query`: the queries, scorers and bitsets (what matches, how it scores).
//! - `collect`: exact filters, blended ranking, top hits and facets in one pass.
//! - [`fields`]: the schema and text analysers.
//! - [`document`]: the flat per-listing document and how it is built.
//! - [`cells`]: grid-cell terms for radius search.
//! - [`browse`]: listings by name, a page at a time with exact counts (list pages).
//! - `explain`: which words each hit has (why it matched); `suggest`: type-ahead.
//! - `venue_counts`: how many venues each hit has (ORUK's filtered `/service_at_locations`).
//! - [`hits`]: the hydrated results [`crate::Directory::search`] gives.
//! - [`sync`], [`cache`], [`stemming`]: rebuilding from and following the database, the
//!   hydration caches, the stemmer.

pub mod browse;
pub mod cache;
pub mod cells;
pub(crate) mod collect;
pub mod document;
mod explain;
pub mod fields;
pub mod hits;
#[cfg(test)]
mod oracle;
pub mod plan;
pub(crate) mod query;
pub mod request;
mod run;
pub mod spill;
pub mod stemming;
mod suggest;
pub mod sync;
mod venue_counts;
pub mod vocabulary;
pub mod words;

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::{DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Term};
use uuid::Uuid;

pub use collect::{Collected, RawHit};
pub use document::{AssetDocument, AssetKind};
pub use explain::TextField;
pub use request::{Near, SearchOptions, SearchRequest, SortOrder, Within};
pub use suggest::Suggestion;

use crate::domain::GeoPoint;
use crate::error::{Error, Result};
use fields::{Fields, PLAIN};

/// Bumped whenever documents or the schema change shape; an index of another version is rebuilt.
const INDEX_VERSION: u32 = 7;

/// What each commit records.
#[derive(Debug, Serialize, Deserialize)]
struct CommitPayload {
    version: u32,
    /// The last change-log row applied.
    seq: i64,
}

fn index_error(error: tantivy::TantivyError) -> Error {
    Error::Index(error.to_string())
}

/// The search index, its one writer and its reader.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    /// `None` when another process (a running server) holds the index: this one only reads.
    writer: Mutex<Option<IndexWriter>>,
    applied_seq: AtomicI64,
    /// Listings of recent results, emptied as they are re-indexed.
    assets: cache::ListingCache<cache::CachedAsset>,
    /// Services signposting ranked recently, emptied as they are re-indexed.
    services: cache::ListingCache<cache::CachedService>,
    /// Fast-field columns of the searched segments.
    columns: collect::ColumnCache,
    /// What words alone keep per term and segment between searches.
    term_caches: query::top_words::TermCaches,
    /// The stems of the text fields, per segment, for reading typos.
    vocabulary: vocabulary::Vocabulary,
    /// Whether `writer` holds a writer, readable without waiting for a commit in progress.
    writable: std::sync::atomic::AtomicBool,
    /// A [`Replacement`] is under way.
    replacing: std::sync::atomic::AtomicBool,
    /// Where a rebuild sets documents aside: the directory holding the index's own, or the
    /// system's temporary directory for an index in memory.
    scratch: Option<std::path::PathBuf>,
}

/// Every document being replaced, batch by batch (see [`SearchIndex::begin_replacement`]).
pub struct Replacement<'a> {
    index: &'a SearchIndex,
    added: u64,
    committed: bool,
}

impl Replacement<'_> {
    /// Adds a batch; returns the number of documents added so far.
    pub fn add(&mut self, documents: &[AssetDocument]) -> Result<u64> {
        let index = self.index;
        index.with_writer(|writer| index.add_documents(writer, documents))?;
        self.added += documents.len() as u64;
        Ok(self.added)
    }

    /// Commits the new documents at change-log position `seq`, then merges them into one
    /// segment (the writer flushes a segment per few tens of MB, and every search pays per
    /// segment: a million listings made 15, and signposting's searches twice as slow); returns
    /// how many documents there are.
    ///
    /// No background merge runs during a replacement (see [`SearchIndex::begin_replacement`]),
    /// so every segment this merge names is still there; were the merge to fail all the same,
    /// the committed index is complete and only slower, so that is a warning, not an error.
    pub fn commit(mut self, seq: i64) -> Result<u64> {
        let index = self.index;
        index.with_writer(|writer| {
            index.commit(writer, seq)?;
            let segments = index.index.searchable_segment_ids().map_err(index_error)?;
            if segments.len() > 1 {
                match writer.merge(&segments).wait() {
                    Ok(_) => index.reader.reload().map_err(index_error)?,
                    Err(error) => {
                        tracing::warn!(?error, "the rebuilt search index could not be merged into one segment")
                    }
                }
            }
            writer.set_merge_policy(Box::<LogMergePolicy>::default());
            Ok(())
        })?;
        index.clear_caches();
        self.committed = true;
        Ok(self.added)
    }
}

impl Drop for Replacement<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let rolled_back = self.index.with_writer(|writer| {
                writer.set_merge_policy(Box::<LogMergePolicy>::default());
                writer.rollback().map(|_| ()).map_err(index_error)
            });
            if let Err(error) = rolled_back {
                tracing::warn!(
                    ?error,
                    "an unfinished rebuild of the search index could not be rolled back"
                );
            }
        }
        self.index.replacing.store(false, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("applied_seq", &self.applied_seq())
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if missing. The second value is the change-log
    /// position it holds, or `None` when it must be rebuilt (new, or another version).
    pub fn open(dir: &Path, writer_memory_bytes: usize) -> Result<(SearchIndex, Option<i64>)> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = Fields::schema();
        let directory = MmapDirectory::open(dir).map_err(|e| Error::Index(e.to_string()))?;
        let index = match Index::open_or_create(directory.clone(), schema.clone()) {
            Ok(index) => index,
            // Built by a version with other fields: derived data, so start again (rebuilt below).
            Err(tantivy::TantivyError::SchemaError(reason)) => {
                tracing::info!(%reason, "search index has another schema; recreating it");
                for entry in std::fs::read_dir(dir)? {
                    let path = entry?.path();
                    if path.is_dir() {
                        std::fs::remove_dir_all(&path)?;
                    } else {
                        std::fs::remove_file(&path)?;
                    }
                }
                let directory = MmapDirectory::open(dir).map_err(|e| Error::Index(e.to_string()))?;
                Index::create(directory, schema, tantivy::IndexSettings::default()).map_err(index_error)?
            }
            Err(error) => return Err(index_error(error)),
        };
        let payload = index
            .load_metas()
            .map_err(index_error)?
            .payload
            .and_then(|text| serde_json::from_str::<CommitPayload>(&text).ok())
            .filter(|payload| payload.version == INDEX_VERSION);
        let mut search_index = SearchIndex::from_index(index, fields, writer_memory_bytes)?;
        search_index.scratch = dir.parent().map(Path::to_path_buf);
        let seq = payload.map(|p| p.seq);
        search_index.applied_seq.store(seq.unwrap_or(0), Ordering::SeqCst);
        Ok((search_index, seq))
    }

    /// An index in memory (benchmarks and tests).
    pub fn in_memory(writer_memory_bytes: usize) -> Result<SearchIndex> {
        let (schema, fields) = Fields::schema();
        SearchIndex::from_index(Index::create_in_ram(schema), fields, writer_memory_bytes)
    }

    fn from_index(index: Index, fields: Fields, writer_memory_bytes: usize) -> Result<SearchIndex> {
        fields::register_tokenizers(&index);
        let writer = match index.writer(writer_memory_bytes.max(15_000_000)) {
            Ok(writer) => Some(writer),
            Err(tantivy::TantivyError::LockFailure(..)) => None,
            Err(error) => return Err(index_error(error)),
        };
        let writable = writer.is_some();
        // The writing process reloads on its own commits; a read-only one follows the writer's.
        let policy = if writer.is_some() {
            ReloadPolicy::Manual
        } else {
            ReloadPolicy::OnCommitWithDelay
        };
        let reader = index
            .reader_builder()
            .reload_policy(policy)
            .try_into()
            .map_err(index_error)?;
        Ok(SearchIndex {
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
            applied_seq: AtomicI64::new(0),
            assets: cache::ListingCache::default(),
            services: cache::ListingCache::default(),
            columns: collect::ColumnCache::default(),
            term_caches: query::top_words::TermCaches::default(),
            vocabulary: vocabulary::Vocabulary::new(&words::text_fields(&fields)),
            writable: std::sync::atomic::AtomicBool::new(writable),
            replacing: std::sync::atomic::AtomicBool::new(false),
            scratch: None,
        })
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The search results' hydration cache, when this process applies the change log (else
    /// `None`: nothing would empty it).
    pub fn asset_cache(&self) -> Option<&cache::ListingCache<cache::CachedAsset>> {
        self.is_writable().then_some(&self.assets)
    }

    /// Signposting's hydration cache, on the same terms as [`SearchIndex::asset_cache`].
    pub fn service_cache(&self) -> Option<&cache::ListingCache<cache::CachedService>> {
        self.is_writable().then_some(&self.services)
    }

    /// Hits and misses of the search results' and signposting's hydration caches, since start.
    pub fn cache_counts(&self) -> (cache::CacheCounts, cache::CacheCounts) {
        (self.assets.counts(), self.services.counts())
    }

    /// Forgets every cached listing: benchmarks measure the cold path with it.
    pub fn clear_caches(&self) {
        self.assets.clear();
        self.services.clear();
    }

    /// The last change-log row this index reflects.
    pub fn applied_seq(&self) -> i64 {
        self.applied_seq.load(Ordering::SeqCst)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Gives up the writer (and the lock on the index directory), waiting for merges; the index
    /// stays readable. Another process or a later open can then write it.
    pub fn release_writer(&self) {
        self.writable.store(false, Ordering::SeqCst);
        let taken = match self.writer.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(writer) = taken {
            if let Err(error) = writer.wait_merging_threads() {
                tracing::warn!(?error, "search index merge did not finish");
            }
        }
    }

    /// Whether a [`Replacement`] is under way (the change log is not applied meanwhile).
    pub fn is_being_replaced(&self) -> bool {
        self.replacing.load(Ordering::SeqCst)
    }

    /// Whether this process may write the index (no other process holds it).
    pub fn is_writable(&self) -> bool {
        self.writable.load(Ordering::SeqCst)
    }

    /// Runs `write` with the one index writer.
    fn with_writer<T>(&self, write: impl FnOnce(&mut IndexWriter) -> Result<T>) -> Result<T> {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| Error::Index("index writer lock poisoned".into()))?;
        let writer = guard.as_mut().ok_or_else(|| {
            Error::Index("another process (a running server?) holds the search index; stop it first, or let it keep the index up to date".into())
        })?;
        write(writer)
    }

    /// Replaces every document, then commits at change-log position `seq`. Documents given in
    /// [`AssetDocument::curve_position`] order make radius searches faster (see `sync::rebuild`).
    pub fn replace_all(
        &self,
        documents: impl IntoIterator<Item = AssetDocument>,
        seq: i64,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        let mut replacement = self.begin_replacement()?;
        let mut batch = Vec::with_capacity(10_000);
        for document in documents {
            batch.push(document);
            if batch.len() == 10_000 {
                progress(replacement.add(&batch)?);
                batch.clear();
            }
        }
        progress(replacement.add(&batch)?);
        replacement.commit(seq)
    }

    /// Starts replacing every document: nothing is visible until [`Replacement::commit`], and
    /// a replacement dropped uncommitted leaves the index as it was. Meanwhile the change log
    /// is not applied ([`SearchIndex::apply`] refuses; the follower retries).
    pub fn begin_replacement(&self) -> Result<Replacement<'_>> {
        if self.replacing.swap(true, Ordering::SeqCst) {
            return Err(Error::Index("the search index is already being rebuilt".into()));
        }
        let replacement = Replacement {
            index: self,
            added: 0,
            committed: false,
        };
        self.clear_caches();
        self.with_writer(|writer| {
            // The writer's own merges would otherwise start on the new segments as soon as
            // they are committed, and take some away from under the one merge `commit` asks for.
            writer.set_merge_policy(Box::new(NoMergePolicy));
            writer.delete_all_documents().map(|_| ()).map_err(index_error)
        })?;
        Ok(replacement)
    }

    /// Where a rebuild sets documents aside (see [`spill`]); `None` for the system's temporary
    /// directory.
    pub fn scratch_dir(&self) -> Option<&Path> {
        self.scratch.as_deref()
    }

    /// Replaces the documents of `changed` listings and removes `removed` ones, then commits at
    /// change-log position `seq`.
    pub fn apply(&self, changed: &[AssetDocument], removed: &[Uuid], seq: i64) -> Result<()> {
        if self.replacing.load(Ordering::SeqCst) {
            return Err(Error::Index("the search index is being rebuilt".into()));
        }
        let touched = || removed.iter().chain(changed.iter().map(|doc| &doc.id));
        self.assets.invalidate(touched());
        self.services.invalidate(touched());
        self.with_writer(|writer| {
            for id in removed.iter().chain(changed.iter().map(|doc| &doc.id)) {
                writer.delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
            }
            self.add_documents(writer, changed)?;
            self.commit(writer, seq)
        })
    }

    /// What each of these services gives its organisation's document as the index holds it
    /// now ([`document::OrganizationServices::part_of`]); services not in the index are left out.
    pub fn organization_parts(&self, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, u64>> {
        let mut parts = std::collections::HashMap::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(parts);
        }
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.id).map_err(index_error)?;
            let column = segment.fast_fields().u64("organization_part").map_err(index_error)?;
            for id in ids {
                let term = Term::from_field_text(self.fields.id, &id.to_string());
                let Some(mut postings) = inverted.read_postings(&term, tantivy::schema::IndexRecordOption::Basic)?
                else {
                    continue;
                };
                let mut doc = postings.doc();
                while doc != tantivy::TERMINATED {
                    if !segment.is_deleted(doc) {
                        if let Some(part) = column.first(doc) {
                            parts.insert(*id, part);
                        }
                    }
                    doc = postings.advance();
                }
            }
        }
        Ok(parts)
    }

    /// Every document's kind, place in the index's order ([`spill::order_key`]: the lowest
    /// curve position of its venues, then its id), in the order of document ids: what a check
    /// of that order reads.
    pub fn document_order(&self) -> Result<Vec<(Option<AssetKind>, spill::OrderKey)>> {
        let searcher = self.reader.searcher();
        let mut order = Vec::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let column = |name: &str| fast.u64(name).map_err(index_error);
            let (kind, high, low, venues) = (
                column("kind_code")?,
                column("id_high")?,
                column("id_low")?,
                column("venue")?,
            );
            for doc in segment.doc_ids_alive() {
                let points: Vec<GeoPoint> = venues
                    .values_for_doc(doc)
                    .filter_map(|packed| {
                        let (latitude, longitude) = document::unpack_venue(packed);
                        GeoPoint::new(latitude, longitude).ok()
                    })
                    .collect();
                let id = Uuid::from_u64_pair(high.first(doc).unwrap_or(0), low.first(doc).unwrap_or(0));
                order.push((
                    kind.first(doc).and_then(AssetKind::from_code),
                    (cells::lowest_curve_position(&points), id),
                ));
            }
        }
        Ok(order)
    }

    fn add_documents(&self, writer: &mut IndexWriter, documents: &[AssetDocument]) -> Result<()> {
        for document in documents {
            writer
                .add_document(document.to_tantivy(&self.fields))
                .map_err(index_error)?;
        }
        Ok(())
    }

    fn commit(&self, writer: &mut IndexWriter, seq: i64) -> Result<()> {
        let payload = serde_json::to_string(&CommitPayload {
            version: INDEX_VERSION,
            seq,
        })
        .unwrap_or_default();
        let mut prepared = writer.prepare_commit().map_err(index_error)?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(index_error)?;
        self.reader.reload().map_err(index_error)?;
        self.applied_seq.store(seq, Ordering::SeqCst);
        Ok(())
    }
}

/// A deterministic random number below the bound (xorshift), for tests' generated listings.
#[cfg(test)]
pub(crate) fn random(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str) -> AssetDocument {
        AssetDocument {
            kind: Some(AssetKind::Service),
            id: Uuid::new_v4(),
            name: name.to_string(),
            ..AssetDocument::default()
        }
    }

    /// A rebuild that fails half way (a database error, say) leaves the index as it was, and
    /// no change is applied while one is under way.
    #[test]
    fn an_unfinished_replacement_leaves_the_index_as_it_was() {
        let index = SearchIndex::in_memory(15_000_000).expect("index");
        index
            .replace_all(vec![service("chair exercise"), service("lunch club")], 1, |_| {})
            .expect("first build");
        {
            let mut replacement = index.begin_replacement().expect("begin");
            replacement.add(&[service("tai chi")]).expect("add");
            assert!(index.begin_replacement().is_err(), "one replacement at a time");
            assert!(index.apply(&[service("walking group")], &[], 2).is_err());
        }
        assert_eq!(index.num_docs(), 2);
        assert_eq!(index.applied_seq(), 1);
        index
            .replace_all(vec![service("memory cafe")], 3, |_| {})
            .expect("second build");
        assert_eq!(index.num_docs(), 1, "the abandoned documents never arrive");
        index.apply(&[service("walking group")], &[], 4).expect("apply");
        assert_eq!(index.num_docs(), 2);
    }
}

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
//! | words, no filter (kinds only mask the words' listings), by relevance | `WordsAlone` | page: MaxScore over every term ([`union::TopWords`]); 3+ words: the listings that could beat the page, from the terms' bits 64 at a time (enough words, or a need while it could; each term or pair without which the rest cannot), bounded at their field lengths and scored where the bound allows (`candidates`). Counts (asked): a second pass, from the terms' bits |
//! | words and a radius, no narrowing filter | `WordsNear` | one pass: the words' listings folded into the radius's bits, scored there ([`words_near`], or the grouped words beside the bits) |
//! | words and other filters, or by distance | `WordsFiltered` | one pass over every match: the words sought at each candidate ([`union::SeekingUnion`] or grouped) where a need, day, feature or free only narrows, else tantivy's union |
//! | a point, no words | `Rings` | page: rings doubling inside the radius, kept once nothing beyond can outrank the page. Counts: a second pass |
//! | no words, no point | `FirstFresh` | page: the first fresh matches. Counts: a second pass |
//!
//! What the pruning relies on, checked in debug builds or by the tests:
//! - the blended score never exceeds the text score (decay and staleness are at most 1): the
//!   collector hands the page's worst score to the scorers as the threshold to beat;
//! - sums of a few dozen `f32` scores are added in `f64` and rounded once, so a listing scores
//!   the same bits on every path, and a bound that does not beat the threshold proves the score
//!   does not ([`union`], `grouped`);
//! - a page is the same whether or not totals are asked (`a_page_without_totals_is_the_page_with_totals`),
//!   and equal to the brute-force page of stock tantivy queries (the `oracle` tests).
//!
//! # Layout
//! - [`words`]: a search's text read once: words without stop words, stems, typo readings,
//!   synonyms.
//! - [`plan`]: which way a search runs.
//! - `grouped`: three words or more, half of them needed.
//! - `candidates`: which listings of three words or more could still beat a page.
//! - [`fields`]: the schema and text analysers.
//! - [`document`]: the flat per-listing document and how it is built.
//! - [`cells`]: grid-cell terms for radius search.
//! - [`request`]: the request type and the tantivy query built from it.
//! - [`browse`]: listings by name, a page at a time with exact counts (list pages).
//! - [`collector`]: exact filters, blended ranking, top hits and facets in one pass.
//! - [`hits`]: [`crate::Directory::search`]: hydrating and explaining a page of hits.
//! - [`sync`]: rebuilding from and following the database.
//! - [`union`]: a scored union of words that follows filters cheaply.

pub mod browse;
pub mod cache;
mod candidates;
pub mod cells;
pub mod collector;
pub mod document;
pub mod fields;
mod grouped;
pub mod hits;
#[cfg(test)]
mod oracle;
pub mod plan;
pub mod request;
pub mod stemming;
pub mod sync;
pub mod term_bitset;
pub mod term_cache;
pub mod term_docs;
pub mod union;
mod venue_counts;
pub mod words;
pub mod words_near;

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::TermSetQuery;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use uuid::Uuid;

pub use collector::{Collected, RawHit};
pub use document::{AssetDocument, AssetKind};
pub use request::{Near, SearchRequest, SortOrder, Within};

use crate::error::{Error, Result};
use fields::{Fields, PLAIN};

/// Bumped whenever documents or the schema change shape; an index of another version is rebuilt.
const INDEX_VERSION: u32 = 6;

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
    columns: collector::ColumnCache,
    /// What words alone keep per term and segment between searches.
    term_caches: union::TermCaches,
    /// Whether `writer` holds a writer, readable without waiting for a commit in progress.
    writable: std::sync::atomic::AtomicBool,
    /// A [`Replacement`] is under way.
    replacing: std::sync::atomic::AtomicBool,
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

/// A text field a search's words are found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Name,
    Description,
    /// The name of the organisation running it.
    Organization,
    /// Its needs' labels and keywords, and its activities.
    Topics,
    /// Names of places it meets in or serves.
    PlaceNames,
}

/// A type-ahead suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub text: String,
    pub kind: Option<AssetKind>,
    pub id: Option<Uuid>,
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
        let search_index = SearchIndex::from_index(index, fields, writer_memory_bytes)?;
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
            columns: collector::ColumnCache::default(),
            term_caches: union::TermCaches::default(),
            writable: std::sync::atomic::AtomicBool::new(writable),
            replacing: std::sync::atomic::AtomicBool::new(false),
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

    /// Runs a search; blocking (call it off the async runtime).
    ///
    /// Where the page can skip matches (MaxScore for words alone, growing rings near a
    /// point with no words, the first fresh matches otherwise), the page and the counts are two
    /// passes, and only a request for `exact_total` or facets adds the unscored pass over every
    /// match. Either way a page is the same whether or not the totals are asked for.
    pub fn search(&self, request: &SearchRequest) -> Result<Collected> {
        self.search_in(&self.reader.searcher(), request)
    }

    /// The index as it is now, to search and explain with ([`SearchIndex::search_in`],
    /// [`SearchIndex::fields_with_words`]).
    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// [`SearchIndex::search`] with the given searcher: hits' addresses are the searcher's.
    pub fn search_in(&self, searcher: &tantivy::Searcher, request: &SearchRequest) -> Result<Collected> {
        let text = self.read_text(searcher, request);
        self.search_read(searcher, request, &text)
    }

    /// The request's text as [`SearchIndex::search_in`] reads it (its words, their typo
    /// readings, the needs they name): what "why it matched" explains.
    pub fn read_text(&self, searcher: &tantivy::Searcher, request: &SearchRequest) -> words::ReadText {
        request.read_text(&self.fields, searcher)
    }

    /// [`SearchIndex::search_in`] with the request's text already read
    /// ([`SearchIndex::read_text`]).
    pub fn search_read(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
        text: &words::ReadText,
    ) -> Result<Collected> {
        let started = std::time::Instant::now();
        self.term_caches.follow(searcher);
        let plan = plan::Plan::of(request, text);
        debug_assert_eq!(plan.page_skips_matches(), request.page_skips_matches(), "{plan:?}");
        let counts = request.exact_total || request.facets;
        let found = if counts && !plan.page_skips_matches() {
            // The page visits every match anyway: count in the same pass.
            self.pass(searcher, request, text, collector::Pass::Everything)?
        } else {
            let mut found = self.best_page(searcher, request, text)?;
            if counts {
                let counted = self.pass(searcher, request, text, collector::Pass::Count)?;
                found.total = counted.total;
                found.need_counts = counted.need_counts;
                found.district_counts = counted.district_counts;
            }
            found
        };
        tracing::debug!(
            plan = plan.name(),
            words = text.words.len(),
            matches = found.total,
            counted = counts,
            elapsed_us = started.elapsed().as_micros() as u64,
            "search completed"
        );
        Ok(found)
    }

    /// Ranks and counts every match in one pass with no shortcut: what [`SearchIndex::search`]
    /// must give, and what its tests compare it with.
    pub fn search_exhaustively(&self, request: &SearchRequest) -> Result<Collected> {
        let searcher = self.reader.searcher();
        let text = self.read_text(&searcher, request);
        self.pass(&searcher, request, &text, collector::Pass::Everything)
    }

    /// One pass of the collector over the request's matches (`text`: see
    /// [`SearchIndex::read_text`]).
    fn pass(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
        text: &words::ReadText,
        pass: collector::Pass,
    ) -> Result<Collected> {
        let has_words = request.has_words();
        // Counting near a point, the radius notes the listings in cells wholly within reach.
        let within_notes = (pass == collector::Pass::Count).then(std::sync::Arc::default);
        let collector = collector::SearchCollector {
            request: std::sync::Arc::new(request.clone()),
            fields: self.fields,
            scoring: has_words && pass != collector::Pass::Count,
            pass,
            columns: self.columns.for_searcher(searcher).map_err(index_error)?,
            within_notes: within_notes.clone(),
        };
        let query = request.to_query(searcher, &self.fields, text, &self.term_caches, within_notes.as_ref());
        searcher.search(query.as_ref(), &collector).map_err(index_error)
    }

    /// The page alone (its `total` counts only the matches seen).
    fn best_page(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
        text: &words::ReadText,
    ) -> Result<Collected> {
        let has_words = request.has_words();
        // Near a point with no words, the best page is usually close by: try rings doubling
        // from a 64th of the radius (at least 250 m) first, and keep a ring's page when nothing
        // beyond it could outrank the page (a wide radius in a town otherwise ranks every venue
        // in it). Rings too sparse to fill the page are skipped unsearched.
        if let Some(near) = request.near.as_ref().filter(|_| !has_words) {
            const SMALLEST_RING_KM: f64 = 0.25;
            let mut ring = (near.radius_km / 64.0).max(SMALLEST_RING_KM);
            while ring < near.radius_km && ring > 0.0 {
                // A ring expected to hold fewer matches than the page cannot give the page:
                // skip it rather than search it and then the next (only speed depends on this).
                let wanted = (request.offset + request.limit + 1) as f64;
                if expected_in_ring(request, &self.fields, searcher, ring) < wanted {
                    ring *= 2.0;
                    continue;
                }
                let inner = SearchRequest {
                    ring_km: Some(ring),
                    ..request.clone()
                };
                let found = self.pass(searcher, &inner, text, collector::Pass::Page)?;
                if ring_page_is_final(request, &found, ring) {
                    return Ok(found);
                }
                ring *= 2.0;
            }
        }
        self.pass(searcher, request, text, collector::Pass::Page)
    }

    /// For each hit (found by `searcher`), which of `words` each text field of it has, as the
    /// field analyses them (stemmed, but not within a typo): what "why it matched" says.
    pub fn fields_with_words(
        &self,
        searcher: &tantivy::Searcher,
        hits: &[RawHit],
        words: &[String],
    ) -> Result<Vec<Vec<(TextField, usize)>>> {
        let fields = &self.fields;
        let checked = [
            (TextField::Name, fields.name, fields::ENGLISH),
            (TextField::Description, fields.description, fields::ENGLISH),
            (TextField::Organization, fields.organization, fields::ENGLISH),
            (TextField::Topics, fields.topics, fields::ENGLISH),
            (TextField::PlaceNames, fields.place_names, PLAIN),
        ];
        // Each field's term for each word, if the word is not a stop word there.
        let terms: Vec<(TextField, Field, usize, Term)> = checked
            .iter()
            .flat_map(|&(which, field, analyser)| {
                words.iter().enumerate().filter_map(move |(word, text)| {
                    let term = fields::analyse(&self.index, analyser, text).pop()?;
                    Some((which, field, word, Term::from_field_text(field, &term)))
                })
            })
            .collect();
        let mut found = vec![Vec::new(); hits.len()];
        for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
            let here: Vec<(usize, DocId)> = hits
                .iter()
                .enumerate()
                .filter(|(_, hit)| hit.address.0 as usize == ordinal)
                .map(|(at, hit)| (at, hit.address.1))
                .collect();
            if here.is_empty() {
                continue;
            }
            // Each term looked up once per segment, then sought at each hit in it.
            for (which, field, word, term) in &terms {
                let inverted = reader.inverted_index(*field).map_err(index_error)?;
                let Some(info) = inverted.get_term_info(term)? else {
                    continue;
                };
                for &(at, doc) in &here {
                    let mut postings = inverted.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                    // Postings may only be sought forward: the first may already be past it.
                    let has = match postings.doc() {
                        first if first >= doc => first == doc,
                        _ => postings.seek(doc) == doc,
                    };
                    if has {
                        found[at].push((*which, *word));
                    }
                }
            }
        }
        Ok(found)
    }

    /// Names of listings with a word starting with `prefix`, best first.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let words = fields::analyse(&self.index, PLAIN, prefix);
        let Some(last) = words.last() else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let mut terms = Vec::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.name_words).map_err(index_error)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(last.as_bytes())
                .into_stream()
                .map_err(|e| Error::Index(e.to_string()))?;
            while stream.advance() && terms.len() < 64 {
                let Ok(term) = std::str::from_utf8(stream.key()) else {
                    break;
                };
                if !term.starts_with(last.as_str()) {
                    break;
                }
                terms.push(Term::from_field_text(self.fields.name_words, term));
            }
        }
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let top = searcher
            .search(&TermSetQuery::new(terms), &TopDocs::with_limit(limit * 3))
            .map_err(index_error)?;
        let mut suggestions: Vec<Suggestion> = Vec::new();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(index_error)?;
            let name = doc
                .get_first(self.fields.name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let id = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_str())
                .and_then(|id| Uuid::parse_str(id).ok());
            let kind = doc
                .get_first(self.fields.kind)
                .and_then(|v| v.as_str())
                .and_then(AssetKind::parse);
            if name.is_empty() || suggestions.iter().any(|s| s.text == name) {
                continue;
            }
            suggestions.push(Suggestion { text: name, kind, id });
        }
        suggestions.sort_by_key(|s| s.text.len());
        suggestions.truncate(limit);
        Ok(suggestions)
    }
}

/// Roughly how many documents within `ring` km of the request's point match its term filters:
/// the documents of the cells covering the ring, times the share of all documents each filter
/// keeps (as if the filters were independent). From the term dictionary alone.
fn expected_in_ring(request: &SearchRequest, fields: &Fields, searcher: &tantivy::Searcher, ring: f64) -> f64 {
    let Some(near) = &request.near else { return 0.0 };
    let all = searcher.num_docs().max(1) as f64;
    let documents = |field: tantivy::schema::Field, values: &mut dyn Iterator<Item = &str>| -> f64 {
        values
            .map(|value| searcher.doc_freq(&Term::from_field_text(field, value)).unwrap_or(0) as f64)
            .sum()
    };
    let share = |field, values: &mut dyn Iterator<Item = &str>, any: bool| -> f64 {
        match any {
            true => (documents(field, values) / all).min(1.0),
            false => 1.0,
        }
    };
    let cells = cells::covering_cells(&near.point, ring);
    documents(fields.cell, &mut cells.iter().map(String::as_str))
        * share(
            fields.need,
            &mut request.needs.iter().map(|n| n.as_str()),
            !request.needs.is_empty(),
        )
        * share(
            fields.kind,
            &mut request.kinds.iter().map(|k| k.as_str()),
            !request.kinds.is_empty(),
        )
        * share(
            fields.day,
            &mut request.days.iter().map(|d| crate::domain::schedule::weekday_code(*d)),
            !request.days.is_empty(),
        )
        * share(fields.free, &mut ["true"].into_iter(), request.free_only)
}

/// Whether the page found within `ring` km (venues only) is the page of the whole radius: it
/// is full with a match after it, and that next match already beats anything the ring left
/// out. By relevance (no words: every text score is 1), a venue past the ring scores at most
/// the decay at the ring, and an area match at most [`collector::AREA_MATCH_DECAY`] (strictly
/// beaten, as ties would fall to document order); by distance, a venue past the ring is
/// further than every venue in it, and area matches come after all venues.
fn ring_page_is_final(request: &SearchRequest, found: &collector::Collected, ring: f64) -> bool {
    let Some(next) = &found.next else { return false };
    match request.sort {
        SortOrder::Relevance => next.score >= request.distance_decay(ring) && next.score > collector::AREA_MATCH_DECAY,
        SortOrder::Distance => true,
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

    /// Words near a point (the words' listings folded into the radius's bits, and scored there
    /// alone: [`words_near`]) find exactly the listings with the words and a venue within the
    /// radius, each scoring its words' score plus the radius filter's constant 1, as words
    /// alone score it: words given more than once, and needs named by a synonym ("lunch club").
    #[test]
    fn words_near_a_point_find_the_listings_with_the_words_in_range() {
        use crate::domain::GeoPoint;
        let names = [
            "chair exercise",
            "chair yoga",
            "lunch club",
            "walking group",
            "tai chi class",
        ];
        let centre = GeoPoint::new(52.63, 1.29).expect("point");
        let mut next = random(0x9e37_79b9_7f4a_7c15);
        let mut documents: Vec<AssetDocument> = (0..1_500)
            .map(|i| {
                let venue = |next: &mut dyn FnMut(usize) -> usize| {
                    GeoPoint::new(
                        52.63 + (next(2_000) as f64 - 1_000.0) * 0.00008,
                        1.29 + (next(2_000) as f64 - 1_000.0) * 0.00013,
                    )
                    .expect("venue")
                };
                let venues = (0..1 + next(2)).map(|_| venue(&mut next)).collect();
                let name = names[next(names.len())];
                AssetDocument {
                    venues,
                    // Some with a word in the description alone, some with it twice.
                    description: format!(
                        "example listing {i} {}",
                        [
                            "",
                            "with lunch",
                            "and gentle yoga",
                            "lunch, then lunch again",
                            "yoga yoga yoga"
                        ][next(5)]
                    ),
                    needs: match name {
                        "lunch club" => vec![crate::domain::NeedCode::parse("social-connection").expect("need")],
                        _ => Vec::new(),
                    },
                    ..service(&format!("{name} {}", ["", "for all"][next(2)]))
                }
            })
            .collect();
        documents.sort_by_key(|document| document.curve_position());
        let index = SearchIndex::in_memory(15_000_000).expect("index");
        index.replace_all(documents.clone(), 1, |_| {}).expect("build");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        for (text, radius_km) in [
            ("chair exercise", 3.0),
            ("lunch", 4.0),
            ("lunch club", 4.0),
            ("club walking", 5.0),
            ("yoga", 20.0),
        ] {
            let words = SearchRequest {
                text: Some(text.to_string()),
                limit: 2_000,
                exact_total: true,
                today,
                ..SearchRequest::default()
            };
            let in_range = |id: &str| {
                documents
                    .iter()
                    .find(|document| document.id.to_string() == id)
                    .is_some_and(|document| {
                        document
                            .venues
                            .iter()
                            .any(|venue| centre.distance_km(venue) <= radius_km)
                    })
            };
            let expected: std::collections::HashMap<String, f32> = index
                .search_exhaustively(&words)
                .expect("words alone")
                .hits
                .into_iter()
                .filter(|hit| in_range(&hit.id))
                .map(|hit| (hit.id, hit.text_score + 1.0))
                .collect();
            let near = SearchRequest {
                near: Some(Near {
                    point: centre,
                    radius_km,
                    containing_places: Vec::new(),
                }),
                ..words.clone()
            };
            let found = index.search(&near).expect("words near");
            assert!(
                expected.len() > 20 && expected.len() < 1_000,
                "{text}: {}",
                expected.len()
            );
            assert_eq!(found.total, expected.len(), "{text}");
            let found: std::collections::HashMap<String, f32> =
                found.hits.into_iter().map(|hit| (hit.id, hit.text_score)).collect();
            assert_eq!(found, expected, "{text}");
        }
    }
}

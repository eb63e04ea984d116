//! One pass over the matching documents: exact checks the terms cannot express (distance,
//! age, session times, open funds), the blended score, the top hits and the facet counts.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED};

use super::document::{epoch_day, unpack_session, unpack_venue, AssetKind};
use super::fields::Fields;
use super::request::{SearchRequest, SortOrder};
use super::term_bitset::{documents_with_any_of, BitsScorer, WithinNotes};
use super::term_docs::Bits;
use crate::domain::{GeoPoint, LocalPlane, PlaceCode};

/// Listings not confirmed for this many days are stale.
const STALE_AFTER_DAYS: i64 = 365;
/// Score multiplier for stale listings.
const STALE_FACTOR: f32 = 0.6;
/// Score multiplier for a listing matched by the area it serves rather than a venue nearby.
pub const AREA_MATCH_DECAY: f32 = 0.55;

/// One match before hydration.
#[derive(Debug, Clone, PartialEq)]
pub struct RawHit {
    pub id: String,
    /// (segment, document): breaks ties the same way on every page.
    pub address: (u32, DocId),
    pub kind: AssetKind,
    pub score: f32,
    pub text_score: f32,
    pub distance_km: Option<f64>,
    /// Matched because it serves an area containing the search point (no venue in range).
    pub by_area: bool,
    pub stale: bool,
}

/// Everything one search found.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub hits: Vec<RawHit>,
    /// Matches counted: all of them with `exact_total` or facets, else at least those kept.
    pub total: usize,
    /// More matches follow this page.
    pub has_more: bool,
    /// The first match after the page, if any.
    pub next: Option<RawHit>,
    pub need_counts: HashMap<String, u64>,
    pub district_counts: HashMap<String, u64>,
}

/// What one pass over the matches is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The best page (with the match after it): documents that cannot enter it are skipped
    /// where the order allows, and `total` counts only the matches seen.
    Page,
    /// Every match counted (and its facets when asked), no page.
    Count,
    /// Every match ranked and counted, no shortcut: the reference the others are tested against.
    Everything,
}

pub struct SearchCollector {
    pub request: Arc<SearchRequest>,
    pub fields: Fields,
    /// Text relevance is computed (the request has words and the pass ranks).
    pub scoring: bool,
    pub pass: Pass,
    /// The searcher's columns (see [`ColumnCache`]).
    pub columns: SearcherColumns,
    /// Where the query notes the listings it finds in cells wholly within reach of a radius,
    /// if it does (see [`SearchRequest::to_query`]).
    pub within_notes: Option<Arc<WithinNotes>>,
}

/// The fast-field columns of a segment the collector reads. Opening a column reads its header
/// and codec, which cost a tenth of a small query when done per search: they are opened once
/// per segment and kept (see [`ColumnCache`]).
pub struct SegmentColumns {
    segment: SegmentId,
    id_high: Column<u64>,
    id_low: Column<u64>,
    kind: Column<u64>,
    venues: PerDoc<u64>,
    session: Column<u64>,
    min_age: Column<i64>,
    max_age: Column<i64>,
    /// When each listing last changed (see `Fields::modified`).
    modified: Column<i64>,
    opens: Column<i64>,
    closes: Column<i64>,
    reviewed: Column<i64>,
    need: Option<StrColumn>,
    district: Option<StrColumn>,
    need_ords: PerDoc<u32>,
    /// Each document's needs as bits by term ordinal, when the segment has at most 32 needs
    /// (else empty): one read per match where `need_ords` takes two.
    need_masks: Vec<u32>,
    district_ords: PerDoc<u32>,
    /// Each document's district's term ordinal, or [`MIXED`] if it has none or several (see
    /// `district_ords`): one read per match, as `need_masks`.
    district_of: Vec<u32>,
    /// Each need's documents as bits, to tally a word of matches at once: word by word, each
    /// word's bits of every need (by term ordinal) side by side (a few cache lines a word).
    need_bits: Vec<u64>,
    /// Needs (terms of the need column).
    needs: usize,
    /// Per word (64 documents, as in bitsets): the one district every document of it has, if
    /// they share one and have no other (documents in curve order mostly do: see
    /// `cells::curve_position`), else [`MIXED`].
    word_district: Vec<u32>,
}

/// In [`SegmentColumns::word_district`], a word whose documents are not all of one district.
const MIXED: u32 = u32::MAX;

/// A word of matches at least this full tallies its needs by their bits (an AND and a count
/// per need, side by side) rather than document by document (a lookup or two each).
const WORD_TALLY_FROM: u32 = 2;

impl SegmentColumns {
    fn open(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let fast = reader.fast_fields();
        let venue = fast.u64("venue")?;
        let need = fast.str("need")?;
        let district = fast.str("district")?;
        let need_ords = term_ords(&need, reader.max_doc());
        let needs = need.as_ref().map_or(0, |need| need.num_terms());
        let district_ords = term_ords(&district, reader.max_doc());
        let need_masks = match needs {
            0..=32 => (0..reader.max_doc())
                .map(|doc| need_ords.of(doc).iter().fold(0, |mask, ord| mask | 1 << ord))
                .collect(),
            _ => Vec::new(),
        };
        let district_of = (0..reader.max_doc())
            .map(|doc| match district_ords.of(doc) {
                [ord] => *ord,
                _ => MIXED,
            })
            .collect();
        Ok(SegmentColumns {
            segment: reader.segment_id(),
            id_high: fast.u64("id_high")?,
            id_low: fast.u64("id_low")?,
            kind: fast.u64("kind_code")?,
            venues: PerDoc::read(reader.max_doc(), |doc, values| values.extend(venue.values_for_doc(doc))),
            session: fast.u64("session")?,
            min_age: fast.i64("min_age")?,
            max_age: fast.i64("max_age")?,
            modified: fast.i64("modified")?,
            opens: fast.i64("opens")?,
            closes: fast.i64("closes")?,
            reviewed: fast.i64("reviewed")?,
            need_bits: bits_by_ord(&need_ords, needs),
            needs,
            word_district: word_district(&district_ords),
            need_ords,
            need_masks,
            district_ords,
            district_of,
            need,
            district,
        })
    }
}

impl SegmentColumns {
    /// Adds the document to the tally of each of its needs.
    fn tally_needs(&self, doc: DocId, counts: &mut [u64]) {
        let Some(&mask) = self.need_masks.get(doc as usize) else {
            return tally(&self.need_ords, counts, doc);
        };
        let mut mask = mask;
        while mask != 0 {
            if let Some(count) = counts.get_mut(mask.trailing_zeros() as usize) {
                *count += 1;
            }
            mask &= mask - 1;
        }
    }

    /// Adds the document to the tally of each of its districts.
    fn tally_district(&self, doc: DocId, counts: &mut [u64]) {
        match self.district_of.get(doc as usize) {
            Some(&ord) if ord != MIXED => {
                if let Some(count) = counts.get_mut(ord as usize) {
                    *count += 1;
                }
            }
            _ => tally(&self.district_ords, counts, doc),
        }
    }
}

/// Each document's values of a multi-valued column, copied out once per segment into two
/// plain arrays, which read several times faster than the column's dispatched lookups:
/// - venue points (see `document::pack_venue`), which range checks read for every match a
///   count or a radius search visits (a few bytes a venue: 14 MB for a million listings);
/// - need and district term ordinals, which facets tally (for most documents, from the
///   single-read `need_masks` and `district_of` made from them: 8 MB a million listings).
pub struct PerDoc<T> {
    /// Where each document's values start in `values`, and (last) where the values end.
    starts: Vec<u32>,
    values: Vec<T>,
}

impl<T: Copy> PerDoc<T> {
    /// Each document's values, as `add_values` appends them.
    fn read(max_doc: DocId, mut add_values: impl FnMut(DocId, &mut Vec<T>)) -> PerDoc<T> {
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut values = Vec::with_capacity(max_doc as usize);
        for doc in 0..max_doc {
            starts.push(values.len() as u32);
            add_values(doc, &mut values);
        }
        starts.push(values.len() as u32);
        PerDoc { starts, values }
    }

    fn max_doc(&self) -> DocId {
        self.starts.len().saturating_sub(1) as DocId
    }

    /// The document's values.
    fn of(&self, doc: DocId) -> &[T] {
        match (self.starts.get(doc as usize), self.starts.get(doc as usize + 1)) {
            (Some(&start), Some(&end)) => &self.values[start as usize..end as usize],
            _ => &[],
        }
    }
}

/// A string column's distinct term ordinals per document (none without the column): a value
/// given twice (a need listed twice) counts the document once.
fn term_ords(column: &Option<StrColumn>, max_doc: DocId) -> PerDoc<u32> {
    let mut ords: Vec<u32> = Vec::new();
    PerDoc::read(max_doc, |doc, values| {
        ords.clear();
        ords.extend(
            column
                .iter()
                .flat_map(|column| column.term_ords(doc))
                .map(|ord| ord as u32),
        );
        ords.sort_unstable();
        ords.dedup();
        values.extend_from_slice(&ords);
    })
}

/// The documents with each term ordinal as bits, word by word: word `at` of term `ord` is at
/// `at * terms + ord`.
fn bits_by_ord(ords: &PerDoc<u32>, terms: usize) -> Vec<u64> {
    let words = (ords.max_doc() as usize).div_ceil(64);
    let mut bits = vec![0u64; words * terms];
    for doc in 0..ords.max_doc() {
        for &ord in ords.of(doc) {
            if (ord as usize) < terms {
                bits[doc as usize / 64 * terms + ord as usize] |= 1 << (doc % 64);
            }
        }
    }
    bits
}

/// Per word of 64 documents, the one district ordinal all of them have, or [`MIXED`].
fn word_district(ords: &PerDoc<u32>) -> Vec<u32> {
    let max_doc = ords.max_doc();
    (0..max_doc.div_ceil(64))
        .map(|at| {
            let mut docs = (at * 64..((at + 1) * 64).min(max_doc)).map(|doc| ords.of(doc));
            let first = match docs.next() {
                Some(&[ord]) => ord,
                _ => return MIXED,
            };
            if docs.all(|of| of == [first]) {
                first
            } else {
                MIXED
            }
        })
        .collect()
}

/// The columns of every segment of the current searcher, by segment ordinal.
pub type SearcherColumns = Arc<Vec<Arc<SegmentColumns>>>;

/// The columns of the last searcher's segments; a new searcher (after a commit) reopens only
/// the segments it does not share with the last.
#[derive(Default)]
pub struct ColumnCache {
    current: Mutex<Option<(u64, SearcherColumns)>>,
}

impl ColumnCache {
    pub fn for_searcher(&self, searcher: &Searcher) -> tantivy::Result<SearcherColumns> {
        let generation = searcher.generation().generation_id();
        let mut current = match self.current.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some((cached, columns)) = current.as_ref() {
            if *cached == generation {
                return Ok(columns.clone());
            }
        }
        let previous: HashMap<SegmentId, Arc<SegmentColumns>> = current
            .take()
            .map(|(_, columns)| columns.iter().map(|c| (c.segment, c.clone())).collect())
            .unwrap_or_default();
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|reader| match previous.get(&reader.segment_id()) {
                Some(columns) => Ok(columns.clone()),
                None => SegmentColumns::open(reader).map(Arc::new),
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        let columns = Arc::new(columns);
        *current = Some((generation, columns.clone()));
        Ok(columns)
    }
}

/// What the collector needs of a segment, looked up once.
pub struct SegmentSearch {
    request: Arc<SearchRequest>,
    scoring: bool,
    columns: Arc<SegmentColumns>,
    /// Documents serving an area that contains the search point (none within a ring).
    serving_here: Option<Bits>,
    /// The search point's flat map, for counting without exact distances.
    plane: Option<LocalPlane>,
    /// Near a point: documents with a venue in a cell wholly within reach, in range with no
    /// distance at all (noted by the query as it read them: see [`SegmentSearch::take_notes`]).
    within: Option<Bits>,
    /// Where to find `within` once the query has read the segment, until then.
    within_notes: Option<(Arc<WithinNotes>, SegmentId)>,
    segment: SegmentOrdinal,
    pass: Pass,
    top: BinaryHeap<Ranked>,
    keep: usize,
    /// Skip documents that cannot enter the page (no exact total or facets wanted).
    prune: bool,
    total: usize,
    /// Matches by term ordinal of the need and district columns (empty unless counting facets).
    need_counts: Vec<u64>,
    district_counts: Vec<u64>,
    /// Matches (a word and its bits) noted for the facets but not yet tallied: matches come
    /// in document order, and are tallied a word (64 documents) at a time.
    pending_facets: Option<(usize, u64)>,
    today: i64,
}

/// A hit ordered so the heap's top is the worst kept hit.
struct Ranked {
    key: f64,
    doc: DocId,
    hit: PartialHit,
}

#[derive(Clone, Copy)]
struct PartialHit {
    score: f32,
    text_score: f32,
    distance_km: Option<f64>,
    by_area: bool,
    stale: bool,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    /// Smaller key is better; the heap keeps the worst on top.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.total_cmp(&other.key).then(self.doc.cmp(&other.doc))
    }
}

impl Collector for SearchCollector {
    type Fruit = Collected;
    type Child = SegmentSearch;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentSearch> {
        let columns = match self.columns.get(segment as usize) {
            Some(columns) if columns.segment == reader.segment_id() => columns.clone(),
            _ => Arc::new(SegmentColumns::open(reader)?),
        };
        // Documents serving an area that contains the point (a few thousand at most): one bit
        // test per match instead of the area column's lookups.
        let serving_here = match &self.request.near {
            Some(near) if self.request.ring_km.is_none() => documents_with_any_of(
                reader,
                self.fields.area,
                near.containing_places.iter().map(PlaceCode::as_str),
            )?,
            _ => None,
        };
        let counts_facets = self.request.facets && self.pass != Pass::Page;
        let need_counts = facet_slots(&columns.need, counts_facets);
        let district_counts = facet_slots(&columns.district, counts_facets);
        Ok(SegmentSearch {
            request: self.request.clone(),
            scoring: self.scoring,
            columns,
            serving_here,
            plane: self.request.near.as_ref().map(|near| LocalPlane::new(near.point)),
            within: None,
            within_notes: match (&self.request.near, &self.within_notes) {
                (Some(_), Some(notes)) => Some((notes.clone(), reader.segment_id())),
                _ => None,
            },
            segment,
            pass: self.pass,
            top: BinaryHeap::new(),
            // One more than the page, to know whether another page follows.
            keep: self.request.offset + self.request.limit + 1,
            prune: self.scoring && self.pass == Pass::Page && self.request.sort == SortOrder::Relevance,
            total: 0,
            need_counts,
            district_counts,
            pending_facets: None,
            today: epoch_day(self.request.today),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    /// As tantivy's default, except that a pruning search tells the scorer the score a match
    /// must beat (the page's worst): tantivy skips what cannot beat it before the collector
    /// sees it (and a scorer that can prune, MaxScore for words alone, reads only the postings
    /// that could beat it). The blended score never exceeds the text score, so the bound is
    /// safe.
    fn collect_segment(
        &self,
        weight: &dyn tantivy::query::Weight,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Collected> {
        let mut segment = self.for_segment(segment_ord, reader)?;
        if self.pass == Pass::Count && !segment.checks_each_match() {
            // Nothing to check or tally match by match: tantivy counts the matches itself (a
            // union window by window, by popcount), several times faster than visiting each.
            segment.total = weight.count(reader)? as usize;
            return Ok(segment.harvest());
        }
        let alive = reader.alive_bitset();
        let is_alive = |doc: DocId| alive.is_none_or(|alive| alive.is_alive(doc));
        if segment.prune {
            weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
                if is_alive(doc) {
                    segment.collect(doc, score);
                }
                segment.threshold()
            })?;
        } else if self.scoring {
            weight.for_each(reader, &mut |doc, score| {
                if is_alive(doc) {
                    segment.collect(doc, score);
                }
            })?;
        } else if self.pass == Pass::Count && segment.checks_only_range() && alive.is_none() {
            let mut scorer = weight.scorer(reader, 1.0)?;
            match scorer.downcast_ref::<BitsScorer>() {
                // A radius alone: its bits are counted a word at a time.
                Some(radius) => segment.total = segment.count_in_range(&radius.bits),
                None => {
                    let mut doc = scorer.doc();
                    while doc != TERMINATED {
                        segment.collect(doc, 0.0);
                        doc = scorer.advance();
                    }
                }
            }
        } else if segment.stops_early() {
            // Every match ranks by staleness, then document order: the first fresh matches are
            // the page, so stop as soon as it holds them.
            let mut scorer = weight.scorer(reader, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED && !segment.settled() {
                if is_alive(doc) {
                    segment.collect(doc, 0.0);
                }
                doc = scorer.advance();
            }
        } else {
            weight.for_each_no_score(reader, &mut |docs| {
                for doc in docs.iter().copied().filter(|doc| is_alive(*doc)) {
                    segment.collect(doc, 0.0);
                }
            })?;
        }
        Ok(segment.harvest())
    }

    fn merge_fruits(&self, fruits: Vec<Collected>) -> tantivy::Result<Collected> {
        let mut merged = Collected::default();
        for fruit in fruits {
            merged.total += fruit.total;
            merged.hits.extend(fruit.hits);
            for (key, count) in fruit.need_counts {
                *merged.need_counts.entry(key).or_default() += count;
            }
            for (key, count) in fruit.district_counts {
                *merged.district_counts.entry(key).or_default() += count;
            }
        }
        let request = &self.request;
        merged.has_more = merged.hits.len() > request.offset + request.limit;
        merged.hits.sort_by(|a, b| {
            rank_key(request.sort, a.score, a.distance_km)
                .total_cmp(&rank_key(request.sort, b.score, b.distance_km))
                .then(a.address.cmp(&b.address))
        });
        merged.next = merged.hits.get(request.offset + request.limit).cloned();
        merged.hits = merged
            .hits
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .collect();
        Ok(merged)
    }
}

/// A zero count per term of a facet column when counting facets, else none.
fn facet_slots(column: &Option<StrColumn>, counting: bool) -> Vec<u64> {
    match column {
        Some(column) if counting => vec![0; column.num_terms()],
        _ => Vec::new(),
    }
}

/// Smaller is better: negative score, or distance (area matches after every venue).
fn rank_key(sort: SortOrder, score: f32, distance_km: Option<f64>) -> f64 {
    match sort {
        SortOrder::Relevance => -f64::from(score),
        SortOrder::Distance => distance_km.unwrap_or(1.0e6) - f64::from(score) * 1e-6,
    }
}

impl SegmentSearch {
    /// Whether a match is counted only after checks the terms cannot express (distance, age,
    /// sessions, open funds), or adds to the facets. Not `modified_since`: its range query
    /// already leaves out exactly the listings changed earlier (every listing has the value),
    /// so a count of a million listings changed since a date is tantivy's, not a visit to each.
    fn checks_each_match(&self) -> bool {
        let request = &self.request;
        request.facets
            || request.near.is_some()
            || request.age.is_some()
            || request.minimum_age_at_least.is_some()
            || request.maximum_age_at_most.is_some()
            || !request.days.is_empty()
            || request.time_from.is_some()
            || request.time_to.is_some()
            || request.open_funds_only
    }

    /// Whether the one check a match needs is its range from the point (a radius, and nothing
    /// checked per match beside it; facets may be tallied).
    fn checks_only_range(&self) -> bool {
        let request = &self.request;
        request.near.is_some()
            && request.age.is_none()
            && request.minimum_age_at_least.is_none()
            && request.maximum_age_at_most.is_none()
            && request.modified_since.is_none()
            && request.days.is_empty()
            && request.time_from.is_none()
            && request.time_to.is_none()
            && !request.open_funds_only
    }

    /// The documents of `candidates` in range, counted (and their facets tallied when asked):
    /// those with a venue in a cell wholly within reach a word (64 documents) at a time, by
    /// their bits; the rest one by one.
    fn count_in_range(&mut self, candidates: &Bits) -> usize {
        self.take_notes();
        let (words, set) = candidates.words();
        let tallies = self.request.facets;
        let mut total = 0;
        for at in set {
            let candidate = words[at];
            if candidate == 0 {
                continue;
            }
            let within = self.within.as_ref().map_or(0, |within| within.word(at));
            let mut in_range = candidate & within;
            let mut rest = candidate & !within;
            while rest != 0 {
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                if self.in_range(at as DocId * 64 + bit) {
                    in_range |= 1 << bit;
                }
            }
            total += in_range.count_ones() as usize;
            if tallies && in_range != 0 {
                self.tally_word(at, in_range);
            }
        }
        total
    }

    /// Tallies the facets of the documents of word `at` whose bits are set in `docs`: a full
    /// word's needs by the needs' bits, and a word of one district at once.
    fn tally_word(&mut self, at: usize, docs: u64) {
        let columns = &self.columns;
        let count = docs.count_ones();
        let needs = columns.need_bits.get(at * columns.needs..(at + 1) * columns.needs);
        if let Some(needs) = needs.filter(|_| count >= WORD_TALLY_FROM) {
            for (tally, bits) in self.need_counts.iter_mut().zip(needs) {
                *tally += u64::from((bits & docs).count_ones());
            }
        } else {
            for_each_bit(docs, at, |doc| columns.tally_needs(doc, &mut self.need_counts));
        }
        match columns.word_district.get(at) {
            Some(&ord) if ord != MIXED => {
                if let Some(tally) = self.district_counts.get_mut(ord as usize) {
                    *tally += u64::from(count);
                }
            }
            _ => for_each_bit(docs, at, |doc| columns.tally_district(doc, &mut self.district_counts)),
        }
    }

    /// Whether the page can be settled before seeing every match: no words, no point (every
    /// match scores 1, or less when stale) and nothing to count.
    fn stops_early(&self) -> bool {
        !self.scoring && self.request.near.is_none() && self.pass == Pass::Page
    }

    /// Whether no match yet to come can enter the page: it is full of matches with the best
    /// key an unscored match without a distance can have, and later documents lose ties.
    fn settled(&self) -> bool {
        self.top.len() >= self.keep
            && self
                .top
                .peek()
                .is_some_and(|worst| worst.key <= rank_key(self.request.sort, 1.0, None))
    }

    /// The text score a document must beat to enter the page (once the page is full).
    fn threshold(&self) -> Score {
        match self.top.peek() {
            Some(worst) if self.top.len() >= self.keep => (-worst.key) as Score,
            _ => Score::MIN,
        }
    }

    /// Distance to the nearest venue within the radius, or `Some(None)` if matched by an area
    /// served, or `None` if out of range.
    fn distance(&self, doc: DocId) -> Option<Option<f64>> {
        let (Some(near), Some(plane)) = (&self.request.near, &self.plane) else {
            return Some(None);
        };
        let reach = self.request.reach_km().unwrap_or(near.radius_km);
        // Venues the flat map puts clearly beyond reach cannot be the nearest within it.
        let nearest = self
            .columns
            .venues
            .of(doc)
            .iter()
            .map(|&packed| unpack_venue(packed))
            .filter(|&(lat, lng)| plane.clearly_within(lat, lng, reach) != Some(false))
            .filter_map(|(lat, lng)| GeoPoint::new(lat, lng).ok())
            .map(|venue| near.point.distance_km(&venue))
            .fold(f64::INFINITY, f64::min);
        if nearest <= reach {
            return Some(Some(nearest));
        }
        self.serves_here(doc).then_some(None)
    }

    /// Whether the document is in range (a venue within reach, or serving an area containing
    /// the point), as [`SegmentSearch::distance`] decides it but without its distance: the flat
    /// map settles most venues, and only those near the edge get a great-circle distance.
    fn in_range(&self, doc: DocId) -> bool {
        let (Some(near), Some(plane)) = (&self.request.near, &self.plane) else {
            return true;
        };
        if self.within.as_ref().is_some_and(|within| within.contains(doc)) {
            return true;
        }
        let reach = self.request.reach_km().unwrap_or(near.radius_km);
        let venue_within = self.columns.venues.of(doc).iter().any(|&packed| {
            let (lat, lng) = unpack_venue(packed);
            plane
                .clearly_within(lat, lng, reach)
                .unwrap_or_else(|| GeoPoint::new(lat, lng).is_ok_and(|venue| near.point.distance_km(&venue) <= reach))
        });
        venue_within || self.serves_here(doc)
    }

    /// Takes the documents the query found in cells wholly within reach, once it has read the
    /// segment (its scorer is made before the first match is collected).
    fn take_notes(&mut self) {
        if let Some((notes, segment)) = self.within_notes.take() {
            self.within = notes.take(segment);
        }
    }

    /// Whether the document serves an area containing the point (never within a ring).
    fn serves_here(&self, doc: DocId) -> bool {
        self.serving_here.as_ref().is_some_and(|serving| serving.contains(doc))
    }

    /// The person's age within the listing's range, and the range within ORUK's bounds.
    fn age_fits(&self, doc: DocId) -> bool {
        let request = &self.request;
        if request.age.is_none() && request.minimum_age_at_least.is_none() && request.maximum_age_at_most.is_none() {
            return true;
        }
        let min = self.columns.min_age.first(doc).unwrap_or(0);
        let max = self.columns.max_age.first(doc).unwrap_or(i64::MAX);
        request.age.is_none_or(|age| min <= age && age <= max)
            && request.minimum_age_at_least.is_none_or(|bound| min >= bound)
            && request.maximum_age_at_most.is_none_or(|bound| max <= bound)
    }

    /// Changed at or after the request's `modified_since`.
    fn modified_fits(&self, doc: DocId) -> bool {
        let Some(since) = self.request.modified_since else {
            return true;
        };
        let modified = self.columns.modified.first(doc).unwrap_or(i64::MIN);
        modified >= super::document::modified_nanos(since)
    }

    fn sessions_fit(&self, doc: DocId) -> bool {
        let request = &self.request;
        if request.days.is_empty() && request.time_from.is_none() && request.time_to.is_none() {
            return true;
        }
        self.columns.session.values_for_doc(doc).any(|packed| {
            let (day, start, end) = unpack_session(packed);
            (request.days.is_empty() || request.days.iter().any(|d| d.num_days_from_monday() == day))
                && request.time_from.is_none_or(|from| start >= from)
                && request.time_to.is_none_or(|to| end <= to)
        })
    }

    fn fund_open(&self, doc: DocId) -> bool {
        if !self.request.open_funds_only || self.columns.kind.first(doc) != Some(AssetKind::Fund.code()) {
            return true;
        }
        let opens = self.columns.opens.first(doc).unwrap_or(i64::MIN);
        let closes = self.columns.closes.first(doc).unwrap_or(i64::MAX);
        opens <= self.today && self.today <= closes
    }

    /// Notes a match for the facets, tallied a word at a time as the next word starts (and
    /// at the end: [`SegmentSearch::tally_pending`]).
    fn count_facets(&mut self, doc: DocId) {
        let at = doc as usize / 64;
        if let Some((pending, docs)) = self.pending_facets {
            if pending == at {
                self.pending_facets = Some((at, docs | 1 << (doc % 64)));
                return;
            }
            self.tally_word(pending, docs);
        }
        self.pending_facets = Some((at, 1 << (doc % 64)));
    }

    /// Tallies the last word of matches [`SegmentSearch::count_facets`] noted.
    fn tally_pending(&mut self) {
        if let Some((at, docs)) = self.pending_facets.take() {
            self.tally_word(at, docs);
        }
    }
}

/// Adds one to the tally of each of the document's values.
fn tally(ords: &PerDoc<u32>, counts: &mut [u64], doc: DocId) {
    for &ord in ords.of(doc) {
        if let Some(count) = counts.get_mut(ord as usize) {
            *count += 1;
        }
    }
}

/// Calls `each` with the document of every bit set in `bits`, the `at`th word.
fn for_each_bit(mut bits: u64, at: usize, mut each: impl FnMut(DocId)) {
    while bits != 0 {
        each(at as DocId * 64 + bits.trailing_zeros());
        bits &= bits - 1;
    }
}

impl SegmentCollector for SegmentSearch {
    type Fruit = Collected;

    fn collect(&mut self, doc: DocId, text_score: Score) {
        self.take_notes();
        if !(self.age_fits(doc) && self.modified_fits(doc) && self.sessions_fit(doc) && self.fund_open(doc)) {
            return;
        }
        if !self.in_range(doc) {
            return;
        }
        self.total += 1;
        if self.request.facets && self.pass != Pass::Page {
            self.count_facets(doc);
        }
        if self.pass == Pass::Count {
            return;
        }
        let text_score = if self.scoring { text_score } else { 1.0 };
        // By relevance, a match scores at most its text score (the decay and the staleness
        // factor are at most 1): if even that cannot beat the page's worst (a tie loses, being
        // later), neither its staleness nor its distance is worth reading.
        let cannot_beat = |top: &BinaryHeap<Ranked>, best: f32| {
            top.len() >= self.keep
                && top
                    .peek()
                    .is_some_and(|worst| rank_key(SortOrder::Relevance, best, None) >= worst.key)
        };
        let by_relevance = self.request.sort == SortOrder::Relevance;
        if by_relevance && cannot_beat(&self.top, text_score) {
            return;
        }
        let stale = self
            .columns
            .reviewed
            .first(doc)
            .is_none_or(|reviewed| self.today - reviewed > STALE_AFTER_DAYS);
        let stale_factor = if stale { STALE_FACTOR } else { 1.0 };
        if by_relevance && cannot_beat(&self.top, text_score * stale_factor) {
            return;
        }
        let Some(distance_km) = self.distance(doc) else { return };
        let by_area = self.request.near.is_some() && distance_km.is_none();
        let decay = match (&self.request.near, distance_km) {
            (Some(_), Some(d)) => self.request.distance_decay(d),
            (Some(_), None) => AREA_MATCH_DECAY,
            (None, _) => 1.0,
        };
        let score = text_score * decay * stale_factor;
        let hit = PartialHit {
            score,
            text_score,
            distance_km,
            by_area,
            stale,
        };
        let ranked = Ranked {
            key: rank_key(self.request.sort, score, distance_km),
            doc,
            hit,
        };
        if self.top.len() < self.keep {
            self.top.push(ranked);
        } else if self.top.peek().is_some_and(|worst| ranked < *worst) {
            self.top.pop();
            self.top.push(ranked);
        }
    }

    fn harvest(mut self) -> Collected {
        self.tally_pending();
        let SegmentSearch {
            top,
            columns,
            need_counts,
            district_counts,
            total,
            segment,
            ..
        } = self;
        let SegmentColumns {
            id_high,
            id_low,
            kind,
            need,
            district,
            ..
        } = columns.as_ref();
        let hits = top
            .into_iter()
            .filter_map(|ranked| {
                let id = uuid::Uuid::from_u64_pair(id_high.first(ranked.doc)?, id_low.first(ranked.doc)?).to_string();
                let kind = kind.first(ranked.doc).and_then(AssetKind::from_code)?;
                let PartialHit {
                    score,
                    text_score,
                    distance_km,
                    by_area,
                    stale,
                } = ranked.hit;
                Some(RawHit {
                    id,
                    address: (segment, ranked.doc),
                    kind,
                    score,
                    text_score,
                    distance_km,
                    by_area,
                    stale,
                })
            })
            .collect();
        let names = |column: &Option<StrColumn>, counts: Vec<u64>| -> HashMap<String, u64> {
            let Some(column) = column else { return HashMap::new() };
            let mut buffer = String::new();
            counts
                .into_iter()
                .enumerate()
                .filter(|(_, count)| *count > 0)
                .filter_map(|(ord, count)| {
                    column
                        .ord_to_str(ord as u64, &mut buffer)
                        .ok()
                        .filter(|found| *found)
                        .map(|_| (buffer.clone(), count))
                })
                .collect()
        };
        Collected {
            hits,
            total,
            has_more: false,
            next: None,
            need_counts: names(need, need_counts),
            district_counts: names(district, district_counts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NeedCode;
    use crate::search::{AssetDocument, Near, SearchIndex, SearchRequest};

    /// Counting facets a word (64 documents) at a time, by the needs' bits and by words of one
    /// district, gives the counts of tallying match by match, and of counting listing by listing:
    /// over runs of listings in one district (in curve order, as indexed), mixed runs, listings
    /// in two districts or none; near a point with and without words.
    #[test]
    fn facets_counted_by_words_are_those_counted_by_match() {
        let place = |code: &str| PlaceCode::parse(code).expect("code");
        let districts = [place("E07000148"), place("E07000149"), place("E07000145")];
        let needs = [
            "strength-and-balance",
            "social-connection",
            "money-advice",
            "carers",
            "food",
        ];
        let centre = GeoPoint::new(52.63, 1.29).expect("point");
        let mut next = crate::search::random(0x2545_f491_4f6c_dd1d);
        let mut documents: Vec<AssetDocument> = (0..6_000)
            .map(|i| {
                let (north, east) = (next(2_000), next(2_000));
                let venue = GeoPoint::new(
                    52.63 + (north as f64 - 1_000.0) * 0.0001,
                    1.29 + (east as f64 - 1_000.0) * 0.00016,
                )
                .expect("venue");
                // Three bands from west to east each in one district (the curve order keeps
                // their listings together; a few in the first are also in the second), the
                // east mixed.
                let districts = match (east / 600, next(10)) {
                    (0, 0) => districts[..2].to_vec(),
                    (band @ 0..=2, _) => vec![districts[band].clone()],
                    (_, 0) => Vec::new(),
                    (_, 1) => districts[..2].to_vec(),
                    (_, pick) => vec![districts[pick % 3].clone()],
                };
                AssetDocument {
                    kind: Some(AssetKind::Service),
                    id: uuid::Uuid::new_v4(),
                    // One in three with a word (no need's synonym), found beside the radius.
                    name: format!("example {i}{}", if i % 3 == 0 { " pottery" } else { "" }),
                    // Picked with replacement: a need may be listed twice.
                    needs: (0..1 + next(3))
                        .map(|_| NeedCode::parse(needs[next(needs.len())]).expect("need"))
                        .collect(),
                    venues: vec![venue],
                    districts: districts.into_iter().collect(),
                    ..AssetDocument::default()
                }
            })
            .collect();
        documents.sort_by_key(|document| document.curve_position());
        let index = SearchIndex::in_memory(15_000_000).expect("index");
        index.replace_all(documents.clone(), 1, |_| {}).expect("build");
        // What the facets should be, listing by listing.
        let expected = |radius_km: f64, word: Option<&str>| {
            let mut needs: HashMap<String, u64> = HashMap::new();
            let mut districts: HashMap<String, u64> = HashMap::new();
            let mut total = 0;
            for document in &documents {
                if document
                    .venues
                    .iter()
                    .all(|venue| centre.distance_km(venue) > radius_km)
                    || word.is_some_and(|word| !document.name.contains(word))
                {
                    continue;
                }
                total += 1;
                let distinct: std::collections::BTreeSet<&str> = document.needs.iter().map(|n| n.as_str()).collect();
                for need in distinct {
                    *needs.entry(need.to_string()).or_default() += 1;
                }
                for district in &document.districts {
                    *districts.entry(district.as_str().to_string()).or_default() += 1;
                }
            }
            (total, needs, districts)
        };

        let searcher = index.index().reader().expect("reader").searcher();
        let columns = SegmentColumns::open(searcher.segment_reader(0)).expect("columns");
        assert!(
            columns.word_district.iter().any(|&ord| ord != MIXED),
            "words of one district"
        );
        assert!(columns.word_district.contains(&MIXED), "mixed words");

        for (radius_km, word) in [
            (2.0, None),
            (5.0, None),
            (9.0, None),
            (30.0, None),
            (3.0, Some("pottery")),
            (30.0, Some("pottery")),
        ] {
            let request = SearchRequest {
                text: word.map(str::to_string),
                near: Some(Near {
                    point: centre,
                    radius_km,
                    containing_places: Vec::new(),
                }),
                facets: true,
                exact_total: true,
                limit: 10,
                ..SearchRequest::default()
            };
            let counted = index.search(&request).expect("search");
            let every = index.search_exhaustively(&request).expect("every match");
            assert!(counted.total > 50, "{radius_km} km: {} matches", counted.total);
            assert_eq!(counted.total, every.total, "{radius_km} km");
            assert_eq!(counted.need_counts, every.need_counts, "{radius_km} km");
            assert_eq!(counted.district_counts, every.district_counts, "{radius_km} km");
            let (total, needs, districts) = expected(radius_km, word);
            assert_eq!(
                (counted.total, counted.need_counts, counted.district_counts),
                (total, needs, districts),
                "{radius_km} km, {word:?}: listing by listing"
            );
        }
    }
}

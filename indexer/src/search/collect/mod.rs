//! One pass over the matching documents: exact checks the terms cannot express (distance,
//! age, session times, open funds), the blended score, the top hits and the facet counts.
//!
//! - this file: what a pass is for ([`Pass`]), what it finds ([`Collected`]), and the state
//!   kept per segment ([`SegmentSearch`]);
//! - [`columns`]: the fast-field columns read per match, opened once per segment;
//! - `pass`: the collector itself: how each pass visits the matches, and the page merged;
//! - `checks`: the exact checks and facet tallies of one match.

mod checks;
pub(crate) mod columns;
mod pass;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::columnar::StrColumn;
use tantivy::{DocId, SegmentOrdinal};

use crate::domain::LocalPlane;
use crate::search::document::AssetKind;
use crate::search::fields::Fields;
use crate::search::query::term_bitset::TermBitSetQuery;
use crate::search::query::term_docs::Bits;
use crate::search::request::{SearchOptions, SearchRequest, SortOrder};

pub use columns::{ColumnCache, SearcherColumns};
use columns::{SegmentColumns, MIXED, WORD_TALLY_FROM};

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
    /// Matches counted: all of them when [`SearchOptions`] ask for the exact total or facets,
    /// else at least those kept.
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
    /// What is counted besides the page (facets are tallied by passes that count).
    pub options: SearchOptions,
    /// Only venues this far from the request's point, and no listing by the area it serves:
    /// a ring tried inside the radius (see `SearchIndex::search`).
    pub ring_km: Option<f64>,
    pub fields: Fields,
    /// Text relevance is computed (the request has words and the pass ranks).
    pub scoring: bool,
    pub pass: Pass,
    /// The searcher's columns (see [`ColumnCache`]).
    pub columns: SearcherColumns,
    /// When counting a radius with nothing else to match, the radius: the collector reads its
    /// bits itself and counts them a word at a time (see `BuiltQuery::radius_alone`).
    pub radius_alone: Option<Arc<TermBitSetQuery>>,
}

/// What the collector needs of a segment, looked up once.
pub struct SegmentSearch {
    request: Arc<SearchRequest>,
    /// Facets asked ([`SearchOptions::facets`]).
    facets: bool,
    /// The ring tried, if any ([`SearchCollector::ring_km`]).
    ring_km: Option<f64>,
    scoring: bool,
    columns: Arc<SegmentColumns>,
    /// Documents serving an area that contains the search point (none within a ring).
    serving_here: Option<Bits>,
    /// The search point's flat map, for counting without exact distances.
    plane: Option<LocalPlane>,
    /// Counting a radius alone: documents with a venue in a cell wholly within reach, in range
    /// with no distance at all (read with the radius's bits).
    within: Option<Bits>,
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

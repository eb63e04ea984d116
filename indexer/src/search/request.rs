//! A search request in engine types (already validated), and the tantivy query it becomes.
//!
//! User text is never parsed as query syntax: it is read into words ([`ReadText`]: stop words
//! dropped, typos read as the words listings have) and each word becomes term queries built
//! here, so quotes, colons, brackets and `AND`/`OR` typed by a resident are just words.

use std::ops::Bound;

use chrono::{NaiveDate, Weekday};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::cells::{covering_cells, split_cover};
use super::document::AssetKind;
use super::fields::Fields;
use super::query::grouped::Grouping;
use super::query::seeking_union::SeekingUnion;
use super::query::term_bitset::TermBitSetQuery;
use super::query::top_words::{TermCaches, TopWords};
use super::query::words_near::WordsNear;
use super::vocabulary::Vocabulary;
use super::words::{ReadText, WordTerm};
use crate::domain::schedule::weekday_code;
use crate::domain::*;

/// A circle to search in.
#[derive(Debug, Clone)]
pub struct Near {
    pub point: GeoPoint,
    pub radius_km: f64,
    /// Codes of every place containing the point: services serving one of these areas match
    /// without a venue nearby.
    pub containing_places: Vec<PlaceCode>,
}

/// A place to search inside, with every place code whose area overlaps it.
#[derive(Debug, Clone)]
pub struct Within {
    pub code: PlaceCode,
    pub overlapping: Vec<PlaceCode>,
    /// A custom Place's member wards or LSOAs: a venue carrying one of them is inside it
    /// (venues carry ONS codes only). Empty for other places.
    pub members: Vec<PlaceCode>,
}

/// How to order results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Text relevance blended with a distance decay, stale listings down-ranked.
    #[default]
    Relevance,
    /// Nearest first (listings matched by the area they serve come after venues).
    Distance,
}

/// Everything a search can ask, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: Option<String>,
    pub near: Option<Near>,
    pub within: Option<Within>,
    /// Any of these needs.
    pub needs: Vec<NeedCode>,
    /// Any of these kinds (all kinds if empty).
    pub kinds: Vec<AssetKind>,
    /// The person's age: the listing's age range must include it.
    pub age: Option<i64>,
    /// The listing's minimum age must be at least this (none counts as 0; ORUK `minimum_age`).
    pub minimum_age_at_least: Option<i64>,
    /// The listing's maximum age must be at most this (none counts as 200; ORUK `maximum_age`).
    pub maximum_age_at_most: Option<i64>,
    /// Listings of any of these organisations (a service's provider, a fund's funder).
    pub organization_ids: Vec<uuid::Uuid>,
    /// Listings offering any of these OpenActive Activity List concepts (concept UUID text).
    pub activities: Vec<String>,
    /// Listings last changed at or after this time (ORUK `modified_after`).
    pub modified_since: Option<chrono::DateTime<chrono::Utc>>,
    /// A session on one of these days.
    pub days: Vec<Weekday>,
    /// A session starting at or after this time (minutes after midnight, local).
    pub time_from: Option<u16>,
    /// A session ending at or before this time.
    pub time_to: Option<u16>,
    pub free_only: bool,
    /// Every one of these features at a venue.
    pub accessibility: Vec<AccessibilityFeature>,
    /// Any of these delivery modes.
    pub delivery_modes: Vec<DeliveryMode>,
    /// Funds must be open on `today`.
    pub open_funds_only: bool,
    pub sort: SortOrder,
    pub offset: usize,
    pub limit: usize,
    pub today: NaiveDate,
}

/// How a search is run, beside what it asks ([`SearchRequest`]): what is counted besides the
/// page. Neither changes the page, only what else is found and how long it takes.
///
/// The default, [`SearchOptions::PAGE`], counts nothing but the page: a search then keeps only
/// the best page and skips, unchecked, every document whose text score cannot beat the page's
/// worst, and its `total` counts only the matches it saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchOptions {
    /// Count every match exactly (`totalCount`): a pass over every match, where a page of a
    /// broad query alone costs a fraction of that.
    pub exact_total: bool,
    /// Count the matches by need and by district (facets); every match is counted too.
    pub facets: bool,
}

impl SearchOptions {
    /// The page alone (the default).
    pub const PAGE: SearchOptions = SearchOptions {
        exact_total: false,
        facets: false,
    };
    /// The page and the exact number of matches.
    pub const COUNTED: SearchOptions = SearchOptions {
        exact_total: true,
        facets: false,
    };
    /// The page, the exact number of matches and their facets.
    pub const COUNTED_WITH_FACETS: SearchOptions = SearchOptions {
        exact_total: true,
        facets: true,
    };

    /// Whether every match is counted (a total or facets asked).
    pub fn counts(self) -> bool {
        self.exact_total || self.facets
    }
}

impl SearchRequest {
    /// How far from `near` a venue may be: `ring_km`, the ring being tried (see
    /// `SearchIndex::search`; never further than the radius), else the radius.
    pub fn reach_km(&self, ring_km: Option<f64>) -> Option<f64> {
        let near = self.near.as_ref()?;
        Some(ring_km.map_or(near.radius_km, |ring| ring.min(near.radius_km)))
    }

    /// The distance decay ranking applies (1 at the point, 0.5 far beyond the radius).
    pub fn distance_decay(&self, distance_km: f64) -> f32 {
        let radius_km = self.near.as_ref().map_or(1.0, |near| near.radius_km);
        0.5 + 0.5 * (-distance_km / (radius_km / 2.0).max(1.0)).exp() as f32
    }

    /// Whether the request has words to score.
    pub fn has_words(&self) -> bool {
        self.text.as_deref().is_some_and(|text| !text.trim().is_empty())
    }

    /// Whether a term or range filter other than kinds (need, place, radius, day, free, feature, delivery
    /// mode, organisation, activity; age bounds, modified since) narrows the matches in the
    /// index itself.
    ///
    /// Kinds are left out: words by relevance with no other filter mask their listings by
    /// kind ([`TopWords::only`]) and still run as words alone (nearly every listing is a
    /// service, so `kinds: [SERVICE]` hardly narrows).
    pub(super) fn has_term_filters_beside_kinds(&self) -> bool {
        !self.needs.is_empty()
            || self.within.is_some()
            || self.near.is_some()
            || !self.days.is_empty()
            || self.free_only
            || !self.accessibility.is_empty()
            || !self.delivery_modes.is_empty()
            || !self.organization_ids.is_empty()
            || !self.activities.is_empty()
            || self.minimum_age_at_least.is_some()
            || self.maximum_age_at_most.is_some()
            || self.modified_since.is_some()
    }

    /// Whether the best page can be found without visiting every match: with no words (rings
    /// near a point, else the first fresh matches), or words alone by relevance (MaxScore, see
    /// `TopWords`). Words beside filters are scored at every match.
    pub fn page_skips_matches(&self) -> bool {
        !self.has_words() || self.words_alone()
    }

    /// Words by relevance with no filter but kinds: the page by MaxScore ([`TopWords`]).
    pub(super) fn words_alone(&self) -> bool {
        self.has_words() && !self.has_term_filters_beside_kinds() && self.sort == SortOrder::Relevance
    }

    /// The request's text, read against the index `searcher` sees (see [`ReadText`]).
    pub fn read_text(&self, fields: &Fields, vocabulary: &Vocabulary, searcher: &Searcher) -> ReadText {
        match self.text.as_deref() {
            Some(text) => ReadText::read(searcher.index(), fields, vocabulary, searcher, text),
            None => ReadText::default(),
        }
    }

    /// The tantivy query: filters as terms; the request's `text` (see
    /// [`SearchRequest::read_text`]) as scored clauses.
    ///
    /// Words alone become `TopWords`, which keeps what it reads per term in `caches`. For
    /// `counting` (a pass that only counts), a radius keeps the cells wholly within reach apart,
    /// and when nothing else is to match it is handed to the collector as well
    /// ([`BuiltQuery::radius_alone`]). With `ring_km` (a ring tried inside the radius by
    /// `SearchIndex::search`), only venues that far from `near` match, and no listing by the
    /// area it serves (area matches never change with the ring).
    pub(crate) fn to_query(
        &self,
        searcher: &Searcher,
        fields: &Fields,
        text: &ReadText,
        caches: &TermCaches,
        counting: bool,
        ring_km: Option<f64>,
    ) -> BuiltQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut filter = |query: Box<dyn Query>| clauses.push((Occur::Must, query));
        // Filters on terms, each a field and any of its values.
        let mut term_filters: Vec<(Field, Vec<&str>)> = Vec::new();
        // Beside words alone, the kinds mask the words' listings instead ([`TopWords::only`]).
        let kinds: Vec<Term> = self
            .kinds
            .iter()
            .map(|kind| Term::from_field_text(fields.kind, kind.as_str()))
            .collect();
        let kinds_mask_words = self.words_alone();
        if !self.kinds.is_empty() && !kinds_mask_words {
            term_filters.push((fields.kind, self.kinds.iter().map(|k| k.as_str()).collect()));
        }
        if !self.needs.is_empty() {
            term_filters.push((fields.need, self.needs.iter().map(|n| n.as_str()).collect()));
        }
        if !self.days.is_empty() {
            term_filters.push((fields.day, self.days.iter().map(|d| weekday_code(*d)).collect()));
        }
        if self.free_only {
            term_filters.push((fields.free, vec!["true"]));
        }
        for feature in &self.accessibility {
            term_filters.push((fields.access, vec![feature.as_str()]));
        }
        if !self.delivery_modes.is_empty() {
            term_filters.push((fields.mode, self.delivery_modes.iter().map(|m| m.as_str()).collect()));
        }
        let owners: Vec<String> = self.organization_ids.iter().map(|id| id.to_string()).collect();
        if !owners.is_empty() {
            term_filters.push((fields.owner, owners.iter().map(String::as_str).collect()));
        }
        if !self.activities.is_empty() {
            term_filters.push((fields.activity, self.activities.iter().map(String::as_str).collect()));
        }
        if let Some(within) = &self.within {
            filter(either(
                term_set(
                    fields.place,
                    std::iter::once(&within.code)
                        .chain(&within.members)
                        .map(PlaceCode::as_str),
                ),
                term_set(fields.area, within.overlapping.iter().map(PlaceCode::as_str)),
            ));
        }
        // Whether the words are scored by the near clause ([`WordsNear`]).
        let mut words_scored = false;
        // The near clause, when counting with it as a filter (see `BuiltQuery::radius_alone`).
        let mut radius: Option<TermBitSetQuery> = None;
        if let Some(near) = &self.near {
            let reach = self.reach_km(ring_km).unwrap_or(near.radius_km);
            let venues = match counting {
                true => {
                    let (within, edge) = split_cover(&near.point, reach);
                    TermBitSetQuery::new(fields.cell, edge.iter().map(String::as_str))
                        .or_within(fields.cell, within.iter().map(String::as_str))
                }
                false => TermBitSetQuery::new(
                    fields.cell,
                    covering_cells(&near.point, reach).iter().map(String::as_str),
                ),
            };
            let mut near_here = match ring_km {
                Some(_) => venues,
                None => venues.or(fields.area, near.containing_places.iter().map(PlaceCode::as_str)),
            };
            // The radius is read into a bitset anyway: the term filters are folded into it.
            for (field, values) in term_filters.drain(..) {
                near_here = near_here.and_any(field, values, &caches.documents);
            }
            // And the words' listings, when there are words (a text of no words matches every
            // listing) and no other filter narrows the radius (a need or a day already leaves
            // few listings, and ORing one or two words' bits then costs more than it saves:
            // measured). Three words or more are folded in whatever the filters: scored beside
            // the bits instead, they walk every word's postings from each listing in range to
            // the next with enough words, anywhere in the index.
            let weighted = text.terms(fields);
            let folds_words = !weighted.is_empty() && (!self.narrowed() || !text.is_flat());
            if folds_words && text.is_flat() {
                // Any one word: its listings folded in, and scored there alone.
                let terms = weighted.iter().map(|word| word.term.clone()).collect();
                near_here = near_here.and_any_term(terms, &caches.documents);
                let terms = weighted
                    .into_iter()
                    .filter(|word| searcher.doc_freq(&word.term).unwrap_or(0) > 0)
                    .map(|word| (word.term, word.boost))
                    .collect();
                filter(Box::new(WordsNear {
                    terms,
                    candidates: near_here,
                    grouping: None,
                }));
                words_scored = true;
            } else if folds_words {
                // Three words or more: the listings with enough of them folded in (terms no
                // listing has add nothing, as in `text_query`), and scored there alone.
                let terms: Vec<WordTerm> = weighted
                    .into_iter()
                    .filter(|word| searcher.doc_freq(&word.term).unwrap_or(0) > 0)
                    .collect();
                let grouping = std::sync::Arc::new(Grouping {
                    word_of: terms.iter().map(|word| word.word).collect(),
                    required: text.required(),
                });
                let folded = terms.iter().map(|word| word.term.clone()).collect();
                near_here = near_here.and_grouped(folded, grouping.clone(), &caches.documents);
                filter(Box::new(WordsNear {
                    terms: terms.into_iter().map(|word| (word.term, word.boost)).collect(),
                    candidates: near_here,
                    grouping: Some(grouping),
                }));
                words_scored = true;
            } else {
                if counting {
                    radius = Some(near_here.clone());
                }
                filter(Box::new(near_here));
            }
        }
        for (field, values) in term_filters {
            // The kinds asked for add nothing to the score: as when they mask words alone
            // ([`TopWords::only`]), a listing ranks the same whatever kinds are asked for.
            let query = term_set(field, values);
            filter(match field == fields.kind {
                true => Box::new(ConstScoreQuery::new(query, 0.0)),
                false => query,
            });
        }
        // Bounds on numbers (ORUK's age bounds and `modified_after`) as range queries on the
        // fast fields, which tantivy reads a block of the column at a time: a bound few
        // listings meet then costs a scan of one column, not a visit to every listing. The
        // collector checks them again per match (where a listing without a value counts as
        // the widest range), so a bound every listing meets is left to it alone.
        let at_least = |field: Field, bound: i64| -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(field, bound)),
                Bound::Unbounded,
            ))
        };
        if let Some(bound) = self
            .minimum_age_at_least
            .filter(|bound| *bound > super::document::NO_MIN_AGE)
        {
            filter(at_least(fields.min_age, bound));
        }
        if let Some(bound) = self.maximum_age_at_most {
            filter(Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Included(Term::from_field_i64(fields.max_age, bound)),
            )));
        }
        // A change date every listing meets (a mirror's first sync from long ago) filters
        // nothing: left out, the matches are counted from the kinds' postings alone rather
        // than by intersecting a million of them with the range (the collector still checks).
        if let Some(since) = self.modified_since.map(super::document::modified_nanos) {
            let every_listing_meets = searcher.segment_readers().iter().all(|reader| {
                reader
                    .fast_fields()
                    .i64("modified")
                    .is_ok_and(|column| column.min_value() >= since)
            });
            if !every_listing_meets {
                filter(at_least(fields.modified, since));
            }
        }
        let company = match (clauses.is_empty(), self.narrowed()) {
            (true, _) => Company::Alone(caches.clone(), if kinds_mask_words { kinds } else { Vec::new() }),
            (false, true) => Company::Narrowing,
            (false, false) => Company::Wide,
        };
        if !words_scored {
            if let Some(text) = self.text_query(searcher, text, fields, company) {
                clauses.insert(0, (Occur::Must, text));
            }
        }
        // The near clause added is the only clause: the query is the radius alone.
        let radius_alone = radius.filter(|_| clauses.len() == 1);
        let query = match clauses.len() {
            0 => Box::new(AllQuery),
            // Unwrapped, not a boolean query of one clause (which scores the same): one
            // scorer less between the collector and the postings.
            1 => clauses.remove(0).1,
            _ => Box::new(BooleanQuery::new(clauses)),
        };
        BuiltQuery { query, radius_alone }
    }

    /// Whether filters other than a place or radius narrow the candidates to a small share
    /// (a need, a day, a feature, free only): then the words are best looked up for each
    /// candidate ([`SeekingUnion`]). Among the many listings of a radius or place alone,
    /// reading the words' postings window by window (tantivy's union) costs less.
    pub(super) fn narrowed(&self) -> bool {
        !self.needs.is_empty()
            || !self.days.is_empty()
            || !self.accessibility.is_empty()
            || self.free_only
            || !self.organization_ids.is_empty()
            || !self.activities.is_empty()
    }

    /// The words: any one of them (or a need a synonym names) is enough for one or two words,
    /// half of them for more ([`ReadText::required`]); every term that matches adds to the
    /// score. Names weigh most. A text of stop words alone matches nothing.
    fn text_query(
        &self,
        searcher: &Searcher,
        text: &ReadText,
        fields: &Fields,
        company: Company,
    ) -> Option<Box<dyn Query>> {
        if !self.has_words() {
            return None;
        }
        let mut terms = text.terms(fields);
        // Terms no listing has add nothing.
        terms.retain(|word| searcher.doc_freq(&word.term).unwrap_or(0) > 0);
        if terms.is_empty() {
            return Some(Box::new(EmptyQuery));
        }
        if text.is_flat() {
            return Some(flat_text_query(terms, company));
        }
        let grouping = Grouping {
            word_of: terms.iter().map(|word| word.word).collect(),
            required: text.required(),
        };
        let (caches, only) = match company {
            Company::Alone(caches, only) => (caches, only),
            Company::Narrowing | Company::Wide => (TermCaches::default(), Vec::new()),
        };
        Some(Box::new(TopWords {
            terms: terms.into_iter().map(|word| (word.term, word.boost)).collect(),
            caches,
            grouping: Some(std::sync::Arc::new(grouping)),
            only,
        }))
    }
}

/// What the words of a search are combined with, which decides how their union is run.
#[derive(Clone)]
enum Company {
    /// Nothing (but the kinds the words' listings are masked by, [`TopWords::only`]): the
    /// words lead, and a page is found by MaxScore ([`TopWords`]).
    Alone(TermCaches, Vec<Term>),
    /// Filters that keep a small share of listings (need, day, feature, free): the words are
    /// looked up for each candidate ([`SeekingUnion`]).
    Narrowing,
    /// Only a place or radius: tantivy's union, read window by window.
    Wide,
}

/// One or two words: any word in any field, or a need its synonyms name, as one union of term
/// queries.
///
/// How the union runs depends on its [`Company`].
fn flat_text_query(terms: Vec<WordTerm>, company: Company) -> Box<dyn Query> {
    let weighted_terms: Vec<(Term, f32)> = terms.into_iter().map(|word| (word.term, word.boost)).collect();
    if let Company::Alone(caches, only) = company {
        return Box::new(TopWords {
            terms: weighted_terms,
            caches,
            grouping: None,
            only,
        });
    }
    let clauses: Vec<(Occur, Box<dyn Query>)> = weighted_terms
        .into_iter()
        .map(|(term, boost)| {
            let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
            (Occur::Should, boosted(Box::new(query), boost))
        })
        .collect();
    if let Company::Narrowing = company {
        let clauses = clauses.into_iter().map(|(_, query)| query).collect();
        return Box::new(SeekingUnion { clauses });
    }
    Box::new(BooleanQuery::new(clauses))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

/// Any of `values` in `field`, scored as a constant 1 (times any boost), like `TermSetQuery`.
///
/// Not `TermSetQuery` itself: it builds an FST per query (a ~1 MB zero-filled registry, a third
/// of a small query's time) and reads every posting of its terms into a bitset up front, so a
/// broad filter (a day, a need) costs its whole posting list even beside a 2 km radius. Term
/// queries (no frequencies) are lazy and skip, so the most selective clause drives the intersection.
fn term_set<'a>(field: Field, values: impl IntoIterator<Item = &'a str>) -> Box<dyn Query> {
    let mut terms: Vec<(Occur, Box<dyn Query>)> = values
        .into_iter()
        .map(|value| {
            let term = TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic);
            (Occur::Should, Box::new(term) as Box<dyn Query>)
        })
        .collect();
    let any: Box<dyn Query> = match terms.len() {
        0 => Box::new(EmptyQuery),
        1 => terms.remove(0).1,
        _ => Box::new(BooleanQuery::new(terms)),
    };
    Box::new(ConstScoreQuery::new(any, 1.0))
}

fn either(a: Box<dyn Query>, b: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![(Occur::Should, a), (Occur::Should, b)]))
}

/// A search's query ([`SearchRequest::to_query`]), and what the collector is handed with it.
pub(crate) struct BuiltQuery {
    pub query: Box<dyn Query>,
    /// Counting near a point with nothing to match but the radius (and the term filters folded
    /// into it): the radius itself, for the collector to read and count by its bits a word at a
    /// time, the listings of cells wholly within reach counted without a distance.
    pub radius_alone: Option<TermBitSetQuery>,
}

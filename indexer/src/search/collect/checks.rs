//! What the collector checks and tallies at one match: exact distance, ages, times, open
//! funds, and the facets, a match or a word of matches at a time.

use tantivy::{DocId, Score};

use crate::domain::GeoPoint;
use crate::search::document::{unpack_session, unpack_venue, AssetKind};
use crate::search::query::term_docs::Bits;

use super::*;

impl SegmentSearch {
    /// Whether a match is counted only after checks the terms cannot express (distance, age,
    /// sessions, open funds), or adds to the facets. Not `modified_since`: its range query
    /// already leaves out exactly the listings changed earlier (every listing has the value),
    /// so a count of a million listings changed since a date is tantivy's, not a visit to each.
    pub(super) fn checks_each_match(&self) -> bool {
        let request = &self.request;
        self.facets
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
    pub(super) fn checks_only_range(&self) -> bool {
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
    pub(super) fn count_in_range(&mut self, candidates: &Bits) -> usize {
        let (words, set) = candidates.words();
        let tallies = self.facets;
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
    pub(super) fn tally_word(&mut self, at: usize, docs: u64) {
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
    pub(super) fn stops_early(&self) -> bool {
        !self.scoring && self.request.near.is_none() && self.pass == Pass::Page
    }

    /// Whether no match yet to come can enter the page: it is full of matches with the best
    /// key an unscored match without a distance can have, and later documents lose ties.
    pub(super) fn settled(&self) -> bool {
        self.top.len() >= self.keep
            && self
                .top
                .peek()
                .is_some_and(|worst| worst.key <= rank_key(self.request.sort, 1.0, None))
    }

    /// The text score a document must beat to enter the page (once the page is full).
    pub(super) fn threshold(&self) -> Score {
        match self.top.peek() {
            Some(worst) if self.top.len() >= self.keep => (-worst.key) as Score,
            _ => Score::MIN,
        }
    }

    /// Distance to the nearest venue within the radius, or `Some(None)` if matched by an area
    /// served, or `None` if out of range.
    pub(super) fn distance(&self, doc: DocId) -> Option<Option<f64>> {
        let (Some(near), Some(plane)) = (&self.request.near, &self.plane) else {
            return Some(None);
        };
        let reach = self.request.reach_km(self.ring_km).unwrap_or(near.radius_km);
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
    pub(super) fn in_range(&self, doc: DocId) -> bool {
        let (Some(near), Some(plane)) = (&self.request.near, &self.plane) else {
            return true;
        };
        if self.within.as_ref().is_some_and(|within| within.contains(doc)) {
            return true;
        }
        let reach = self.request.reach_km(self.ring_km).unwrap_or(near.radius_km);
        let venue_within = self.columns.venues.of(doc).iter().any(|&packed| {
            let (lat, lng) = unpack_venue(packed);
            plane
                .clearly_within(lat, lng, reach)
                .unwrap_or_else(|| GeoPoint::new(lat, lng).is_ok_and(|venue| near.point.distance_km(&venue) <= reach))
        });
        venue_within || self.serves_here(doc)
    }

    /// Whether the document serves an area containing the point (never within a ring).
    pub(super) fn serves_here(&self, doc: DocId) -> bool {
        self.serving_here.as_ref().is_some_and(|serving| serving.contains(doc))
    }

    /// The person's age within the listing's range, and the range within ORUK's bounds.
    pub(super) fn age_fits(&self, doc: DocId) -> bool {
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
    pub(super) fn modified_fits(&self, doc: DocId) -> bool {
        let Some(since) = self.request.modified_since else {
            return true;
        };
        let modified = self.columns.modified.first(doc).unwrap_or(i64::MIN);
        modified >= crate::search::document::modified_nanos(since)
    }

    pub(super) fn sessions_fit(&self, doc: DocId) -> bool {
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

    pub(super) fn fund_open(&self, doc: DocId) -> bool {
        if !self.request.open_funds_only || self.columns.kind.first(doc) != Some(AssetKind::Fund.code()) {
            return true;
        }
        let opens = self.columns.opens.first(doc).unwrap_or(i64::MIN);
        let closes = self.columns.closes.first(doc).unwrap_or(i64::MAX);
        opens <= self.today && self.today <= closes
    }

    /// Notes a match for the facets, tallied a word at a time as the next word starts (and
    /// at the end: [`SegmentSearch::tally_pending`]).
    pub(super) fn count_facets(&mut self, doc: DocId) {
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
    pub(super) fn tally_pending(&mut self) {
        if let Some((at, docs)) = self.pending_facets.take() {
            self.tally_word(at, docs);
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

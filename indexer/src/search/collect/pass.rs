//! The collector: how each [`Pass`] visits the matches a query gives, and the page merged
//! from the segments'.

use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

use crate::domain::{LocalPlane, PlaceCode};
use crate::search::document::{epoch_day, AssetKind};
use crate::search::query::term_bitset::documents_with_any_of;
use crate::search::request::SortOrder;

use super::*;

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
            Some(near) if self.ring_km.is_none() => documents_with_any_of(
                reader,
                self.fields.area,
                near.containing_places.iter().map(PlaceCode::as_str),
            )?,
            _ => None,
        };
        let counts_facets = self.options.facets && self.pass != Pass::Page;
        let need_counts = facet_slots(&columns.need, counts_facets);
        let district_counts = facet_slots(&columns.district, counts_facets);
        Ok(SegmentSearch {
            request: self.request.clone(),
            facets: self.options.facets,
            ring_km: self.ring_km,
            scoring: self.scoring,
            columns,
            serving_here,
            plane: self.request.near.as_ref().map(|near| LocalPlane::new(near.point)),
            within: None,
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
        if let Some(radius) = self.radius_alone.as_ref().filter(|_| self.pass == Pass::Count) {
            // The query is this radius alone: its bits (and those of the cells wholly within
            // reach, whose listings need no distance) are read here, not through a scorer.
            let (mut matches, within) = radius.documents_and_within(reader)?;
            segment.within = within;
            if segment.checks_only_range() && alive.is_none() {
                // Counted a word at a time.
                segment.total = segment.count_in_range(&matches);
            } else {
                let mut doc = matches.doc();
                while doc != TERMINATED {
                    if is_alive(doc) {
                        segment.collect(doc, 0.0);
                    }
                    doc = matches.advance();
                }
            }
        } else if segment.prune {
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
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                segment.collect(doc, 0.0);
                doc = scorer.advance();
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

impl SegmentCollector for SegmentSearch {
    type Fruit = Collected;

    fn collect(&mut self, doc: DocId, text_score: Score) {
        if !(self.age_fits(doc) && self.modified_fits(doc) && self.sessions_fit(doc) && self.fund_open(doc)) {
            return;
        }
        if !self.in_range(doc) {
            return;
        }
        self.total += 1;
        if self.facets && self.pass != Pass::Page {
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
        // What pruning relies on: the threshold handed to the scorers is a blended score, and
        // a text score at or under it must mean a blended score under it too.
        debug_assert!(
            score <= text_score,
            "the blended score {score} exceeds the text score {text_score}"
        );
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

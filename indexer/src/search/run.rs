//! Running one search: its plan chosen, then the passes the plan takes (the page, the counts,
//! or both in one), and the rings a search near a point with no words grows.

use tantivy::Term;

use crate::error::Result;

use super::*;

impl SearchIndex {
    /// Runs a search; blocking (call it off the async runtime).
    ///
    /// Where the page can skip matches (MaxScore for words alone, growing rings near a
    /// point with no words, the first fresh matches otherwise), the page and the counts are two
    /// passes, and only `options` asking for the exact total or facets add the unscored pass
    /// over every match. Either way a page is the same whether or not the totals are asked for.
    pub fn search(&self, request: &SearchRequest, options: SearchOptions) -> Result<Collected> {
        self.search_in(&self.reader.searcher(), request, options)
    }

    /// The index as it is now, to search and explain with ([`SearchIndex::search_in`],
    /// [`SearchIndex::fields_with_words`]).
    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// [`SearchIndex::search`] with the given searcher: hits' addresses are the searcher's.
    pub fn search_in(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
        options: SearchOptions,
    ) -> Result<Collected> {
        let text = self.read_text(searcher, request);
        self.search_read(searcher, request, &text, options)
    }

    /// The request's text as [`SearchIndex::search_in`] reads it (its words, their typo
    /// readings, the needs they name): what "why it matched" explains.
    pub fn read_text(&self, searcher: &tantivy::Searcher, request: &SearchRequest) -> words::ReadText {
        request.read_text(&self.fields, &self.vocabulary, searcher)
    }

    /// [`SearchIndex::search_in`] with the request's text already read
    /// ([`SearchIndex::read_text`]).
    pub fn search_read(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
        text: &words::ReadText,
        options: SearchOptions,
    ) -> Result<Collected> {
        let started = std::time::Instant::now();
        self.term_caches.follow(searcher);
        let plan = plan::Plan::of(request, text);
        debug_assert_eq!(plan.page_skips_matches(), request.page_skips_matches(), "{plan:?}");
        let counts = options.counts();
        // A count after the page reads the matches the page pass found, where it found them.
        let caches = match counts && plan.page_skips_matches() {
            true => self.term_caches.for_counted_search(),
            false => self.term_caches.clone(),
        };
        let search = OneSearch {
            request,
            text,
            options,
            caches: &caches,
        };
        let found = if counts && !plan.page_skips_matches() {
            // The page visits every match anyway: count in the same pass.
            self.pass(searcher, &search, collect::Pass::Everything, None)?
        } else {
            let mut found = self.best_page(searcher, &search)?;
            if counts {
                let counted = self.pass(searcher, &search, collect::Pass::Count, None)?;
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

    /// Ranks and counts every match in one pass with no shortcut (and tallies the facets when
    /// `options` ask): what [`SearchIndex::search`] must give, and what its tests compare it with.
    pub fn search_exhaustively(&self, request: &SearchRequest, options: SearchOptions) -> Result<Collected> {
        let searcher = self.reader.searcher();
        let text = self.read_text(&searcher, request);
        let search = OneSearch {
            request,
            text: &text,
            options,
            caches: &self.term_caches,
        };
        self.pass(&searcher, &search, collect::Pass::Everything, None)
    }

    /// One pass of the collector over the search's matches, within `ring_km` of the request's
    /// point when a ring is tried (see [`SearchIndex::best_page`]).
    fn pass(
        &self,
        searcher: &tantivy::Searcher,
        search: &OneSearch<'_>,
        pass: collect::Pass,
        ring_km: Option<f64>,
    ) -> Result<Collected> {
        let OneSearch {
            request,
            text,
            options,
            caches,
        } = *search;
        let has_words = request.has_words();
        let counting = pass == collect::Pass::Count;
        let built = request.to_query(searcher, &self.fields, text, caches, counting, ring_km);
        let collector = collect::SearchCollector {
            request: std::sync::Arc::new(request.clone()),
            options,
            ring_km,
            fields: self.fields,
            scoring: has_words && !counting,
            pass,
            columns: self.columns.for_searcher(searcher).map_err(index_error)?,
            radius_alone: built.radius_alone.map(std::sync::Arc::new),
        };
        searcher.search(built.query.as_ref(), &collector).map_err(index_error)
    }

    /// The page alone (its `total` counts only the matches seen).
    fn best_page(&self, searcher: &tantivy::Searcher, search: &OneSearch<'_>) -> Result<Collected> {
        let request = search.request;
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
                let found = self.pass(searcher, search, collect::Pass::Page, Some(ring))?;
                if ring_page_is_final(request, &found, ring) {
                    return Ok(found);
                }
                ring *= 2.0;
            }
        }
        self.pass(searcher, search, collect::Pass::Page, None)
    }
}

/// What one search runs with: the request, its text as read ([`SearchIndex::read_text`]), what
/// it counts, and the term caches (the index's, or this search's own:
/// [`query::top_words::TermCaches::for_counted_search`]).
#[derive(Clone, Copy)]
struct OneSearch<'a> {
    request: &'a SearchRequest,
    text: &'a words::ReadText,
    options: SearchOptions,
    caches: &'a query::top_words::TermCaches,
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
/// the decay at the ring, and an area match at most [`collect::AREA_MATCH_DECAY`] (strictly
/// beaten, as ties would fall to document order); by distance, a venue past the ring is
/// further than every venue in it, and area matches come after all venues.
fn ring_page_is_final(request: &SearchRequest, found: &collect::Collected, ring: f64) -> bool {
    let Some(next) = &found.next else { return false };
    match request.sort {
        SortOrder::Relevance => next.score >= request.distance_decay(ring) && next.score > collect::AREA_MATCH_DECAY,
        SortOrder::Distance => true,
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

    /// Words near a point (the words' listings folded into the radius's bits, and scored there
    /// alone: [`super::query::words_near`]) find exactly the listings with the words and a venue within the
    /// radius, each scoring its words' score plus the radius filter's constant 1, as words
    /// alone score it: words given more than once, needs named by a synonym ("lunch club"), and
    /// three words or more, of which a listing needs enough.
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
        let social = crate::domain::NeedCode::parse("social-connection").expect("need");
        for (text, radius_km, need) in [
            ("chair exercise", 3.0, None),
            ("lunch", 4.0, None),
            ("lunch club", 4.0, None),
            ("club walking", 5.0, None),
            ("yoga", 20.0, None),
            // Three words or more: listings with enough of them ([`super::query::grouped`]),
            // beside a need too (folded in whatever the filters).
            ("chair yoga lunch", 4.0, None),
            ("walking group with lunch and yoga", 6.0, None),
            ("tai chi chair exercise class", 3.0, None),
            ("lunch yoga again", 20.0, Some(&social)),
        ] {
            let words = SearchRequest {
                text: Some(text.to_string()),
                limit: 2_000,
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
                            && need.is_none_or(|need| document.needs.contains(need))
                    })
            };
            // The radius's constant 1, and the need's.
            let filters = 1.0 + need.map_or(0.0, |_| 1.0);
            let expected: std::collections::HashMap<String, f32> = index
                .search_exhaustively(&words, SearchOptions::COUNTED)
                .expect("words alone")
                .hits
                .into_iter()
                .filter(|hit| in_range(&hit.id))
                .map(|hit| (hit.id, hit.text_score + filters))
                .collect();
            let near = SearchRequest {
                near: Some(Near {
                    point: centre,
                    radius_km,
                    containing_places: Vec::new(),
                }),
                needs: need.into_iter().cloned().collect(),
                ..words.clone()
            };
            let found = index.search(&near, SearchOptions::COUNTED).expect("words near");
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

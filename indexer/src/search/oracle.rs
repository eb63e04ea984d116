//! An independent oracle for search: the expected page of random requests computed by brute
//! force over the documents (filters read from the documents themselves, text relevance from
//! tantivy's stock `TermQuery`, `BoostQuery` and `BooleanQuery` alone, none of this module's
//! scorers, bitsets or collector), compared with every way [`SearchIndex::search`] runs them.
//!
//! What it shares with the engine is what a search *means*: the words as read
//! ([`ReadText`]: stop words, stems, typo readings, synonyms, tested over the seed in the
//! integration tests) and the ranking rule (the text score, plus 1 for each filter clause, times
//! 0.6 when stale; ties by document order). How matches are found, pruned, scored and counted is the engine's alone.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument};
use uuid::Uuid;

use super::words::ReadText;
use super::{random, AssetDocument, AssetKind, SearchIndex, SearchOptions, SearchRequest};
use crate::domain::NeedCode;

/// Words the generated listings are made of, and the words requests are made of (with stop
/// words and typos).
const VOCABULARY: [&str; 16] = [
    "chair", "exercise", "balance", "lunch", "club", "walking", "group", "tai", "chi", "memory", "cafe", "dementia",
    "carers", "support", "older", "people",
];
const ASKED: [&str; 8] = ["for", "and", "the", "exercize", "lonley", "balence", "with", "near"];
/// Words few listings have: beside a word that names a need ("carers"), the listings with the
/// need and too few of the words (scoring the need alone) then reach the page.
const RARE: [&str; 3] = ["choir", "knit", "yoga"];
const NEEDS: [&str; 4] = [
    "strength-and-balance",
    "social-connection",
    "memory-and-dementia",
    "carers",
];

/// A listing's expected page entry: its id and score.
type Expected = Vec<(String, f32)>;

/// Random listings of services: names, descriptions and organisations from [`VOCABULARY`]
/// (with "lonely" and "exercise" for typos to find), needs, free or not, reviewed or stale.
fn listings(count: usize, seed: u64) -> Vec<AssetDocument> {
    let mut next = random(seed);
    let words = |most: usize, next: &mut dyn FnMut(usize) -> usize| -> String {
        (0..1 + next(most))
            .map(|_| match next(40) {
                0 => "lonely",
                1 if next(8) == 0 => RARE[next(RARE.len())],
                _ => VOCABULARY[next(VOCABULARY.len())],
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..count)
        .map(|_| AssetDocument {
            // A few organisations among the services, for requests of one kind to leave out.
            kind: Some(match next(10) {
                0 => AssetKind::Organization,
                _ => AssetKind::Service,
            }),
            id: Uuid::from_u64_pair(next(1 << 30) as u64, next(1 << 30) as u64),
            name: words(3, &mut next),
            description: words(12, &mut next),
            organization: words(2, &mut next),
            needs: (0..next(3))
                .map(|_| NeedCode::parse(NEEDS[next(NEEDS.len())]).expect("need"))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            free: next(2) == 0,
            last_reviewed: match next(3) {
                0 => None,
                1 => NaiveDate::from_ymd_opt(2024, 1, 1),
                _ => NaiveDate::from_ymd_opt(2026, 3, 1),
            },
            ..AssetDocument::default()
        })
        .collect()
}

/// The text as stock tantivy queries: each word any of its terms (boosted); one or two words
/// any word, more than two at least half of them; a need a synonym names matching alone.
fn stock_text_query(read: &ReadText, index: &SearchIndex) -> Box<dyn Query> {
    let term_query = |term: &tantivy::Term, boost: f32| -> Box<dyn Query> {
        let query = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
        Box::new(BoostQuery::new(Box::new(query), boost))
    };
    let terms = read.terms(&index.fields);
    let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for at in 0..read.words.len() {
        let alternatives = terms
            .iter()
            .filter(|term| term.word == Some(at))
            .map(|term| (Occur::Should, term_query(&term.term, term.boost)))
            .collect();
        words.push((Occur::Should, Box::new(BooleanQuery::new(alternatives))));
    }
    let required = read.words.len().div_ceil(2).max(1);
    let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Should,
        Box::new(BooleanQuery::with_minimum_required_clauses(words, required)),
    )];
    for term in terms.iter().filter(|term| term.word.is_none()) {
        any.push((Occur::Should, term_query(&term.term, term.boost)));
    }
    Box::new(BooleanQuery::new(any))
}

/// The expected page of `request` over `documents`, by brute force.
fn expected_page(
    index: &SearchIndex,
    searcher: &Searcher,
    documents: &[AssetDocument],
    request: &SearchRequest,
) -> (Expected, usize) {
    let by_id: HashMap<String, &AssetDocument> = documents.iter().map(|d| (d.id.to_string(), d)).collect();
    let id_of = |address: DocAddress| -> String {
        let stored: TantivyDocument = searcher.doc(address).expect("stored");
        stored
            .get_first(index.fields.id)
            .and_then(|value| value.as_str())
            .expect("id")
            .to_string()
    };
    // The matches, and their scores, from stock queries over the whole index.
    let read = ReadText::read(
        searcher.index(),
        &index.fields,
        &super::vocabulary::Vocabulary::new(&super::words::text_fields(&index.fields)),
        searcher,
        request.text.as_deref().unwrap_or(""),
    );
    let everything = TopDocs::with_limit(documents.len().max(1));
    let matched: Vec<(f32, DocAddress)> = if read.is_empty() {
        Vec::new()
    } else {
        searcher
            .search(stock_text_query(&read, index).as_ref(), &everything)
            .expect("stock search")
    };
    // Each term's score at each document, to add exactly (in f64, rounded once: as the engine
    // promises, whatever order the terms are met in); a listing with too few words scores its
    // needs alone.
    let terms = read.terms(&index.fields);
    let mut by_term: Vec<HashMap<DocAddress, f32>> = Vec::new();
    for term in &terms {
        let query = BoostQuery::new(
            Box::new(TermQuery::new(term.term.clone(), IndexRecordOption::WithFreqs)),
            term.boost,
        );
        let scores = searcher.search(&query, &everything).expect("term search");
        by_term.push(scores.into_iter().map(|(score, address)| (address, score)).collect());
    }
    let required = read.words.len().div_ceil(2).max(1);
    let scored: Vec<(f32, DocAddress)> = matched
        .into_iter()
        .map(|(stock_score, address)| {
            let has = |at: usize| by_term[at].get(&address).copied();
            let words: BTreeSet<usize> = (0..terms.len())
                .filter(|&at| has(at).is_some())
                .filter_map(|at| terms[at].word)
                .collect();
            let counted = (0..terms.len()).filter(|&at| words.len() >= required || terms[at].word.is_none());
            let exact = counted.filter_map(has).map(f64::from).sum::<f64>() as f32;
            // The stock query's own sum, in its order, is the same to rounding.
            assert!(
                (exact - stock_score).abs() <= 1e-5 * exact.abs().max(1.0),
                "{exact} against stock {stock_score}"
            );
            (exact, address)
        })
        .collect();
    let mut matches: Vec<(f32, DocAddress, String)> = scored
        .into_iter()
        .filter_map(|(text_score, address)| {
            let id = id_of(address);
            let document = by_id[&id];
            let kept = (request.needs.is_empty() || document.needs.iter().any(|n| request.needs.contains(n)))
                && (!request.free_only || document.free)
                && (request.kinds.is_empty() || document.kind.is_some_and(|kind| request.kinds.contains(&kind)));
            let stale = document
                .last_reviewed
                .is_none_or(|reviewed| (request.today - reviewed).num_days() > 365);
            // Each filter is a clause of its own scoring a constant 1 beside the words (the
            // kinds asked for add nothing).
            let mut text_score = text_score;
            for _ in 0..usize::from(!request.needs.is_empty()) + usize::from(request.free_only) {
                text_score += 1.0;
            }
            let score = text_score * if stale { 0.6 } else { 1.0 };
            kept.then_some((score, address, id))
        })
        .collect();
    matches.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let total = matches.len();
    let page = matches
        .into_iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|(score, _, id)| (id, score))
        .collect();
    (page, total)
}

/// A random request: 1 to 6 words (stop words and typos among them), sometimes a need, free
/// only or one kind, a page somewhere in the first few.
fn random_request(next: &mut dyn FnMut(usize) -> usize, today: NaiveDate) -> SearchRequest {
    let words: Vec<&str> = (0..1 + next(6))
        .map(|_| match next(6) {
            0 => ASKED[next(ASKED.len())],
            1 => RARE[next(RARE.len())],
            _ => VOCABULARY[next(VOCABULARY.len())],
        })
        .collect();
    SearchRequest {
        text: Some(words.join(" ")),
        needs: match next(4) {
            0 => vec![NeedCode::parse(NEEDS[next(NEEDS.len())]).expect("need")],
            _ => Vec::new(),
        },
        free_only: next(4) == 0,
        // As ORUK's `/services` asks: services only (a mask beside words alone).
        kinds: match next(3) {
            0 => vec![AssetKind::Service],
            1 if next(4) == 0 => vec![AssetKind::Organization],
            _ => Vec::new(),
        },
        offset: [0, 0, 3, 10, 40, 150][next(6)],
        limit: 1 + next(25),
        today,
        ..SearchRequest::default()
    }
}

/// Asserts the found page is the expected one: the same ids in the same order, scores within
/// 1e-6 of each other (relative to the score).
fn assert_same_page(case: &str, found: &[super::RawHit], expected: &Expected) {
    let ids: Vec<&str> = found.iter().map(|hit| hit.id.as_str()).collect();
    let expected_ids: Vec<&str> = expected.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, expected_ids, "{case}: ids");
    for (hit, (_, score)) in found.iter().zip(expected) {
        let tolerance = 1e-6 * score.abs().max(1.0);
        assert!(
            (hit.score - score).abs() <= tolerance,
            "{case}: {} against {score}",
            hit.score
        );
    }
}

/// Every plan gives the oracle's page: words alone (MaxScore for one or two words, the
/// candidates that could beat the page for more; masked by kind or not), beside a need or free
/// only (seeking unions),
/// counted or not, and the exhaustive pass; with several segments.
#[test]
fn every_plan_gives_the_brute_force_page() {
    let index = SearchIndex::in_memory(15_000_000).expect("index");
    let documents = listings(3_000, 0x05ee_d0f0_ac1e);
    let (first, second) = documents.split_at(2_000);
    index.replace_all(first.to_vec(), 1, |_| {}).expect("build");
    // A second segment: the rest added as a change.
    index.apply(second, &[], 2).expect("apply");
    let searcher = index.searcher();
    assert!(searcher.segment_readers().len() > 1, "several segments");
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let mut next = random(0x0dd_ba11);
    let mut grouped = 0;
    for case in 0..300 {
        let request = random_request(&mut next, today);
        let (expected, total) = expected_page(&index, &searcher, &documents, &request);
        let case = format!("case {case}: {request:?}");
        grouped += usize::from(index.read_text(&searcher, &request).required() > 1 && total > 0);
        for exact_total in [false, true] {
            let options = SearchOptions {
                exact_total,
                ..SearchOptions::default()
            };
            let found = index.search_in(&searcher, &request, options).expect("search");
            assert_same_page(&format!("{case}, exact total {exact_total}"), &found.hits, &expected);
            if exact_total {
                assert_eq!(found.total, total, "{case}: total");
            }
        }
        let exhaustive = index
            .search_exhaustively(&request, SearchOptions::PAGE)
            .expect("exhaustive");
        assert_same_page(&format!("{case}, exhaustive"), &exhaustive.hits, &expected);
        assert_eq!(exhaustive.total, total, "{case}: exhaustive total");
    }
    assert!(grouped > 50, "three words or more with matches: {grouped}");
}

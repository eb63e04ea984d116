//! Words near a point, scored at the listings in range that have them, and nowhere else.
//!
//! With no narrowing filter, the listings a search for words near a point can match are known
//! before anything is scored: the radius's bitset with the words' listings folded in
//! ([`TermBitSetQuery::and_any_term`]). As a boolean query of the bitset and tantivy's union of
//! the words, each of those listings would still move the union into a window of 4,096
//! documents, decoding and scoring every posting of every word in it: most of a search's time
//! in a town, for a few hundred matches. Here each word's postings are sought at those
//! listings alone, one word after another, and each listing's scores are added as
//! [`TopWords`](super::top_words::TopWords) adds them (exactly, in `f64`): a listing scores what the
//! words alone score it, plus the filter's constant. Three words or more are scored as
//! [`Grouping`] scores them, among the listings with enough of the words
//! ([`TermBitSetQuery::and_grouped`]).

use std::sync::Arc;

use tantivy::postings::BlockSegmentPostings;
use tantivy::query::{Bm25Weight, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

use super::grouped::{GroupSum, Grouping};
use super::term_bitset::{explain_by_seeking, TermBitSetQuery};
use super::term_maxima::fieldnorms;
use super::top_words::boosted_bm25;

/// Any of `terms` (each with its boost) among `candidates`, which must have the same terms
/// folded in: a candidate scores its terms' BM25 added up, plus the candidates' constant.
/// With a `grouping` (three words or more), `candidates` must have the grouped terms folded
/// in ([`TermBitSetQuery::and_grouped`]), and a candidate scores as [`Grouping::score`] adds
/// its terms' BM25.
#[derive(Clone, Debug)]
pub struct WordsNear {
    pub terms: Vec<(Term, Score)>,
    pub candidates: TermBitSetQuery,
    pub grouping: Option<Arc<Grouping>>,
}

impl Query for WordsNear {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let bm25 = boosted_bm25(enable_scoring, &self.terms)?;
        Ok(Box::new(WordsNearWeight {
            query: self.clone(),
            bm25,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.candidates.query_terms(visitor);
    }
}

struct WordsNearWeight {
    query: WordsNear,
    /// Each term's BM25 weight, boosted (`None` when not scoring).
    bm25: Option<Vec<Bm25Weight>>,
}

impl Weight for WordsNearWeight {
    /// Unscored, the candidates' own scorer (whose bits a count reads a word at a time).
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let Some(bm25) = &self.bm25 else {
            return self.query.candidates.scorer(reader, boost);
        };
        let mut bits = self.query.candidates.documents(reader)?;
        let mut docs = Vec::with_capacity(bits.size_hint() as usize);
        while bits.doc() != TERMINATED {
            docs.push(bits.doc());
            bits.advance();
        }
        let grouping = self.query.grouping.as_deref();
        let mut sums = vec![0f64; if grouping.is_some() { 0 } else { docs.len() }];
        let mut group_sums = vec![GroupSum::default(); if grouping.is_some() { docs.len() } else { 0 }];
        for (at, ((term, _), weight)) in self.query.terms.iter().zip(bm25).enumerate() {
            let inverted = reader.inverted_index(term.field())?;
            let Some(info) = inverted.get_term_info(term)? else {
                continue;
            };
            let weight = weight.boost_by(boost);
            let fieldnorms = fieldnorms(reader, term)?;
            let mut postings = inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
            let score = |doc: DocId, term_freq: u32| weight.score(fieldnorms.fieldnorm_id(doc), term_freq);
            match grouping {
                None => add_scores(&docs, &mut postings, |slot, doc, freq| {
                    sums[slot] += f64::from(score(doc, freq))
                }),
                Some(grouping) => add_scores(&docs, &mut postings, |slot, doc, freq| {
                    grouping.add(&mut group_sums[slot], at, score(doc, freq))
                }),
            }
        }
        let constant = self.query.candidates.constant(boost);
        let (docs, scores) = match grouping {
            None => (docs, sums.into_iter().map(|sum| sum as Score + constant).collect()),
            // Every candidate has enough words (they are folded in): each scores.
            Some(grouping) => docs
                .into_iter()
                .zip(&group_sums)
                .filter_map(|(doc, sum)| Some((doc, grouping.finish(sum)? + constant)))
                .unzip(),
        };
        Ok(Box::new(WordsNearScorer { scores, docs, at: 0 }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_seeking(self.scorer(reader, 1.0)?, doc, "WordsNear")
    }
}

/// Calls `add` with each of `docs` that has the term of `postings` (its slot in `docs`, the
/// document, its frequency there): a block of postings is decoded only where it may hold one
/// of `docs`, and read beside them (`docs` and the postings are both in order), never sought
/// document by document (where most listings in range have the word, ten words' seeks cost
/// more than the rest of the search).
fn add_scores(docs: &[DocId], postings: &mut BlockSegmentPostings, mut add: impl FnMut(usize, DocId, u32)) {
    let mut slot = 0;
    while let Some(&target) = docs.get(slot) {
        postings.seek(target);
        let block = postings.docs();
        match block.last() {
            Some(&last) if last >= target => {}
            _ => return,
        }
        for (at, &doc) in block.iter().enumerate() {
            while docs.get(slot).is_some_and(|&candidate| candidate < doc) {
                slot += 1;
            }
            match docs.get(slot) {
                Some(&candidate) if candidate == doc => {
                    add(slot, doc, postings.freq(at));
                    slot += 1;
                }
                Some(_) => {}
                None => return,
            }
        }
    }
}

/// The candidates of a segment, in order, each with its score.
struct WordsNearScorer {
    docs: Vec<DocId>,
    scores: Vec<Score>,
    at: usize,
}

impl DocSet for WordsNearScorer {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = self.docs.get(self.at..).unwrap_or_default();
        self.at += rest.partition_point(|&doc| doc < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.at) as u32
    }
}

impl Scorer for WordsNearScorer {
    fn score(&mut self) -> Score {
        self.scores.get(self.at).copied().unwrap_or(0.0)
    }
}

//! Words alone (no filter): the best page by MaxScore, with exact sums; three words or
//! more from the listings that could beat the page ([`super::candidates`]).
//!
//! - `max_score`: how one term's clause moves and scores, and the bounds MaxScore prunes by;
//! - `grouped_page`: the page of three words or more, from the candidates that could beat it;
//! - `tests`: pages against every match ranked.

mod grouped_page;
mod max_score;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::SegmentPostings;
use tantivy::query::{
    Bm25Weight, BooleanQuery, BoostQuery, EnableScoring, Explanation, Occur, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use crate::search::query::grouped::{GroupedScorer, Grouping};
use crate::search::query::seeking_union::{added_exactly, SeekingUnionScorer};
use crate::search::query::term_docs::{word_count, TermDocs, Words};
use crate::search::query::term_maxima::{fieldnorms, TermMaxima};
use grouped_page::score_candidates;
use max_score::*;

/// Words alone (no filter): any of `terms`, each with its boost, scored as [`SeekingUnion`]
/// of their term queries; a collector that wants only what beats a threshold (the best page)
/// gets it by MaxScore, which reads only the postings of the terms that could lift a document
/// over the threshold and looks the others up for those documents alone.
///
/// Tantivy's block-max WAND does the same job but adds scores in an order that depends on how
/// far each posting list has moved, so the many listings that tie at the top (same words,
/// same length) cannot be pruned by its float sums, and a tie could score a rounding apart
/// from one page to the next (tried on the benchmark: p50 fell a quarter, p99 nearly doubled). Here sums and bounds are exact ([`exact_sum`]), and each term's
/// bound is its highest score in the segment ([`TermMaxima`]), not BM25's limit for an
/// unbounded frequency (twice as high for short fields).
#[derive(Clone, Debug)]
pub struct TopWords {
    pub terms: Vec<(Term, Score)>,
    pub caches: TermCaches,
    /// For three words or more, which word each term is a form of (a listing needs half of
    /// them: [`Grouping`]); `None` when any term is enough.
    pub grouping: Option<Arc<Grouping>>,
    /// Only listings with one of these terms (the kinds asked for, as ORUK's `/services` asks
    /// for services), none left out when empty. Nearly every listing is a service, so the kinds
    /// mask the words' listings rather than lead a filtered search: the page still comes from
    /// MaxScore, and the counts from bits.
    pub only: Vec<Term>,
}

/// What [`TopWords`] reads once per term and segment and keeps between searches: each term's
/// highest frequency per field length (its highest score), and common words' documents (to
/// count matches, [`TermDocs`]).
#[derive(Clone, Debug, Default)]
pub struct TermCaches {
    pub maxima: Arc<TermMaxima>,
    pub documents: Arc<TermDocs>,
    /// For one search that counts after finding its page: where its page pass leaves the
    /// grouped words' matches for its count pass ([`FoundMatches`]).
    pub found: Option<Arc<FoundMatches>>,
}

/// The matches of grouped words that a search's page pass found, per segment (as bits,
/// deleted documents too), handed to its count pass: finding them again (every word's bits
/// ORed and counted, the rarer words' postings read) was a fifth of a counted long question.
#[derive(Debug, Default)]
pub struct FoundMatches(std::sync::Mutex<Vec<(tantivy::index::SegmentId, Words)>>);

impl FoundMatches {
    fn keep(&self, reader: &SegmentReader, matches: Words) {
        let mut found = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        found.push((reader.segment_id(), matches));
    }

    fn get(&self, reader: &SegmentReader) -> Option<Words> {
        let found = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let segment = reader.segment_id();
        found
            .iter()
            .find(|(id, _)| *id == segment)
            .map(|(_, bits)| bits.clone())
    }
}

impl TermCaches {
    /// These caches for one search that counts its matches after finding its page: its page
    /// pass leaves the grouped words' matches for its count pass.
    pub fn for_counted_search(&self) -> TermCaches {
        TermCaches {
            found: Some(Arc::default()),
            ..self.clone()
        }
    }

    /// Forgets the segments `searcher` no longer has.
    pub fn follow(&self, searcher: &Searcher) {
        self.maxima.follow(searcher);
        self.documents.follow(searcher);
    }
}

impl TopWords {
    fn clause(term: &Term, boost: Score) -> Box<dyn Query> {
        let query = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
        Box::new(BoostQuery::new(Box::new(query), boost))
    }
}

impl Query for TopWords {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .terms
            .iter()
            .map(|(term, boost)| TopWords::clause(term, *boost).weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let union = BooleanQuery::new(
            self.terms
                .iter()
                .map(|(term, boost)| (Occur::Should, TopWords::clause(term, *boost)))
                .collect(),
        );
        let bm25 = boosted_bm25(enable_scoring, &self.terms)?;
        Ok(Box::new(TopWordsWeight {
            terms: self.terms.iter().map(|(term, _)| term.clone()).collect(),
            weights,
            union: union.weight(enable_scoring)?,
            bm25,
            caches: self.caches.clone(),
            grouping: self.grouping.clone(),
            only: self.only.clone(),
        }))
    }
}

/// Each term's BM25 weight, boosted, as a boosted term query's scorer uses it (`None` when not
/// scoring).
pub(super) fn boosted_bm25(
    enable_scoring: EnableScoring<'_>,
    terms: &[(Term, Score)],
) -> tantivy::Result<Option<Vec<Bm25Weight>>> {
    let EnableScoring::Enabled {
        statistics_provider, ..
    } = enable_scoring
    else {
        return Ok(None);
    };
    terms
        .iter()
        .map(|(term, boost)| {
            Bm25Weight::for_terms(statistics_provider, std::slice::from_ref(term)).map(|weight| weight.boost_by(*boost))
        })
        .collect::<tantivy::Result<Vec<_>>>()
        .map(Some)
}

struct TopWordsWeight {
    terms: Vec<Term>,
    /// Each term's boosted term query, in clause order.
    weights: Vec<Box<dyn Weight>>,
    /// Tantivy's union of the same, for unscored passes.
    union: Box<dyn Weight>,
    /// Each term's BM25 weight as its scorer uses it (`None` when not scoring).
    bm25: Option<Vec<Bm25Weight>>,
    caches: TermCaches,
    grouping: Option<Arc<Grouping>>,
    /// See [`TopWords::only`].
    only: Vec<Term>,
}

impl TopWordsWeight {
    /// The segment's documents with one of the `only` terms (deleted ones too), as bits; `None`
    /// when no listing is left out.
    fn mask(&self, reader: &SegmentReader) -> tantivy::Result<Option<Vec<u64>>> {
        if self.only.is_empty() {
            return Ok(None);
        }
        let mut words = vec![0u64; word_count(reader)];
        let all = 0..words.len();
        for term in &self.only {
            self.caches
                .documents
                .add(reader, term, &mut words, std::slice::from_ref(&all))?;
        }
        Ok(Some(words))
    }

    /// The segment's documents with enough of the words (any one of them when not grouped),
    /// deleted ones too, as bits, masked by the kinds asked for: as this search's page pass
    /// found them, when it did.
    fn matches(&self, reader: &SegmentReader) -> tantivy::Result<Words> {
        if let Some(found) = self.caches.found.as_ref().and_then(|found| found.get(reader)) {
            return Ok(found);
        }
        let mut bits = self.word_bits(reader)?;
        if let Some(mask) = &self.mask(reader)? {
            for (word, kept) in bits.iter_mut().zip(mask) {
                *word &= kept;
            }
        }
        Ok(bits.into())
    }

    /// The segment's documents with enough of the words (any one of them when not grouped),
    /// deleted ones too, as bits.
    fn word_bits(&self, reader: &SegmentReader) -> tantivy::Result<Vec<u64>> {
        if let Some(grouping) = &self.grouping {
            return grouping.bits(reader, &self.terms, &self.caches.documents);
        }
        let mut words = vec![0u64; word_count(reader)];
        let all = 0..words.len();
        for term in &self.terms {
            self.caches
                .documents
                .add(reader, term, &mut words, std::slice::from_ref(&all))?;
        }
        Ok(words)
    }
}

/// One term of [`TopWords`] in a segment.
///
/// It scores as the term's boosted term query does (tantivy's `TermScorer`, which is not
/// public), without a box: MaxScore moves and scores a clause a few times per document, and
/// calls through a box cost as much as the work.
struct MaxScoreClause {
    postings: SegmentPostings,
    fieldnorms: FieldNormReader,
    /// The term's BM25 weight, boosted.
    weight: Bm25Weight,
    /// Its highest score in the segment.
    max: f64,
    /// Its highest score at each field length (by field-norm id; 0 at lengths it never has).
    by_length: Box<[f64; 256]>,
    /// Its documents as bits, for a common word ([`TermDocs`]): a document lacking it is
    /// known by a bit test, without seeking its postings.
    kept: Option<Words>,
    /// Of the documents of `kept`, those that have the term more than once
    /// ([`TermDocs::repeated`]), when known (a common word's, for grouped words): the others
    /// score from their field's length alone ([`MaxScoreClause::once`]).
    repeated: Option<Words>,
    /// With `repeated`, what it scores at each field length (by field-norm id) where a
    /// document has it once: [`MaxScoreClause::once`] without a division per document.
    once_by_length: Option<Box<[Score; 256]>>,
    /// Its position among the query's terms (clauses are reordered by their highest scores).
    at: usize,
}

impl Weight for TopWordsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let words: Box<dyn Scorer> = match &self.grouping {
            None => SeekingUnionScorer::open(&self.weights, reader, boost)?,
            Some(grouping) => {
                let scorers = self
                    .weights
                    .iter()
                    .map(|weight| weight.scorer(reader, boost))
                    .collect::<tantivy::Result<Vec<_>>>()?;
                Box::new(GroupedScorer::new(scorers, grouping.clone()))
            }
        };
        Ok(match self.mask(reader)? {
            None => words,
            Some(mask) => Box::new(MaskedScorer::new(words, mask)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.union.explain(reader, doc)
    }

    /// By the bits of the terms' documents ([`TermDocs`]), not the union's postings.
    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        if self.grouping.is_none() && self.only.is_empty() {
            return self.caches.documents.count_any(reader, &self.terms);
        }
        let bits = self.matches(reader)?;
        Ok(match reader.alive_bitset() {
            None => bits.iter().map(|word| word.count_ones()).sum(),
            Some(alive) => super::term_docs::ones(&bits).filter(|doc| alive.is_alive(*doc)).count() as u32,
        })
    }

    fn for_each_no_score(&self, reader: &SegmentReader, callback: &mut dyn FnMut(&[DocId])) -> tantivy::Result<()> {
        if self.grouping.is_none() && self.only.is_empty() {
            return self.union.for_each_no_score(reader, callback);
        }
        let bits = self.matches(reader)?;
        let docs: Vec<DocId> = super::term_docs::ones(&bits).collect();
        for chunk in docs.chunks(1024) {
            callback(chunk);
        }
        Ok(())
    }

    /// MaxScore: clauses in order of their highest score; the longest run of the lowest whose
    /// highest scores add up to no more than the threshold cannot lift a document over it on
    /// their own, so only documents of the others ("essential") are visited, and the rest are
    /// looked up (highest first) only while the document could still beat the threshold.
    ///
    /// A clause is required once the others' highest scores add up to no more than the
    /// threshold: a document without it cannot beat it. Required clauses then lead as a
    /// conjunction (the rarest seeks the others), so only documents having all of them are
    /// visited. Where many listings tie near the top (same words, same length) the threshold
    /// soon comes within a clause or two of the sum of every highest score, and the candidates
    /// shrink from a word's postings to the few listings with every strong word.
    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        // Listings of other kinds never reach the collector (nor raise the threshold).
        let mask = self.mask(reader)?;
        let mut last = threshold;
        let mut masked = |doc: DocId, score: Score| -> Score {
            if mask.as_ref().is_none_or(|mask| has_bit(mask, doc)) {
                last = callback(doc, score);
            }
            last
        };
        let callback: &mut dyn FnMut(DocId, Score) -> Score = &mut masked;
        let Some(bm25) = &self.bm25 else {
            return self.union.for_each_pruning(threshold, reader, callback);
        };
        let mut clauses = Vec::with_capacity(self.weights.len());
        for (at, (term, weight)) in self.terms.iter().zip(bm25).enumerate() {
            // As the clause's term query scores it (`weight` is already boosted).
            let Some(postings) = reader
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::WithFreqs)?
            else {
                continue;
            };
            if postings.doc() == TERMINATED {
                continue;
            }
            let mut by_length = Box::new([0.0f64; 256]);
            for (fieldnorm_id, freq) in self.caches.maxima.get(reader, term)?.iter() {
                by_length[usize::from(*fieldnorm_id)] = f64::from(weight.score(*fieldnorm_id, *freq));
            }
            let repeated = match self.grouping {
                Some(_) => self.caches.documents.repeated(reader, term)?,
                None => None,
            };
            let once_by_length = repeated.as_ref().map(|_| {
                let mut once = Box::new([0.0; 256]);
                for (fieldnorm_id, score) in (0..=u8::MAX).zip(once.iter_mut()) {
                    *score = weight.score(fieldnorm_id, 1);
                }
                once
            });
            clauses.push(MaxScoreClause {
                postings,
                fieldnorms: fieldnorms(reader, term)?,
                weight: weight.clone(),
                max: by_length.iter().copied().fold(0.0, f64::max),
                by_length,
                kept: self.caches.documents.kept(reader, term)?,
                repeated,
                once_by_length,
                at,
            });
        }
        clauses.sort_by(|a, b| a.max.total_cmp(&b.max));
        // With words grouped, the candidates that could beat the page, from bits (see
        // [`Candidates`]), each bounded at its field lengths and scored where the bound allows:
        // walking MaxScore's essential terms instead visited (and bounded) a hundred thousand
        // listings and more for a long question of common words (measured at a million).
        if let Some(grouping) = &self.grouping {
            let mut bits = grouping.split_bits(reader, &self.terms, &self.caches.documents, true)?;
            if let Some(mask) = &mask {
                for (enough, (alone, kept)) in bits.enough.iter_mut().zip(bits.alone.iter_mut().zip(mask)) {
                    *enough &= kept;
                    *alone &= kept;
                }
            }
            for clause in clauses.iter_mut().filter(|clause| clause.kept.is_none()) {
                clause.kept.clone_from(&bits.each[clause.at]);
            }
            if let Some(found) = &self.caches.found {
                let matches = bits
                    .enough
                    .iter()
                    .zip(&bits.alone)
                    .map(|(enough, alone)| enough | alone);
                found.keep(reader, matches.collect());
            }
            score_candidates(&mut clauses, grouping, bits, threshold, callback);
            return Ok(());
        }
        let bounds = Bounds::of(&clauses);
        let mut threshold = threshold;
        let mut split = bounds.split(threshold, &clauses);
        // The first document not yet visited.
        let mut target: DocId = 0;
        while split.essential < clauses.len() {
            let doc = if split.required < clauses.len() {
                let doc = leapfrog(&mut clauses, &split, target, threshold);
                if doc == TERMINATED {
                    break;
                }
                // Documents before it lack a required word.
                for clause in clauses[split.essential..].iter_mut() {
                    clause.move_to(doc);
                }
                doc
            } else {
                for clause in clauses[split.essential..].iter_mut() {
                    clause.move_to(target);
                }
                clauses[split.essential..]
                    .iter()
                    .map(|clause| clause.doc())
                    .min()
                    .unwrap_or(TERMINATED)
            };
            if doc == TERMINATED {
                break;
            }
            let mut possible: f64 = clauses[split.essential..]
                .iter()
                .filter(|c| c.doc() == doc)
                .map(|c| f64::from(c.score()))
                .sum();
            let looked_up = &mut clauses[..split.essential];
            let looked_up_all = looked_up.is_empty()
                || (beats(possible + bounds.prefix[split.essential], threshold)
                    && look_up(looked_up, doc, &mut possible, bounds.prefix[split.essential], threshold));
            if looked_up_all && beats(possible, threshold) {
                // Every clause is now on or past `doc`: its score, as the plain scorer gives it.
                let on_doc = clauses.iter().filter(|c| c.doc() == doc);
                let score = added_exactly(on_doc.map(MaxScoreClause::score));
                // What the bounds rely on: no clause scores above its highest at the
                // document's field length, so neither does the sum (rounding is monotone).
                debug_assert!(
                    score <= clauses.iter().map(|c| c.at_length_of(doc)).sum::<f64>() as Score,
                    "a score above its bound at {doc}"
                );
                if score > threshold {
                    let raised = callback(doc, score);
                    if raised != threshold {
                        threshold = raised;
                        split = bounds.split(threshold, &clauses);
                    }
                }
            }
            target = doc + 1;
        }
        Ok(())
    }
}

/// A scorer's documents that are also in a mask (see [`TopWords::only`]).
struct MaskedScorer {
    inner: Box<dyn Scorer>,
    mask: Vec<u64>,
}

impl MaskedScorer {
    /// On the first document of `inner` in `mask`.
    fn new(inner: Box<dyn Scorer>, mask: Vec<u64>) -> MaskedScorer {
        let mut scorer = MaskedScorer { inner, mask };
        scorer.settle();
        scorer
    }

    /// Moves on from the current document to the first in the mask.
    fn settle(&mut self) -> DocId {
        let mut doc = self.inner.doc();
        while doc != TERMINATED && !has_bit(&self.mask, doc) {
            doc = self.inner.advance();
        }
        doc
    }
}

impl DocSet for MaskedScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance();
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target);
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for MaskedScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

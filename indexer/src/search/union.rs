//! Unions of words that tantivy's own union runs poorly.
//!
//! - [`SeekingUnion`], for words beside filters: it matches and scores as tantivy's boolean
//!   union of optional clauses (the sum of the clauses matching a document), but moves each
//!   clause on its own when asked for a document further on. Tantivy's union buffers a window
//!   of 4,096 documents of every clause at each jump, which is the right trade when the union
//!   leads a search, and a costly one when it follows a few candidates that a radius, a need
//!   and a day already narrowed: every candidate then decodes a window of every word's
//!   postings. Here a jump costs one skip-list seek per clause.
//! - [`TopWords`], for words alone: the best page by MaxScore, with exact sums; three words or
//!   more from the listings that could beat the page ([`super::candidates`]).

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25Weight, BooleanQuery, BoostQuery, EnableScoring, Explanation, Occur, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use super::candidates::{Candidates, TermBound};
use super::grouped::{GroupedScorer, Grouping};
use super::term_cache::SegmentTermCache;
use super::term_docs::{word_count, TermDocs, Words};

/// Any of `clauses`, scored by the sum of those that match.
#[derive(Debug)]
pub struct SeekingUnion {
    pub clauses: Vec<Box<dyn Query>>,
}

impl Clone for SeekingUnion {
    fn clone(&self) -> Self {
        SeekingUnion {
            clauses: self.clauses.iter().map(|clause| clause.box_clone()).collect(),
        }
    }
}

impl Query for SeekingUnion {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|clause| clause.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SeekingUnionWeight { weights }))
    }
}

struct SeekingUnionWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for SeekingUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        SeekingUnionScorer::open(&self.weights, reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let mut explanation = Explanation::new("sum of the matching clauses", scorer.score());
        for weight in &self.weights {
            if let Ok(detail) = weight.explain(reader, doc) {
                explanation.add_detail(detail);
            }
        }
        Ok(explanation)
    }
}

struct SeekingUnionScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl SeekingUnionScorer {
    /// The union of `weights`' scorers in a segment, on its first document.
    fn open(weights: &[Box<dyn Weight>], reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let scorers = weights
            .iter()
            .map(|weight| weight.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let doc = scorers.iter().map(|scorer| scorer.doc()).min().unwrap_or(TERMINATED);
        Ok(Box::new(SeekingUnionScorer { scorers, doc }))
    }

    fn settle(&mut self) -> DocId {
        self.doc = self
            .scorers
            .iter()
            .map(|scorer| scorer.doc())
            .min()
            .unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for SeekingUnionScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for scorer in &mut self.scorers {
            if scorer.doc() == current {
                scorer.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for scorer in &mut self.scorers {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|scorer| scorer.size_hint()).sum()
    }
}

impl Scorer for SeekingUnionScorer {
    fn score(&mut self) -> Score {
        exact_sum(self.scorers.iter_mut().map(|scorer| scorer.as_mut()), self.doc)
    }
}

/// The scores of the clauses positioned on `doc`, added in `f64`, where sums of a few dozen
/// `f32` scores are exact (whatever the order), then rounded once: a document scores the same
/// however it was reached, and a bound computed the same way that does not exceed a threshold
/// proves the document's score does not either.
fn exact_sum<'a>(scorers: impl Iterator<Item = &'a mut dyn Scorer>, doc: DocId) -> Score {
    added_exactly(
        scorers
            .filter(|scorer| scorer.doc() == doc)
            .map(|scorer| scorer.score()),
    )
}

/// Scores added in `f64` and rounded once (see [`exact_sum`]).
fn added_exactly(scores: impl Iterator<Item = Score>) -> Score {
    scores.map(f64::from).sum::<f64>() as Score
}

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
}

impl TermCaches {
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
        let mask = self.mask(reader)?;
        if self.grouping.is_none() && mask.is_none() {
            return self.caches.documents.count_any(reader, &self.terms);
        }
        let mut bits = self.word_bits(reader)?;
        if let Some(mask) = &mask {
            for (word, kept) in bits.iter_mut().zip(mask) {
                *word &= kept;
            }
        }
        Ok(match reader.alive_bitset() {
            None => bits.iter().map(|word| word.count_ones()).sum(),
            Some(alive) => super::term_docs::ones(&bits).filter(|doc| alive.is_alive(*doc)).count() as u32,
        })
    }

    fn for_each_no_score(&self, reader: &SegmentReader, callback: &mut dyn FnMut(&[DocId])) -> tantivy::Result<()> {
        let mask = self.mask(reader)?;
        if self.grouping.is_none() && mask.is_none() {
            return self.union.for_each_no_score(reader, callback);
        }
        let mut bits = self.word_bits(reader)?;
        if let Some(mask) = &mask {
            for (word, kept) in bits.iter_mut().zip(mask) {
                *word &= kept;
            }
        }
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
            clauses.push(MaxScoreClause {
                postings,
                fieldnorms: fieldnorms(reader, term)?,
                weight: weight.clone(),
                max: by_length.iter().copied().fold(0.0, f64::max),
                by_length,
                kept: self.caches.documents.kept(reader, term)?,
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
                clause.kept = Some(bits.each[clause.at].clone());
            }
            score_candidates(&mut clauses, grouping, Candidates::new(bits), threshold, callback);
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

/// Grouped words: each of the `candidates` that could beat the threshold at its field lengths
/// (where it lacks enough words, by its terms that match alone) is scored, moving every clause
/// it has to it (every clause has bits here); `callback` as in [`Weight::for_each_pruning`].
fn score_candidates(
    clauses: &mut [MaxScoreClause],
    grouping: &Grouping,
    mut candidates: Candidates,
    mut threshold: Score,
    callback: &mut dyn FnMut(DocId, Score) -> Score,
) {
    let alone: Vec<bool> = clauses
        .iter()
        .map(|clause| grouping.word_of[clause.at].is_none())
        .collect();
    let total = Bounds::of(clauses).prefix[clauses.len()];
    let follow = |candidates: &mut Candidates, threshold: Score, clauses: &[MaxScoreClause]| {
        let terms: Vec<TermBound<'_>> = clauses
            .iter()
            .zip(&alone)
            .map(|(clause, alone)| TermBound {
                max: clause.max,
                kept: clause.kept.as_ref(),
                alone: *alone,
            })
            .collect();
        candidates.follow(threshold, &terms, total);
    };
    follow(&mut candidates, threshold, clauses);
    for at in 0..candidates.words() {
        let mut word = candidates.word(at);
        while word != 0 {
            let doc = at as DocId * 64 + word.trailing_zeros();
            word &= word - 1;
            let enough = candidates.has_enough(doc);
            let bound: f64 = clauses
                .iter()
                .zip(&alone)
                .filter(|(_, alone)| enough || **alone)
                .map(|(clause, _)| clause.at_length_of(doc))
                .sum();
            if !beats(bound, threshold) {
                continue;
            }
            for clause in clauses.iter_mut().filter(|clause| !clause.lacks(doc)) {
                clause.move_to(doc);
            }
            let on_doc = clauses.iter().filter(|clause| clause.doc() == doc);
            let score = grouping.score(on_doc.map(|clause| (clause.at, clause.score())));
            if let Some(score) = score.filter(|score| *score > threshold) {
                let raised = callback(doc, score);
                if raised != threshold {
                    threshold = raised;
                    follow(&mut candidates, threshold, clauses);
                    // A higher threshold only rules more out.
                    word &= candidates.word(at);
                }
            }
        }
    }
}

impl MaxScoreClause {
    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    /// The current document's score, as tantivy's term scorer gives it.
    fn score(&self) -> Score {
        let doc = self.postings.doc();
        self.weight
            .score(self.fieldnorms.fieldnorm_id(doc), self.postings.term_freq())
    }

    /// The most it can score at `doc`, given the length of `doc`'s field (0 where its bits
    /// show `doc` lacks it).
    fn at_length_of(&self, doc: DocId) -> f64 {
        if self.lacks(doc) {
            return 0.0;
        }
        self.by_length[usize::from(self.fieldnorms.fieldnorm_id(doc))]
    }

    /// Whether its bits show `doc` lacks it (never, with no bits).
    fn lacks(&self, doc: DocId) -> bool {
        self.kept.as_ref().is_some_and(|kept| !has_bit(kept, doc))
    }

    /// Moves to the first document at or after `target` (no move if already there).
    fn move_to(&mut self, target: DocId) {
        let doc = self.postings.doc();
        if doc < target {
            if doc + 1 == target {
                self.postings.advance();
            } else {
                self.postings.seek(target);
            }
        }
    }
}

/// Looks up the clauses that are not essential (highest first) at `doc`, while it could still
/// beat the threshold; `possible` is the essential clauses' scores added up, and becomes the
/// document's score if every clause was looked up (returns whether they were).
///
/// The clauses add at most their highest scores (`highest`, added up); nothing for a common
/// word the document lacks (a bit each to test); at this document's lengths (a byte each to
/// read), at most their highest scores at those lengths. These often settle it before any of
/// their postings is read.
fn look_up(clauses: &mut [MaxScoreClause], doc: DocId, possible: &mut f64, highest: f64, threshold: Score) -> bool {
    let mut bound = *possible + highest;
    for clause in clauses.iter().rev() {
        if clause.lacks(doc) {
            bound -= clause.max;
            if !beats(bound, threshold) {
                return false;
            }
        }
    }
    *possible += clauses.iter().map(|c| c.at_length_of(doc)).sum::<f64>();
    for clause in clauses.iter_mut().rev() {
        if !beats(*possible, threshold) {
            return false;
        }
        if clause.lacks(doc) {
            // Counted as 0 already; its postings stay behind `doc`, and the clauses on `doc`
            // are what it scores.
            continue;
        }
        *possible -= clause.at_length_of(doc);
        clause.move_to(doc);
        if clause.doc() == doc {
            *possible += f64::from(clause.score());
        }
    }
    true
}

/// The clauses' highest scores (in ascending order) added up.
struct Bounds {
    /// `prefix[k]`: the highest scores of the first `k` clauses added up.
    prefix: Vec<f64>,
}

/// How MaxScore treats the clauses (in ascending order of their highest scores) under a threshold.
struct Split {
    /// The first clause that could lift a document over the threshold with the ones before it;
    /// the ones before are only looked up.
    essential: usize,
    /// The first clause every document beating the threshold has (none if the length).
    required: usize,
    /// The required clauses without kept bits, rarest first (their postings are sought).
    required_by_cost: Vec<usize>,
    /// The kept bits of the required clauses that have them (ANDed a word at a time).
    required_bits: Vec<Words>,
}

impl Bounds {
    fn of(clauses: &[MaxScoreClause]) -> Bounds {
        let mut prefix = vec![0.0f64];
        for clause in clauses {
            prefix.push(prefix[prefix.len() - 1] + clause.max);
        }
        Bounds { prefix }
    }

    /// Sums of a few dozen `f32` scores are exact in `f64` (see [`exact_sum`]), so a document
    /// whose bound does not exceed the threshold cannot beat it.
    fn split(&self, threshold: Score, clauses: &[MaxScoreClause]) -> Split {
        let essential = self.prefix[1..]
            .iter()
            .take_while(|sum| !beats(**sum, threshold))
            .count();
        // The others' highest scores fall as a clause's own rises, so the required clauses are
        // the last ones.
        let required = (0..clauses.len())
            .find(|&i| {
                let others: f64 = (0..clauses.len()).filter(|&j| j != i).map(|j| clauses[j].max).sum();
                !beats(others, threshold)
            })
            .unwrap_or(clauses.len());
        let mut required_by_cost: Vec<usize> = (required..clauses.len())
            .filter(|&i| clauses[i].kept.is_none())
            .collect();
        required_by_cost.sort_by_key(|&i| clauses[i].postings.size_hint());
        let required_bits = clauses[required.min(clauses.len())..]
            .iter()
            .filter_map(|clause| clause.kept.clone())
            .collect();
        Split {
            essential,
            required,
            required_by_cost,
            required_bits,
        }
    }
}

/// Whether a document whose clauses' scores add up (exactly, in `f64`) to no more than `bound`
/// could beat `threshold`. Its score is that sum rounded once to `f32` ([`exact_sum`]), and
/// rounding keeps order, so the bound is compared once rounded too: the many documents that
/// tie the threshold exactly are then pruned, where some would pass in `f64` by a rounding.
fn beats(bound: f64, threshold: Score) -> bool {
    bound as Score > threshold
}

/// The first document at or after `target` that has every required clause and could beat
/// `threshold` at its field lengths.
///
/// The rarest required word without kept bits leads, read in order; a document it finds is
/// checked against the kept bits of the required common words, then bounded at its field
/// lengths (a byte a word: where many listings have every required word, the same class in
/// town after town, this settles most of them), and only then are the other rare words sought.
/// With every required word kept, their bits are ANDed a word (64 documents) at a time. A
/// common word's postings are left behind, for the caller to move once the document is worth
/// scoring.
fn leapfrog(clauses: &mut [MaxScoreClause], split: &Split, mut target: DocId, threshold: Score) -> DocId {
    let could_beat =
        |clauses: &[MaxScoreClause], doc: DocId| beats(clauses.iter().map(|c| c.at_length_of(doc)).sum(), threshold);
    'candidate: loop {
        let Some((&lead, others)) = split.required_by_cost.split_first() else {
            let doc = next_in_all(&split.required_bits, target);
            if doc == TERMINATED || could_beat(clauses, doc) {
                return doc;
            }
            target = doc + 1;
            continue;
        };
        clauses[lead].move_to(target);
        target = clauses[lead].doc();
        if target == TERMINATED {
            return TERMINATED;
        }
        if !split.required_bits.iter().all(|bits| has_bit(bits, target)) || !could_beat(clauses, target) {
            target += 1;
            continue;
        }
        for &i in others {
            clauses[i].move_to(target);
            let doc = clauses[i].doc();
            if doc == TERMINATED {
                return TERMINATED;
            }
            if doc > target {
                target = doc;
                continue 'candidate;
            }
        }
        return target;
    }
}

/// Whether `doc`'s bit is set in `bits`.
fn has_bit(bits: &[u64], doc: DocId) -> bool {
    bits.get(doc as usize / 64)
        .is_some_and(|word| word & (1 << (doc % 64)) != 0)
}

/// The first document at or after `target` whose bit is set in every one of `bits`, or
/// `TERMINATED`.
fn next_in_all(bits: &[Words], target: DocId) -> DocId {
    let mut at = target as usize / 64;
    let mut mask = u64::MAX << (target % 64);
    let words = bits.iter().map(|b| b.len()).min().unwrap_or(0);
    while at < words {
        let word = bits.iter().fold(mask, |word, b| word & b[at]);
        if word != 0 {
            return at as DocId * 64 + word.trailing_zeros();
        }
        at += 1;
        mask = u64::MAX;
    }
    TERMINATED
}

/// The field lengths of `term`'s field, as tantivy's term scorer reads them: a field without
/// norms counts as length 1.
pub(super) fn fieldnorms(reader: &SegmentReader, term: &Term) -> tantivy::Result<FieldNormReader> {
    Ok(reader
        .fieldnorms_readers()
        .get_field(term.field())?
        .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1)))
}

/// The largest term frequency at each field-norm id, per term and segment. With it a term's
/// highest score in a segment is exact (at a given field length BM25 grows with the
/// frequency).
#[derive(Debug)]
pub struct TermMaxima {
    kept: SegmentTermCache<Maxima>,
}

/// A term's largest frequency at each field-norm id it occurs at, in a segment.
type Maxima = Arc<[(u8, u32)]>;

/// Terms whose maxima are kept before the cache starts again (an entry is a few hundred bytes).
const MAXIMA_KEPT: usize = 100_000;

impl Default for TermMaxima {
    fn default() -> TermMaxima {
        TermMaxima {
            kept: SegmentTermCache::new(MAXIMA_KEPT),
        }
    }
}

impl TermMaxima {
    /// Forgets the segments `searcher` no longer has.
    pub fn follow(&self, searcher: &Searcher) {
        self.kept.follow(searcher);
    }

    /// The largest frequency of `term` at each field-norm id in the segment (read once).
    fn get(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Maxima> {
        if let Some(found) = self.kept.get(reader, term) {
            return Ok(found);
        }
        let fieldnorms = fieldnorms(reader, term)?;
        let postings = reader
            .inverted_index(term.field())?
            .read_postings(term, IndexRecordOption::WithFreqs)?;
        let mut most = [0u32; 256];
        if let Some(mut postings) = postings {
            while postings.doc() != TERMINATED {
                let slot = &mut most[usize::from(fieldnorms.fieldnorm_id(postings.doc()))];
                *slot = (*slot).max(postings.term_freq());
                postings.advance();
            }
        }
        let most: Maxima = (0..=u8::MAX).zip(most).filter(|(_, freq)| *freq > 0).collect();
        self.kept.insert(reader, term, most.clone(), 1);
        Ok(most)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::random;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, STRING, TEXT};
    use tantivy::{doc, Index, Term};

    /// Same documents and scores (to float rounding) as tantivy's union of optional clauses,
    /// alone and beside a filter that makes it seek.
    #[test]
    fn matches_and_scores_as_tantivys_union() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let tag = schema.add_text_field("tag", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer(15_000_000).expect("writer");
        let words = ["chair", "exercise", "balance", "lunch", "club", "walk"];
        for i in 0..5_000usize {
            let text: Vec<&str> = (0..1 + i % 4).map(|k| words[(i * 7 + k * 3) % words.len()]).collect();
            let tag_value = if i % 13 == 0 { "rare" } else { "common" };
            writer
                .add_document(doc!(body => text.join(" "), tag => tag_value))
                .expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let clauses = || -> Vec<Box<dyn Query>> {
            [("chair", 3.0), ("exercise", 1.0), ("walk", 1.5)]
                .into_iter()
                .map(|(word, boost)| {
                    let term = TermQuery::new(Term::from_field_text(body, word), IndexRecordOption::WithFreqs);
                    Box::new(BoostQuery::new(Box::new(term), boost)) as Box<dyn Query>
                })
                .collect()
        };
        let rare = || -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(tag, "rare"),
                IndexRecordOption::Basic,
            ))
        };
        let union = || -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                clauses().into_iter().map(|q| (Occur::Should, q)).collect(),
            ))
        };
        let seeking = || -> Box<dyn Query> { Box::new(SeekingUnion { clauses: clauses() }) };
        let filtered = |words: Box<dyn Query>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(vec![(Occur::Must, rare()), (Occur::Must, words)]))
        };
        for (expected, found) in [(union(), seeking()), (filtered(union()), filtered(seeking()))] {
            let top = TopDocs::with_limit(10_000);
            let mut expected = searcher.search(expected.as_ref(), &top).expect("search");
            let mut found = searcher.search(found.as_ref(), &top).expect("search");
            assert!(!expected.is_empty());
            for hits in [&mut expected, &mut found] {
                hits.sort_by_key(|(_, address)| *address);
            }
            assert_eq!(expected.len(), found.len());
            for ((a, address_a), (b, address_b)) in expected.iter().zip(&found) {
                assert_eq!(address_a, address_b);
                assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "{a} against {b}");
            }
        }
    }

    /// A test index with a name and a body field.
    struct Corpus {
        index: Index,
        name: tantivy::schema::Field,
        body: tantivy::schema::Field,
    }

    /// An index of `count` documents whose name and body `texts` gives (committed every 2,000).
    fn corpus(count: usize, mut texts: impl FnMut(usize) -> (String, String)) -> Corpus {
        let mut schema = Schema::builder();
        let name = schema.add_text_field("name", TEXT);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer(15_000_000).expect("writer");
        for i in 0..count {
            let (name_text, body_text) = texts(i);
            writer
                .add_document(doc!(name => name_text, body => body_text))
                .expect("add");
            if i % 2_000 == 1_999 {
                writer.commit().expect("commit");
            }
        }
        writer.commit().expect("commit");
        Corpus { index, name, body }
    }

    /// Words, and each word's boosts on name and body.
    type Case<'a> = (&'a [&'a str], &'a [(f32, f32)]);

    /// Asserts that for each case (words, and each word's boosts on name and body), MaxScore's
    /// pages of every size in `limits` are the best of every match ranked, ties by document
    /// order, bit for bit.
    fn assert_pages_are_the_best(corpus: &Corpus, cases: &[Case<'_>], limits: &[usize]) {
        let searcher = corpus.index.reader().expect("reader").searcher();
        assert!(searcher.segment_readers().len() > 1);
        let caches = TermCaches::default();
        for (case, (chosen, boosts)) in cases.iter().enumerate() {
            let terms: Vec<(Term, Score)> = chosen
                .iter()
                .zip(boosts.iter())
                .flat_map(|(word, (on_name, on_body))| {
                    [
                        (Term::from_field_text(corpus.name, word), *on_name),
                        (Term::from_field_text(corpus.body, word), *on_body),
                    ]
                })
                .collect();
            let top_words = TopWords {
                terms: terms.clone(),
                caches: caches.clone(),
                grouping: None,
                only: Vec::new(),
            };
            let every: Vec<Box<dyn Query>> = terms
                .iter()
                .map(|(term, boost)| TopWords::clause(term, *boost))
                .collect();
            let mut ranked = searcher
                .search(&SeekingUnion { clauses: every }, &TopDocs::with_limit(100_000))
                .expect("every match");
            ranked.sort_by(|(a, address_a), (b, address_b)| b.total_cmp(a).then(address_a.cmp(address_b)));
            for &limit in limits {
                let page = searcher.search(&top_words, &TopDocs::with_limit(limit)).expect("page");
                let expected: Vec<_> = ranked.iter().take(limit).map(|(s, a)| (s.to_bits(), *a)).collect();
                let found: Vec<_> = page.iter().map(|(s, a)| (s.to_bits(), *a)).collect();
                assert_eq!(found, expected, "case {case}, page of {limit}");
            }
        }
    }

    /// MaxScore's best pages are the best of every match ranked, ties by document order,
    /// for many word sets and page sizes, with several segments.
    #[test]
    fn top_words_pages_are_the_best_of_every_match() {
        let words = [
            "chair", "exercise", "balance", "lunch", "club", "walk", "group", "tai", "chi",
        ];
        let mut next = random(0x2545_f491_4f6c_dd1d);
        let corpus = corpus(6_000, |_| {
            // Random words and lengths: scores spread wide, with ties among equal texts.
            let mut pick = |most: usize| -> String {
                let count = 1 + next(most);
                (0..count)
                    .map(|_| words[next(words.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            (pick(3), pick(12))
        });
        // Boosts per word (name, body): equal, and uneven (the clauses' highest scores then
        // interleave across fields).
        let even = [(3.0, 1.0); 3];
        let uneven = [(2.0, 4.0), (1.5, 3.5), (5.0, 0.5)];
        let cases: [Case<'_>; 7] = [
            (&["chair"], &even),
            (&["chair", "club"], &even),
            (&["walk", "tai", "lunch"], &even),
            (&["balance"], &even),
            (&["walk", "tai", "lunch"], &uneven),
            (&["group", "chi", "exercise"], &uneven),
            (&["club", "balance"], &uneven),
        ];
        assert_pages_are_the_best(&corpus, &cases, &[1, 3, 10, 57]);
    }

    /// As above, over listings made from a few templates (as directories are: the same class
    /// name in town after town), where thousands tie near the top and the threshold soon needs
    /// every strong word (the required clauses lead). Every page size up to 150 moves the
    /// threshold through each score level, just above and below the documents that lack a word.
    #[test]
    fn top_words_pages_are_the_best_among_templates() {
        let names = [
            "chair exercise class",
            "chair based exercise",
            "balance class",
            "exercise club",
            "tai chi",
            "chair yoga",
        ];
        let sentences = [
            "gentle exercise sitting in a chair",
            "improve your balance",
            "a friendly club",
            "tai chi for balance and exercise",
        ];
        let towns = ["york", "hull", "great yarmouth", "bury st edmunds", "stoke on trent"];
        let mut next = random(0x9e37_79b9_7f4a_7c15);
        let corpus = corpus(6_000, |_| {
            let town = towns[next(towns.len())];
            let name = format!("{} {town}", names[next(names.len())]);
            let body = (0..1 + next(3))
                .map(|_| sentences[next(sentences.len())])
                .collect::<Vec<_>>()
                .join(" ");
            (name, body)
        });
        let even = [(3.0, 1.0); 3];
        let uneven = [(2.0, 4.0), (1.5, 3.5), (5.0, 0.5)];
        let cases: [Case<'_>; 5] = [
            (&["chair", "exercise"], &even),
            (&["tai", "chi", "balance"], &even),
            (&["chair", "exercise", "class"], &uneven),
            (&["balance", "club"], &uneven),
            (&["exercise", "chair", "yoga"], &even),
        ];
        let limits: Vec<usize> = (1..=150).collect();
        assert_pages_are_the_best(&corpus, &cases, &limits);
    }

    /// As above, with words too rare to keep as bits (a town, a rare theme): they are read
    /// from their postings, the rarest required one leading and the others sought.
    #[test]
    fn top_words_pages_are_the_best_with_rare_words() {
        let names = ["chair exercise class", "balance class", "exercise club", "tai chi"];
        let sentences = [
            "gentle exercise sitting in a chair",
            "improve your balance",
            "a friendly club",
        ];
        let mut next = random(0x1405_7b7e_f767_814f);
        let corpus = corpus(6_000, |_| {
            // "memory" and "cafe" each in a few listings, mostly together; each of 80 towns in
            // about one listing in 80, "dementia" in one in 40: fewer than a segment's share
            // kept as bits. Names of three lengths, so that a rare word's listings do not all tie.
            let name = match next(160) {
                0 | 1 => "memory cafe",
                2 => "community cafe",
                3 => "memory walk",
                _ => names[next(names.len())],
            };
            let hall = ["", " hall", " old hall"][next(3)];
            let name = format!("{name} town{}{hall}", next(80));
            let mut body = (0..1 + next(3))
                .map(|_| sentences[next(sentences.len())])
                .collect::<Vec<_>>()
                .join(" ");
            if next(40) == 0 {
                body.push_str(" dementia friendly");
            }
            (name, body)
        });
        let even = [(3.0, 1.0); 3];
        let uneven = [(2.0, 4.0), (1.5, 3.5), (5.0, 0.5)];
        let cases: [Case<'_>; 8] = [
            (&["memory", "cafe"], &even),
            (&["cafe", "memory", "club"], &uneven),
            (&["chair", "town7"], &even),
            (&["town3", "exercise", "balance"], &uneven),
            (&["dementia", "chair"], &even),
            (&["town5", "dementia"], &even),
            (&["dementia", "town2", "club"], &uneven),
            (&["club", "town11", "friendly"], &even),
        ];
        let limits: Vec<usize> = (1..=120).collect();
        assert_pages_are_the_best(&corpus, &cases, &limits);
    }
}

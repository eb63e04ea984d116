//! One term's clause of [`super::TopWords`] in a segment, and the bounds MaxScore prunes by:
//! which clauses are only looked up, which every page-worthy document has.

use tantivy::postings::Postings;
use tantivy::{DocId, DocSet, Score, TERMINATED};

use crate::search::query::term_docs::Words;

use super::*;

impl MaxScoreClause {
    pub(super) fn doc(&self) -> DocId {
        self.postings.doc()
    }

    /// The current document's score, as tantivy's term scorer gives it.
    pub(super) fn score(&self) -> Score {
        let doc = self.postings.doc();
        self.weight
            .score(self.fieldnorms.fieldnorm_id(doc), self.postings.term_freq())
    }

    /// What it scores at a document that has the term once, `doc` being one: as the term
    /// query scores a frequency of 1 at `doc`'s field length.
    pub(super) fn once(&self, doc: DocId) -> Score {
        let fieldnorm_id = self.fieldnorms.fieldnorm_id(doc);
        match &self.once_by_length {
            Some(once) => once[usize::from(fieldnorm_id)],
            None => self.weight.score(fieldnorm_id, 1),
        }
    }

    /// Of the 64 documents of word `at` in `has` (documents its bits show have the term),
    /// those known to have it once: none when it is not known where the term repeats.
    pub(super) fn once_in(&self, at: usize, has: u64) -> u64 {
        match &self.repeated {
            // Without a read where none of them has it (a word of bits elsewhere in memory).
            Some(repeated) if has != 0 => has & !repeated.get(at).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// The most it can score at `doc`, given the length of `doc`'s field (0 where its bits
    /// show `doc` lacks it).
    pub(super) fn at_length_of(&self, doc: DocId) -> f64 {
        if self.lacks(doc) {
            return 0.0;
        }
        self.at_length(doc)
    }

    /// The most it can score at `doc` if `doc` has it, given the length of `doc`'s field.
    pub(super) fn at_length(&self, doc: DocId) -> f64 {
        self.by_length[usize::from(self.fieldnorms.fieldnorm_id(doc))]
    }

    /// Whether its bits show `doc` lacks it (never, with no bits).
    pub(super) fn lacks(&self, doc: DocId) -> bool {
        self.kept.as_ref().is_some_and(|kept| !has_bit(kept, doc))
    }

    /// Moves to the first document at or after `target` (no move if already there).
    pub(super) fn move_to(&mut self, target: DocId) {
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
pub(super) fn look_up(
    clauses: &mut [MaxScoreClause],
    doc: DocId,
    possible: &mut f64,
    highest: f64,
    threshold: Score,
) -> bool {
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
pub(super) struct Bounds {
    /// `prefix[k]`: the highest scores of the first `k` clauses added up.
    pub(super) prefix: Vec<f64>,
}

/// How MaxScore treats the clauses (in ascending order of their highest scores) under a threshold.
pub(super) struct Split {
    /// The first clause that could lift a document over the threshold with the ones before it;
    /// the ones before are only looked up.
    pub(super) essential: usize,
    /// The first clause every document beating the threshold has (none if the length).
    pub(super) required: usize,
    /// The required clauses without kept bits, rarest first (their postings are sought).
    pub(super) required_by_cost: Vec<usize>,
    /// The kept bits of the required clauses that have them (ANDed a word at a time).
    pub(super) required_bits: Vec<Words>,
}

impl Bounds {
    pub(super) fn of(clauses: &[MaxScoreClause]) -> Bounds {
        let mut prefix = vec![0.0f64];
        for clause in clauses {
            prefix.push(prefix[prefix.len() - 1] + clause.max);
        }
        Bounds { prefix }
    }

    /// Sums of a few dozen `f32` scores are exact in `f64` (see [`exact_sum`]), so a document
    /// whose bound does not exceed the threshold cannot beat it.
    pub(super) fn split(&self, threshold: Score, clauses: &[MaxScoreClause]) -> Split {
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
pub(super) fn beats(bound: f64, threshold: Score) -> bool {
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
pub(super) fn leapfrog(clauses: &mut [MaxScoreClause], split: &Split, mut target: DocId, threshold: Score) -> DocId {
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
pub(super) fn has_bit(bits: &[u64], doc: DocId) -> bool {
    bits.get(doc as usize / 64)
        .is_some_and(|word| word & (1 << (doc % 64)) != 0)
}

/// The first document at or after `target` whose bit is set in every one of `bits`, or
/// `TERMINATED`.
pub(super) fn next_in_all(bits: &[Words], target: DocId) -> DocId {
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

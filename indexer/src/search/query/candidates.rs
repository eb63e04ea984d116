//! Which documents of grouped words (three or more) could still beat a page's worst score, read
//! from bits 64 documents at a time, so that MaxScore jumps over the others instead of walking
//! its essential terms' postings through them.
//!
//! A long question's common words ("support", "people", "group") each have a few hundred
//! thousand listings, and a page of ties soon puts the threshold within a few terms of the sum
//! of every term's highest score. MaxScore then still visits every listing of its essential
//! terms to bound it (a hundred thousand and more, 5-15 ms at a million listings). Here what a
//! listing must have to beat the threshold is read from the terms' bits (kept by
//! [`super::term_docs::TermDocs`] for common words) a word at a time:
//!
//! - enough of the words ([`GroupBits::enough`]), or a term that matches alone while those
//!   terms' highest scores, added up, could still beat the threshold;
//! - one of each set of terms without all of which the others' highest scores cannot beat it
//!   (`covers`: a single term, a pair, or a few of the eight strongest terms with bits), the
//!   sets with fewest listings first. For "gentle exercise after a fall" at a million listings
//!   (twelve terms, 265,000 listings with enough of the words), covers of three and four terms
//!   leave 46,000 of them to bound one by one.
//!
//! Each is a necessary condition computed with the bounds MaxScore itself uses (exact sums in
//! `f64`, compared once rounded: see `top_words::max_score::beats`), so a document it rules out could not have
//! entered the page.

use tantivy::Score;

use super::grouped::GroupBits;
use super::term_docs::{or_into, Words};

/// Terms with bits considered for covers (the strongest): 255 sets of them, weighed once per
/// segment and search.
const COVERING_TERMS: usize = 8;

/// Covers kept (those with fewest listings): a few operations per 64 documents each.
const COVERS: usize = 8;

/// One term as the candidates see it: its highest score in the segment, and its documents as
/// bits when kept (a rarer term may be on any document).
pub(super) struct TermBound<'a> {
    pub max: f64,
    pub kept: Option<&'a Words>,
    /// Whether it matches alone (a need named by a synonym).
    pub alone: bool,
    /// How many documents have it (to weigh covers by).
    pub docs: u32,
}

/// The documents that could beat the current threshold (see the module documentation).
pub(super) struct Candidates {
    pub bits: GroupBits,
    /// The highest scores of the terms that match alone, added up.
    alone: f64,
    /// Whether a document without enough words (its terms that match alone) could beat it.
    alone_beats: bool,
    /// The strongest terms' bits (see [`COVERING_TERMS`]), strongest first.
    strongest: Vec<Words>,
    /// Every set of the strongest terms that may cover, fewest listings first.
    sets: Vec<CoveringSet>,
    /// The sets that cover now: a document must have one of each's terms.
    covers: Vec<u32>,
}

/// A set of the strongest terms (bit `k`: the `k`th strongest) and the thresholds at which it
/// is a minimal cover: it covers from `from` on, and its subset without its weakest term
/// covers from `until` on (then it is no longer minimal).
struct CoveringSet {
    set: u32,
    from: Score,
    until: Option<Score>,
}

impl Candidates {
    /// The candidates of `bits`, for `terms` (in the clauses' order) whose highest scores add
    /// up to `total` (in `f64`, as MaxScore adds them); none ruled out until [`Candidates::follow`].
    pub fn new(bits: GroupBits, terms: &[TermBound<'_>], total: f64) -> Candidates {
        let mut strongest: Vec<&TermBound<'_>> = terms.iter().filter(|term| term.kept.is_some()).collect();
        strongest.sort_by(|a, b| b.max.total_cmp(&a.max));
        strongest.truncate(COVERING_TERMS);
        let members = |set: u32| (0..strongest.len()).filter(move |at| set >> at & 1 == 1);
        // A set covers once the threshold is at least what the other terms' highest scores add
        // up to (rounded as `beats` rounds): below it, a document with none of it could beat it.
        let covers_from = |set: u32| (total - members(set).map(|at| strongest[at].max).sum::<f64>()) as Score;
        let mut sets: Vec<(u64, CoveringSet)> = (1..1u32 << strongest.len())
            .map(|set| {
                // Its weakest term is the last of it (the strongest come first).
                let weakest = 1 << (u32::BITS - 1 - set.leading_zeros());
                let until = (set != weakest).then(|| covers_from(set & !weakest));
                let listings = members(set).map(|at| u64::from(strongest[at].docs)).sum();
                let from = covers_from(set);
                (listings, CoveringSet { set, from, until })
            })
            .filter(|(_, set)| set.until.is_none_or(|until| set.from < until))
            .collect();
        sets.sort_by_key(|(listings, set)| (*listings, set.set));
        Candidates {
            bits,
            alone: terms.iter().filter(|term| term.alone).map(|term| term.max).sum(),
            alone_beats: true,
            strongest: strongest.iter().filter_map(|term| term.kept.cloned()).collect(),
            sets: sets.into_iter().map(|(_, set)| set).collect(),
            covers: Vec::new(),
        }
    }

    /// Sets what a document must have to beat `threshold`.
    ///
    /// A set of terms covers when the other terms' highest scores cannot beat the threshold: a
    /// document without any of them could not. Of the strongest terms with bits, the minimal
    /// covers (none of their subsets covers: without its weakest term, a set no longer does)
    /// are kept, those whose terms have fewest listings first.
    pub fn follow(&mut self, threshold: Score) {
        self.alone_beats = beats(self.alone, threshold);
        self.covers.clear();
        let covering = self
            .sets
            .iter()
            .filter(|set| set.from <= threshold && set.until.is_none_or(|until| threshold < until))
            .map(|set| set.set)
            .take(COVERS);
        self.covers.extend(covering);
    }

    /// How many words of 64 documents the segment has.
    pub fn words(&self) -> usize {
        self.bits.enough.len()
    }

    /// Which of the 64 documents of word `at` have enough of the words.
    pub fn enough_word(&self, at: usize) -> u64 {
        self.bits.enough.get(at).copied().unwrap_or(0)
    }

    /// The candidates among the 64 documents of word `at`.
    pub fn word(&self, at: usize) -> u64 {
        let mut word = [0u64];
        self.fill(at, &mut word);
        word[0]
    }

    /// The candidates among the documents of the words from `from` on, into `words` (at most
    /// [`FILLED_WORDS`] of them; none past the segment's last): a condition at a time over
    /// them all, where a word at a time spent more deciding what to read than reading it.
    pub fn fill(&self, from: usize, words: &mut [u64]) {
        let to = (from + words.len()).min(self.words());
        let from = from.min(to);
        words.fill(0);
        let words = &mut words[..to.saturating_sub(from)];
        words.copy_from_slice(&self.bits.enough[from..to]);
        if self.alone_beats {
            or_into(words, &self.bits.alone[from..to]);
        }
        let mut any = [0u64; FILLED_WORDS];
        let any = &mut any[..words.len()];
        for &cover in &self.covers {
            any.fill(0);
            let mut members = cover;
            while members != 0 {
                or_into(any, &self.strongest[members.trailing_zeros() as usize][from..to]);
                members &= members - 1;
            }
            for (word, any) in words.iter_mut().zip(any.iter()) {
                *word &= any;
            }
        }
    }
}

/// Words of candidates [`Candidates::fill`] gives at most at once (16,384 documents).
pub(super) const FILLED_WORDS: usize = 256;

/// As `top_words::max_score::beats`: whether documents whose scores add up (exactly, in `f64`) to no more
/// than `bound` could beat `threshold`.
fn beats(bound: f64, threshold: Score) -> bool {
    bound as Score > threshold
}

#[cfg(test)]
mod tests {
    use tantivy::DocId;

    use super::*;

    fn bits(docs: &[DocId]) -> Words {
        let mut words = vec![0u64; 2];
        for doc in docs {
            words[*doc as usize / 64] |= 1 << (doc % 64);
        }
        words.into()
    }

    /// Every document a bound could let through is a candidate; the others are not.
    #[test]
    fn candidates_are_the_documents_whose_terms_could_beat_the_threshold() {
        // Documents 0..128: a has the even ones, b those divisible by 3, c by 5; enough words
        // for all but 100..; 100.. have a term that matches alone.
        let all: Vec<DocId> = (0..128).collect();
        let a = bits(&all.iter().copied().filter(|d| d.is_multiple_of(2)).collect::<Vec<_>>());
        let b = bits(&all.iter().copied().filter(|d| d.is_multiple_of(3)).collect::<Vec<_>>());
        let c = bits(&all.iter().copied().filter(|d| d.is_multiple_of(5)).collect::<Vec<_>>());
        let enough: Vec<u64> = bits(&all[..100]).to_vec();
        let alone: Vec<u64> = bits(&all[100..]).to_vec();
        let terms = [
            TermBound {
                max: 4.0,
                kept: Some(&a),
                alone: false,
                docs: 64,
            },
            TermBound {
                max: 3.0,
                kept: Some(&b),
                alone: false,
                docs: 43,
            },
            TermBound {
                max: 2.0,
                kept: Some(&c),
                alone: false,
                docs: 26,
            },
            TermBound {
                max: 1.5,
                kept: None,
                alone: true,
                docs: 0,
            },
        ];
        let total = 10.5;
        let bits = GroupBits {
            enough,
            alone,
            each: Vec::new(),
        };
        let mut candidates = Candidates::new(bits, &terms, total);
        for threshold in [f32::MIN, 1.0, 1.6, 4.0, 5.0, 7.0, 8.4, 9.0, 10.4, 10.5] {
            candidates.follow(threshold);
            let found: Vec<DocId> = (0..candidates.words() as DocId * 64)
                .filter(|doc| candidates.word(*doc as usize / 64) & (1 << (doc % 64)) != 0)
                .collect();
            let could_beat = |doc: DocId| {
                let has = [doc.is_multiple_of(2), doc.is_multiple_of(3), doc.is_multiple_of(5)];
                let words: f64 = terms[..3]
                    .iter()
                    .zip(has)
                    .filter(|(_, has)| *has)
                    .map(|(t, _)| t.max)
                    .sum();
                match doc < 100 {
                    // The rare alone term may be there too.
                    true => beats(words + 1.5, threshold),
                    false => beats(1.5, threshold),
                }
            };
            for doc in &found {
                assert!(doc < &128);
            }
            for doc in 0..128 {
                if could_beat(doc) {
                    assert!(found.contains(&doc), "threshold {threshold}: {doc} could beat it");
                }
            }
            if threshold >= 9.0 {
                assert!(
                    found.iter().all(|d| d.is_multiple_of(30)),
                    "threshold {threshold}: {found:?}"
                );
            }
        }
    }

    /// Five terms of equal weight, a threshold only three of them beat: every set of three covers
    /// (of the eight kept, none a subset of another), so a document with one term is ruled out
    /// and one with three is not.
    #[test]
    fn a_cover_may_be_a_set_of_several_terms() {
        let has = |term: u32, doc: DocId| (doc >> term) & 1 == 1;
        let term_bits: Vec<Words> = (0..5)
            .map(|term| bits(&(0..128).filter(|doc| has(term, *doc)).collect::<Vec<_>>()))
            .collect();
        let terms: Vec<TermBound<'_>> = term_bits
            .iter()
            .map(|kept| TermBound {
                max: 1.0,
                kept: Some(kept),
                alone: false,
                docs: 64,
            })
            .collect();
        let bits = GroupBits {
            enough: vec![u64::MAX; 2],
            alone: vec![0; 2],
            each: Vec::new(),
        };
        let mut candidates = Candidates::new(bits, &terms, 5.0);
        candidates.follow(2.0);
        for doc in 0..128 {
            let count = (0..5).filter(|term| has(*term, doc)).count();
            let found = candidates.word(doc as usize / 64) & (1 << (doc % 64)) != 0;
            if count >= 3 {
                assert!(found, "{doc} has {count} terms");
            }
            if count <= 1 {
                assert!(!found, "{doc} has {count} terms");
            }
        }
    }
}

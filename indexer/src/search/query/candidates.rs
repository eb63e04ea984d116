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
//! - each term without which the others' highest scores cannot beat it (`singles`);
//! - one of each pair of terms without both of which the others' cannot (`pairs`, among the
//!   strongest terms with bits).
//!
//! Each is a necessary condition computed with the bounds MaxScore itself uses (exact sums in
//! `f64`, compared once rounded: see `top_words::max_score::beats`), so a document it rules out could not have
//! entered the page.

use tantivy::{DocId, Score};

use super::grouped::GroupBits;
use super::term_docs::Words;

/// Terms with bits considered for pairs (the strongest): 28 pairs at most, a few operations
/// per 64 documents each.
const PAIRED_TERMS: usize = 8;

/// One term as the candidates see it: its highest score in the segment, and its documents as
/// bits when kept (a rarer term may be on any document).
pub(super) struct TermBound<'a> {
    pub max: f64,
    pub kept: Option<&'a Words>,
    /// Whether it matches alone (a need named by a synonym).
    pub alone: bool,
}

/// The documents that could beat the current threshold (see the module documentation).
pub(super) struct Candidates {
    pub bits: GroupBits,
    /// Whether a document without enough words (its terms that match alone) could beat it.
    alone_beats: bool,
    singles: Vec<Words>,
    pairs: Vec<(Words, Words)>,
}

impl Candidates {
    pub fn new(bits: GroupBits) -> Candidates {
        Candidates {
            bits,
            alone_beats: true,
            singles: Vec::new(),
            pairs: Vec::new(),
        }
    }

    /// Sets what a document must have to beat `threshold`, given every term's highest score
    /// (`total`: their sum, added in `f64` as MaxScore adds them).
    pub fn follow(&mut self, threshold: Score, terms: &[TermBound<'_>], total: f64) {
        let alone: f64 = terms.iter().filter(|term| term.alone).map(|term| term.max).sum();
        self.alone_beats = beats(alone, threshold);
        self.singles.clear();
        self.pairs.clear();
        let mut kept: Vec<(f64, &Words)> = Vec::new();
        for term in terms {
            let Some(bits) = term.kept else { continue };
            if !beats(total - term.max, threshold) {
                self.singles.push(bits.clone());
            } else {
                kept.push((term.max, bits));
            }
        }
        kept.sort_by(|a, b| b.0.total_cmp(&a.0));
        kept.truncate(PAIRED_TERMS);
        for (at, (first, first_bits)) in kept.iter().enumerate() {
            for (second, second_bits) in &kept[at + 1..] {
                if !beats(total - first - second, threshold) {
                    self.pairs.push(((*first_bits).clone(), (*second_bits).clone()));
                }
            }
        }
    }

    /// How many words of 64 documents the segment has.
    pub fn words(&self) -> usize {
        self.bits.enough.len()
    }

    /// Whether `doc` has enough of the words (else it scores its terms that match alone).
    pub fn has_enough(&self, doc: DocId) -> bool {
        self.bits
            .enough
            .get(doc as usize / 64)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    /// The candidates among the 64 documents of word `at`.
    pub fn word(&self, at: usize) -> u64 {
        let bit = |bits: &[u64]| bits.get(at).copied().unwrap_or(0);
        let mut word = bit(&self.bits.enough);
        if self.alone_beats {
            word |= bit(&self.bits.alone);
        }
        for single in &self.singles {
            if word == 0 {
                return 0;
            }
            word &= bit(single);
        }
        for (first, second) in &self.pairs {
            if word == 0 {
                return 0;
            }
            word &= bit(first) | bit(second);
        }
        word
    }
}

/// As `top_words::max_score::beats`: whether documents whose scores add up (exactly, in `f64`) to no more
/// than `bound` could beat `threshold`.
fn beats(bound: f64, threshold: Score) -> bool {
    bound as Score > threshold
}

#[cfg(test)]
mod tests {
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
        let mut candidates = Candidates::new(GroupBits {
            enough,
            alone,
            each: Vec::new(),
        });
        let terms = [
            TermBound {
                max: 4.0,
                kept: Some(&a),
                alone: false,
            },
            TermBound {
                max: 3.0,
                kept: Some(&b),
                alone: false,
            },
            TermBound {
                max: 2.0,
                kept: Some(&c),
                alone: false,
            },
            TermBound {
                max: 1.5,
                kept: None,
                alone: true,
            },
        ];
        let total = 10.5;
        for threshold in [f32::MIN, 1.0, 1.6, 4.0, 5.0, 7.0, 8.4, 9.0, 10.4, 10.5] {
            candidates.follow(threshold, &terms, total);
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
}

//! Three words or more: a listing must have half of them ([`Grouping`]).
//!
//! Each word is sought as several terms (its stem in each text field, the word in place names,
//! its typo readings), and a need named by a synonym matches alone. A listing matches when it
//! has terms of at least `required` different words, or a need; it then scores the sum of every
//! matching term (a need alone: the need's terms only), added exactly as [`super::seeking_union`] adds.
//! The three ways of running it ([`GroupedScorer`] at each candidate, the listings that could
//! beat a page in [`super::top_words::TopWords`] ([`super::candidates`]), bits to count) share
//! [`Grouping::score`] and [`Grouping::split_bits`], so a listing scores the same bits on every path.

use std::ops::Range;
use std::sync::Arc;

use tantivy::query::Scorer;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

use super::term_docs::{or_into, read_postings, word_count, TermDocs, TermSource, Words};

/// Which word each term of a text is a form of, and how many words a listing needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// Per term, in the query's order: the word it is a form of (fewer than 64), or `None` for
    /// a term that matches alone (a need named by a synonym).
    pub word_of: Vec<Option<usize>>,
    /// Words a listing must have.
    pub required: usize,
}

impl Grouping {
    /// The score of a listing at which the terms `matched` (each term's position and score)
    /// match, or `None` if it does not match: every matching term added exactly when it has
    /// enough words, else the terms that match alone.
    pub fn score(&self, matched: impl Iterator<Item = (usize, Score)>) -> Option<Score> {
        let mut sum = GroupSum::default();
        for (at, score) in matched {
            self.add(&mut sum, at, score);
        }
        self.finish(&sum)
    }

    /// Adds the score of term `at` to a listing's `sum` (terms in the query's order).
    pub fn add(&self, sum: &mut GroupSum, at: usize, score: Score) {
        match self.word_of[at] {
            None => {
                sum.alone = true;
                sum.alone_sum += f64::from(score);
            }
            Some(word) => {
                sum.words |= 1 << word;
                sum.words_sum += f64::from(score);
            }
        }
    }

    /// A listing's score from its terms' `sum` ([`Grouping::score`]).
    pub fn finish(&self, sum: &GroupSum) -> Option<Score> {
        let enough = sum.words.count_ones() as usize >= self.required;
        match (enough, sum.alone) {
            (true, _) => Some((sum.alone_sum + sum.words_sum) as Score),
            (false, true) => Some(sum.alone_sum as Score),
            (false, false) => None,
        }
    }

    /// The segment's documents (deleted ones too) that match, as bits: those with enough words
    /// or a term that matches alone ([`Grouping::split_bits`], ORed).
    pub fn bits(&self, reader: &SegmentReader, terms: &[Term], documents: &TermDocs) -> tantivy::Result<Vec<u64>> {
        let GroupBits { mut enough, alone, .. } = self.split_bits(reader, terms, documents, false)?;
        for (enough, alone) in enough.iter_mut().zip(&alone) {
            *enough |= alone;
        }
        Ok(enough)
    }

    /// The segment's documents (deleted ones too) with enough words, and those with a term that
    /// matches alone, as bits: each word's terms ORed, then the words counted a bit column at a
    /// time (a counter of a few bits per document, kept as bit planes); with `each_term`, each
    /// term's documents too.
    pub fn split_bits(
        &self,
        reader: &SegmentReader,
        terms: &[Term],
        documents: &TermDocs,
        each_term: bool,
    ) -> tantivy::Result<GroupBits> {
        let all = 0..word_count(reader);
        self.split_bits_in(reader, terms, documents, each_term, std::slice::from_ref(&all))
    }

    /// The segment's documents that match, as bits, read and counted only in the stretches of
    /// words `runs` (in order; the bits outside them are left unset): a radius's listings lie
    /// in a few dozen stretches of a national index's words.
    pub fn bits_in(
        &self,
        reader: &SegmentReader,
        terms: &[Term],
        documents: &TermDocs,
        runs: &[Range<usize>],
    ) -> tantivy::Result<Vec<u64>> {
        let GroupBits { mut enough, alone, .. } = self.split_bits_in(reader, terms, documents, false, runs)?;
        for run in runs {
            for (enough, alone) in enough[run.clone()].iter_mut().zip(&alone[run.clone()]) {
                *enough |= alone;
            }
        }
        Ok(enough)
    }

    /// [`Grouping::split_bits`] in the stretches of words `runs` (in order) alone.
    ///
    /// Each word's documents are its terms' bits ORed: common terms' kept bits read in place,
    /// rarer ones' postings read into bits of the word's own (with `each_term`, of the term's
    /// own). The words are then counted a stretch of [`COUNTED_WORDS`] words at a time, so the
    /// count's bit planes stay in the first-level cache and no word's bits are copied whole.
    fn split_bits_in(
        &self,
        reader: &SegmentReader,
        terms: &[Term],
        documents: &TermDocs,
        each_term: bool,
        runs: &[Range<usize>],
    ) -> tantivy::Result<GroupBits> {
        let length = word_count(reader);
        let span = match (runs.first(), runs.last()) {
            (Some(first), Some(last)) => first.start.min(length)..last.end.min(length),
            _ => 0..0,
        };
        let words = self.word_of.iter().flatten().max().map_or(0, |most| most + 1);
        // Each word's kept bits (every term's bits, with `each_term`), and the bits its rarer
        // terms' postings were read into.
        let mut sources: Vec<Vec<Words>> = vec![Vec::new(); words];
        let mut read: Vec<Option<Vec<u64>>> = vec![None; words];
        let mut alone = vec![0u64; length];
        let mut each = Vec::with_capacity(terms.len());
        for (term, word) in terms.iter().zip(&self.word_of) {
            let source = documents.source(reader, term)?;
            if each_term {
                let bits = source.map(|source| source.bits(reader, term)).transpose()?;
                match (*word, &bits) {
                    (_, None) => {}
                    (Some(word), Some(bits)) => sources[word].push(bits.clone()),
                    (None, Some(bits)) => or_into(&mut alone, bits),
                }
                each.push(bits);
                continue;
            }
            match (*word, source) {
                (_, None) => {}
                (None, Some(source)) => source.add(reader, term, &mut alone, runs)?,
                (Some(word), Some(TermSource::Kept(kept))) => sources[word].push(kept),
                (Some(word), Some(TermSource::Postings(info))) => {
                    let bits = read[word].get_or_insert_with(|| vec![0u64; length]);
                    read_postings(reader, term, &info, bits, span.clone())?;
                }
            }
        }
        let by_word: Vec<Vec<&[u64]>> = sources
            .iter()
            .zip(&read)
            .map(|(kept, read)| kept.iter().map(|bits| &bits[..]).chain(read.as_deref()).collect())
            .collect();
        let mut enough = vec![0u64; length];
        let mut counter = WordCounter::new(words);
        for run in runs {
            let run = run.start.min(length)..run.end.min(length);
            for start in run.clone().step_by(COUNTED_WORDS) {
                let stretch = start..(start + COUNTED_WORDS).min(run.end);
                counter.count(&by_word, stretch.clone(), self.required, &mut enough[stretch]);
            }
        }
        Ok(GroupBits { enough, alone, each })
    }
}

/// Words of documents counted at a time (see [`Grouping::split_bits_in`]): 2 KB a bit plane.
const COUNTED_WORDS: usize = 256;

/// How many of a query's words each document of a stretch has, as bit planes (`planes[k]`: bit
/// k of each count) a word at a time.
struct WordCounter {
    planes: Vec<[u64; COUNTED_WORDS]>,
    carry: [u64; COUNTED_WORDS],
    equal: [u64; COUNTED_WORDS],
}

impl WordCounter {
    /// Planes wide enough to count `words` words.
    fn new(words: usize) -> WordCounter {
        let planes = ((usize::BITS - words.leading_zeros()) as usize).max(1);
        WordCounter {
            planes: vec![[0u64; COUNTED_WORDS]; planes],
            carry: [0u64; COUNTED_WORDS],
            equal: [0u64; COUNTED_WORDS],
        }
    }

    /// Sets in `enough` (the words of `stretch`) the documents with at least `least` of the
    /// words, each given by the bits it is the OR of.
    fn count(&mut self, by_word: &[Vec<&[u64]>], stretch: Range<usize>, least: usize, enough: &mut [u64]) {
        let n = stretch.len();
        for plane in self.planes.iter_mut() {
            plane[..n].fill(0);
        }
        for sources in by_word {
            let carry = &mut self.carry[..n];
            carry.fill(0);
            for bits in sources {
                for (carry, bits) in carry.iter_mut().zip(&bits[stretch.clone()]) {
                    *carry |= bits;
                }
            }
            // A ripple-carry add of one to each document's count that has the word.
            for plane in self.planes.iter_mut() {
                for (plane, carry) in plane[..n].iter_mut().zip(carry.iter_mut()) {
                    let next = *plane & *carry;
                    *plane ^= *carry;
                    *carry = next;
                }
            }
        }
        // As `at_least`, a plane at a time over the stretch.
        let (above, equal) = (&mut self.carry[..n], &mut self.equal[..n]);
        above.fill(0);
        equal.fill(u64::MAX);
        if least >> self.planes.len() != 0 {
            equal.fill(0);
        } else {
            for (k, plane) in self.planes.iter().enumerate().rev() {
                let wanted = if least >> k & 1 == 1 { u64::MAX } else { 0 };
                for ((above, equal), plane) in above.iter_mut().zip(equal.iter_mut()).zip(&plane[..n]) {
                    *above |= *equal & plane & !wanted;
                    *equal &= !(plane ^ wanted);
                }
            }
        }
        for ((enough, above), equal) in enough.iter_mut().zip(above.iter()).zip(equal.iter()) {
            *enough = above | equal;
        }
    }
}

/// What a listing's matching terms add up to so far ([`Grouping::add`]): the terms that match
/// alone and the words' terms apart, each added exactly (in `f64`), and which words it has.
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupSum {
    alone: bool,
    alone_sum: f64,
    words: u64,
    words_sum: f64,
}

/// A segment's matches of a [`Grouping`], as bits (64 documents to a word).
pub struct GroupBits {
    /// Documents with terms of at least `required` words: they score every matching term.
    pub enough: Vec<u64>,
    /// Documents with a term that matches alone (a need named by a synonym): those without
    /// enough words score these terms only.
    pub alone: Vec<u64>,
    /// Each term's documents, in the query's order (when asked for; `None` for a term the
    /// segment lacks).
    pub each: Vec<Option<Words>>,
}

/// The documents of `scorers` (one per term, in the [`Grouping`]'s order) that match the
/// grouping, each scored by it; every scorer moves on its own (see `seeking_union::SeekingUnion`).
pub struct GroupedScorer {
    scorers: Vec<Box<dyn Scorer>>,
    grouping: Arc<Grouping>,
    doc: DocId,
    score: Score,
}

impl GroupedScorer {
    /// The scorer on its first match.
    pub fn new(scorers: Vec<Box<dyn Scorer>>, grouping: Arc<Grouping>) -> GroupedScorer {
        let mut scorer = GroupedScorer {
            scorers,
            grouping,
            doc: 0,
            score: 0.0,
        };
        let first = scorer.first();
        scorer.settle(first);
        scorer
    }

    /// The first document any scorer is on.
    fn first(&self) -> DocId {
        self.scorers
            .iter()
            .map(|scorer| scorer.doc())
            .min()
            .unwrap_or(TERMINATED)
    }

    /// Moves to the first match at or after `candidate` (the first document any scorer is on).
    fn settle(&mut self, mut candidate: DocId) -> DocId {
        while candidate != TERMINATED {
            let scorers = &mut self.scorers;
            let matched = scorers
                .iter_mut()
                .enumerate()
                .filter(|(_, scorer)| scorer.doc() == candidate)
                .map(|(at, scorer)| (at, scorer.score()));
            if let Some(score) = self.grouping.score(matched) {
                self.doc = candidate;
                self.score = score;
                return candidate;
            }
            for scorer in self.scorers.iter_mut().filter(|scorer| scorer.doc() == candidate) {
                scorer.advance();
            }
            candidate = self.first();
        }
        self.doc = TERMINATED;
        TERMINATED
    }
}

impl DocSet for GroupedScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for scorer in self.scorers.iter_mut().filter(|scorer| scorer.doc() == current) {
            scorer.advance();
        }
        self.settle(self.first())
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for scorer in self.scorers.iter_mut().filter(|scorer| scorer.doc() < target) {
            scorer.seek(target);
        }
        self.settle(self.first())
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|scorer| scorer.size_hint()).sum()
    }
}

impl Scorer for GroupedScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_counted_in_bit_planes_compare_with_the_least() {
        // Eight documents with 0..=7 of seven words: document d has the words below d, each
        // word's bits split over two sources (as a word's terms are).
        let words: Vec<(Vec<u64>, Vec<u64>)> = (0..7u64)
            .map(|word| {
                let bits = (0..8u64).filter(|doc| *doc > word).fold(0, |bits, doc| bits | 1 << doc);
                (vec![bits & 0x0f], vec![bits & 0xf0])
            })
            .collect();
        let by_word: Vec<Vec<&[u64]>> = words.iter().map(|(low, high)| vec![&low[..], &high[..]]).collect();
        let mut counter = WordCounter::new(by_word.len());
        for least in 0..=9 {
            let expected = (0..8u64)
                .filter(|count| *count as usize >= least)
                .fold(0, |bits, doc| bits | 1 << doc);
            let mut enough = [0u64];
            counter.count(&by_word, 0..1, least, &mut enough);
            assert_eq!(enough[0] & 0xff, expected, "at least {least}");
        }
    }

    #[test]
    fn a_listing_needs_enough_words_or_a_need() {
        let grouping = Grouping {
            word_of: vec![Some(0), Some(0), Some(1), Some(2), None],
            required: 2,
        };
        assert_eq!(grouping.score([(0, 1.0), (1, 2.0)].into_iter()), None, "one word twice");
        assert_eq!(grouping.score([(0, 1.0), (3, 2.0)].into_iter()), Some(3.0));
        assert_eq!(
            grouping.score([(0, 1.0), (4, 4.0)].into_iter()),
            Some(4.0),
            "a need alone"
        );
        assert_eq!(grouping.score([(1, 1.0), (2, 0.5), (4, 4.0)].into_iter()), Some(5.5));
    }
}

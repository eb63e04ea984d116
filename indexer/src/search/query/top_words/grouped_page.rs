//! The page of three words or more ([`super::TopWords`] with a grouping): every candidate that
//! could beat the page's worst score ([`Candidates`]) bounded, 64 at a time, and scored where
//! its bound allows. A common word a candidate has once (its bits say so:
//! [`crate::search::query::term_docs::TermDocs::repeated`]) is bounded and scored exactly from
//! the candidate's field length, without seeking its postings; only the words it repeats, and
//! the rarer words, are read from their postings.

use tantivy::{DocId, DocSet, Score};

use super::max_score::{beats, Bounds};
use super::MaxScoreClause;
use crate::search::query::candidates::{Candidates, TermBound, FILLED_WORDS};
use crate::search::query::grouped::{GroupBits, Grouping};

/// Candidates whose highest scores are added up at once, each in its own sum.
const SUMMED: usize = 4;

/// Grouped words: each of the candidates of `bits` that could beat the threshold at its field lengths
/// (where it lacks enough words, by its terms that match alone) is scored, moving every clause
/// it has to it (every clause has bits here); `callback` as in
/// [`tantivy::query::Weight::for_each_pruning`].
pub(super) fn score_candidates(
    clauses: &mut [MaxScoreClause],
    grouping: &Grouping,
    bits: GroupBits,
    mut threshold: Score,
    callback: &mut dyn FnMut(DocId, Score) -> Score,
) {
    let alone: Vec<bool> = clauses
        .iter()
        .map(|clause| grouping.word_of[clause.at].is_none())
        .collect();
    let total = Bounds::of(clauses).prefix[clauses.len()];
    let terms: Vec<TermBound<'_>> = clauses
        .iter()
        .zip(&alone)
        .map(|(clause, alone)| TermBound {
            max: clause.max,
            kept: clause.kept.as_ref(),
            alone: *alone,
            docs: clause.postings.size_hint(),
        })
        .collect();
    let mut candidates = Candidates::new(bits, &terms, total);
    candidates.follow(threshold);
    // Each clause's highest score, in the clauses' order (added up lane by lane).
    let maxima: Vec<f64> = clauses.iter().map(|clause| clause.max).collect();
    // Which of the 64 documents of a word of bits each clause has; of those, where it counts
    // (every one for a term that matches alone, else those with enough words); and which it
    // has once (scored without its postings: see `MaxScoreClause::once_in`).
    let mut has = vec![0u64; clauses.len()];
    let mut counts = vec![0u64; clauses.len()];
    let mut once = vec![0u64; clauses.len()];
    let mut filled = [0u64; FILLED_WORDS];
    for at in 0..candidates.words() {
        if at % FILLED_WORDS == 0 {
            candidates.fill(at, &mut filled);
        }
        let mut word = filled[at % FILLED_WORDS];
        if word == 0 {
            continue;
        }
        let base = at as DocId * 64;
        let enough = candidates.enough_word(at);
        for (((has, counts), clause), alone) in has.iter_mut().zip(counts.iter_mut()).zip(clauses.iter()).zip(&alone) {
            *has = clause
                .kept
                .as_ref()
                .map_or(u64::MAX, |kept| kept.get(at).copied().unwrap_or(0));
            *counts = *has & word & if *alone { u64::MAX } else { enough };
        }
        // First each candidate's clauses' highest scores added up, from bits alone.
        word = could_beat(word, &counts, &maxima, threshold);
        if word == 0 {
            continue;
        }
        for ((once, has), clause) in once.iter_mut().zip(&has).zip(clauses.iter()) {
            *once = clause.once_in(at, has & word);
        }
        while word != 0 {
            let lane = word.trailing_zeros();
            let doc = base + lane;
            let bit = word & word.wrapping_neg();
            word &= word - 1;
            // For the few that could still beat the threshold, the same at their field lengths,
            // as `at_length_of` bounds each (a byte per field to read: the cost of the rest).
            let mut bound = 0.0f64;
            for ((counts, once), clause) in counts.iter().zip(&once).zip(clauses.iter()) {
                if counts & bit != 0 {
                    bound += if once & bit != 0 {
                        f64::from(clause.once(doc))
                    } else {
                        clause.at_length(doc)
                    };
                }
            }
            if !beats(bound, threshold) {
                continue;
            }
            // A clause it has once scores from the length alone; the others are moved to it.
            for ((clause, has), once) in clauses.iter_mut().zip(&has).zip(&once) {
                if *has & !*once & bit != 0 {
                    clause.move_to(doc);
                }
            }
            let on_doc = clauses.iter().zip(&once).filter_map(|(clause, once)| {
                if *once & bit != 0 {
                    Some((clause.at, clause.once(doc)))
                } else {
                    (clause.doc() == doc).then(|| (clause.at, clause.score()))
                }
            });
            let score = grouping.score(on_doc);
            // What ruling candidates out relies on: a candidate scores at most its bound.
            debug_assert!(
                score.is_none_or(|score| score <= bound as Score),
                "a candidate scores above its bound at {doc}"
            );
            if let Some(score) = score.filter(|score| *score > threshold) {
                let raised = callback(doc, score);
                if raised != threshold {
                    threshold = raised;
                    candidates.follow(threshold);
                    // A higher threshold only rules more out (the words already filled keep the
                    // candidates of the lower one: more than could now beat it, bounded below).
                    word &= candidates.word(at);
                }
            }
        }
    }
}

/// Of the candidates `word` (64 documents), those whose clauses' highest scores, added up where
/// each clause counts (`counts`, per clause), could beat `threshold`.
///
/// The sums are kept in registers, [`SUMMED`] candidates at a time: a long question of common
/// words has a quarter of a million candidates at a million listings, mostly a few to a word,
/// and one sum at a time waited on each addition (a slot per candidate in memory, on each store).
#[inline]
fn could_beat(mut word: u64, counts: &[u64], maxima: &[f64], threshold: Score) -> u64 {
    let mut lanes = word;
    while lanes != 0 {
        let mut picked = [0u32; SUMMED];
        let mut taken = 0;
        while taken < SUMMED && lanes != 0 {
            picked[taken] = lanes.trailing_zeros();
            lanes &= lanes - 1;
            taken += 1;
        }
        let mut highest = [0.0f64; SUMMED];
        for (counts, max) in counts.iter().zip(maxima) {
            for (highest, lane) in highest.iter_mut().zip(&picked) {
                // `max` where the clause counts, else +0.0: the same sum as adding the counted
                // clauses alone, in the same order.
                let kept = 0u64.wrapping_sub(counts >> lane & 1);
                *highest += f64::from_bits(max.to_bits() & kept);
            }
        }
        for (highest, lane) in highest.iter().zip(&picked).take(taken) {
            if !beats(*highest, threshold) {
                word &= !(1 << lane);
            }
        }
    }
    word
}

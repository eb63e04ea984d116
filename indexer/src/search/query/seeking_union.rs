//! Unions of words that tantivy's own union runs poorly.
//!
//! - [`SeekingUnion`], for words beside filters: it matches and scores as tantivy's boolean
//!   union of optional clauses (the sum of the clauses matching a document), but moves each
//!   clause on its own when asked for a document further on. Tantivy's union buffers a window
//!   of 4,096 documents of every clause at each jump, which is the right trade when the union
//!   leads a search, and a costly one when it follows a few candidates that a radius, a need
//!   and a day already narrowed: every candidate then decodes a window of every word's
//!   postings. Here a jump costs one skip-list seek per clause.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

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

pub(super) struct SeekingUnionScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl SeekingUnionScorer {
    /// The union of `weights`' scorers in a segment, on its first document.
    pub(super) fn open(
        weights: &[Box<dyn Weight>],
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Box<dyn Scorer>> {
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
pub(super) fn added_exactly(scores: impl Iterator<Item = Score>) -> Score {
    scores.map(f64::from).sum::<f64>() as Score
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
